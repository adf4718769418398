// The constrained-device profile (tickwire/device_profile.hpp): its arena stays within the RAM
// budget it promises, and it carries WebSocket traffic within its limits (4 connections, one
// 2 KiB block per direction). The README formula is checked for it in memory_test.cpp.
#include <cstring>

#include "tests/loopback/harness.hpp"
#include "tickwire/device_profile.hpp"

using namespace tickwire;
using tw_test::EventLog;
using tw_test::pump;

namespace {
void* refuse_alloc(size_t, size_t, void* user) {
    ++*static_cast<int*>(user);
    return nullptr;
}
void refuse_free(void*, size_t, size_t, void*) {}

alignas(64) unsigned char g_device_ram[kDeviceProfileBudget];
} // namespace

TW_TEST(device_profile_fits_its_ram_budget) {
    Config cfg = device_profile();
    const size_t need = Context::required_memory(cfg);
    REQUIRE(need > 0);
    CHECK(need <= kDeviceProfileBudget);
    std::printf("    device profile: required_memory %zu of a %zu-byte budget\n", need, kDeviceProfileBudget);
    int allocations = 0;  // the buffer is all it may use
    cfg.allocator.allocate = refuse_alloc;
    cfg.allocator.deallocate = refuse_free;
    cfg.allocator.user = &allocations;
    Context ctx;
    REQUIRE_EQ(ctx.init(cfg, g_device_ram, sizeof g_device_ram), Error::Ok);
    CHECK_EQ(allocations, 0);
    CHECK(ctx.stats().memory_bytes <= kDeviceProfileBudget);
}

TW_TEST(device_profile_carries_websocket_within_its_limits) {
    Context ctx;
    REQUIRE_EQ(ctx.init(device_profile(), g_device_ram, sizeof g_device_ram), Error::Ok);
    auto l = ctx.listen("ws://127.0.0.1:0/dev");
    REQUIRE_EQ(l.error, Error::Ok);
    char url[64];
    std::snprintf(url, sizeof url, "ws://127.0.0.1:%u/dev", ctx.listener_port(l.value));
    static EventLog log;
    log.clear();
    Conn clients[2];
    for (Conn& c : clients) {
        auto d = ctx.dial(url);
        REQUIRE_EQ(d.error, Error::Ok);
        c = d.value;
    }
    // Two clients and their two server ends: all 4 connections of the profile.
    REQUIRE(pump(ctx, log, 3000, [&] {
        return log.count_of(EventType::Accepted) == 2 && log.count_of(EventType::Connected) == 2;
    }, [](const Event&) {}));
    CHECK_EQ(ctx.dial(url).error, Error::NoConnectionSlot);

    // A message that nearly fills a block goes through; one that cannot fit a block is refused
    // whole, and the connection stays usable.
    static uint8_t big[2048];
    for (size_t i = 0; i < sizeof big; ++i) big[i] = static_cast<uint8_t>(i * 7);
    const size_t fits = 2048 - 8;  // 2 KiB less the client's frame header (2 + 2 length + 4 mask)
    CHECK_EQ(clients[0].send_binary(big, fits + 1), Error::TooLarge);
    REQUIRE_EQ(clients[0].send_binary(big, fits), Error::Ok);
    size_t got = 0;
    bool same = false;
    REQUIRE(pump(ctx, log, 3000, [&] { return got != 0; }, [&](const Event& ev) {
        if (ev.type != EventType::Data) return;
        ReadView v;
        while (ev.conn.try_read(v) == Read::Message) {
            got = v.size;
            same = v.size == fits && std::memcmp(v.data, big, fits) == 0;
            v.release();
        }
    }));
    CHECK_EQ(got, fits);
    CHECK(same);
}
