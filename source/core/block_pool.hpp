// The pool of ring blocks: fixed-size, power-of-two byte blocks, handed to a connection while it
// has bytes in flight in one direction and taken back when that direction is empty.
#pragma once
#include <cstddef>
#include <cstdint>

#include "handle.hpp"

namespace tickwire::detail {

class BlockPool {
public:
    void init(uint8_t* memory, uint32_t* free_stack, uint32_t block_size, uint32_t count) noexcept {
        memory_ = memory;
        free_ = free_stack;
        block_size_ = block_size;
        count_ = count;
        free_count_ = count;
        for (uint32_t i = 0; i < count; ++i) free_[i] = count - 1 - i;  // hand out block 0 first
        high_water_ = 0;
    }

    // Blocks that reading may not take: kept for sending. Without it, a pool drained by reads
    // whose data waits to be answered (an echo, a reply, a forward) deadlocks: every block holds
    // a request, and no response can get a block to leave through.
    void set_read_reserve(uint32_t n) noexcept { read_reserve_ = n < count_ ? n : 0; }

    // A free block's index, or kNone when the pool is empty.
    uint32_t acquire() noexcept {
        if (free_count_ == 0) return kNone;
        const uint32_t b = free_[--free_count_];
        if (in_use() > high_water_) high_water_ = in_use();
        return b;
    }
    // For reading: kNone also when only the send reserve is left.
    uint32_t acquire_for_read() noexcept { return can_read() ? acquire() : kNone; }
    bool can_read() const noexcept { return free_count_ > read_reserve_; }
    void release(uint32_t block) noexcept { free_[free_count_++] = block; }

    uint8_t* data(uint32_t block) const noexcept { return memory_ + static_cast<size_t>(block) * block_size_; }
    uint32_t block_size() const noexcept { return block_size_; }
    uint32_t in_use() const noexcept { return count_ - free_count_; }
    uint32_t high_water() const noexcept { return high_water_; }
    bool empty() const noexcept { return free_count_ == 0; }

private:
    uint8_t* memory_ = nullptr;
    uint32_t* free_ = nullptr;
    uint32_t block_size_ = 0;
    uint32_t count_ = 0;
    uint32_t free_count_ = 0;
    uint32_t high_water_ = 0;
    uint32_t read_reserve_ = 0;
};

} // namespace tickwire::detail
