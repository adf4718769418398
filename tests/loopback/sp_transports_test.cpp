// SP message sockets over the transports beyond tcp/ipc: ws:// and wss:// (one SP message per
// binary WebSocket message, <pattern>.sp.nanomsg.org subprotocols), tls+tcp:// and inproc://.
// Each transport carries req/rep (backtrace), push/pull and a message larger than a ring block.
#include <cstring>
#include <string>

#include "tests/interop/tls_test_certs.hpp"
#include "tests/loopback/harness.hpp"
#include "tickwire/sp.hpp"

using namespace tickwire;

namespace {

std::string cert(const char* name) { return tw_tls_test::cert_path(name); }

struct SpWorld {
    Context ctx;
    std::string server_cert, server_key, ca;
    bool init(bool tls = false, uint32_t block = 16 * 1024) {
        Config cfg;
        cfg.max_connections = 64;
        cfg.ring_block_size = block;
        cfg.ring_block_count = 128;
        cfg.message_slots = 16;
        cfg.message_slot_size = 128 * 1024;
        cfg.reconnect_min_ms = 20;
        cfg.reconnect_max_ms = 40;
        if (std::getenv("TW_TEST_LOG")) {
            cfg.log.level = LogLevel::Debug;
            cfg.log.fn = [](LogLevel, const char* m, void*) { std::printf("    [log] %s\n", m); };
        }
        if (tls) {
            if (!tw_tls_test::cert_dir()) return false;
            server_cert = cert("server.pem");
            server_key = cert("server.key");
            ca = cert("ca.pem");
            cfg.tls.max_sessions = 16;
            cfg.tls.cert_file = server_cert.c_str();
            cfg.tls.key_file = server_key.c_str();
            cfg.tls.ca_file = ca.c_str();
        }
        return ctx.init(cfg) == Error::Ok;
    }
    template <typename Pred>
    bool run(int max_ms, Pred pred) {
        const int64_t end = ctx.now_us() + static_cast<int64_t>(max_ms) * 1000;
        for (;;) {
            if (ctx.update(1) != Error::Ok) return false;
            Event ev;
            while (ctx.next_event(ev)) {}
            if (pred()) return true;
            if (ctx.now_us() > end) return pred();
        }
    }
    // Listens on `scheme` (port 0 / a unique name) and writes the URL to dial into `out`.
    bool listen(SpSocket& s, const char* scheme, char* out, size_t cap) {
        char url[128];
        const bool named = std::strcmp(scheme, "ipc") == 0 || std::strcmp(scheme, "inproc") == 0;
        if (named) tw_test::unique_name(url, sizeof url, scheme, "spt");
        else std::snprintf(url, sizeof url, "%s://127.0.0.1:0", scheme);
        auto l = s.listen(url);
        if (!l) return false;
        if (named) std::snprintf(out, cap, "%s", url);
        else std::snprintf(out, cap, "%s://%s:%u%s", scheme, std::strstr(scheme, "tls") || std::strcmp(scheme, "wss") == 0 ? "localhost" : "127.0.0.1",
                           ctx.listener_port(l.value), scheme[0] == 'w' ? "/" : "");
        return true;
    }
    long read_one(SpSocket& s, uint8_t* buf, size_t cap, int max_ms = 2000, SpMessage* keep = nullptr) {
        long got = -1;
        (void)run(max_ms, [&] {
            SpMessage m;
            if (s.try_read(m) != Read::Message) return false;
            const size_t n = m.size < cap ? m.size : cap;
            if (n) std::memcpy(buf, m.data, n);
            got = static_cast<long>(m.size);
            if (keep) {
                keep->pipe = m.pipe;
                std::memcpy(keep->backtrace, m.backtrace, m.backtrace_size);
                keep->backtrace_size = m.backtrace_size;
            }
            m.release();
            return true;
        });
        return got;
    }
};

bool send_text(SpSocket& s, const char* text) { return s.send(text, std::strlen(text)) == Error::Ok; }

// req/rep three rounds, push/pull ten messages in order, and a message of `big` bytes (larger
// than a ring block) from push to pull, over `scheme`; both roles on either side of the link.
void exercise(SpWorld& w, const char* scheme, size_t big) {
    {
        SpSocket req, rep;
        REQUIRE_EQ(req.open(w.ctx, SpPattern::Req), Error::Ok);
        REQUIRE_EQ(rep.open(w.ctx, SpPattern::Rep), Error::Ok);
        char url[160];
        REQUIRE(w.listen(rep, scheme, url, sizeof url));
        REQUIRE(req.dial(url).ok());
        REQUIRE(w.run(3000, [&] { return req.ready_pipes() == 1 && rep.ready_pipes() == 1; }));
        for (int round = 0; round < 3; ++round) {
            char q[16], a[16];
            std::snprintf(q, sizeof q, "ping%d", round % 10);
            std::snprintf(a, sizeof a, "pong%d", round % 10);
            REQUIRE(send_text(req, q));
            uint8_t buf[64] = {};
            SpMessage got;
            REQUIRE_EQ(w.read_one(rep, buf, sizeof buf, 2000, &got), 5);
            CHECK(std::memcmp(buf, q, 5) == 0);
            CHECK_EQ(got.backtrace_size, 4u);  // the request id, top bit set
            CHECK((got.backtrace[0] & 0x80) != 0);
            REQUIRE_EQ(rep.reply(got, a, 5), Error::Ok);
            REQUIRE_EQ(w.read_one(req, buf, sizeof buf), 5);
            CHECK(std::memcmp(buf, a, 5) == 0);
        }
    }
    {
        SpSocket push, pull;
        REQUIRE_EQ(push.open(w.ctx, SpPattern::Push), Error::Ok);
        REQUIRE_EQ(pull.open(w.ctx, SpPattern::Pull), Error::Ok);
        char url[160];
        REQUIRE(w.listen(push, scheme, url, sizeof url));  // the sender listens this time
        REQUIRE(pull.dial(url).ok());
        REQUIRE(w.run(3000, [&] { return push.ready_pipes() == 1 && pull.ready_pipes() == 1; }));
        for (int i = 0; i < 10; ++i) {
            char m[16];
            std::snprintf(m, sizeof m, "m%d", i);
            REQUIRE(send_text(push, m));
        }
        for (int i = 0; i < 10; ++i) {
            uint8_t buf[8] = {};
            REQUIRE_EQ(w.read_one(pull, buf, sizeof buf), 2);
            CHECK_EQ(buf[1], static_cast<uint8_t>('0' + i));
        }
        if (big) {
            std::string payload(big, '\0');
            for (size_t i = 0; i < big; ++i) payload[i] = static_cast<char>(tw_test::pattern(7, i));
            Error e = Error::WouldBlock;
            REQUIRE(w.run(2000, [&] { e = push.send(payload.data(), payload.size()); return e != Error::WouldBlock; }));
            REQUIRE_EQ(e, Error::Ok);
            std::string got(big + 16, '\0');
            if (std::getenv("TW_TEST_LOG")) {
                (void)w.run(500, [] { return false; });
                const Stats st = w.ctx.stats();
                std::printf("DEBUG sent %llu recv %llu\n", (unsigned long long)st.bytes_sent, (unsigned long long)st.bytes_received);
            }
            REQUIRE_EQ(w.read_one(pull, reinterpret_cast<uint8_t*>(&got[0]), got.size(), 3000), static_cast<long>(big));
            CHECK(std::memcmp(got.data(), payload.data(), big) == 0);
        }
    }
}

} // namespace

TW_TEST(sp_ws_req_rep_push_pull) {
    SpWorld w;
    REQUIRE(w.init());
    exercise(w, "ws", 100000);
}

TW_TEST(sp_wss_req_rep_push_pull) {
    SpWorld w;
    REQUIRE(w.init(true));
    exercise(w, "wss", 100000);
}

TW_TEST(sp_tls_tcp_req_rep_push_pull) {
    SpWorld w;
    REQUIRE(w.init(true));
    exercise(w, "tls+tcp", 100000);
}

TW_TEST(sp_inproc_req_rep_push_pull) {
    SpWorld w;
    REQUIRE(w.init());
    exercise(w, "inproc", 100000);
}

// A ws listener of one pattern refuses a dialer that asks for another (400), and the dialer
// keeps redialing without ever becoming a pipe.
TW_TEST(sp_ws_wrong_subprotocol_is_refused) {
    SpWorld w;
    REQUIRE(w.init());
    SpSocket rep, push;
    REQUIRE_EQ(rep.open(w.ctx, SpPattern::Rep), Error::Ok);
    REQUIRE_EQ(push.open(w.ctx, SpPattern::Push), Error::Ok);  // asks for pull.sp.nanomsg.org
    char url[160];
    REQUIRE(w.listen(rep, "ws", url, sizeof url));
    REQUIRE(push.dial(url).ok());
    (void)w.run(300, [] { return false; });
    CHECK_EQ(rep.ready_pipes(), 0u);
    CHECK_EQ(push.ready_pipes(), 0u);
    CHECK(w.ctx.stats().handshakes_failed > 0);
}

// A ws dialer whose listener goes away redials and carries messages again.
TW_TEST(sp_ws_dialer_redials) {
    SpWorld w;
    REQUIRE(w.init());
    SpSocket pull, push;
    REQUIRE_EQ(push.open(w.ctx, SpPattern::Push), Error::Ok);
    REQUIRE_EQ(pull.open(w.ctx, SpPattern::Pull), Error::Ok);
    auto l = pull.listen("ws://127.0.0.1:0/sp");
    REQUIRE(l.ok());
    const unsigned port = w.ctx.listener_port(l.value);
    char url[96];
    std::snprintf(url, sizeof url, "ws://127.0.0.1:%u/sp", port);
    REQUIRE(push.dial(url).ok());
    REQUIRE(w.run(2000, [&] { return push.ready_pipes() == 1; }));
    REQUIRE(send_text(push, "one"));
    uint8_t buf[8];
    REQUIRE_EQ(w.read_one(pull, buf, sizeof buf), 3);
    pull.close();
    REQUIRE(w.run(2000, [&] { return push.ready_pipes() == 0; }));
    REQUIRE_EQ(pull.open(w.ctx, SpPattern::Pull), Error::Ok);
    char again[96];
    std::snprintf(again, sizeof again, "ws://127.0.0.1:%u/sp", port);
    REQUIRE(pull.listen(again).ok());
    REQUIRE(w.run(3000, [&] { return push.ready_pipes() == 1; }));
    REQUIRE(send_text(push, "two"));
    REQUIRE_EQ(w.read_one(pull, buf, sizeof buf), 3);
    CHECK(std::memcmp(buf, "two", 3) == 0);
}

// Messages larger than the tx ring (16 KiB here), up to a message slot: over tcp and ipc one
// length prefix then the bytes as the ring drains; PUB fans one staged copy out to several
// pipes (tcp and ws mixed); a message above the slot size is still TooLarge; the slot comes back.
// Whether this OS has ipc:// at all (wine, older Windows: no; see ipc_support_test.cpp).
static bool ipc_available() {
    Context c;
    Config cfg;
    cfg.max_connections = 2;
    if (c.init(cfg) != Error::Ok) return false;
    char url[128];
    tw_test::unique_name(url, sizeof url, "ipc", "probe");
    return c.listen(url).error != Error::UnsupportedScheme;
}

TW_TEST(sp_send_larger_than_the_ring) {
    SpWorld w;
    REQUIRE(w.init());
    exercise(w, "tcp", 120000);
    if (ipc_available()) exercise(w, "ipc", 70000);
    else std::printf("    ipc:// is not supported by this OS: tcp and ws only\n");
    SpSocket pub, s1, s2, s3;
    REQUIRE_EQ(pub.open(w.ctx, SpPattern::Pub), Error::Ok);
    REQUIRE_EQ(s1.open(w.ctx, SpPattern::Sub), Error::Ok);
    REQUIRE_EQ(s2.open(w.ctx, SpPattern::Sub), Error::Ok);
    REQUIRE_EQ(s3.open(w.ctx, SpPattern::Sub), Error::Ok);
    for (SpSocket* s : {&s1, &s2, &s3}) REQUIRE_EQ(s->subscribe(""), Error::Ok);
    char tcp[160], ws[160];
    REQUIRE(w.listen(pub, "tcp", tcp, sizeof tcp));
    REQUIRE(w.listen(pub, "ws", ws, sizeof ws));
    REQUIRE(s1.dial(tcp).ok());
    REQUIRE(s2.dial(ws).ok());
    REQUIRE(s3.dial(tcp).ok());
    REQUIRE(w.run(3000, [&] { return pub.ready_pipes() == 3; }));
    (void)w.run(20, [] { return false; });  // the ws upgrade's request copy goes back
    const uint64_t slots_before = w.ctx.stats().message_slots_in_use;
    std::string payload(90000, '\0');
    for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>(tw_test::pattern(11, i));
    CHECK_EQ(pub.send(payload.data(), 128 * 1024 + 1), Error::TooLarge);
    REQUIRE_EQ(pub.send(payload.data(), payload.size()), Error::Ok);
    CHECK_EQ(w.ctx.stats().message_slots_in_use, slots_before + 1);  // one copy for three pipes
    // While it goes out, the pipes are busy: a second message misses them (PUB drops).
    CHECK_EQ(pub.send("small", 5), Error::Ok);
    for (SpSocket* s : {&s1, &s2, &s3}) {
        std::string got(payload.size(), '\0');
        REQUIRE_EQ(w.read_one(*s, reinterpret_cast<uint8_t*>(&got[0]), got.size(), 3000), static_cast<long>(payload.size()));
        CHECK(got == payload);
    }
    (void)w.run(50, [] { return false; });
    CHECK_EQ(w.ctx.stats().message_slots_in_use, slots_before);  // the shared copy was released
}

// A ws listener bound with a path serves that path only (NNG answers 404 for another); one
// bound without a path (or with "/") takes any, as nanomsg's.
TW_TEST(sp_ws_listener_path) {
    SpWorld w;
    REQUIRE(w.init());
    SpSocket pull, wrong, right;
    REQUIRE_EQ(pull.open(w.ctx, SpPattern::Pull), Error::Ok);
    REQUIRE_EQ(wrong.open(w.ctx, SpPattern::Push), Error::Ok);
    REQUIRE_EQ(right.open(w.ctx, SpPattern::Push), Error::Ok);
    auto l = pull.listen("ws://127.0.0.1:0/jobs");
    REQUIRE(l.ok());
    char url[96];
    std::snprintf(url, sizeof url, "ws://127.0.0.1:%u/other", w.ctx.listener_port(l.value));
    REQUIRE(wrong.dial(url).ok());
    (void)w.run(200, [] { return false; });
    CHECK_EQ(wrong.ready_pipes(), 0u);
    CHECK(w.ctx.stats().handshakes_failed > 0);
    std::snprintf(url, sizeof url, "ws://127.0.0.1:%u/jobs", w.ctx.listener_port(l.value));
    REQUIRE(right.dial(url).ok());
    CHECK(w.run(2000, [&] { return right.ready_pipes() == 1 && pull.ready_pipes() == 1; }));
    SpSocket any, dialer;
    REQUIRE_EQ(any.open(w.ctx, SpPattern::Pull), Error::Ok);
    REQUIRE_EQ(dialer.open(w.ctx, SpPattern::Push), Error::Ok);
    auto l2 = any.listen("ws://127.0.0.1:0");
    REQUIRE(l2.ok());
    std::snprintf(url, sizeof url, "ws://127.0.0.1:%u/whatever", w.ctx.listener_port(l2.value));
    REQUIRE(dialer.dial(url).ok());
    CHECK(w.run(2000, [&] { return dialer.ready_pipes() == 1; }));
}
