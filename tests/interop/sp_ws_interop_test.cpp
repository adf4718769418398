// SP over ws:// against real peers: nanocat (nanomsg 1.1.5) and nngcat (NNG 1.5.2) as child
// processes, each pattern in both directions (we listen and they dial, and the other way), and
// NNG's fragmentation of messages above 64 KiB (its listener splits them into 64 KiB frames).
// Needs nanomsg-utils and nng-utils (tests/setup.sh).
#include <cstdio>
#include <cstring>
#include <string>

#include "tests/interop/sp_peer_process.hpp"
#include "tests/loopback/harness.hpp"
#include "tickwire/sp.hpp"

using namespace tickwire;
using tw_test::SpPeer;

namespace {

const char kNanocat[] = "/usr/bin/nanocat";
const char kNngcat[] = "/usr/bin/nngcat";

Config ws_interop_config() {
    Config cfg;
    cfg.max_connections = 32;
    cfg.ring_block_count = 64;
    cfg.message_slots = 16;
    cfg.message_slot_size = 128 * 1024;  // room for the 70000-byte message
    cfg.reconnect_min_ms = 20;           // the peer may bind after we dial
    cfg.reconnect_max_ms = 100;
    return cfg;
}

template <typename Pred>
bool run(Context& ctx, int max_ms, Pred pred) { return tw_test::run_until(ctx, max_ms, pred, 5); }

// nanomsg cannot bind a ws path, so every URL is path-less (a dialer then asks for "/").
void make_url(char* out, size_t cap) {
    std::snprintf(out, cap, "ws://127.0.0.1:%u", static_cast<unsigned>(tw_test::free_tcp_port()));
}

const char* interval(const char* tool) { return tool == kNngcat ? "1" : "0.1"; }

bool is(const SpMessage& m, const char* text) {
    return m.size == std::strlen(text) && std::memcmp(m.data, text, m.size) == 0;
}

// Opens `pattern` on `ctx` and listens (we_listen) or dials `url`.
bool attach(SpSocket& s, Context& ctx, SpPattern pattern, const char* url, bool we_listen) {
    if (s.open(ctx, pattern) != Error::Ok) return false;
    return we_listen ? s.listen(url).ok() : s.dial(url).ok();
}

const char* peer_side(bool we_listen) { return we_listen ? "--connect" : "--bind"; }

void push_pull(const char* tool, bool we_listen, bool we_push) {
    Context ctx;
    REQUIRE_EQ(ctx.init(ws_interop_config()), Error::Ok);
    char url[96];
    make_url(url, sizeof url);
    SpSocket s;
    SpPeer peer;
    if (we_push) {
        const char* argv[] = {tool, "--pull", peer_side(we_listen), url, "-Q", nullptr};
        REQUIRE(peer.start(argv));
        REQUIRE(attach(s, ctx, SpPattern::Push, url, we_listen));
        REQUIRE(run(ctx, 5000, [&] { return s.ready_pipes() == 1; }));
        REQUIRE_EQ(s.send("from tickwire", 13), Error::Ok);
        CHECK(run(ctx, 5000, [&] { return peer.printed("\"from tickwire\"\n"); }));
    } else {
        REQUIRE(attach(s, ctx, SpPattern::Pull, url, we_listen));
        const char* argv[] = {tool, "--push", peer_side(we_listen), url, "--data", "hello from the peer", "--interval", interval(tool), nullptr};
        REQUIRE(peer.start(argv));
        bool got = false;
        CHECK(run(ctx, 5000, [&] {
            SpMessage m;
            while (s.try_read(m) == Read::Message) {
                got = got || is(m, "hello from the peer");
                m.release();
            }
            return got;
        }));
    }
    CHECK_EQ(s.pipe_failures(), 0u);
}

void req_rep(const char* tool, bool we_listen, bool we_ask) {
    Context ctx;
    REQUIRE_EQ(ctx.init(ws_interop_config()), Error::Ok);
    char url[96];
    make_url(url, sizeof url);
    SpSocket s;
    SpPeer peer;
    if (we_ask) {
        const char* argv[] = {tool, "--rep", peer_side(we_listen), url, "--data", "pong", "-Q", nullptr};
        REQUIRE(peer.start(argv));
        REQUIRE(attach(s, ctx, SpPattern::Req, url, we_listen));
        for (int round = 0; round < 3; ++round) {
            REQUIRE_EQ(s.send("ping", 4), Error::Ok);  // goes out when the pipe is up
            bool answered = false;
            CHECK(run(ctx, 5000, [&] {
                SpMessage m;
                while (s.try_read(m) == Read::Message) {
                    answered = answered || is(m, "pong");
                    m.release();
                }
                return answered;
            }));
            if (!answered) break;
        }
        CHECK(run(ctx, 2000, [&] { return peer.printed("\"ping\"\n\"ping\"\n\"ping\"\n"); }));
    } else {
        REQUIRE(attach(s, ctx, SpPattern::Rep, url, we_listen));
        const char* argv[] = {tool, "--req", peer_side(we_listen), url, "--data", "ping", "-Q", nullptr};
        REQUIRE(peer.start(argv));
        bool asked = false;
        CHECK(run(ctx, 5000, [&] {
            SpMessage m;
            while (s.try_read(m) == Read::Message) {
                if (is(m, "ping") && m.backtrace_size == 4 && (m.backtrace[0] & 0x80)) {
                    asked = true;
                    CHECK_EQ(s.reply(m, "pong", 4), Error::Ok);
                }
                m.release();
            }
            return asked && peer.printed("\"pong\"\n");
        }));
    }
}

void pub_sub(const char* tool, bool we_listen, bool we_publish) {
    Context ctx;
    REQUIRE_EQ(ctx.init(ws_interop_config()), Error::Ok);
    char url[96];
    make_url(url, sizeof url);
    SpSocket s;
    SpPeer peer;
    if (we_publish) {
        const char* argv[] = {tool, "--sub", peer_side(we_listen), url, "--subscribe", "foo", "-Q", nullptr};
        REQUIRE(peer.start(argv));
        REQUIRE(attach(s, ctx, SpPattern::Pub, url, we_listen));
        REQUIRE(run(ctx, 5000, [&] { return s.ready_pipes() == 1; }));
        int64_t next = 0;
        CHECK(run(ctx, 5000, [&] {
            if (ctx.now_us() >= next) {
                CHECK_EQ(s.send("bar.2", 5), Error::Ok);
                CHECK_EQ(s.send("foo.1", 5), Error::Ok);
                next = ctx.now_us() + 100000;
            }
            return peer.printed("\"foo.1\"\n");
        }));
        CHECK(!peer.printed("bar.2"));
    } else {
        REQUIRE(attach(s, ctx, SpPattern::Sub, url, we_listen));
        REQUIRE_EQ(s.subscribe("foo"), Error::Ok);
        const char* argv[] = {tool, "--pub", peer_side(we_listen), url, "--data", "foo.bar", "--interval", interval(tool), nullptr};
        REQUIRE(peer.start(argv));
        int foo = 0;
        CHECK(run(ctx, 6000, [&] {
            SpMessage m;
            while (s.try_read(m) == Read::Message) {
                if (is(m, "foo.bar")) ++foo;
                m.release();
            }
            return foo >= 2;
        }));
    }
}

void survey(const char* tool, bool we_listen, bool we_survey) {
    Context ctx;
    REQUIRE_EQ(ctx.init(ws_interop_config()), Error::Ok);
    char url[96];
    make_url(url, sizeof url);
    SpSocket s;
    SpPeer peer;
    if (we_survey) {
        const char* argv[] = {tool, "--respondent", peer_side(we_listen), url, "--data", "here", "-Q", nullptr};
        REQUIRE(peer.start(argv));
        REQUIRE(attach(s, ctx, SpPattern::Surveyor, url, we_listen));
        REQUIRE(run(ctx, 5000, [&] { return s.ready_pipes() == 1; }));
        REQUIRE_EQ(s.send("who?", 4), Error::Ok);
        bool answered = false;
        CHECK(run(ctx, 3000, [&] {
            SpMessage m;
            while (s.try_read(m) == Read::Message) {
                answered = answered || is(m, "here");
                m.release();
            }
            return answered;
        }));
        CHECK(peer.printed("\"who?\"\n"));
    } else {
        REQUIRE(attach(s, ctx, SpPattern::Respondent, url, we_listen));
        const char* argv[] = {tool, "--surveyor", peer_side(we_listen), url, "--data", "who?", "--interval", interval(tool), "-Q", nullptr};
        REQUIRE(peer.start(argv));
        // nngcat surveys once a second and we may dial before it listens (then the dialer's
        // backoff runs): allow several survey rounds. Only a failure waits this long.
        CHECK(run(ctx, 10000, [&] {
            SpMessage m;
            while (s.try_read(m) == Read::Message) {
                if (is(m, "who?")) CHECK_EQ(s.reply(m, "me", 2), Error::Ok);
                m.release();
            }
            return peer.printed("\"me\"\n");
        }));
    }
}

void bus(const char* tool, bool we_listen) {
    Context ctx;
    REQUIRE_EQ(ctx.init(ws_interop_config()), Error::Ok);
    char url[96];
    make_url(url, sizeof url);
    SpSocket s;
    SpPeer peer;
    REQUIRE(attach(s, ctx, SpPattern::Bus, url, we_listen));
    const char* argv[] = {tool, "--bus", peer_side(we_listen), url, "--data", "from peer", "--interval", interval(tool), "-Q", nullptr};
    REQUIRE(peer.start(argv));
    REQUIRE(run(ctx, 5000, [&] { return s.ready_pipes() == 1; }));
    bool got = false;
    int64_t next = 0;
    CHECK(run(ctx, 5000, [&] {
        SpMessage m;
        while (s.try_read(m) == Read::Message) {
            got = got || is(m, "from peer");
            m.release();
        }
        if (ctx.now_us() >= next) {
            CHECK_EQ(s.send("from us", 7), Error::Ok);
            next = ctx.now_us() + 200000;
        }
        return got && peer.printed("\"from us\"\n");
    }));
}

// A 70000-byte message from a pushing peer: an NNG listener sends it as a 65536-byte frame and
// a continuation (WIRE.md 5), nanomsg as one frame; either way one message of 70000 bytes.
void big_from_peer(const char* tool, bool we_listen) {
    char path[96];
    std::snprintf(path, sizeof path, "/tmp/tickwire-sp-ws-big-%d.bin", static_cast<int>(getpid()));
    std::string payload(70000, '\0');
    for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>('a' + tw_test::pattern(3, i) % 26);
    FILE* f = std::fopen(path, "wb");
    REQUIRE(f != nullptr);
    REQUIRE_EQ(std::fwrite(payload.data(), 1, payload.size(), f), payload.size());
    std::fclose(f);
    Context ctx;
    REQUIRE_EQ(ctx.init(ws_interop_config()), Error::Ok);
    char url[96];
    make_url(url, sizeof url);
    SpSocket s;
    REQUIRE(attach(s, ctx, SpPattern::Pull, url, we_listen));
    SpPeer peer;
    const char* argv[] = {tool, "--push", peer_side(we_listen), url, "--file", path, "--interval", interval(tool), nullptr};
    REQUIRE(peer.start(argv));
    bool same = false;
    CHECK(run(ctx, 6000, [&] {
        SpMessage m;
        while (s.try_read(m) == Read::Message) {
            same = same || (m.size == payload.size() && std::memcmp(m.data, payload.data(), m.size) == 0);
            m.release();
        }
        return same;
    }));
    CHECK_EQ(s.pipe_failures(), 0u);
    std::remove(path);
}

// We push a 70000-byte message (more than our 16 KiB ring: it leaves as a binary frame and
// continuations); the peer writes it raw to a file, which must hold exactly our bytes.
void big_to_peer(const char* tool, bool we_listen, size_t size = 70000, uint32_t block = 0) {
    char path[96], cmd[400];
    std::snprintf(path, sizeof path, "/tmp/tickwire-sp-ws-out-%d.bin", static_cast<int>(getpid()));
    std::remove(path);
    std::string payload(size, '\0');
    for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>(tw_test::pattern(5, i));
    Context ctx;
    Config c = ws_interop_config();
    if (block) {  // a ring larger than NNG's 1 MiB frame limit: the message still goes in pieces
        c.ring_block_size = block;
        c.ring_block_count = 8;
        c.message_slot_size = block;
        c.message_slots = 4;
    }
    REQUIRE_EQ(ctx.init(c), Error::Ok);
    char url[96];
    make_url(url, sizeof url);
    std::snprintf(cmd, sizeof cmd, "exec %s --pull %s %s --raw > %s", tool, peer_side(we_listen), url, path);
    SpPeer peer;
    const char* argv[] = {"/bin/sh", "-c", cmd, nullptr};
    REQUIRE(peer.start(argv));
    SpSocket s;
    REQUIRE(attach(s, ctx, SpPattern::Push, url, we_listen));
    REQUIRE(run(ctx, 5000, [&] { return s.ready_pipes() == 1; }));
    REQUIRE_EQ(s.send(payload.data(), payload.size()), Error::Ok);
    std::string got;
    CHECK(run(ctx, 5000, [&] {
        FILE* f = std::fopen(path, "rb");
        if (!f) return false;
        got.assign(payload.size() + 1, '\0');
        got.resize(std::fread(&got[0], 1, got.size(), f));
        std::fclose(f);
        return got.size() >= payload.size();
    }));
    CHECK(got == payload);
    CHECK_EQ(s.pipe_failures(), 0u);
    peer.stop();
    std::remove(path);
}

} // namespace

#define SP_WS_INTEROP(name, tool)                                                                        \
    TW_TEST(sp_ws_interop_##name##_push_to_our_pull_we_listen) { push_pull(tool, true, false); }        \
    TW_TEST(sp_ws_interop_##name##_push_to_our_pull_we_dial) { push_pull(tool, false, false); }         \
    TW_TEST(sp_ws_interop_our_push_to_##name##_pull_we_listen) { push_pull(tool, true, true); }         \
    TW_TEST(sp_ws_interop_our_push_to_##name##_pull_we_dial) { push_pull(tool, false, true); }          \
    TW_TEST(sp_ws_interop_##name##_req_to_our_rep_we_listen) { req_rep(tool, true, false); }            \
    TW_TEST(sp_ws_interop_##name##_req_to_our_rep_we_dial) { req_rep(tool, false, false); }             \
    TW_TEST(sp_ws_interop_our_req_to_##name##_rep_we_listen) { req_rep(tool, true, true); }             \
    TW_TEST(sp_ws_interop_our_req_to_##name##_rep_we_dial) { req_rep(tool, false, true); }              \
    TW_TEST(sp_ws_interop_##name##_pub_to_our_sub_we_listen) { pub_sub(tool, true, false); }            \
    TW_TEST(sp_ws_interop_##name##_pub_to_our_sub_we_dial) { pub_sub(tool, false, false); }             \
    TW_TEST(sp_ws_interop_our_pub_to_##name##_sub_we_listen) { pub_sub(tool, true, true); }             \
    TW_TEST(sp_ws_interop_our_pub_to_##name##_sub_we_dial) { pub_sub(tool, false, true); }              \
    TW_TEST(sp_ws_interop_##name##_survey_to_our_respondent_we_listen) { survey(tool, true, false); }   \
    TW_TEST(sp_ws_interop_##name##_survey_to_our_respondent_we_dial) { survey(tool, false, false); }    \
    TW_TEST(sp_ws_interop_our_survey_to_##name##_respondent_we_listen) { survey(tool, true, true); }    \
    TW_TEST(sp_ws_interop_our_survey_to_##name##_respondent_we_dial) { survey(tool, false, true); }     \
    TW_TEST(sp_ws_interop_bus_with_##name##_we_listen) { bus(tool, true); }                             \
    TW_TEST(sp_ws_interop_bus_with_##name##_we_dial) { bus(tool, false); }                              \
    TW_TEST(sp_ws_interop_big_message_from_##name##_we_listen) { big_from_peer(tool, true); }           \
    TW_TEST(sp_ws_interop_big_message_from_##name##_we_dial) { big_from_peer(tool, false); }         \
    TW_TEST(sp_ws_interop_big_message_to_##name##_we_listen) { big_to_peer(tool, true); }             \
    TW_TEST(sp_ws_interop_big_message_to_##name##_we_dial) { big_to_peer(tool, false); }

SP_WS_INTEROP(nanocat, kNanocat)
SP_WS_INTEROP(nngcat, kNngcat)

// NNG refuses a ws frame above 1 MiB but takes larger messages in several frames: with a 2 MiB
// ring, a 1.5 MiB message must still leave in pieces. (nanomsg drops messages above 1 MiB.)
TW_TEST(sp_ws_interop_1_5_mib_to_nngcat_with_a_2_mib_ring) { big_to_peer(kNngcat, true, 1536 * 1024, 2u << 20); }
