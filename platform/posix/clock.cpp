#include "../clock.hpp"

#include <time.h>

namespace tickwire::platform {

int64_t monotonic_us() noexcept {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

} // namespace tickwire::platform
