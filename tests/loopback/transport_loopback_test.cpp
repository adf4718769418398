// Loopback integration tests of the core over every transport (tcp, ipc, inproc) and both
// poller back ends: connect, exchange with backpressure, half-close, reset, refusal.
#include <cstring>
#include <string>

#include "platform/poller.hpp"
#include "tests/loopback/harness.hpp"

using namespace tickwire;
using tw_test::EventLog;
using tw_test::pump;

namespace {

// The OS's own poller: epoll on Linux (the *_epoll tests), WSAPoll on Windows, which has no epoll.
const PollerKind kOsPoller = tickwire::platform::Poller::default_backend() == tickwire::platform::PollerBackend::Epoll
                                 ? PollerKind::Epoll
                                 : PollerKind::Poll;

Config small_config(PollerKind poller) {
    Config cfg;
    cfg.max_connections = 64;
    cfg.ring_block_size = 16 * 1024;
    cfg.ring_block_count = 64;
    cfg.poller = poller;
    return cfg;
}

void make_listen_url(const char* scheme, char* out, size_t cap, const char* tag) {
    if (std::strcmp(scheme, "tcp") == 0) std::snprintf(out, cap, "tcp://127.0.0.1:0");
    else tw_test::unique_name(out, cap, scheme, tag);
}

// Listens on `scheme` and dials that listener: the dialed connection (not open yet), or an
// invalid Conn when either failed (which is checked).
Conn listen_and_dial(Context& ctx, const char* scheme, const char* tag, const ListenOptions& lo = ListenOptions{},
                     const DialOptions& dopt = DialOptions{}) {
    char lurl[128], durl[128];
    make_listen_url(scheme, lurl, sizeof lurl, tag);
    auto l = ctx.listen(lurl, lo);
    CHECK_EQ(l.error, Error::Ok);
    if (!l) return Conn();
    tw_test::dial_url_for(ctx, l.value, lurl, durl, sizeof durl);
    auto d = ctx.dial(durl, dopt);
    CHECK_EQ(d.error, Error::Ok);
    return d ? d.value : Conn();
}

// Pumps until `client` is open and its server side accepted: that side's handle.
Conn accept_of(Context& ctx, EventLog& log, Conn client) {
    Conn server;
    CHECK(pump(ctx, log, 3000, [&] { return client.state() == ConnState::Open && server.valid(); },
               [&](const Event& ev) { if (ev.type == EventType::Accepted) server = ev.conn; }));
    return server;
}

// Echoes everything it reads; holds a view it could not send until the connection is writable.
struct EchoServer {
    Conn conn;
    ReadView pending;
    bool has_pending = false;
    bool forward_views = false;  // send_view (moves ring blocks when it can) instead of send
    uint64_t echoed = 0;

    void step() {
        for (;;) {
            if (!has_pending) {
                if (conn.try_read(pending) != Read::Message) return;
                has_pending = true;
            }
            const size_t n = pending.size;
            if (forward_views) {
                if (conn.send_view(pending) != Error::Ok) return;  // WouldBlock: wait
            } else {
                if (conn.send(pending.data, pending.size) != Error::Ok) return;
                pending.release();
            }
            echoed += n;
            has_pending = false;
        }
    }
};

// Sends `total` pattern bytes and checks every echoed byte.
struct PatternClient {
    Conn conn;
    uint64_t total = 0;
    uint64_t sent = 0;
    uint64_t received = 0;
    uint64_t mismatches = 0;
    uint64_t would_blocks = 0;
    uint8_t buf[3000];

    void step() {
        while (sent < total) {
            const size_t n = static_cast<size_t>(total - sent < sizeof buf ? total - sent : sizeof buf);
            for (size_t i = 0; i < n; ++i) buf[i] = tw_test::pattern(7, sent + i);
            const Error e = conn.send(buf, n);
            if (e == Error::WouldBlock) { ++would_blocks; break; }
            if (e != Error::Ok) return;
            sent += n;
        }
        ReadView v;
        while (conn.try_read(v) == Read::Message) {
            for (size_t i = 0; i < v.size; ++i)
                if (v.data[i] != tw_test::pattern(7, received + i)) ++mismatches;
            received += v.size;
            v.release();
        }
    }
};

void exchange(const char* scheme, PollerKind poller, bool forward_views = false) {
    Context ctx;
    REQUIRE_EQ(ctx.init(small_config(poller)), Error::Ok);
    const Conn dialed = listen_and_dial(ctx, scheme, "exchange");
    REQUIRE(dialed.valid());

    EventLog log;
    EchoServer server;
    server.forward_views = forward_views;
    PatternClient client;
    client.conn = dialed;
    client.total = 3u << 20;  // 3 MiB through 16 KiB rings: backpressure all the way
    const bool done = pump(ctx, log, 20000, [&] {
        server.step();
        client.step();
        return client.received == client.total;
    }, [&](const Event& ev) {
        if (ev.type == EventType::Accepted) server.conn = ev.conn;
    });
    CHECK(done);
    CHECK_EQ(client.received, client.total);
    CHECK_EQ(client.mismatches, 0u);
    CHECK_EQ(log.count_of(EventType::Connected, dialed), 1);
    CHECK_EQ(log.count_of(EventType::Accepted), 1);
    CHECK_EQ(log.count_of(EventType::Error), 0);
    CHECK(client.would_blocks > 0);                       // the tx ring did fill up
    CHECK(log.count_of(EventType::Writable, dialed) > 0);  // ... and said so when it drained
    const Stats st = ctx.stats();
    CHECK(st.ring_blocks_high_water <= 64u);

    // Orderly close from the client: the server sees Closed with Ok, both slots free again.
    REQUIRE_EQ(client.conn.close(), Error::Ok);
    CHECK(pump(ctx, log, 5000, [&] { return log.count_of(EventType::Closed) == 2; }));
    const Event* closed = log.last(EventType::Closed, server.conn);
    REQUIRE(closed != nullptr);
    CHECK_EQ(closed->error, Error::Ok);
    CHECK(pump(ctx, log, 200, [&] { return ctx.stats().connections_open == 0; }));
    CHECK_EQ(ctx.stats().ring_blocks_in_use, 0u);  // idle: no blocks held
    CHECK(!client.conn.valid());                    // stale handle after the slot was freed
    CHECK_EQ(client.conn.send("x", 1), Error::InvalidHandle);
}

void half_close(const char* scheme, PollerKind poller) {
    Context ctx;
    REQUIRE_EQ(ctx.init(small_config(poller)), Error::Ok);
    ListenOptions lo;
    lo.half_close = true;
    DialOptions dopt;
    dopt.reconnect = false;
    const Conn dialed = listen_and_dial(ctx, scheme, "half", lo, dopt);
    REQUIRE(dialed.valid());
    EventLog log;
    const Conn server = accept_of(ctx, log, dialed);
    REQUIRE_EQ(dialed.send("hello", 5), Error::Ok);
    REQUIRE_EQ(dialed.shutdown_write(), Error::Ok);
    CHECK_EQ(dialed.send("more", 4), Error::WrongState);
    char got[16] = {};
    size_t got_n = 0;
    CHECK(pump(ctx, log, 3000, [&] {
        ReadView v;
        while (server.try_read(v) == Read::Message) {
            std::memcpy(got + got_n, v.data, v.size);
            got_n += v.size;
            v.release();
        }
        return log.count_of(EventType::PeerShutdown, server) == 1;
    }));
    CHECK_EQ(got_n, 5u);
    CHECK(std::memcmp(got, "hello", 5) == 0);
    // The server can still answer after the client's FIN.
    REQUIRE_EQ(server.send("bye", 3), Error::Ok);
    REQUIRE_EQ(server.close(), Error::Ok);
    char back[8] = {};
    size_t back_n = 0;
    CHECK(pump(ctx, log, 3000, [&] {
        ReadView v;
        while (dialed.try_read(v) == Read::Message) {
            std::memcpy(back + back_n, v.data, v.size);
            back_n += v.size;
            v.release();
        }
        return log.count_of(EventType::Closed, dialed) == 1;
    }));
    // Bytes that arrived with the FIN stay readable until the next update.
    ReadView v;
    while (dialed.try_read(v) == Read::Message) {
        std::memcpy(back + back_n, v.data, v.size);
        back_n += v.size;
        v.release();
    }
    CHECK_EQ(back_n, 3u);
    CHECK(std::memcmp(back, "bye", 3) == 0);
    CHECK_EQ(log.count_of(EventType::Error), 0);
}

void peer_reset(const char* scheme, PollerKind poller) {
    Context ctx;
    REQUIRE_EQ(ctx.init(small_config(poller)), Error::Ok);
    DialOptions dopt;
    dopt.reconnect = false;
    const Conn dialed = listen_and_dial(ctx, scheme, "reset", ListenOptions{}, dopt);
    REQUIRE(dialed.valid());
    EventLog log;
    const Conn server = accept_of(ctx, log, dialed);
    REQUIRE_EQ(server.abort(), Error::Ok);
    CHECK(pump(ctx, log, 3000, [&] {
        ReadView v;
        (void)dialed.try_read(v);
        (void)dialed.send("x", 1);  // provoke the error on the write side too
        return log.count_of(EventType::Closed, dialed) == 1;
    }));
    const Event* closed = log.last(EventType::Closed, dialed);
    REQUIRE(closed != nullptr);
    if (std::strcmp(scheme, "ipc") == 0) {
        // Unix domain sockets have no RST: an abort looks like an orderly close to the peer.
        CHECK(closed->error == Error::Ok || closed->error == Error::ConnectionReset);
        return;
    }
    const Event* err = log.last(EventType::Error, dialed);
    if (!err) std::printf("    closed with %s, no error event\n", to_string(closed->error));
    REQUIRE(err != nullptr);
    CHECK(err->error == Error::ConnectionReset || err->error == Error::BrokenPipe);
    CHECK(closed->error == err->error);
}

void refused(const char* scheme, PollerKind poller) {
    Context ctx;
    REQUIRE_EQ(ctx.init(small_config(poller)), Error::Ok);
    char url[128];
    if (std::strcmp(scheme, "tcp") == 0) {
        // A port that was just free: listen on 0, learn the port, close.
        auto l = ctx.listen("tcp://127.0.0.1:0");
        REQUIRE_EQ(l.error, Error::Ok);
        std::snprintf(url, sizeof url, "tcp://127.0.0.1:%u", ctx.listener_port(l.value));
        REQUIRE_EQ(ctx.close_listener(l.value), Error::Ok);
    } else {
        tw_test::unique_name(url, sizeof url, scheme, "nobody");
    }
    DialOptions dopt;
    dopt.reconnect = false;
    auto d = ctx.dial(url, dopt);
    REQUIRE_EQ(d.error, Error::Ok);
    EventLog log;
    CHECK(pump(ctx, log, 3000, [&] { return log.count_of(EventType::Closed) == 1; }));
    const Event* err = log.last(EventType::Error);
    REQUIRE(err != nullptr);
    CHECK_EQ(err->error, Error::ConnectRefused);
    CHECK_EQ(log.count_of(EventType::Connected), 0);
}

// A received view sent on behind bytes already queued: over a socket it goes out from rx where it
// lies (a tx loan), between what was queued before it and what is sent after; in-process it is
// copied. Either way the peer gets the three in order.
void send_view_behind_queued_bytes(const char* scheme) {
    Context ctx;
    REQUIRE_EQ(ctx.init(small_config(kOsPoller)), Error::Ok);
    const Conn dialed = listen_and_dial(ctx, scheme, "lend");
    REQUIRE(dialed.valid());
    EventLog log;
    const Conn server = accept_of(ctx, log, dialed);
    uint8_t body[8000];
    for (size_t i = 0; i < sizeof body; ++i) body[i] = tw_test::pattern(3, i);
    REQUIRE_EQ(dialed.send(body, sizeof body), Error::Ok);
    ReadView v;
    CHECK(pump(ctx, log, 3000, [&] { return server.try_read(v) == Read::Message && v.size == sizeof body; }));
    REQUIRE_EQ(v.size, sizeof body);
    const uint64_t in_place = ctx.stats().views_forwarded_in_place;
    REQUIRE_EQ(server.send("head", 4), Error::Ok);
    REQUIRE_EQ(server.send_view(v), Error::Ok);
    REQUIRE_EQ(server.send("tail", 4), Error::Ok);
    const bool lends = std::strcmp(scheme, "inproc") != 0;
    CHECK_EQ(ctx.stats().views_forwarded_in_place, in_place + (lends ? 1 : 0));
    std::string got;
    CHECK(pump(ctx, log, 3000, [&] {
        ReadView r;
        while (dialed.try_read(r) == Read::Message) {
            got.append(reinterpret_cast<const char*>(r.data), r.size);
            r.release();
        }
        return got.size() >= sizeof body + 8;
    }));
    const std::string want = "head" + std::string(reinterpret_cast<const char*>(body), sizeof body) + "tail";
    CHECK_EQ(got.size(), want.size());
    CHECK(got == want);
    CHECK(pump(ctx, log, 2000, [&] { return ctx.stats().ring_blocks_in_use == 0; }));  // the pin is gone
}

} // namespace

#define TW_TRANSPORT_TESTS(scheme)                                                        \
    TW_TEST(loopback_##scheme##_exchange_epoll) { exchange(#scheme, kOsPoller); }  \
    TW_TEST(loopback_##scheme##_exchange_poll) { exchange(#scheme, PollerKind::Poll); }    \
    TW_TEST(loopback_##scheme##_exchange_send_view) { exchange(#scheme, kOsPoller, true); } \
    TW_TEST(loopback_##scheme##_send_view_behind_queued_bytes) { send_view_behind_queued_bytes(#scheme); } \
    TW_TEST(loopback_##scheme##_half_close) { half_close(#scheme, kOsPoller); }    \
    TW_TEST(loopback_##scheme##_half_close_poll) { half_close(#scheme, PollerKind::Poll); } \
    TW_TEST(loopback_##scheme##_peer_reset) { peer_reset(#scheme, kOsPoller); }    \
    TW_TEST(loopback_##scheme##_connect_refused) { refused(#scheme, kOsPoller); }

TW_TRANSPORT_TESTS(tcp)
TW_TRANSPORT_TESTS(ipc)
TW_TRANSPORT_TESTS(inproc)
