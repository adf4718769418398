// Raw SP sockets and devices (sp_forward): a REQ/REP broker where replies find their requester
// through the pipe id the front pushed, a BUS reflector that never echoes, PUSH/PULL through a
// proxy, and pair v1 with its hop count (cooked, and raw through a device that adds a hop).
#include <cstring>
#include <string>

#include "tests/loopback/harness.hpp"
#include "tickwire/sp.hpp"

using namespace tickwire;

namespace {

Config device_config() {
    Config cfg;
    cfg.max_connections = 64;
    cfg.ring_block_count = 128;
    cfg.message_slots = 16;
    cfg.reconnect_min_ms = 20;
    cfg.reconnect_max_ms = 40;
    return cfg;
}

template <typename Pred>
bool run(Context& ctx, int max_ms, Pred pred) { return tw_test::run_until(ctx, max_ms, pred, 1); }

std::string listen_tcp(Context& ctx, SpSocket& s) {
    auto l = s.listen("tcp://127.0.0.1:0");
    if (!l) return "";
    char url[64];
    std::snprintf(url, sizeof url, "tcp://127.0.0.1:%u", ctx.listener_port(l.value));
    return url;
}

bool is(const SpMessage& m, const char* text) {
    return m.size == std::strlen(text) && std::memcmp(m.data, text, m.size) == 0;
}

} // namespace

TW_TEST(sp_device_req_rep_broker_routes_replies_back) {
    Context ctx;
    REQUIRE_EQ(ctx.init(device_config()), Error::Ok);
    SpOptions raw;
    raw.raw = true;
    SpSocket front, back, server, c1, c2;
    REQUIRE_EQ(front.open(ctx, SpPattern::Rep, raw), Error::Ok);
    REQUIRE_EQ(back.open(ctx, SpPattern::Req, raw), Error::Ok);
    REQUIRE_EQ(server.open(ctx, SpPattern::Rep), Error::Ok);
    REQUIRE_EQ(c1.open(ctx, SpPattern::Req), Error::Ok);
    REQUIRE_EQ(c2.open(ctx, SpPattern::Req), Error::Ok);
    CHECK_EQ(sp_forward(front, c1), Error::WrongState);       // c1 is not raw
    CHECK_EQ(sp_forward(front, front), Error::InvalidArgument);
    SpSocket pull;
    REQUIRE_EQ(pull.open(ctx, SpPattern::Pull, raw), Error::Ok);
    CHECK_EQ(sp_forward(front, pull), Error::InvalidArgument);  // not REP's peer
    REQUIRE_EQ(sp_forward(front, back), Error::Ok);
    CHECK_EQ(sp_forward(front, back), Error::WrongState);      // already forwarding
    const std::string front_url = listen_tcp(ctx, front);
    const std::string back_url = listen_tcp(ctx, back);
    REQUIRE(!front_url.empty() && !back_url.empty());
    REQUIRE(server.dial(back_url.c_str()).ok());
    REQUIRE(c1.dial(front_url.c_str()).ok());
    REQUIRE(c2.dial(front_url.c_str()).ok());
    REQUIRE_EQ(c1.send("from c1", 7), Error::Ok);
    REQUIRE_EQ(c2.send("from c2", 7), Error::Ok);
    int served = 0;
    bool r1 = false, r2 = false, wrong = false;
    CHECK(run(ctx, 3000, [&] {
        SpMessage m;
        while (server.try_read(m) == Read::Message) {
            // Through the device: our pipe id (top bit clear) + the client's request id.
            CHECK_EQ(m.backtrace_size, 8u);
            CHECK((m.backtrace[0] & 0x80) == 0);
            CHECK((m.backtrace[4] & 0x80) != 0);
            char answer[16];
            std::snprintf(answer, sizeof answer, "re: %.*s", static_cast<int>(m.size), reinterpret_cast<const char*>(m.data));
            CHECK_EQ(server.reply(m, answer, std::strlen(answer)), Error::Ok);
            ++served;
            m.release();
        }
        while (c1.try_read(m) == Read::Message) { r1 = r1 || is(m, "re: from c1"); wrong = wrong || !is(m, "re: from c1"); m.release(); }
        while (c2.try_read(m) == Read::Message) { r2 = r2 || is(m, "re: from c2"); wrong = wrong || !is(m, "re: from c2"); m.release(); }
        return r1 && r2;
    }));
    CHECK_EQ(served, 2);
    CHECK(!wrong);
    // A raw socket refuses cooked-only calls and takes raw sends.
    CHECK_EQ(c1.send_raw("", 0, "x", 1), Error::WrongState);
    // Closing one side ends the device; the other socket is usable again.
    back.close();
    SpSocket back2;
    REQUIRE_EQ(back2.open(ctx, SpPattern::Req, raw), Error::Ok);
    CHECK_EQ(sp_forward(front, back2), Error::Ok);
}

TW_TEST(sp_device_bus_reflector_and_push_pull_proxy) {
    Context ctx;
    REQUIRE_EQ(ctx.init(device_config()), Error::Ok);
    SpOptions raw;
    raw.raw = true;
    // BUS: a device between two raw buses; three members on one side, one on the other.
    SpSocket hub_a, hub_b, m1, m2, m3, far;
    REQUIRE_EQ(hub_a.open(ctx, SpPattern::Bus, raw), Error::Ok);
    REQUIRE_EQ(hub_b.open(ctx, SpPattern::Bus, raw), Error::Ok);
    REQUIRE_EQ(sp_forward(hub_a, hub_b), Error::Ok);
    const std::string a_url = listen_tcp(ctx, hub_a), b_url = listen_tcp(ctx, hub_b);
    for (SpSocket* s : {&m1, &m2, &m3}) {
        REQUIRE_EQ(s->open(ctx, SpPattern::Bus), Error::Ok);
        REQUIRE(s->dial(a_url.c_str()).ok());
    }
    REQUIRE_EQ(far.open(ctx, SpPattern::Bus), Error::Ok);
    REQUIRE(far.dial(b_url.c_str()).ok());
    REQUIRE(run(ctx, 2000, [&] { return hub_a.ready_pipes() == 3 && hub_b.ready_pipes() == 1; }));
    REQUIRE_EQ(m1.send("hi", 2), Error::Ok);
    int got[4] = {};
    (void)run(ctx, 300, [&] {
        SpSocket* all[4] = {&m1, &m2, &m3, &far};
        for (int i = 0; i < 4; ++i) {
            SpMessage m;
            while (all[i]->try_read(m) == Read::Message) { got[i] += is(m, "hi"); m.release(); }
        }
        return false;
    });
    // hub_a hears m1 and sends it to hub_b's side only (the device forwards, a raw BUS send
    // skips the pipe named in the header): m2/m3 are not m1's direct peers on a bus.
    CHECK_EQ(got[0], 0);  // never echoed back
    CHECK_EQ(got[3], 1);
    CHECK_EQ(got[1] + got[2], 0);
    REQUIRE_EQ(far.send("back", 4), Error::Ok);
    int back = 0;
    CHECK(run(ctx, 2000, [&] {
        SpSocket* all[3] = {&m1, &m2, &m3};
        for (SpSocket* s : all) {
            SpMessage m;
            while (s->try_read(m) == Read::Message) { back += is(m, "back"); m.release(); }
        }
        return back == 3;
    }));

    // PUSH -> [raw PULL | raw PUSH] -> two pullers: balanced through the proxy.
    SpSocket in, out, pusher, p1, p2;
    REQUIRE_EQ(in.open(ctx, SpPattern::Pull, raw), Error::Ok);
    REQUIRE_EQ(out.open(ctx, SpPattern::Push, raw), Error::Ok);
    REQUIRE_EQ(sp_forward(in, out), Error::Ok);
    const std::string in_url = listen_tcp(ctx, in), out_url = listen_tcp(ctx, out);
    REQUIRE_EQ(pusher.open(ctx, SpPattern::Push), Error::Ok);
    REQUIRE(pusher.dial(in_url.c_str()).ok());
    REQUIRE_EQ(p1.open(ctx, SpPattern::Pull), Error::Ok);
    REQUIRE_EQ(p2.open(ctx, SpPattern::Pull), Error::Ok);
    REQUIRE(p1.dial(out_url.c_str()).ok());
    REQUIRE(p2.dial(out_url.c_str()).ok());
    REQUIRE(run(ctx, 2000, [&] { return out.ready_pipes() == 2 && pusher.ready_pipes() == 1; }));
    for (int i = 0; i < 10; ++i) REQUIRE_EQ(pusher.send("job", 3), Error::Ok);
    int n1 = 0, n2 = 0;
    CHECK(run(ctx, 2000, [&] {
        SpMessage m;
        while (p1.try_read(m) == Read::Message) { ++n1; m.release(); }
        while (p2.try_read(m) == Read::Message) { ++n2; m.release(); }
        return n1 + n2 == 10;
    }));
    CHECK_EQ(n1, 5);
    CHECK_EQ(n2, 5);
}

TW_TEST(sp_pair1_hop_count_and_device) {
    Context ctx;
    REQUIRE_EQ(ctx.init(device_config()), Error::Ok);
    SpSocket a, b, v0;
    REQUIRE_EQ(a.open(ctx, SpPattern::Pair1), Error::Ok);
    REQUIRE_EQ(b.open(ctx, SpPattern::Pair1), Error::Ok);
    REQUIRE_EQ(v0.open(ctx, SpPattern::Pair), Error::Ok);
    const std::string url = listen_tcp(ctx, a);
    REQUIRE(v0.dial(url.c_str()).ok());  // pair v0 and v1 do not talk
    REQUIRE(run(ctx, 1000, [&] { return a.pipe_failures() > 0; }));
    CHECK_EQ(a.last_pipe_error(), Error::HandshakeFailed);
    v0.close();
    REQUIRE(b.dial(url.c_str()).ok());
    REQUIRE(run(ctx, 2000, [&] { return a.ready_pipes() == 1 && b.ready_pipes() == 1; }));
    REQUIRE_EQ(b.send("one", 3), Error::Ok);
    bool got = false;
    CHECK(run(ctx, 2000, [&] {
        SpMessage m;
        while (a.try_read(m) == Read::Message) { got = is(m, "one"); m.release(); }
        return got;
    }));
    // A raw pair1 sees the hop count; a device adds one per hop.
    SpOptions raw;
    raw.raw = true;
    SpSocket d1, d2, left, right;
    REQUIRE_EQ(d1.open(ctx, SpPattern::Pair1, raw), Error::Ok);
    REQUIRE_EQ(d2.open(ctx, SpPattern::Pair1, raw), Error::Ok);
    REQUIRE_EQ(sp_forward(d1, d2), Error::Ok);
    REQUIRE_EQ(left.open(ctx, SpPattern::Pair1), Error::Ok);
    REQUIRE_EQ(right.open(ctx, SpPattern::Pair1, raw), Error::Ok);
    REQUIRE(left.dial(listen_tcp(ctx, d1).c_str()).ok());
    REQUIRE(right.dial(listen_tcp(ctx, d2).c_str()).ok());
    REQUIRE(run(ctx, 2000, [&] { return left.ready_pipes() == 1 && right.ready_pipes() == 1 && d1.ready_pipes() == 1 && d2.ready_pipes() == 1; }));
    REQUIRE_EQ(left.send("hop", 3), Error::Ok);
    uint8_t hops[4] = {};
    got = false;
    CHECK(run(ctx, 2000, [&] {
        SpMessage m;
        while (right.try_read(m) == Read::Message) {
            got = is(m, "hop") && m.backtrace_size == 4;
            std::memcpy(hops, m.backtrace, 4);
            m.release();
        }
        return got;
    }));
    CHECK_EQ(hops[3], 2);  // 1 from left, +1 through the device
    CHECK_EQ(hops[0] | hops[1] | hops[2], 0);
    // Past max_ttl (8): dropped on the way.
    const uint8_t eight[4] = {0, 0, 0, 8};
    REQUIRE_EQ(right.send_raw(eight, 4, "late", 4), Error::Ok);  // 9 on the wire: dropped by d2's peer rules
    const uint8_t three[4] = {0, 0, 0, 3};
    REQUIRE_EQ(right.send_raw(three, 4, "ok", 2), Error::Ok);
    bool late = false, ok = false;
    CHECK(run(ctx, 2000, [&] {
        SpMessage m;
        while (left.try_read(m) == Read::Message) { late = late || is(m, "late"); ok = ok || is(m, "ok"); m.release(); }
        return ok;
    }));
    CHECK(!late);
}
