// SP message sockets between two tickwire sockets over tcp and ipc loopback: the handshake and
// its failures, framing (zero-copy, wrapped, assembled, oversize), and each pattern's routing.
#include <cstring>
#include <sys/socket.h>

#include "tests/loopback/harness.hpp"
#include "tickwire/sp.hpp"

using namespace tickwire;

namespace {

Config sp_config(uint32_t block = 16 * 1024) {
    Config cfg;
    cfg.max_connections = 64;
    cfg.ring_block_size = block;
    cfg.ring_block_count = 128;
    cfg.message_slots = 16;
    cfg.message_slot_size = 64 * 1024;
    cfg.reconnect_min_ms = 20;
    cfg.reconnect_max_ms = 40;
    return cfg;
}

template <typename Pred>
bool run(Context& ctx, int max_ms, Pred pred) { return tw_test::run_until(ctx, max_ms, pred, 1); }

// "tcp://127.0.0.1:<port of l>"
void tcp_url(Context& ctx, ListenerId l, char* out, size_t cap) {
    std::snprintf(out, cap, "tcp://127.0.0.1:%u", static_cast<unsigned>(ctx.listener_port(l)));
}

// Reads one message into `buf` (copied, released); -1 when none came within max_ms.
long read_one(Context& ctx, SpSocket& s, char* buf, size_t cap, int max_ms = 2000, Conn* from = nullptr) {
    long got = -1;
    (void)run(ctx, max_ms, [&] {
        SpMessage m;
        if (s.try_read(m) != Read::Message) return false;
        const size_t n = m.size < cap ? m.size : cap;
        if (n) std::memcpy(buf, m.data, n);
        got = static_cast<long>(m.size);
        if (from) *from = m.pipe;
        m.release();
        return true;
    });
    return got;
}

// "m<digits>" -> the number (the bytes are not NUL-terminated).
int number_after_m(const SpMessage& m) {
    int n = 0;
    for (size_t i = 1; i < m.size; ++i) n = n * 10 + (m.data[i] - '0');
    return n;
}

bool send_text(SpSocket& s, const char* text) { return s.send(text, std::strlen(text)) == Error::Ok; }

} // namespace

TW_TEST(sp_push_pull_tcp_round_robin) {
    Context ctx;
    REQUIRE_EQ(ctx.init(sp_config()), Error::Ok);
    SpSocket a, b, push;
    REQUIRE_EQ(a.open(ctx, SpPattern::Pull), Error::Ok);
    REQUIRE_EQ(b.open(ctx, SpPattern::Pull), Error::Ok);
    REQUIRE_EQ(push.open(ctx, SpPattern::Push), Error::Ok);
    CHECK_EQ(push.send("x", 1), Error::WouldBlock);  // no pipe yet
    CHECK_EQ(a.send("x", 1), Error::WrongState);     // pull cannot send
    auto la = a.listen("tcp://127.0.0.1:0");
    auto lb = b.listen("tcp://127.0.0.1:0");
    REQUIRE(la.ok() && lb.ok());
    char url[64];
    tcp_url(ctx, la.value, url, sizeof url);
    REQUIRE(push.dial(url).ok());
    tcp_url(ctx, lb.value, url, sizeof url);
    REQUIRE(push.dial(url).ok());
    REQUIRE(run(ctx, 2000, [&] { return push.ready_pipes() == 2 && a.ready_pipes() == 1 && b.ready_pipes() == 1; }));
    for (int i = 0; i < 10; ++i) {
        char msg[16];
        std::snprintf(msg, sizeof msg, "m%d", i);
        REQUIRE(send_text(push, msg));
    }
    int from_a = 0, from_b = 0, next_a = -1, next_b = -1;
    bool ordered = true;
    REQUIRE(run(ctx, 2000, [&] {
        SpMessage m;
        while (a.try_read(m) == Read::Message) {
            const int n = number_after_m(m);
            ordered = ordered && n > next_a;
            next_a = n;
            ++from_a;
            m.release();
        }
        while (b.try_read(m) == Read::Message) {
            const int n = number_after_m(m);
            ordered = ordered && n > next_b;
            next_b = n;
            ++from_b;
            m.release();
        }
        return from_a + from_b == 10;
    }));
    CHECK_EQ(from_a, 5);  // turns: one each
    CHECK_EQ(from_b, 5);
    CHECK(ordered);
}

TW_TEST(sp_pair_ipc_both_ways) {
    Context ctx;
    REQUIRE_EQ(ctx.init(sp_config()), Error::Ok);
    SpSocket x, y, third;
    REQUIRE_EQ(x.open(ctx, SpPattern::Pair), Error::Ok);
    REQUIRE_EQ(y.open(ctx, SpPattern::Pair), Error::Ok);
    REQUIRE_EQ(third.open(ctx, SpPattern::Pair), Error::Ok);
    char url[128];
    tw_test::unique_name(url, sizeof url, "ipc", "sppair");
    REQUIRE(x.listen(url).ok());
    REQUIRE(y.dial(url).ok());
    REQUIRE(run(ctx, 2000, [&] { return x.ready_pipes() == 1 && y.ready_pipes() == 1; }));
    REQUIRE(send_text(y, "hello"));
    char buf[64] = {};
    REQUIRE_EQ(read_one(ctx, x, buf, sizeof buf), 5);
    CHECK(std::memcmp(buf, "hello", 5) == 0);
    REQUIRE(x.send("", 0) == Error::Ok);  // an empty message is a message
    CHECK_EQ(read_one(ctx, y, buf, sizeof buf), 0);
    // A pair has one peer: a second one is refused.
    REQUIRE(third.dial(url).ok());
    REQUIRE(run(ctx, 1000, [&] { return x.pipe_failures() > 0; }));
    CHECK_EQ(x.last_pipe_error(), Error::NoConnectionSlot);
    CHECK_EQ(x.ready_pipes(), 1u);
}

TW_TEST(sp_pub_sub_prefixes) {
    Context ctx;
    REQUIRE_EQ(ctx.init(sp_config()), Error::Ok);
    SpSocket pub, s1, s2, s3;
    REQUIRE_EQ(pub.open(ctx, SpPattern::Pub), Error::Ok);
    REQUIRE_EQ(s1.open(ctx, SpPattern::Sub), Error::Ok);
    REQUIRE_EQ(s2.open(ctx, SpPattern::Sub), Error::Ok);
    REQUIRE_EQ(s3.open(ctx, SpPattern::Sub), Error::Ok);
    CHECK_EQ(pub.send("x", 1), Error::Ok);           // no subscriber: dropped, not an error
    CHECK_EQ(pub.subscribe("a"), Error::WrongState);
    CHECK_EQ(s1.send("x", 1), Error::WrongState);
    REQUIRE_EQ(s1.subscribe("a."), Error::Ok);
    REQUIRE_EQ(s1.subscribe("zz"), Error::Ok);
    REQUIRE_EQ(s1.unsubscribe("zz"), Error::Ok);
    REQUIRE_EQ(s2.subscribe(""), Error::Ok);          // everything; s3 subscribes to nothing
    auto l = pub.listen("tcp://127.0.0.1:0");
    REQUIRE(l.ok());
    char url[64];
    tcp_url(ctx, l.value, url, sizeof url);
    REQUIRE(s1.dial(url).ok());
    REQUIRE(s2.dial(url).ok());
    REQUIRE(s3.dial(url).ok());
    REQUIRE(run(ctx, 2000, [&] { return pub.ready_pipes() == 3; }));
    REQUIRE(send_text(pub, "b.1"));
    REQUIRE(send_text(pub, "zz"));
    REQUIRE(send_text(pub, "a.2"));
    REQUIRE(send_text(pub, "a"));
    char got1[8][8] = {}, got2[8][8] = {};
    int n1 = 0, n2 = 0, n3 = 0;
    (void)run(ctx, 300, [&] {
        SpMessage m;
        while (s1.try_read(m) == Read::Message) { if (n1 < 8) std::memcpy(got1[n1], m.data, m.size < 7 ? m.size : 7); ++n1; m.release(); }
        while (s2.try_read(m) == Read::Message) { if (n2 < 8) std::memcpy(got2[n2], m.data, m.size < 7 ? m.size : 7); ++n2; m.release(); }
        while (s3.try_read(m) == Read::Message) { ++n3; m.release(); }
        return false;
    });
    CHECK_EQ(n1, 1);
    CHECK_EQ(std::strcmp(got1[0], "a.2"), 0);
    CHECK_EQ(n2, 4);
    CHECK_EQ(std::strcmp(got2[0], "b.1"), 0);
    CHECK_EQ(std::strcmp(got2[3], "a"), 0);
    CHECK_EQ(n3, 0);
}

TW_TEST(sp_req_rep_tcp_backtrace) {
    Context ctx;
    REQUIRE_EQ(ctx.init(sp_config()), Error::Ok);
    SpSocket req, rep;
    REQUIRE_EQ(req.open(ctx, SpPattern::Req), Error::Ok);
    REQUIRE_EQ(rep.open(ctx, SpPattern::Rep), Error::Ok);
    CHECK_EQ(rep.send("x", 1), Error::WrongState);  // nothing to answer
    auto l = rep.listen("tcp://127.0.0.1:0");
    REQUIRE(l.ok());
    char url[64];
    tcp_url(ctx, l.value, url, sizeof url);
    REQUIRE(send_text(req, "ping"));  // before any pipe: kept, sent once one is up
    REQUIRE(req.dial(url).ok());
    for (int round = 0; round < 3; ++round) {
        SpMessage m;
        REQUIRE(run(ctx, 2000, [&] { return rep.try_read(m) == Read::Message; }));
        REQUIRE_EQ(m.size, static_cast<size_t>(4));
        CHECK(std::memcmp(m.data, "ping", 4) == 0);
        REQUIRE_EQ(m.backtrace_size, 4);
        CHECK(m.backtrace[0] & 0x80);  // the request id: top bit set
        m.release();
        REQUIRE(send_text(rep, "pong"));
        CHECK_EQ(rep.send("x", 1), Error::WrongState);  // answered already
        char buf[16] = {};
        REQUIRE_EQ(read_one(ctx, req, buf, sizeof buf), 4);
        CHECK(std::memcmp(buf, "pong", 4) == 0);
        REQUIRE(send_text(req, "ping"));
    }
}

TW_TEST(sp_req_resends_and_drops_stale_replies) {
    Context ctx;
    REQUIRE_EQ(ctx.init(sp_config()), Error::Ok);
    SpOptions o;
    o.resend_ms = 100;
    SpSocket req, r1, r2;
    REQUIRE_EQ(req.open(ctx, SpPattern::Req, o), Error::Ok);
    REQUIRE_EQ(r1.open(ctx, SpPattern::Rep), Error::Ok);
    REQUIRE_EQ(r2.open(ctx, SpPattern::Rep), Error::Ok);
    auto l1 = r1.listen("tcp://127.0.0.1:0");
    auto l2 = r2.listen("tcp://127.0.0.1:0");
    REQUIRE(l1.ok() && l2.ok());
    char url[64];
    tcp_url(ctx, l1.value, url, sizeof url);
    REQUIRE(req.dial(url).ok());
    tcp_url(ctx, l2.value, url, sizeof url);
    REQUIRE(req.dial(url).ok());
    REQUIRE(run(ctx, 2000, [&] { return req.ready_pipes() == 2; }));
    REQUIRE(send_text(req, "q1"));
    // The request reaches one rep; nobody answers; after resend_ms it goes to the other.
    SpMessage first, second;
    SpSocket* first_rep = nullptr;
    SpSocket* second_rep = nullptr;
    REQUIRE(run(ctx, 2000, [&] {
        SpSocket* reps[2] = {&r1, &r2};
        for (SpSocket* r : reps) {
            SpMessage m;
            if (r->try_read(m) != Read::Message) continue;
            if (!first_rep) { first = m; first_rep = r; }
            else { second = m; second_rep = r; }
        }
        SpMessage none;
        CHECK(req.try_read(none) == Read::NoData);  // also drives the resend timer
        return second_rep != nullptr;
    }));
    CHECK(first_rep != second_rep);  // the resend went to the other pipe
    REQUIRE_EQ(first.backtrace_size, 4);
    REQUIRE_EQ(second.backtrace_size, 4);
    CHECK_EQ(std::memcmp(first.backtrace, second.backtrace, 4), 0);  // same request id
    CHECK(first.size == 2 && std::memcmp(first.data, "q1", 2) == 0);
    first.release();
    second.release();
    REQUIRE(send_text(*second_rep, "a2"));
    char buf[16] = {};
    REQUIRE_EQ(read_one(ctx, req, buf, sizeof buf), 2);
    CHECK(std::memcmp(buf, "a2", 2) == 0);
    // The first rep answers late: the request is done, so the reply is dropped.
    REQUIRE_EQ(first_rep->reply(first, "a1", 2), Error::Ok);
    CHECK_EQ(read_one(ctx, req, buf, sizeof buf, 300), -1);
}

TW_TEST(sp_wrong_peer_and_bad_magic_close_the_pipe) {
    Context ctx;
    REQUIRE_EQ(ctx.init(sp_config()), Error::Ok);
    SpSocket push1, push2;
    REQUIRE_EQ(push1.open(ctx, SpPattern::Push), Error::Ok);
    REQUIRE_EQ(push2.open(ctx, SpPattern::Push), Error::Ok);
    auto l = push1.listen("tcp://127.0.0.1:0");
    REQUIRE(l.ok());
    char url[64];
    tcp_url(ctx, l.value, url, sizeof url);
    REQUIRE(push2.dial(url).ok());  // push talks to pull, not push
    REQUIRE(run(ctx, 2000, [&] { return push1.pipe_failures() > 0 && push2.pipe_failures() > 0; }));
    CHECK_EQ(push1.last_pipe_error(), Error::HandshakeFailed);
    CHECK_EQ(push2.last_pipe_error(), Error::HandshakeFailed);
    CHECK_EQ(push1.ready_pipes(), 0u);
    CHECK_EQ(push2.ready_pipes(), 0u);

    SpSocket pull;
    REQUIRE_EQ(pull.open(ctx, SpPattern::Pull), Error::Ok);
    auto lp = pull.listen("tcp://127.0.0.1:0");
    REQUIRE(lp.ok());
    tcp_url(ctx, lp.value, url, sizeof url);
    auto raw = ctx.dial(url);
    REQUIRE(raw.ok());
    REQUIRE(run(ctx, 2000, [&] { return raw.value.state() == ConnState::Open; }));
    REQUIRE_EQ(raw.value.send("GET / HTTP/1.1\r\n\r\n", 18), Error::Ok);
    REQUIRE(run(ctx, 2000, [&] { return pull.pipe_failures() > 0; }));
    CHECK_EQ(pull.last_pipe_error(), Error::ProtocolError);
    CHECK(run(ctx, 2000, [&] { return raw.value.state() != ConnState::Open; }));
}

TW_TEST(sp_unsupported_schemes) {
    Context ctx;
    REQUIRE_EQ(ctx.init(sp_config()), Error::Ok);
    SpSocket s;
    REQUIRE_EQ(s.open(ctx, SpPattern::Pull), Error::Ok);
    // tcp, ipc, inproc, ws, wss and tls+tcp carry SP (sp_transports_test.cpp); sockety does not.
    CHECK_EQ(s.listen("sockety://127.0.0.1:0").error, Error::UnsupportedScheme);
    CHECK_EQ(s.dial("sockety://127.0.0.1:1").error, Error::UnsupportedScheme);
    CHECK_EQ(s.open(ctx, SpPattern::Push), Error::AlreadyInitialized);
}

namespace {
// A raw stream peer that speaks PUSH by hand: handshake, then any bytes.
struct RawPusher {
    Conn conn;
    bool put(Context& ctx, const uint8_t* data, size_t size) {
        size_t off = 0;
        return run(ctx, 3000, [&] {
            while (off < size) {
                size_t n = size - off < 4096 ? size - off : 4096;
                if (conn.send(data + off, n) != Error::Ok) return false;
                off += n;
            }
            return true;
        });
    }
};
} // namespace

TW_TEST(sp_large_message_assembled_and_oversize_closes) {
    Context ctx;
    REQUIRE_EQ(ctx.init(sp_config(16 * 1024)), Error::Ok);  // ring 16 KiB, slot 64 KiB
    SpSocket pull;
    REQUIRE_EQ(pull.open(ctx, SpPattern::Pull), Error::Ok);
    auto l = pull.listen("tcp://127.0.0.1:0");
    REQUIRE(l.ok());
    char url[64];
    tcp_url(ctx, l.value, url, sizeof url);
    auto raw = ctx.dial(url);
    REQUIRE(raw.ok());
    REQUIRE(run(ctx, 2000, [&] { return raw.value.state() == ConnState::Open; }));
    RawPusher p{raw.value};
    static uint8_t big[40000 + 8 + 8];
    const uint8_t hello[8] = {0, 'S', 'P', 0, 0, 0x50, 0, 0};
    std::memcpy(big, hello, 8);
    const uint64_t len = 40000;
    for (int i = 0; i < 8; ++i) big[8 + i] = static_cast<uint8_t>(len >> (56 - 8 * i));
    for (size_t i = 0; i < len; ++i) big[16 + i] = static_cast<uint8_t>(i * 7 + 3);
    REQUIRE(p.put(ctx, big, sizeof big));
    SpMessage m;
    REQUIRE(run(ctx, 3000, [&] { return pull.try_read(m) == Read::Message; }));
    REQUIRE_EQ(m.size, static_cast<size_t>(len));
    bool same = true;
    for (size_t i = 0; i < len; ++i) same = same && m.data[i] == static_cast<uint8_t>(i * 7 + 3);
    CHECK(same);
    m.release();
    // 64 KiB + 1: more than a message slot holds.
    uint8_t prefix[8];
    const uint64_t huge = 64 * 1024 + 1;
    for (int i = 0; i < 8; ++i) prefix[i] = static_cast<uint8_t>(huge >> (56 - 8 * i));
    REQUIRE(p.put(ctx, prefix, 8));
    REQUIRE(run(ctx, 2000, [&] { return pull.pipe_failures() > 0; }));
    CHECK_EQ(pull.last_pipe_error(), Error::MessageTooLarge);
}

TW_TEST(sp_many_sizes_through_a_small_ring) {
    // 4 KiB rings: messages wrap (copied into a slot) or sit whole (lent), in any mix.
    Context ctx;
    REQUIRE_EQ(ctx.init(sp_config(4096)), Error::Ok);
    SpSocket push, pull;
    REQUIRE_EQ(push.open(ctx, SpPattern::Push), Error::Ok);
    REQUIRE_EQ(pull.open(ctx, SpPattern::Pull), Error::Ok);
    char url[128];
    tw_test::unique_name(url, sizeof url, "ipc", "spsizes");
    REQUIRE(pull.listen(url).ok());
    REQUIRE(push.dial(url).ok());
    REQUIRE(run(ctx, 2000, [&] { return push.ready_pipes() == 1; }));
    static uint8_t buf[4000];
    const int total = 600;
    int sent = 0, received = 0;
    bool intact = true;
    REQUIRE(run(ctx, 10000, [&] {
        while (sent < total) {
            const size_t size = static_cast<size_t>((sent * 977) % 3000);
            for (size_t i = 0; i < size; ++i) buf[i] = static_cast<uint8_t>(sent + static_cast<int>(i));
            if (push.send(buf, size) != Error::Ok) break;
            ++sent;
        }
        SpMessage m;
        while (pull.try_read(m) == Read::Message) {
            const size_t size = static_cast<size_t>((received * 977) % 3000);
            intact = intact && m.size == size;
            for (size_t i = 0; intact && i < m.size; ++i) intact = m.data[i] == static_cast<uint8_t>(received + static_cast<int>(i));
            ++received;
            m.release();
        }
        return received == total;
    }));
    CHECK(intact);
    CHECK_EQ(received, total);
}

TW_TEST(sp_dialer_redials_after_the_listener_comes_back) {
    Context ctx;
    REQUIRE_EQ(ctx.init(sp_config()), Error::Ok);
    SpSocket push;
    REQUIRE_EQ(push.open(ctx, SpPattern::Push), Error::Ok);
    char url[128];
    tw_test::unique_name(url, sizeof url, "ipc", "spredial");
    {
        SpSocket pull;
        REQUIRE_EQ(pull.open(ctx, SpPattern::Pull), Error::Ok);
        REQUIRE(pull.listen(url).ok());
        REQUIRE(push.dial(url).ok());
        REQUIRE(run(ctx, 2000, [&] { return push.ready_pipes() == 1; }));
        REQUIRE(send_text(push, "one"));
        char buf[8] = {};
        REQUIRE_EQ(read_one(ctx, pull, buf, sizeof buf), 3);
        pull.close();  // its pipes and listener go; the pusher's pipe breaks
        SpMessage none;
        CHECK_EQ(pull.try_read(none), Read::Closed);
    }
    REQUIRE(run(ctx, 2000, [&] { return push.ready_pipes() == 0; }));
    CHECK_EQ(push.send("x", 1), Error::WouldBlock);
    SpSocket pull2;
    REQUIRE_EQ(pull2.open(ctx, SpPattern::Pull), Error::Ok);
    REQUIRE(pull2.listen(url).ok());
    REQUIRE(run(ctx, 3000, [&] { return push.ready_pipes() == 1; }));  // redialed, new handshake
    REQUIRE(send_text(push, "two"));
    char buf[8] = {};
    REQUIRE_EQ(read_one(ctx, pull2, buf, sizeof buf), 3);
    CHECK(std::memcmp(buf, "two", 3) == 0);
}

TW_TEST(sp_bus_reaches_direct_peers_only) {
    Context ctx;
    REQUIRE_EQ(ctx.init(sp_config()), Error::Ok);
    SpSocket a, b, c;
    REQUIRE_EQ(a.open(ctx, SpPattern::Bus), Error::Ok);
    REQUIRE_EQ(b.open(ctx, SpPattern::Bus), Error::Ok);
    REQUIRE_EQ(c.open(ctx, SpPattern::Bus), Error::Ok);
    auto l = a.listen("tcp://127.0.0.1:0");
    REQUIRE(l.ok());
    char url[64];
    tcp_url(ctx, l.value, url, sizeof url);
    REQUIRE(b.dial(url).ok());
    REQUIRE(c.dial(url).ok());
    REQUIRE(run(ctx, 2000, [&] { return a.ready_pipes() == 2 && b.ready_pipes() == 1 && c.ready_pipes() == 1; }));
    REQUIRE(send_text(a, "all"));
    char buf[8] = {};
    CHECK_EQ(read_one(ctx, b, buf, sizeof buf), 3);
    CHECK_EQ(read_one(ctx, c, buf, sizeof buf), 3);
    REQUIRE(send_text(b, "from-b"));
    CHECK_EQ(read_one(ctx, a, buf, sizeof buf), 6);
    CHECK_EQ(read_one(ctx, c, buf, sizeof buf, 200), -1);  // a does not forward
}

TW_TEST(sp_surveyor_collects_responses_until_the_deadline) {
    Context ctx;
    REQUIRE_EQ(ctx.init(sp_config()), Error::Ok);
    SpOptions o;
    o.survey_ms = 300;
    SpSocket sv, r1, r2;
    REQUIRE_EQ(sv.open(ctx, SpPattern::Surveyor, o), Error::Ok);
    REQUIRE_EQ(r1.open(ctx, SpPattern::Respondent), Error::Ok);
    REQUIRE_EQ(r2.open(ctx, SpPattern::Respondent), Error::Ok);
    CHECK_EQ(r1.send("x", 1), Error::WrongState);  // no survey to answer
    char url[128];
    tw_test::unique_name(url, sizeof url, "ipc", "spsurvey");
    REQUIRE(sv.listen(url).ok());
    REQUIRE(r1.dial(url).ok());
    REQUIRE(r2.dial(url).ok());
    REQUIRE(run(ctx, 2000, [&] { return sv.ready_pipes() == 2; }));
    REQUIRE(send_text(sv, "q?"));
    SpMessage q1, q2;
    REQUIRE(run(ctx, 2000, [&] { return r1.try_read(q1) == Read::Message; }));
    REQUIRE(run(ctx, 2000, [&] { return r2.try_read(q2) == Read::Message; }));
    CHECK(q1.size == 2 && std::memcmp(q1.data, "q?", 2) == 0);
    CHECK_EQ(q1.backtrace_size, 4);
    q1.release();
    q2.release();
    REQUIRE(send_text(r1, "yes"));
    int answers = 0;
    (void)run(ctx, 150, [&] {
        SpMessage m;
        while (sv.try_read(m) == Read::Message) {
            answers += m.size == 3 && std::memcmp(m.data, "yes", 3) == 0;
            m.release();
        }
        return false;
    });
    CHECK_EQ(answers, 1);
    // After the deadline a response is dropped.
    (void)run(ctx, 300, [] { return false; });
    REQUIRE_EQ(r2.reply(q2, "late", 4), Error::Ok);
    char buf[8];
    CHECK_EQ(read_one(ctx, sv, buf, sizeof buf, 200), -1);
}

TW_TEST(sp_socket_closed_after_context_shutdown_is_harmless) {
    Context ctx;
    REQUIRE_EQ(ctx.init(sp_config()), Error::Ok);
    SpSocket s;
    REQUIRE_EQ(s.open(ctx, SpPattern::Pull), Error::Ok);
    REQUIRE(s.listen("tcp://127.0.0.1:0").ok());
    ctx.shutdown();
    s.close();  // must not touch the engine's freed memory (ASan would say so)
    CHECK(!s.is_open());
}
