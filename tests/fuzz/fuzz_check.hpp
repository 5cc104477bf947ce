// FUZZ_CHECK: an invariant of the code under fuzzing. Unlike assert() it is
// never compiled out, and it says which input property broke before it
// aborts, so libFuzzer saves the input as a crash.
#pragma once

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond, what)                                                           \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      std::fprintf(stderr, "invariant broken at %s:%d: %s (%s)\n", __FILE__, __LINE__, \
                   what, #cond);                                                         \
      std::abort();                                                                      \
    }                                                                                    \
  } while (0)
