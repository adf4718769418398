// Graceful close (SpSocket::drain): queued messages, a large one included, reach the peer before
// the pipes close (tcp and ws); a peer that never reads is cut off after the linger time; the
// pipe queries follow peers coming and going.
#include <cstring>
#include <string>

#include "tests/loopback/harness.hpp"
#include "tickwire/sp.hpp"

using namespace tickwire;

namespace {

Config cfg() {
    Config c;
    c.max_connections = 64;
    c.ring_block_count = 256;
    c.message_slots = 16;
    c.message_slot_size = 128 * 1024;
    c.reconnect_min_ms = 20;
    c.reconnect_max_ms = 40;
    return c;
}

template <typename Pred>
bool run(Context& ctx, int max_ms, Pred pred) { return tw_test::run_until(ctx, max_ms, pred, 1); }

void drain_delivers(const char* scheme) {
    Context ctx;
    REQUIRE_EQ(ctx.init(cfg()), Error::Ok);
    SpSocket push, pull;
    REQUIRE_EQ(push.open(ctx, SpPattern::Push), Error::Ok);
    REQUIRE_EQ(pull.open(ctx, SpPattern::Pull), Error::Ok);
    char url[64];
    std::snprintf(url, sizeof url, "%s://127.0.0.1:0", scheme);
    auto l = pull.listen(url);
    REQUIRE(l.ok());
    std::snprintf(url, sizeof url, "%s://127.0.0.1:%u/", scheme, ctx.listener_port(l.value));
    REQUIRE(push.dial(url).ok());
    REQUIRE(run(ctx, 2000, [&] { return push.ready_pipes() == 1; }));
    CHECK_EQ(push.pipes_added(), 1u);
    std::string big(100000, '\0');
    for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(tw_test::pattern(9, i));
    REQUIRE_EQ(push.send(big.data(), big.size()), Error::Ok);  // still going out at drain()
    int queued = 0;
    while (queued < 50 && push.send("tail", 4) == Error::Ok) ++queued;
    REQUIRE_EQ(push.drain(2000), Error::Ok);
    CHECK_EQ(push.send("more", 4), Error::WrongState);
    bool got_big = false;
    int tails = 0;
    CHECK(run(ctx, 3000, [&] {
        SpMessage m;
        while (pull.try_read(m) == Read::Message) {
            if (m.size == big.size()) got_big = std::memcmp(m.data, big.data(), big.size()) == 0;
            else tails += m.size == 4;
            m.release();
        }
        return push.drained() && got_big && tails == queued;
    }));
    CHECK(got_big);
    CHECK_EQ(tails, queued);
    CHECK(push.drained());
    CHECK_EQ(push.ready_pipes(), 0u);
    // The dialer does not come back after a drain.
    (void)run(ctx, 100, [] { return false; });
    CHECK_EQ(pull.ready_pipes(), 0u);
    push.close();
}

} // namespace

TW_TEST(sp_drain_delivers_queued_messages_tcp) { drain_delivers("tcp"); }
TW_TEST(sp_drain_delivers_queued_messages_ws) { drain_delivers("ws"); }

TW_TEST(sp_drain_cuts_a_stuck_peer_after_linger) {
    Context ctx;
    REQUIRE_EQ(ctx.init(cfg()), Error::Ok);
    SpSocket push, pull;
    REQUIRE_EQ(push.open(ctx, SpPattern::Push), Error::Ok);
    REQUIRE_EQ(pull.open(ctx, SpPattern::Pull), Error::Ok);  // never read: its kernel buffer fills
    auto l = pull.listen("tcp://127.0.0.1:0");
    REQUIRE(l.ok());
    char url[64];
    std::snprintf(url, sizeof url, "tcp://127.0.0.1:%u", ctx.listener_port(l.value));
    REQUIRE(push.dial(url).ok());
    REQUIRE(run(ctx, 2000, [&] { return push.ready_pipes() == 1; }));
    static char chunk[8000];
    bool blocked = false;
    (void)run(ctx, 300, [&] {  // fill the rings and both kernel buffers
        while (push.send(chunk, sizeof chunk) == Error::Ok) {}
        blocked = true;  // WouldBlock: the peer is not reading
        return false;
    });
    REQUIRE(blocked);
    REQUIRE_EQ(push.drain(150), Error::Ok);
    const int64_t t0 = ctx.now_us();
    (void)run(ctx, 60, [] { return false; });
    CHECK(!push.drained());  // still trying to deliver
    CHECK(run(ctx, 2000, [&] { return push.drained(); }));
    CHECK(ctx.now_us() - t0 >= 140000);
    Conn list[4];
    CHECK_EQ(push.pipes(list, 4), 0u);
    CHECK_EQ(push.pipes_added() - push.ready_pipes(), 1u);
}

TW_TEST(sp_pipes_query) {
    Context ctx;
    REQUIRE_EQ(ctx.init(cfg()), Error::Ok);
    SpSocket bus, a, b;
    REQUIRE_EQ(bus.open(ctx, SpPattern::Bus), Error::Ok);
    REQUIRE_EQ(a.open(ctx, SpPattern::Bus), Error::Ok);
    REQUIRE_EQ(b.open(ctx, SpPattern::Bus), Error::Ok);
    auto l = bus.listen("tcp://127.0.0.1:0");
    REQUIRE(l.ok());
    char url[64];
    std::snprintf(url, sizeof url, "tcp://127.0.0.1:%u", ctx.listener_port(l.value));
    REQUIRE(a.dial(url).ok());
    REQUIRE(b.dial(url).ok());
    REQUIRE(run(ctx, 2000, [&] { return bus.ready_pipes() == 2; }));
    Conn list[4];
    REQUIRE_EQ(bus.pipes(list, 4), 2u);
    CHECK(list[0] != list[1]);
    CHECK_EQ(bus.send_to(list[1], "only you", 8), Error::Ok);
    CHECK_EQ(bus.pipes(list, 1), 1u);  // capped
    a.close();
    REQUIRE(run(ctx, 2000, [&] { return bus.ready_pipes() == 1; }));
    CHECK_EQ(bus.pipes_added(), 2u);
    CHECK_EQ(bus.pipes_added() - bus.ready_pipes(), 1u);
}
