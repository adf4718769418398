#include "core/timer_heap.hpp"
#include "tests/framework/check.hpp"

using namespace tickwire::detail;

namespace {
struct Fixture {
    int64_t deadlines[64];
    uint32_t pos[64], heap[64];
    TimerHeap t;
    Fixture() { t.init(deadlines, pos, heap, 64); }
};
} // namespace

TW_TEST(timer_heap_pops_in_deadline_order) {
    Fixture f;
    const int64_t when[] = {50, 10, 40, 30, 20, 60, 5};
    for (uint32_t i = 0; i < 7; ++i) f.t.arm(i, when[i]);
    CHECK_EQ(f.t.next_deadline(), 5);
    CHECK_EQ(f.t.pop_due(4), kNone);
    int64_t last = 0;
    int popped = 0;
    for (;;) {
        const uint32_t id = f.t.pop_due(100);
        if (id == kNone) break;
        CHECK(when[id] >= last);
        last = when[id];
        ++popped;
    }
    CHECK_EQ(popped, 7);
    CHECK_EQ(f.t.next_deadline(), TimerHeap::kNever);
}

TW_TEST(timer_heap_rearm_and_cancel) {
    Fixture f;
    f.t.arm(1, 100);
    f.t.arm(2, 200);
    f.t.arm(3, 300);
    f.t.arm(3, 50);  // moved earlier
    CHECK_EQ(f.t.pop_due(1000), 3u);
    f.t.cancel(1);
    CHECK(!f.t.armed(1));
    CHECK_EQ(f.t.pop_due(1000), 2u);
    CHECK_EQ(f.t.pop_due(1000), kNone);
    f.t.cancel(1);  // cancelling twice is harmless
    CHECK_EQ(f.t.size(), 0u);
}

TW_TEST(timer_heap_random_order_matches_sorted) {
    Fixture f;
    uint64_t x = 88172645463325252ull;
    int64_t when[64];
    for (uint32_t i = 0; i < 64; ++i) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        when[i] = static_cast<int64_t>(x % 1000);
        f.t.arm(i, when[i]);
    }
    for (uint32_t i = 0; i < 64; i += 3) f.t.cancel(i);
    int64_t last = -1;
    uint32_t count = 0;
    for (uint32_t id; (id = f.t.pop_due(2000)) != kNone;) {
        CHECK(id % 3 != 0);
        CHECK(when[id] >= last);
        last = when[id];
        ++count;
    }
    CHECK_EQ(count, 42u);
}
