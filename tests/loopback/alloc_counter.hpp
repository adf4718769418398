// Counts every heap allocation the process makes: through the sanitizer runtime's malloc hooks
// in sanitizer builds, by interposing malloc & co. (glibc's __libc_* underneath) otherwise.
// operator new goes through malloc, so it is counted too.
#pragma once
#include <cstdint>

namespace tw_test {
// Allocations made since the process started (calls to malloc, calloc, realloc, memalign...).
uint64_t allocation_count();
// Whether allocation_count() counts in this build (sanitizers, glibc); not with Windows' CRT.
bool allocation_counting();
} // namespace tw_test
