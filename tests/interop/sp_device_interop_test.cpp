// Our device (raw REP front + raw REQ back, sp_forward) between real peers: nngcat requesters in
// front, a nanocat replier behind (the backtrace carries our pipe id through nanomsg and back),
// and NNG's pair v1 (hop count header) both ways with nngcat --pair1.
#include <cstring>

#include "tests/interop/sp_peer_process.hpp"
#include "tests/loopback/harness.hpp"
#include "tickwire/sp.hpp"

using namespace tickwire;
using tw_test::SpPeer;

namespace {

Config cfg() {
    Config c;
    c.max_connections = 32;
    c.ring_block_count = 64;
    c.message_slots = 16;
    c.reconnect_min_ms = 20;
    c.reconnect_max_ms = 100;
    return c;
}

template <typename Pred>
bool run(Context& ctx, int max_ms, Pred pred) { return tw_test::run_until(ctx, max_ms, pred, 5); }

void tcp_url(char* out, size_t cap) {
    std::snprintf(out, cap, "tcp://127.0.0.1:%u", static_cast<unsigned>(tw_test::free_tcp_port()));
}

} // namespace

TW_TEST(sp_device_interop_nngcat_clients_nanocat_server) {
    Context ctx;
    REQUIRE_EQ(ctx.init(cfg()), Error::Ok);
    SpOptions raw;
    raw.raw = true;
    SpSocket front, back;
    REQUIRE_EQ(front.open(ctx, SpPattern::Rep, raw), Error::Ok);
    REQUIRE_EQ(back.open(ctx, SpPattern::Req, raw), Error::Ok);
    REQUIRE_EQ(sp_forward(front, back), Error::Ok);
    char front_url[64], back_url[64];
    tcp_url(front_url, sizeof front_url);
    tcp_url(back_url, sizeof back_url);
    REQUIRE(front.listen(front_url).ok());
    REQUIRE(back.listen(back_url).ok());
    SpPeer server, c1, c2;
    const char* sv[] = {"/usr/bin/nanocat", "--rep", "--connect", back_url, "--data", "pong", "-Q", nullptr};
    const char* a1[] = {"/usr/bin/nngcat", "--req", "--connect", front_url, "--data", "ping-1", "--interval", "1", "-Q", nullptr};
    const char* a2[] = {"/usr/bin/nngcat", "--req", "--connect", front_url, "--data", "ping-2", "--interval", "1", "-Q", nullptr};
    REQUIRE(server.start(sv));
    REQUIRE(c1.start(a1));
    REQUIRE(c2.start(a2));
    CHECK(run(ctx, 6000, [&] { return c1.printed("\"pong\"\n") && c2.printed("\"pong\"\n"); }));
    CHECK(run(ctx, 1000, [&] { return server.printed("\"ping-1\"\n") && server.printed("\"ping-2\"\n"); }));
    CHECK_EQ(front.pipe_failures() + back.pipe_failures(), 0u);
}

TW_TEST(sp_interop_pair1_with_nngcat_both_ways) {
    Context ctx;
    REQUIRE_EQ(ctx.init(cfg()), Error::Ok);
    SpSocket pair;
    REQUIRE_EQ(pair.open(ctx, SpPattern::Pair1), Error::Ok);
    char url[64];
    tcp_url(url, sizeof url);
    REQUIRE(pair.listen(url).ok());
    SpPeer peer;
    const char* argv[] = {"/usr/bin/nngcat", "--pair1", "--connect", url, "--data", "from nng", "--interval", "1", "-Q", nullptr};
    REQUIRE(peer.start(argv));
    REQUIRE(run(ctx, 5000, [&] { return pair.ready_pipes() == 1; }));
    bool got = false;
    int64_t next = 0;
    CHECK(run(ctx, 5000, [&] {
        SpMessage m;
        while (pair.try_read(m) == Read::Message) {
            got = got || (m.size == 8 && std::memcmp(m.data, "from nng", 8) == 0);
            m.release();
        }
        if (ctx.now_us() >= next) {
            CHECK_EQ(pair.send("from us", 7), Error::Ok);
            next = ctx.now_us() + 200000;
        }
        return got && peer.printed("\"from us\"\n");
    }));
    CHECK_EQ(pair.pipe_failures(), 0u);
}
