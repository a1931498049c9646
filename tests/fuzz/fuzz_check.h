#pragma once

#include <cstdio>
#include <cstdlib>

// A property a fuzz target asserts. Unlike assert() it stays in release builds, and it prints
// which property broke before aborting, so a crash report and a corpus replay both name it.
#define FUZZ_CHECK(condition)                                                                     \
  do {                                                                                            \
    if (!(condition)) {                                                                           \
      std::fprintf(stderr, "fuzz property failed: %s (%s:%d)\n", #condition, __FILE__, __LINE__); \
      std::abort();                                                                               \
    }                                                                                             \
  } while (false)
