#pragma once

#include <CLI/CLI.hpp>

namespace ps::cli {

// A subcommand's callback ends with this when it exits non-zero: CLI11 carries the code out of
// parse() and runApp returns it.
[[noreturn]] void exitWith(int code);

// Parses and runs `app`: help exits 0, a usage error prints CLI11's message and exits 2, a
// subcommand's exitWith(code) exits code.
int runApp(CLI::App& app, int argc, char** argv);

}  // namespace ps::cli
