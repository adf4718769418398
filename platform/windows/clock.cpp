#include "../clock.hpp"

#include "winsock_headers.hpp"

namespace tickwire::platform {

// QueryPerformanceCounter: monotonic, and its frequency is fixed at boot.
int64_t monotonic_us() noexcept {
    static int64_t frequency = 0;
    if (frequency == 0) {
        LARGE_INTEGER f;
        QueryPerformanceFrequency(&f);
        frequency = f.QuadPart > 0 ? f.QuadPart : 1;
    }
    LARGE_INTEGER now;
    QueryPerformanceCounter(&now);
    // Split so that ticks * 1e6 cannot overflow for counters that run for years.
    const int64_t seconds = now.QuadPart / frequency;
    const int64_t rest = now.QuadPart % frequency;
    return seconds * 1000000 + rest * 1000000 / frequency;
}

} // namespace tickwire::platform
