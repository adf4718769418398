// Deadlines: a fixed set of timer records (user timers, one per connection, one per listener,
// the DNS client) ordered by a binary min-heap of record ids. Arming, moving and cancelling a
// record are O(log n); nothing is allocated.
#pragma once
#include <cstdint>

#include "handle.hpp"

namespace tickwire::detail {

class TimerHeap {
public:
    static constexpr int64_t kNever = INT64_MAX;

    void init(int64_t* deadlines, uint32_t* positions, uint32_t* heap, uint32_t records) noexcept;

    // Arms (or moves) record `id` to `deadline_us`.
    void arm(uint32_t id, int64_t deadline_us) noexcept;
    void cancel(uint32_t id) noexcept;
    bool armed(uint32_t id) const noexcept { return pos_[id] != kNone; }
    int64_t deadline(uint32_t id) const noexcept { return deadline_[id]; }

    // Earliest deadline, or kNever.
    int64_t next_deadline() const noexcept { return size_ ? deadline_[heap_[0]] : kNever; }
    // Pops the earliest record if it is due at `now_us`; kNone otherwise.
    uint32_t pop_due(int64_t now_us) noexcept;
    uint32_t size() const noexcept { return size_; }

private:
    void swap_at(uint32_t a, uint32_t b) noexcept;
    void sift_up(uint32_t i) noexcept;
    void sift_down(uint32_t i) noexcept;
    void remove_at(uint32_t i) noexcept;

    int64_t* deadline_ = nullptr;
    uint32_t* pos_ = nullptr;   // record -> heap position, kNone when not armed
    uint32_t* heap_ = nullptr;  // heap position -> record
    uint32_t records_ = 0;
    uint32_t size_ = 0;
};

} // namespace tickwire::detail
