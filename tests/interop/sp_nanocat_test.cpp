// SP sockets against real peers: nanocat (nanomsg 1.1.5) and nngcat (NNG), as child processes,
// over tcp and ipc. Each pattern in both directions: the peer's bytes must reach us, ours must
// reach (and be printed by) the peer. Needs nanomsg-utils and nng-utils (tests/setup.sh).
#include <cstring>

#include "tests/interop/sp_peer_process.hpp"
#include "tests/loopback/harness.hpp"
#include "tickwire/sp.hpp"

using namespace tickwire;
using tw_test::SpPeer;

namespace {

const char kNanocat[] = "/usr/bin/nanocat";
const char kNngcat[] = "/usr/bin/nngcat";

Config interop_config() {
    Config cfg;
    cfg.max_connections = 32;
    cfg.ring_block_count = 64;
    cfg.message_slots = 16;
    cfg.reconnect_min_ms = 20;   // the peer may bind after we dial
    cfg.reconnect_max_ms = 100;
    return cfg;
}

template <typename Pred>
bool run(Context& ctx, int max_ms, Pred pred) { return tw_test::run_until(ctx, max_ms, pred, 5); }

// A fresh address both sides use: tcp on a free port, or an ipc socket file.
void make_url(bool ipc, char* out, size_t cap) {
    static int n = 0;
    if (ipc) std::snprintf(out, cap, "ipc:///tmp/tickwire-sp-interop-%d-%d.sock", static_cast<int>(getpid()), ++n);
    else std::snprintf(out, cap, "tcp://127.0.0.1:%u", static_cast<unsigned>(tw_test::free_tcp_port()));
}

// nngcat takes whole seconds only ("Integer argument expected"); nanocat takes fractions.
const char* interval(const char* tool) { return tool == kNngcat ? "1" : "0.1"; }

bool is(const SpMessage& m, const char* text) {
    return m.size == std::strlen(text) && std::memcmp(m.data, text, m.size) == 0;
}

// The peer pushes (resending every interval: nanocat's one-shot send may be lost), we pull.
void peer_push_to_our_pull(const char* tool, bool ipc) {
    Context ctx;
    REQUIRE_EQ(ctx.init(interop_config()), Error::Ok);
    SpSocket pull;
    REQUIRE_EQ(pull.open(ctx, SpPattern::Pull), Error::Ok);
    char url[128];
    make_url(ipc, url, sizeof url);
    REQUIRE(pull.listen(url).ok());
    SpPeer peer;
    const char* argv[] = {tool, "--push", "--connect", url, "--data", "hello from the peer", "--interval", interval(tool), nullptr};
    REQUIRE(peer.start(argv));
    bool got = false;
    CHECK(run(ctx, 5000, [&] {
        SpMessage m;
        while (pull.try_read(m) == Read::Message) {
            got = got || is(m, "hello from the peer");
            m.release();
        }
        return got;
    }));
    CHECK_EQ(pull.pipe_failures(), 0u);
}

// We push to a pulling peer, which prints what it gets.
void our_push_to_peer_pull(const char* tool, bool ipc) {
    Context ctx;
    REQUIRE_EQ(ctx.init(interop_config()), Error::Ok);
    SpSocket push;
    REQUIRE_EQ(push.open(ctx, SpPattern::Push), Error::Ok);
    char url[128];
    make_url(ipc, url, sizeof url);
    SpPeer peer;
    const char* argv[] = {tool, "--pull", "--bind", url, "-Q", nullptr};
    REQUIRE(peer.start(argv));
    REQUIRE(push.dial(url).ok());
    REQUIRE(run(ctx, 5000, [&] { return push.ready_pipes() == 1; }));
    REQUIRE_EQ(push.send("from tickwire", 13), Error::Ok);
    CHECK(run(ctx, 5000, [&] { return peer.printed("\"from tickwire\"\n"); }));
    CHECK_EQ(push.pipe_failures(), 0u);
}

// The peer asks, we answer: the backtrace goes back in front of our reply.
void peer_req_to_our_rep(const char* tool, bool ipc) {
    Context ctx;
    REQUIRE_EQ(ctx.init(interop_config()), Error::Ok);
    SpSocket rep;
    REQUIRE_EQ(rep.open(ctx, SpPattern::Rep), Error::Ok);
    char url[128];
    make_url(ipc, url, sizeof url);
    REQUIRE(rep.listen(url).ok());
    SpPeer peer;
    const char* argv[] = {tool, "--req", "--connect", url, "--data", "ping", "-Q", nullptr};
    REQUIRE(peer.start(argv));
    bool asked = false;
    CHECK(run(ctx, 5000, [&] {
        SpMessage m;
        while (rep.try_read(m) == Read::Message) {
            if (is(m, "ping") && m.backtrace_size == 4 && (m.backtrace[0] & 0x80)) {
                asked = true;
                CHECK_EQ(rep.send("pong", 4), Error::Ok);
            }
            m.release();
        }
        return asked && peer.printed("\"pong\"\n");
    }));
    CHECK(asked);
}

// We ask, the peer answers (and prints our request).
void our_req_to_peer_rep(const char* tool, bool ipc) {
    Context ctx;
    REQUIRE_EQ(ctx.init(interop_config()), Error::Ok);
    SpSocket req;
    REQUIRE_EQ(req.open(ctx, SpPattern::Req), Error::Ok);
    char url[128];
    make_url(ipc, url, sizeof url);
    SpPeer peer;
    const char* argv[] = {tool, "--rep", "--bind", url, "--data", "pong", "-Q", nullptr};
    REQUIRE(peer.start(argv));
    REQUIRE(req.dial(url).ok());
    for (int round = 0; round < 3; ++round) {
        REQUIRE_EQ(req.send("ping", 4), Error::Ok);  // goes out when the pipe is up
        bool answered = false;
        CHECK(run(ctx, 5000, [&] {
            SpMessage m;
            while (req.try_read(m) == Read::Message) {
                answered = answered || is(m, "pong");
                m.release();
            }
            return answered;
        }));
        if (!answered) break;
    }
    CHECK(run(ctx, 2000, [&] { return peer.printed("\"ping\"\n\"ping\"\n\"ping\"\n"); }));
}

// Two publishing peers ("foo.bar" and "baz.qux"); we subscribe to "foo" and dial both.
void peer_pub_to_our_sub(const char* tool, bool ipc) {
    Context ctx;
    REQUIRE_EQ(ctx.init(interop_config()), Error::Ok);
    SpSocket sub;
    REQUIRE_EQ(sub.open(ctx, SpPattern::Sub), Error::Ok);
    REQUIRE_EQ(sub.subscribe("foo"), Error::Ok);
    char url1[128], url2[128];
    make_url(ipc, url1, sizeof url1);
    make_url(ipc, url2, sizeof url2);
    SpPeer p1, p2;
    const char* argv1[] = {tool, "--pub", "--bind", url1, "--data", "foo.bar", "--interval", interval(tool), nullptr};
    const char* argv2[] = {tool, "--pub", "--bind", url2, "--data", "baz.qux", "--interval", interval(tool), nullptr};
    REQUIRE(p1.start(argv1));
    REQUIRE(p2.start(argv2));
    REQUIRE(sub.dial(url1).ok());
    REQUIRE(sub.dial(url2).ok());
    REQUIRE(run(ctx, 5000, [&] { return sub.ready_pipes() == 2; }));
    int foo = 0, other = 0;
    CHECK(run(ctx, 5000, [&] {  // both peers publish every interval: several rounds of each
        SpMessage m;
        while (sub.try_read(m) == Read::Message) {
            if (is(m, "foo.bar")) ++foo;
            else ++other;
            m.release();
        }
        return foo >= 3;
    }));
    CHECK_EQ(other, 0);
}

// We publish two topics; a subscribing peer asks for "foo" and prints only those.
void our_pub_to_peer_sub(const char* tool, bool ipc) {
    Context ctx;
    REQUIRE_EQ(ctx.init(interop_config()), Error::Ok);
    SpSocket pub;
    REQUIRE_EQ(pub.open(ctx, SpPattern::Pub), Error::Ok);
    char url[128];
    make_url(ipc, url, sizeof url);
    REQUIRE(pub.listen(url).ok());
    SpPeer peer;
    const char* argv[] = {tool, "--sub", "--connect", url, "--subscribe", "foo", "-Q", nullptr};
    REQUIRE(peer.start(argv));
    REQUIRE(run(ctx, 5000, [&] { return pub.ready_pipes() == 1; }));
    int64_t next = 0;
    CHECK(run(ctx, 5000, [&] {
        if (ctx.now_us() >= next) {  // the peer subscribes on its side: resend until it prints
            CHECK_EQ(pub.send("bar.2", 5), Error::Ok);
            CHECK_EQ(pub.send("foo.1", 5), Error::Ok);
            next = ctx.now_us() + 100000;
        }
        return peer.printed("\"foo.1\"\n");
    }));
    CHECK(!peer.printed("bar.2"));
}

// The peer surveys (every interval), we respond; the peer prints our response.
void peer_survey_to_our_respondent(const char* tool, bool ipc) {
    Context ctx;
    REQUIRE_EQ(ctx.init(interop_config()), Error::Ok);
    SpSocket resp;
    REQUIRE_EQ(resp.open(ctx, SpPattern::Respondent), Error::Ok);
    char url[128];
    make_url(ipc, url, sizeof url);
    SpPeer peer;
    const char* argv[] = {tool, "--surveyor", "--bind", url, "--data", "who?", "--interval", interval(tool), "-Q", nullptr};
    REQUIRE(peer.start(argv));
    REQUIRE(resp.dial(url).ok());
    int surveys = 0;
    auto answered = [&] {
        SpMessage m;
        while (resp.try_read(m) == Read::Message) {
            ++surveys;
            if (is(m, "who?")) CHECK_EQ(resp.reply(m, "me", 2), Error::Ok);
            m.release();
        }
        return peer.printed("\"me\"\n");
    };
    bool ok = run(ctx, 8000, answered);
    if (!ok && surveys == 0) {
        // Now and then (about 1 run in 15, with earlier builds too) nngcat 1.5.2 sends no survey
        // at all while our pipe is up. Started again, it does: our dialer reconnects.
        std::printf("    %s sent no survey in 8 s: started again\n", tool);
        peer.stop();
        close(peer.out);
        REQUIRE(peer.start(argv));
        ok = run(ctx, 8000, answered);
    }
    CHECK(ok);
}

// We survey a responding peer.
void our_survey_to_peer_respondent(const char* tool, bool ipc) {
    Context ctx;
    REQUIRE_EQ(ctx.init(interop_config()), Error::Ok);
    SpSocket sv;
    REQUIRE_EQ(sv.open(ctx, SpPattern::Surveyor), Error::Ok);
    char url[128];
    make_url(ipc, url, sizeof url);
    REQUIRE(sv.listen(url).ok());
    SpPeer peer;
    const char* argv[] = {tool, "--respondent", "--connect", url, "--data", "here", "-Q", nullptr};
    REQUIRE(peer.start(argv));
    REQUIRE(run(ctx, 5000, [&] { return sv.ready_pipes() == 1; }));
    REQUIRE_EQ(sv.send("who?", 4), Error::Ok);
    bool answered = false;
    CHECK(run(ctx, 3000, [&] {
        SpMessage m;
        while (sv.try_read(m) == Read::Message) {
            answered = answered || is(m, "here");
            m.release();
        }
        return answered;
    }));
    CHECK(peer.printed("\"who?\"\n"));
}

// Bus both ways with one peer.
void bus_with_peer(const char* tool, bool ipc) {
    Context ctx;
    REQUIRE_EQ(ctx.init(interop_config()), Error::Ok);
    SpSocket bus;
    REQUIRE_EQ(bus.open(ctx, SpPattern::Bus), Error::Ok);
    char url[128];
    make_url(ipc, url, sizeof url);
    SpPeer peer;
    const char* argv[] = {tool, "--bus", "--bind", url, "--data", "from peer", "--interval", interval(tool), "-Q", nullptr};
    REQUIRE(peer.start(argv));
    REQUIRE(bus.dial(url).ok());
    REQUIRE(run(ctx, 5000, [&] { return bus.ready_pipes() == 1; }));
    bool got = false;
    int64_t next = 0;
    CHECK(run(ctx, 5000, [&] {
        SpMessage m;
        while (bus.try_read(m) == Read::Message) {
            got = got || is(m, "from peer");
            m.release();
        }
        if (ctx.now_us() >= next) {
            CHECK_EQ(bus.send("from us", 7), Error::Ok);
            next = ctx.now_us() + 200000;
        }
        return got && peer.printed("\"from us\"\n");
    }));
}

// A peer of the wrong protocol (a PULL dialing our PULL) is refused by the handshake.
void wrong_peer_refused(const char* tool) {
    Context ctx;
    REQUIRE_EQ(ctx.init(interop_config()), Error::Ok);
    SpSocket pull;
    REQUIRE_EQ(pull.open(ctx, SpPattern::Pull), Error::Ok);
    char url[128];
    make_url(false, url, sizeof url);
    REQUIRE(pull.listen(url).ok());
    SpPeer peer;
    const char* argv[] = {tool, "--pull", "--connect", url, nullptr};
    REQUIRE(peer.start(argv));
    CHECK(run(ctx, 5000, [&] { return pull.pipe_failures() > 0; }));
    CHECK_EQ(pull.last_pipe_error(), Error::HandshakeFailed);
    CHECK_EQ(pull.ready_pipes(), 0u);
}

} // namespace

#define SP_INTEROP(tool_name, tool)                                                              \
    TW_TEST(sp_interop_##tool_name##_push_to_our_pull_tcp) { peer_push_to_our_pull(tool, false); } \
    TW_TEST(sp_interop_##tool_name##_push_to_our_pull_ipc) { peer_push_to_our_pull(tool, true); }  \
    TW_TEST(sp_interop_our_push_to_##tool_name##_pull_tcp) { our_push_to_peer_pull(tool, false); } \
    TW_TEST(sp_interop_our_push_to_##tool_name##_pull_ipc) { our_push_to_peer_pull(tool, true); }  \
    TW_TEST(sp_interop_##tool_name##_req_to_our_rep_tcp) { peer_req_to_our_rep(tool, false); }     \
    TW_TEST(sp_interop_##tool_name##_req_to_our_rep_ipc) { peer_req_to_our_rep(tool, true); }      \
    TW_TEST(sp_interop_our_req_to_##tool_name##_rep_tcp) { our_req_to_peer_rep(tool, false); }     \
    TW_TEST(sp_interop_our_req_to_##tool_name##_rep_ipc) { our_req_to_peer_rep(tool, true); }      \
    TW_TEST(sp_interop_##tool_name##_pub_to_our_sub_tcp) { peer_pub_to_our_sub(tool, false); }     \
    TW_TEST(sp_interop_##tool_name##_pub_to_our_sub_ipc) { peer_pub_to_our_sub(tool, true); }      \
    TW_TEST(sp_interop_our_pub_to_##tool_name##_sub_tcp) { our_pub_to_peer_sub(tool, false); }     \
    TW_TEST(sp_interop_our_pub_to_##tool_name##_sub_ipc) { our_pub_to_peer_sub(tool, true); }      \
    TW_TEST(sp_interop_##tool_name##_wrong_peer_refused) { wrong_peer_refused(tool); }          \
    TW_TEST(sp_interop_##tool_name##_survey_to_our_respondent_tcp) { peer_survey_to_our_respondent(tool, false); } \
    TW_TEST(sp_interop_##tool_name##_survey_to_our_respondent_ipc) { peer_survey_to_our_respondent(tool, true); }  \
    TW_TEST(sp_interop_our_survey_to_##tool_name##_respondent_tcp) { our_survey_to_peer_respondent(tool, false); } \
    TW_TEST(sp_interop_our_survey_to_##tool_name##_respondent_ipc) { our_survey_to_peer_respondent(tool, true); }  \
    TW_TEST(sp_interop_bus_with_##tool_name##_tcp) { bus_with_peer(tool, false); }              \
    TW_TEST(sp_interop_bus_with_##tool_name##_ipc) { bus_with_peer(tool, true); }

SP_INTEROP(nanocat, kNanocat)
SP_INTEROP(nngcat, kNngcat)
