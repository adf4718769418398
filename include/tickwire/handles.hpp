// Handles: connections, listeners and timers are named by a slot index plus a generation count.
// When a slot is reused its generation changes, so an old handle is answered with
// Error::InvalidHandle instead of touching someone else's connection.
#pragma once
#include <cstdint>

namespace tickwire {

struct ListenerId {
    uint64_t value = 0;  // 0 is never a valid handle
    bool valid() const noexcept { return value != 0; }
    friend bool operator==(ListenerId a, ListenerId b) noexcept { return a.value == b.value; }
    friend bool operator!=(ListenerId a, ListenerId b) noexcept { return a.value != b.value; }
};

struct TimerId {
    uint64_t value = 0;
    bool valid() const noexcept { return value != 0; }
    friend bool operator==(TimerId a, TimerId b) noexcept { return a.value == b.value; }
    friend bool operator!=(TimerId a, TimerId b) noexcept { return a.value != b.value; }
};

} // namespace tickwire
