#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <vector>

#include "sandbox/setup_result.h"

namespace ps::sandbox {

// Where an isolated (`python -I`) run of `interpreter` imports from, worked out the way CPython's
// getpath and site.py do, from the interpreter's own location, WITHOUT running it: running it to
// print sys.path would already execute the sitecustomize.py and .pth files of the tree this is
// meant to vet (and as the supervisor, often root). For PREFIX/bin/pythonX.Y:
// PREFIX/lib/pythonXY.zip, PREFIX/lib/pythonX.Y (the standard library, landmark os.py), its
// lib-dynload, and the site directories site.py adds for PREFIX (site-packages, and Debian's
// dist-packages, also under PREFIX/local). -I ignores PYTHONPATH/PYTHONHOME and the user site. Only
// entries that exist.
struct InterpreterSysPath {
  std::filesystem::path standardLibrary;
  std::vector<std::filesystem::path> siteDirectories;  // existing ones
  std::vector<std::filesystem::path> others;           // the zip, lib-dynload (existing)
};
InterpreterSysPath staticSysPath(const std::filesystem::path& interpreter);

// Refuses a tree another user could change: every sys.path directory and each of its parents up to
// `/` must be owned by root or `owner` and writable by nobody else (a parent with the sticky bit
// may be world-writable: nobody else can rename or replace an entry they do not own there). The
// standard library, which every run imports from (site, encodings, os, ...), is checked down to
// every file; a site directory with its direct entries (.pth files, sitecustomize.py). Symlinks
// are checked at their target. A pyvenv.cfg or ._pth file beside the interpreter, which would
// move sys.path elsewhere, is refused. nullopt = safe.
SetupStatus checkInterpreterTree(const std::filesystem::path& interpreter, uid_t owner);

}  // namespace ps::sandbox
