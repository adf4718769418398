// The arena and required_memory at the edges of the address space: a Config is 32-bit counts
// times 32-bit sizes, which a 32-bit size_t cannot always hold. Such a layout must be refused
// (required_memory 0, init InvalidArgument), never wrapped into a small buffer that the tables
// then overrun. Run on armhf by tests/cross/run_qemu.sh, where the 32-bit branches are live.
#include <cstdint>

#include "core/arena.hpp"
#include "tests/framework/check.hpp"
#include "tickwire/tickwire.hpp"

using tickwire::detail::Arena;

TW_TEST(core_arena_lays_out_aligned_tables_and_measures_them) {
    Arena a;
    (void)a.take<uint8_t>(3);
    (void)a.take<uint64_t>(2);
    CHECK_EQ(a.used(), size_t{8 + 16});
    (void)a.take_bytes(1, 64);
    CHECK_EQ(a.used(), size_t{65});
    CHECK(!a.too_big());
    alignas(64) static uint8_t buffer[128];
    Arena carve(buffer, sizeof buffer);
    auto* p = carve.take<uint32_t>(4, 64);
    CHECK(p == reinterpret_cast<uint32_t*>(buffer));
    (void)carve.take<uint8_t>(200);
    CHECK(carve.overflowed());
    CHECK(!carve.too_big());
}

TW_TEST(core_arena_refuses_sizes_beyond_size_t) {
    Arena a;
    (void)a.take<uint64_t>(UINT64_MAX / 4);  // count x size overflows 64 bits
    CHECK(a.too_big());
    Arena b;
    (void)b.take_bytes(16, 1);
    CHECK(!b.too_big());
    (void)b.take_bytes(SIZE_MAX - 8, 1);  // past the end of the address space
    CHECK(b.too_big());
    CHECK(b.overflowed());
    Arena c;
    (void)c.take_bytes(uint64_t{SIZE_MAX} + (sizeof(size_t) < 8 ? 1 : 0), 1);
    CHECK_EQ(c.too_big(), sizeof(size_t) < 8);  // 2^32 bytes: too big only where size_t is 32-bit
}

TW_TEST(core_required_memory_refuses_what_the_cpu_cannot_address) {
    tickwire::Config cfg;
    cfg.ring_block_count = 65536;  // 65536 blocks x 64 KiB = 4 GiB of rings
    cfg.ring_block_size = 65536;
    const size_t need = tickwire::Context::required_memory(cfg);
    if (sizeof(size_t) < 8) {
        CHECK_EQ(need, size_t{0});  // it used to wrap to a few hundred KiB here
        tickwire::Context ctx;
        CHECK_EQ(ctx.init(cfg), tickwire::Error::InvalidArgument);
    } else {
        CHECK(need > (uint64_t{1} << 32));
    }
}

TW_TEST(core_required_memory_refuses_counts_whose_sums_would_wrap) {
    tickwire::Config cfg;
    cfg.max_timers = UINT32_MAX;  // timers + connections + dialers + listeners would wrap
    CHECK_EQ(tickwire::Context::required_memory(cfg), size_t{0});
    tickwire::Context ctx;
    CHECK_EQ(ctx.init(cfg), tickwire::Error::InvalidArgument);
    cfg.max_timers = (1u << 30) - 1;  // the largest count accepted
    cfg.max_listeners = (1u << 30) - 1;
    CHECK(sizeof(size_t) < 8 ? tickwire::Context::required_memory(cfg) == 0
                             : tickwire::Context::required_memory(cfg) > (uint64_t{1} << 30));
}
