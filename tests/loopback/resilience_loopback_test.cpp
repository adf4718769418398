// Loopback tests of what goes wrong: connect timeouts, reconnects with backoff, a full block
// pool, more clients than connection slots, user timers, and a run under injected faults.
#include <initializer_list>

#include "platform/fault_injection.hpp"
#include "tests/loopback/harness.hpp"

using namespace tickwire;
using tw_test::EventLog;
using tw_test::pump;

TW_TEST(loopback_connect_timeout_fires_at_its_deadline) {
    Context ctx;
    Config cfg;
    REQUIRE_EQ(ctx.init(cfg), Error::Ok);
    auto l = ctx.listen("tcp://127.0.0.1:0");
    REQUIRE_EQ(l.error, Error::Ok);
    char url[64];
    std::snprintf(url, sizeof url, "tcp://127.0.0.1:%u", ctx.listener_port(l.value));
    platform::fault::Plan plan;
    plan.connect_drop = 1000;  // every connect hangs forever
    platform::fault::enable(plan);
    DialOptions opts;
    opts.reconnect = false;
    opts.connect_timeout_ms = 150;
    const int64_t t0 = ctx.now_us();
    auto d = ctx.dial(url, opts);
    platform::fault::disable();
    REQUIRE_EQ(d.error, Error::Ok);
    EventLog log;
    CHECK(pump(ctx, log, 3000, [&] { return log.count_of(EventType::Closed) == 1; }));
    const int64_t elapsed_ms = (ctx.now_us() - t0) / 1000;
    const Event* err = log.last(EventType::Error);
    REQUIRE(err != nullptr);
    CHECK_EQ(err->error, Error::ConnectTimeout);
    CHECK(elapsed_ms >= 140);
    CHECK(elapsed_ms < 2000);
}

TW_TEST(loopback_dialer_reconnects_with_backoff_and_keeps_its_handle) {
    Context ctx;
    Config cfg;
    cfg.reconnect_min_ms = 20;
    cfg.reconnect_max_ms = 80;
    REQUIRE_EQ(ctx.init(cfg), Error::Ok);
    // Find a free port, then dial it before anyone listens there.
    auto probe = ctx.listen("tcp://127.0.0.1:0");
    REQUIRE_EQ(probe.error, Error::Ok);
    const uint16_t port = ctx.listener_port(probe.value);
    REQUIRE_EQ(ctx.close_listener(probe.value), Error::Ok);
    char url[64];
    std::snprintf(url, sizeof url, "tcp://127.0.0.1:%u", port);
    auto d = ctx.dial(url);
    REQUIRE_EQ(d.error, Error::Ok);
    EventLog log;
    CHECK(pump(ctx, log, 3000, [&] { return log.count_of(EventType::Reconnecting, d.value) >= 3; }));
    CHECK_EQ(log.count_of(EventType::Closed), 0);
    CHECK(d.value.valid());
    CHECK(d.value.state() == ConnState::Backoff || d.value.state() == ConnState::Connecting);

    char lurl[64];
    std::snprintf(lurl, sizeof lurl, "tcp://127.0.0.1:%u", port);
    auto l = ctx.listen(lurl);
    REQUIRE_EQ(l.error, Error::Ok);
    Conn server;
    CHECK(pump(ctx, log, 3000, [&] { return log.count_of(EventType::Connected, d.value) == 1 && server.valid(); },
               [&](const Event& ev) { if (ev.type == EventType::Accepted) server = ev.conn; }));
    // The server drops it: the same handle reconnects.
    REQUIRE_EQ(server.close(), Error::Ok);
    CHECK(pump(ctx, log, 3000, [&] { return log.count_of(EventType::Connected, d.value) == 2; }));
    REQUIRE_EQ(d.value.send("ok", 2), Error::Ok);
    // close() ends the dialer for good.
    REQUIRE_EQ(d.value.close(), Error::Ok);
    CHECK(pump(ctx, log, 3000, [&] { return log.count_of(EventType::Closed, d.value) == 1; }));
    const int connects = log.count_of(EventType::Connected, d.value);
    pump(ctx, log, 200, [] { return false; });
    CHECK_EQ(log.count_of(EventType::Connected, d.value), connects);
}

TW_TEST(loopback_empty_block_pool_pauses_reading_and_loses_nothing) {
    Context ctx;
    Config cfg;
    cfg.ring_block_size = 4096;
    cfg.ring_block_count = 6;  // 8 clients x (tx + server rx) need far more than this
    REQUIRE_EQ(ctx.init(cfg), Error::Ok);
    auto l = ctx.listen("inproc://pool");
    REQUIRE_EQ(l.error, Error::Ok);
    auto t = ctx.listen("tcp://127.0.0.1:0");
    REQUIRE_EQ(t.error, Error::Ok);
    char turl[64];
    std::snprintf(turl, sizeof turl, "tcp://127.0.0.1:%u", ctx.listener_port(t.value));
    constexpr int kClients = 8;
    constexpr uint64_t kBytes = 200000;
    Conn clients[kClients];
    for (int i = 0; i < kClients; ++i) {
        auto d = ctx.dial(i % 4 == 3 ? "inproc://pool" : turl);
        REQUIRE_EQ(d.error, Error::Ok);
        clients[i] = d.value;
    }
    Conn servers[kClients];
    int nservers = 0;
    uint64_t sent[kClients] = {}, got[kClients] = {}, bad = 0;
    bool reading = false;
    EventLog log;
    auto step = [&] {
        for (int i = 0; i < kClients; ++i) {
            uint8_t buf[1000];
            while (sent[i] < kBytes && clients[i].state() == ConnState::Open) {
                const size_t n = kBytes - sent[i] < sizeof buf ? static_cast<size_t>(kBytes - sent[i]) : sizeof buf;
                for (size_t k = 0; k < n; ++k) buf[k] = tw_test::pattern(static_cast<uint32_t>(i), sent[i] + k);
                if (clients[i].send(buf, n) != Error::Ok) break;
                sent[i] += n;
            }
        }
        if (!reading) return;
        for (int s = 0; s < nservers; ++s) {
            ReadView v;
            if (!servers[s].user()) {
                // Identify the client by the first 8 bytes (the view stays unreleased: the next
                // try_read hands the same bytes again).
                if (servers[s].try_read(v) != Read::Message || v.size < 8) continue;
                for (int i = 0; i < kClients; ++i) {
                    bool match = true;
                    for (size_t k = 0; k < 8; ++k) match = match && v.data[k] == tw_test::pattern(static_cast<uint32_t>(i), k);
                    if (match) servers[s].set_user(reinterpret_cast<void*>(static_cast<uintptr_t>(i + 1)));
                }
                if (!servers[s].user()) { ++bad; continue; }
            }
            const uint32_t who = static_cast<uint32_t>(reinterpret_cast<uintptr_t>(servers[s].user())) - 1;
            while (servers[s].try_read(v) == Read::Message) {
                for (size_t k = 0; k < v.size; ++k)
                    if (v.data[k] != tw_test::pattern(who, got[who] + k)) ++bad;
                got[who] += v.size;
                v.release();
            }
        }
    };
    // Accept order is not dial order across transports: each server connection is matched to
    // its client by the first bytes waiting in it (below).
    auto on_event = [&](const Event& ev) {
        if (ev.type == EventType::Accepted) servers[nservers++] = ev.conn;
    };
    // Phase 1: nobody reads. The pool runs dry; senders see WouldBlock, readers pause.
    pump(ctx, log, 400, [&] { step(); return false; }, on_event);
    REQUIRE_EQ(nservers, kClients);
    Stats st = ctx.stats();
    CHECK_EQ(st.ring_blocks_in_use, 6u);
    CHECK(st.send_would_block > 0);
    CHECK(st.ring_block_waits > 0);
    CHECK_EQ(log.count_of(EventType::Error), 0);
    // Phase 2: read everything; every byte arrives, in order.
    reading = true;
    CHECK(pump(ctx, log, 10000, [&] {
        step();
        for (int i = 0; i < kClients; ++i)
            if (got[i] != kBytes) return false;
        return true;
    }, on_event));
    for (int i = 0; i < kClients; ++i) CHECK_EQ(got[i], kBytes);
    CHECK_EQ(bad, 0u);
    CHECK_EQ(log.count_of(EventType::Error), 0);
}

TW_TEST(loopback_more_clients_than_slots_are_refused_cleanly) {
    Context server_ctx, client_ctx;
    Config scfg;
    scfg.max_connections = 4;
    REQUIRE_EQ(server_ctx.init(scfg), Error::Ok);
    Config ccfg;
    ccfg.max_connections = 16;
    REQUIRE_EQ(client_ctx.init(ccfg), Error::Ok);
    auto l = server_ctx.listen("tcp://127.0.0.1:0");
    REQUIRE_EQ(l.error, Error::Ok);
    char url[64];
    std::snprintf(url, sizeof url, "tcp://127.0.0.1:%u", server_ctx.listener_port(l.value));
    DialOptions opts;
    opts.reconnect = false;
    Conn clients[8];
    for (auto& c : clients) {
        auto d = client_ctx.dial(url, opts);
        REQUIRE_EQ(d.error, Error::Ok);
        c = d.value;
    }
    EventLog slog, clog;
    int accepted = 0;
    for (int round = 0; round < 300; ++round) {
        pump(server_ctx, slog, 1, [] { return true; }, [&](const Event& ev) {
            if (ev.type == EventType::Accepted) {
                ++accepted;
                ReadView v;
                (void)ev.conn.try_read(v);
            }
        });
        pump(client_ctx, clog, 1, [] { return true; });
        if (clog.count_of(EventType::Closed) == 4 && accepted == 4) break;
    }
    CHECK_EQ(accepted, 4);
    CHECK_EQ(server_ctx.stats().connections_refused, 4u);
    CHECK_EQ(clog.count_of(EventType::Closed), 4);  // the refused four see their connection end
    // The four served connections still work.
    int open = 0;
    for (auto& c : clients)
        if (c.state() == ConnState::Open && c.send("ping", 4) == Error::Ok) ++open;
    CHECK_EQ(open, 4);
}

TW_TEST(loopback_user_timers_fire_repeat_and_cancel) {
    Context ctx;
    Config cfg;
    cfg.max_timers = 2;
    REQUIRE_EQ(ctx.init(cfg), Error::Ok);
    auto once = ctx.set_timer(30, 7);
    REQUIRE_EQ(once.error, Error::Ok);
    auto rep = ctx.set_timer(10, 8, 10);
    REQUIRE_EQ(rep.error, Error::Ok);
    CHECK_EQ(ctx.set_timer(1, 9).error, Error::NoTimerSlot);
    EventLog log;
    const int64_t t0 = ctx.now_us();
    CHECK(pump(ctx, log, 2000, [&] { return log.count_of(EventType::Timer) >= 5; }));
    auto count_user = [&](uint64_t user) {
        int n = 0;
        for (int i = 0; i < log.count; ++i)
            n += log.events[i].type == EventType::Timer && log.events[i].timer_user == user;
        return n;
    };
    CHECK(count_user(8) >= 3);
    CHECK(ctx.now_us() - t0 >= 40000);  // five firings of a 10 ms timer take at least 40 ms
    CHECK_EQ(ctx.cancel_timer(rep.value), Error::Ok);
    CHECK_EQ(ctx.cancel_timer(rep.value), Error::InvalidHandle);
    const int reps = count_user(8);
    pump(ctx, log, 100, [] { return false; });
    CHECK_EQ(count_user(8), reps);  // cancelled: no more
    CHECK_EQ(count_user(7), 1);     // the one-shot fired exactly once
    CHECK_EQ(ctx.cancel_timer(once.value), Error::InvalidHandle);
    CHECK_EQ(ctx.stats().timers_in_use, 0u);
}

TW_TEST(loopback_exchange_survives_injected_faults) {
    for (uint64_t seed : {1ull, 2ull, 3ull}) {
        Context ctx;
        Config cfg;
        cfg.ring_block_size = 4096;
        REQUIRE_EQ(ctx.init(cfg), Error::Ok);
        auto l = ctx.listen("tcp://127.0.0.1:0");
        REQUIRE_EQ(l.error, Error::Ok);
        char url[64];
        std::snprintf(url, sizeof url, "tcp://127.0.0.1:%u", ctx.listener_port(l.value));
        DialOptions opts;
        opts.reconnect = false;
        auto d = ctx.dial(url, opts);
        REQUIRE_EQ(d.error, Error::Ok);
        EventLog log;
        Conn server;
        CHECK(pump(ctx, log, 3000, [&] { return d.value.state() == ConnState::Open && server.valid(); },
                   [&](const Event& ev) { if (ev.type == EventType::Accepted) server = ev.conn; }));
        platform::fault::Plan plan;
        plan.seed = seed;
        plan.short_io = 300;
        plan.would_block = 200;
        platform::fault::enable(plan);
        constexpr uint64_t kBytes = 300000;
        uint64_t sent = 0, got = 0, bad = 0;
        const bool ok = pump(ctx, log, 20000, [&] {
            uint8_t buf[777];
            while (sent < kBytes) {
                const size_t n = kBytes - sent < sizeof buf ? static_cast<size_t>(kBytes - sent) : sizeof buf;
                for (size_t k = 0; k < n; ++k) buf[k] = tw_test::pattern(static_cast<uint32_t>(seed), sent + k);
                if (d.value.send(buf, n) != Error::Ok) break;
                sent += n;
            }
            ReadView v;
            while (server.try_read(v) == Read::Message) {
                for (size_t k = 0; k < v.size; ++k)
                    if (v.data[k] != tw_test::pattern(static_cast<uint32_t>(seed), got + k)) ++bad;
                got += v.size;
                v.release();
            }
            return got == kBytes;
        });
        const uint64_t injected = platform::fault::injected_count();
        platform::fault::disable();
        CHECK(ok);
        CHECK_EQ(got, kBytes);
        CHECK_EQ(bad, 0u);
        CHECK(injected > 100);
        CHECK_EQ(log.count_of(EventType::Error), 0);
    }
}

// Every block read full of requests, none left to answer with: the pool keeps a send reserve
// (Config::ring_block_count), so answers still go out, free their requests' blocks, and all
// the rest follows. Without it this exchange stalls for good.
TW_TEST(loopback_requests_filling_the_block_pool_can_still_be_answered) {
    Context ctx;
    Config cfg;
    cfg.ring_block_size = 4096;
    cfg.ring_block_count = 8;
    REQUIRE_EQ(ctx.init(cfg), Error::Ok);
    auto t = ctx.listen("tcp://127.0.0.1:0");
    REQUIRE_EQ(t.error, Error::Ok);
    char url[64];
    std::snprintf(url, sizeof url, "tcp://127.0.0.1:%u", ctx.listener_port(t.value));
    constexpr int kClients = 8;
    Conn clients[kClients];
    for (int i = 0; i < kClients; ++i) {
        auto d = ctx.dial(url);
        REQUIRE_EQ(d.error, Error::Ok);
        clients[i] = d.value;
    }
    Conn servers[kClients];
    int nservers = 0;
    bool asked[kClients] = {};
    uint64_t answered[kClients] = {};
    bool answering = false;
    EventLog log;
    auto step = [&] {
        for (int i = 0; i < kClients; ++i) {
            if (asked[i] || clients[i].state() != ConnState::Open) continue;
            uint8_t req[1000];
            for (size_t k = 0; k < sizeof req; ++k) req[k] = tw_test::pattern(static_cast<uint32_t>(i), k);
            asked[i] = clients[i].send(req, sizeof req) == Error::Ok;
        }
        for (int i = 0; i < kClients; ++i) {
            ReadView v;
            while (clients[i].try_read(v) == Read::Message) {
                answered[i] += v.size;
                v.release();
            }
        }
        if (!answering) return;
        for (int s = 0; s < nservers; ++s) {
            ReadView v;
            // The answer is a copy (send, not send_view): it needs a block of its own.
            while (servers[s].try_read(v) == Read::Message) {
                if (servers[s].send(v.data, v.size) != Error::Ok) break;  // the same bytes come again
                v.release();
            }
        }
    };
    auto on_event = [&](const Event& ev) {
        if (ev.type == EventType::Accepted) servers[nservers++] = ev.conn;
    };
    // Phase 1: the requests arrive and are read, but nobody answers: reading fills the pool.
    pump(ctx, log, 300, [&] { step(); return false; }, on_event);
    REQUIRE_EQ(nservers, kClients);
    for (int i = 0; i < kClients; ++i) CHECK(asked[i]);
    CHECK(ctx.stats().ring_block_waits > 0);  // some requests wait in the kernel for a block
    // Phase 2: answering starts; every request gets its answer.
    answering = true;
    CHECK(pump(ctx, log, 5000, [&] {
        step();
        for (int i = 0; i < kClients; ++i)
            if (answered[i] != 1000) return false;
        return true;
    }, on_event));
    for (int i = 0; i < kClients; ++i) CHECK_EQ(answered[i], 1000u);
    CHECK_EQ(log.count_of(EventType::Error), 0);
}

// Two Contexts in one process (a server and its clients, as in the soak) under injected faults:
// a socket's injected EAGAIN must be re-reported to the poller that owns it, not to whichever
// Context polls first (tokens are per poller).
TW_TEST(loopback_injected_faults_with_two_contexts_in_one_process) {
    Context server_ctx, client_ctx;
    Config cfg;
    cfg.ring_block_size = 4096;
    REQUIRE_EQ(server_ctx.init(cfg), Error::Ok);
    REQUIRE_EQ(client_ctx.init(cfg), Error::Ok);
    auto l = server_ctx.listen("tcp://127.0.0.1:0");
    REQUIRE_EQ(l.error, Error::Ok);
    char url[64];
    std::snprintf(url, sizeof url, "tcp://127.0.0.1:%u", server_ctx.listener_port(l.value));
    constexpr int kClients = 6;
    Conn clients[kClients], servers[kClients];
    int nservers = 0;
    DialOptions opts;
    opts.reconnect = false;
    for (int i = 0; i < kClients; ++i) {
        auto d = client_ctx.dial(url, opts);
        REQUIRE_EQ(d.error, Error::Ok);
        clients[i] = d.value;
    }
    EventLog server_log, client_log;
    auto pump_both = [&](int max_ms, auto pred) {
        const int64_t end = client_ctx.now_us() + int64_t{max_ms} * 1000;
        while (!pred() && client_ctx.now_us() < end) {
            if (server_ctx.update(0) != Error::Ok || client_ctx.update(1) != Error::Ok) return false;
            Event ev;
            while (server_ctx.next_event(ev)) {
                server_log.add(ev);
                if (ev.type == EventType::Accepted && nservers < kClients) servers[nservers++] = ev.conn;
            }
            while (client_ctx.next_event(ev)) client_log.add(ev);
        }
        return pred();
    };
    REQUIRE(pump_both(3000, [&] {
        for (const Conn& c : clients)
            if (c.state() != ConnState::Open) return false;
        return nservers == kClients;
    }));
    platform::fault::Plan plan;
    plan.seed = 11;
    plan.short_io = 300;
    plan.would_block = 300;
    platform::fault::enable(plan);
    // Each client streams its bytes; each server connection echoes what it gets; the clients
    // check that all of it came back, in order.
    constexpr uint64_t kBytes = 100000;
    uint64_t sent[kClients] = {}, echoed[kClients] = {}, bad = 0;
    const bool ok = pump_both(20000, [&] {
        for (int i = 0; i < kClients; ++i) {
            uint8_t buf[500];
            while (sent[i] < kBytes) {
                const size_t n = kBytes - sent[i] < sizeof buf ? static_cast<size_t>(kBytes - sent[i]) : sizeof buf;
                for (size_t k = 0; k < n; ++k) buf[k] = tw_test::pattern(static_cast<uint32_t>(i), sent[i] + k);
                if (clients[i].send(buf, n) != Error::Ok) break;
                sent[i] += n;
            }
        }
        for (int s = 0; s < nservers; ++s) {
            ReadView v;
            while (servers[s].try_read(v) == Read::Message)
                if (servers[s].send_view(v) != Error::Ok) break;  // the same bytes come again
        }
        bool done = true;
        for (int i = 0; i < kClients; ++i) {
            ReadView v;
            while (clients[i].try_read(v) == Read::Message) {
                for (size_t k = 0; k < v.size; ++k)
                    if (v.data[k] != tw_test::pattern(static_cast<uint32_t>(i), echoed[i] + k)) ++bad;
                echoed[i] += v.size;
                v.release();
            }
            done = done && echoed[i] == kBytes;
        }
        return done;
    });
    const uint64_t injected = platform::fault::injected_count();
    platform::fault::disable();
    CHECK(ok);
    for (int i = 0; i < kClients; ++i) CHECK_EQ(echoed[i], kBytes);
    CHECK_EQ(bad, 0u);
    CHECK(injected > 100);
    CHECK_EQ(server_log.count_of(EventType::Error) + client_log.count_of(EventType::Error), 0);
}
