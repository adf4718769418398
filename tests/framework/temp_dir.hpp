// A fresh temporary directory for tests, on POSIX (mkdtemp) and on Windows (for the mingw build
// run under wine). `tmpl` ends in "XXXXXX", which is replaced; true when the directory exists.
#pragma once
#if defined(_WIN32)
#include <direct.h>
#include <io.h>
#include <string.h>
#else
#include <stdlib.h>
#endif

namespace tw_test {
inline bool make_temp_dir(char* tmpl) {
#if defined(_WIN32)
    return _mktemp_s(tmpl, strlen(tmpl) + 1) == 0 && _mkdir(tmpl) == 0;
#else
    return mkdtemp(tmpl) != nullptr;
#endif
}
} // namespace tw_test

// Aligned allocation for tests' allocator hooks (C11's aligned_alloc is not in Windows' CRT).
#include <cstdlib>
#if defined(_WIN32)
#include <malloc.h>
#endif
namespace tw_test {
inline void* aligned_malloc(size_t n, size_t align) {
#if defined(_WIN32)
    return _aligned_malloc(n, align);
#else
    return std::aligned_alloc(align, (n + align - 1) / align * align);
#endif
}
inline void aligned_free(void* p) {
#if defined(_WIN32)
    _aligned_free(p);
#else
    std::free(p);
#endif
}
} // namespace tw_test
