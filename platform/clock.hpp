#pragma once
#include <cstdint>
namespace tickwire::platform {
// Monotonic time in microseconds since an arbitrary start; never goes back.
int64_t monotonic_us() noexcept;
}
