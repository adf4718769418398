#include <cstring>

#include "core/block_pool.hpp"
#include "core/message_pool.hpp"
#include "core/ring.hpp"
#include "core/handle.hpp"
#include "tests/framework/check.hpp"

using namespace tickwire::detail;

namespace {
struct PoolFixture {
    alignas(64) uint8_t memory[4 * 256];
    uint32_t free_stack[4];
    BlockPool pool;
    PoolFixture() { pool.init(memory, free_stack, 256, 4); }
};
} // namespace

TW_TEST(ring_starts_without_block_and_takes_one_on_demand) {
    PoolFixture f;
    Ring r;
    CHECK(!r.has_block());
    CHECK_EQ(r.free_space(256), 256u);
    REQUIRE(r.ensure_block(f.pool));
    CHECK_EQ(f.pool.in_use(), 1u);
    r.release_if_empty(f.pool);
    CHECK(!r.has_block());
    CHECK_EQ(f.pool.in_use(), 0u);
}

TW_TEST(ring_wraps_into_two_spans_and_back) {
    PoolFixture f;
    Ring r;
    REQUIRE(r.ensure_block(f.pool));
    uint8_t src[200];
    for (int i = 0; i < 200; ++i) src[i] = static_cast<uint8_t>(i);
    r.write(f.pool, src, 200);
    r.consumed(150);
    CHECK_EQ(r.used(), 50u);
    // 56 bytes to the end of the block, then wrap.
    r.write(f.pool, src, 100);
    RingSpan spans[2] = {};
    REQUIRE_EQ(r.readable(f.pool, spans), 2);
    CHECK_EQ(spans[0].size, 106u);
    CHECK_EQ(spans[1].size, 44u);
    uint8_t out[150];
    r.peek(f.pool, 0, out, 150);
    CHECK_EQ(out[0], 150);
    CHECK_EQ(out[49], 199);
    CHECK_EQ(out[50], 0);
    CHECK_EQ(out[149], 99);
    RingSpan w[2] = {};
    REQUIRE_EQ(r.writable(f.pool, w), 1);
    CHECK_EQ(w[0].size, 106u);
}

TW_TEST(ring_full_has_no_free_space_and_counters_wrap) {
    PoolFixture f;
    Ring r;
    REQUIRE(r.ensure_block(f.pool));
    r.head = r.tail = 0xffffff00u;  // free-running counters near the uint32 wrap
    uint8_t src[256] = {};
    r.write(f.pool, src, 256);
    CHECK_EQ(r.used(), 256u);
    CHECK_EQ(r.free_space(256), 0u);
    RingSpan w[2] = {};
    CHECK_EQ(r.writable(f.pool, w), 0);
    r.consumed(256);
    CHECK(r.empty());
}

TW_TEST(block_pool_exhausts_and_recovers) {
    PoolFixture f;
    uint32_t got[4];
    for (int i = 0; i < 4; ++i) got[i] = f.pool.acquire();
    CHECK(f.pool.empty());
    CHECK_EQ(f.pool.acquire(), kNone);
    CHECK_EQ(f.pool.high_water(), 4u);
    f.pool.release(got[2]);
    CHECK_EQ(f.pool.acquire(), got[2]);
    for (int i = 0; i < 4; ++i) CHECK(got[i] < 4u);
}

TW_TEST(message_pool_generation_rejects_stale_handles) {
    alignas(64) uint8_t mem[2 * 64];
    uint32_t free_stack[2], gens[2];
    MessagePool p;
    p.init(mem, free_stack, gens, 64, 2);
    const uint64_t a = p.acquire();
    const uint64_t b = p.acquire();
    CHECK(a != 0 && b != 0 && a != b);
    CHECK_EQ(p.acquire(), 0u);
    CHECK_EQ(p.misses(), 1u);
    CHECK(p.data(a) != nullptr);
    CHECK(p.release(a));
    CHECK(!p.release(a));          // twice: refused
    CHECK(p.data(a) == nullptr);   // stale
    const uint64_t c = p.acquire();
    CHECK(c != a);                 // same slot, new generation
    CHECK_EQ(handle_index(c), handle_index(a));
    CHECK(p.data(c) != nullptr);
}

TW_TEST(handles_never_zero_and_generation_wraps_past_zero) {
    CHECK(make_handle(0, 1) != 0u);
    CHECK_EQ(next_gen(0xffffffffu), 1u);
    CHECK_EQ(handle_index(make_handle(77, 9)), 77u);
    CHECK_EQ(handle_gen(make_handle(77, 9)), 9u);
}
