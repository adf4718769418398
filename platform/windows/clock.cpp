#include "../clock.hpp"

#include "winsock_headers.hpp"

namespace tickwire::platform {

// QueryPerformanceCounter: monotonic, and its frequency is fixed at boot.
int64_t monotonic_us() noexcept {
    static const int64_t frequency = [] {  // once, thread-safe (contexts may live on several threads)
        LARGE_INTEGER f;
        QueryPerformanceFrequency(&f);
        return f.QuadPart > 0 ? static_cast<int64_t>(f.QuadPart) : int64_t{1};
    }();
    LARGE_INTEGER now;
    QueryPerformanceCounter(&now);
    // Split so that ticks * 1e6 cannot overflow for counters that run for years.
    const int64_t seconds = now.QuadPart / frequency;
    const int64_t rest = now.QuadPart % frequency;
    return seconds * 1000000 + rest * 1000000 / frequency;
}

} // namespace tickwire::platform
