// The work list: connections that have something to do in the next update (readable, bytes to
// send, waiting for a block). Each connection is in it at most once (its kConnListed flag), so a
// queue as long as the connection table never overflows. An idle connection costs nothing per
// update: only listed connections are visited.
#pragma once
#include <cstdint>

#include "core/fixed_queue.hpp"

namespace tickwire::detail {

class WorkList {
public:
    static constexpr uint16_t kListedFlag = 1;  // == kConnListed

    void init(uint32_t* storage, uint32_t capacity) noexcept { queue_.init(storage, capacity); }
    void push(uint32_t c, uint16_t& flags) noexcept {
        if (flags & kListedFlag) return;
        flags = static_cast<uint16_t>(flags | kListedFlag);
        (void)queue_.push(c);
    }
    // Takes the next connection; the caller clears its kConnListed flag.
    bool pop(uint32_t& c) noexcept { return queue_.pop(c); }
    uint32_t size() const noexcept { return queue_.size(); }

private:
    FixedQueue<uint32_t> queue_;
};

} // namespace tickwire::detail
