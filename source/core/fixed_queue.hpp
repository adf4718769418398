// A FIFO over caller-provided storage of fixed capacity. Used for the event queue and the
// work list; it never allocates and never grows.
#pragma once
#include <cstdint>

namespace tickwire::detail {

template <typename T>
class FixedQueue {
public:
    void init(T* storage, uint32_t capacity) noexcept {
        items_ = storage;
        capacity_ = capacity;
        head_ = count_ = 0;
    }
    uint32_t size() const noexcept { return count_; }
    uint32_t room() const noexcept { return capacity_ - count_; }
    bool push(const T& v) noexcept {
        if (count_ == capacity_) return false;
        uint32_t at = head_ + count_;
        if (at >= capacity_) at -= capacity_;
        items_[at] = v;
        ++count_;
        return true;
    }
    bool pop(T& out) noexcept {
        if (count_ == 0) return false;
        out = items_[head_];
        if (++head_ == capacity_) head_ = 0;
        --count_;
        return true;
    }

private:
    T* items_ = nullptr;
    uint32_t capacity_ = 0;
    uint32_t head_ = 0;
    uint32_t count_ = 0;
};

} // namespace tickwire::detail
