// The message pool: fixed slots of a fixed size. A slot is named by a handle with a generation,
// so releasing a message twice, or through a stale view, is harmless.
#pragma once
#include <cstddef>
#include <cstdint>

#include "handle.hpp"

namespace tickwire::detail {

class MessagePool {
public:
    void init(uint8_t* memory, uint32_t* free_stack, uint32_t* gens, uint32_t slot_size, uint32_t count) noexcept {
        memory_ = memory;
        free_ = free_stack;
        gens_ = gens;
        slot_size_ = slot_size;
        count_ = count;
        free_count_ = count;
        for (uint32_t i = 0; i < count; ++i) {
            free_[i] = count - 1 - i;
            gens_[i] = 1;
        }
    }

    // A slot's handle, or 0 when the pool is empty (counted as a miss).
    uint64_t acquire() noexcept {
        if (free_count_ == 0) { ++misses_; return 0; }
        const uint32_t i = free_[--free_count_];
        if (in_use() > high_water_) high_water_ = in_use();
        return make_handle(i, gens_[i]);
    }
    // The slot's bytes, or nullptr for a stale handle.
    uint8_t* data(uint64_t h) const noexcept {
        const uint32_t i = handle_index(h);
        if (i >= count_ || gens_[i] != handle_gen(h)) return nullptr;
        return memory_ + static_cast<size_t>(i) * slot_size_;
    }
    bool release(uint64_t h) noexcept {
        const uint32_t i = handle_index(h);
        if (i >= count_ || gens_[i] != handle_gen(h)) return false;
        gens_[i] = next_gen(gens_[i]);
        free_[free_count_++] = i;
        return true;
    }

    // A slot held by one owner can be named by its index alone (a tx loan does).
    static uint32_t index_of(uint64_t h) noexcept { return handle_index(h); }
    uint64_t handle_at(uint32_t i) const noexcept { return i < count_ ? make_handle(i, gens_[i]) : 0; }

    uint32_t slot_size() const noexcept { return slot_size_; }
    uint32_t in_use() const noexcept { return count_ - free_count_; }
    uint32_t high_water() const noexcept { return high_water_; }
    uint64_t misses() const noexcept { return misses_; }

private:
    uint8_t* memory_ = nullptr;
    uint32_t* free_ = nullptr;
    uint32_t* gens_ = nullptr;
    uint32_t slot_size_ = 0;
    uint32_t count_ = 0;
    uint32_t free_count_ = 0;
    uint32_t high_water_ = 0;
    uint64_t misses_ = 0;
};

} // namespace tickwire::detail
