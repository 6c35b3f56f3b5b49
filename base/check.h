// POLCHECK_CHECK: a broken invariant is a bug. Unlike assert it stays on in
// release builds, prints where it failed and aborts.
#pragma once

#include <cstdio>
#include <cstdlib>

#define POLCHECK_CHECK(cond)                                                            \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);     \
      std::abort();                                                                     \
    }                                                                                   \
  } while (false)
