#include "core/timer_heap.hpp"

namespace tickwire::detail {

void TimerHeap::init(int64_t* deadlines, uint32_t* positions, uint32_t* heap, uint32_t records) noexcept {
    deadline_ = deadlines;
    pos_ = positions;
    heap_ = heap;
    records_ = records;
    size_ = 0;
    for (uint32_t i = 0; i < records; ++i) {
        pos_[i] = kNone;
        deadline_[i] = kNever;
    }
}

void TimerHeap::swap_at(uint32_t a, uint32_t b) noexcept {
    const uint32_t ra = heap_[a], rb = heap_[b];
    heap_[a] = rb;
    heap_[b] = ra;
    pos_[rb] = a;
    pos_[ra] = b;
}

void TimerHeap::sift_up(uint32_t i) noexcept {
    while (i > 0) {
        const uint32_t parent = (i - 1) / 2;
        if (deadline_[heap_[parent]] <= deadline_[heap_[i]]) break;
        swap_at(i, parent);
        i = parent;
    }
}

void TimerHeap::sift_down(uint32_t i) noexcept {
    for (;;) {
        const uint32_t l = 2 * i + 1, r = l + 1;
        uint32_t m = i;
        if (l < size_ && deadline_[heap_[l]] < deadline_[heap_[m]]) m = l;
        if (r < size_ && deadline_[heap_[r]] < deadline_[heap_[m]]) m = r;
        if (m == i) return;
        swap_at(i, m);
        i = m;
    }
}

void TimerHeap::remove_at(uint32_t i) noexcept {
    const uint32_t id = heap_[i];
    const uint32_t last = size_ - 1;
    if (i != last) swap_at(i, last);
    --size_;
    pos_[id] = kNone;
    if (i < size_) {
        sift_down(i);
        sift_up(i);
    }
}

void TimerHeap::arm(uint32_t id, int64_t deadline_us) noexcept {
    if (id >= records_) return;
    deadline_[id] = deadline_us;
    if (pos_[id] == kNone) {
        heap_[size_] = id;
        pos_[id] = size_;
        ++size_;
        sift_up(size_ - 1);
    } else {
        sift_down(pos_[id]);
        sift_up(pos_[id]);
    }
}

void TimerHeap::cancel(uint32_t id) noexcept {
    if (id >= records_ || pos_[id] == kNone) return;
    remove_at(pos_[id]);
    deadline_[id] = kNever;
}

uint32_t TimerHeap::pop_due(int64_t now_us) noexcept {
    if (size_ == 0 || deadline_[heap_[0]] > now_us) return kNone;
    const uint32_t id = heap_[0];
    remove_at(0);
    return id;
}

} // namespace tickwire::detail
