#pragma once
#include <cstddef>
namespace tickwire::platform {
// Fills `len` bytes from the operating system's entropy source (getrandom / BCryptGenRandom).
// Returns false if the OS cannot provide them.
bool fill_entropy(void* out, size_t len) noexcept;
}
