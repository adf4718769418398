// Memory is decided once: these tests hold the library to it.
#include <cstdlib>
#include <string>

#include "crypto/tls_heap.hpp"
#include "platform/poller.hpp"
#include "tests/framework/temp_dir.hpp"
#include "tests/interop/tls_test_certs.hpp"
#include "tests/loopback/alloc_counter.hpp"
#include "tests/loopback/harness.hpp"
#include "tickwire/device_profile.hpp"

using namespace tickwire;
using tw_test::EventLog;
using tw_test::pump;

namespace {
struct CountingAllocator {
    int allocs = 0, frees = 0;
    size_t last_size = 0, freed_size = 0;
};
void* counting_alloc(size_t n, size_t align, void* user) {
    auto* a = static_cast<CountingAllocator*>(user);
    ++a->allocs;
    a->last_size = n;
    return tw_test::aligned_malloc(n, align);
}
void counting_free(void* p, size_t n, size_t, void* user) {
    auto* a = static_cast<CountingAllocator*>(user);
    ++a->frees;
    a->freed_size = n;
    tw_test::aligned_free(p);
}
} // namespace

TW_TEST(memory_allocator_hook_is_called_once_each_way_with_the_size) {
    CountingAllocator counter;
    Config cfg;
    cfg.allocator.allocate = counting_alloc;
    cfg.allocator.deallocate = counting_free;
    cfg.allocator.user = &counter;
    {
        Context ctx;
        REQUIRE_EQ(ctx.init(cfg), Error::Ok);
        CHECK_EQ(ctx.init(cfg), Error::AlreadyInitialized);
        CHECK_EQ(counter.allocs, 1);
        CHECK_EQ(counter.last_size, Context::required_memory(cfg));
        CHECK_EQ(ctx.stats().memory_bytes, counter.last_size);
    }
    CHECK_EQ(counter.frees, 1);
    CHECK_EQ(counter.freed_size, counter.last_size);
}

TW_TEST(memory_user_buffer_init_checks_size_and_config) {
    Config cfg;
    cfg.max_connections = 8;
    cfg.ring_block_count = 4;
    cfg.message_slots = 2;
    const size_t need = Context::required_memory(cfg);
    REQUIRE(need > 0);
    CHECK(need > size_t{4} * cfg.ring_block_size + size_t{2} * cfg.message_slot_size);
    static uint8_t buffer[1 << 20];
    Context small;
    CHECK_EQ(small.init(cfg, buffer, need - 1), Error::BufferTooSmall);
    Context ctx;
    REQUIRE_EQ(ctx.init(cfg, buffer, sizeof buffer), Error::Ok);
    auto l = ctx.listen("inproc://buffer");
    CHECK_EQ(l.error, Error::Ok);
    Config bad = cfg;
    bad.ring_block_size = 1000;  // not a power of two
    CHECK_EQ(Context::required_memory(bad), 0u);
    Context c2;
    CHECK_EQ(c2.init(bad), Error::InvalidArgument);
}

// mbedTLS's fixed heap (README "Memory"): only in the --mbedtls=source build, only with TLS.
static size_t mbedtls_heap(const Config& c) {
    if (!tickwire::detail::tls_heap::fixed() || c.tls.max_sessions == 0) return 0;
    return c.tls.heap_bytes ? c.tls.heap_bytes : 65536 + size_t{c.tls.max_sessions} * 57344;
}

// The memory formula of README.md ("Memory"), in bytes. Kept here so that a change of the
// layout that the README does not follow fails this test. Its figures are those of 64-bit
// targets; on 32-bit ones the structures are smaller and the formula is an upper bound.
// epoll_event is packed to 12 bytes on x86-64 only; elsewhere it is 16 (the README says so).
#if defined(__x86_64__)
static constexpr size_t kEpollEventSize = 12;
#else
static constexpr size_t kEpollEventSize = 16;
#endif

static size_t readme_formula(const Config& c) {
    const size_t C = c.max_connections, L = c.max_listeners, D = c.max_dialers, T = c.max_timers;
    const size_t tokens = C + L + 2;
    const size_t batch = C + L < 1024 ? C + L : 1024;
    // poll(): a pollfd and two indexes per socket, 16 bytes; 24 on 64-bit Windows (WSAPOLLFD).
    const size_t poll_entry = tickwire::platform::Poller::memory_needed(tickwire::platform::PollerBackend::Poll, 1);
    const bool epoll = c.poller == PollerKind::Epoll ||
                       (c.poller == PollerKind::Auto && tickwire::platform::Poller::default_backend() ==
                                                            tickwire::platform::PollerBackend::Epoll);
    return 7100                                   // the engine (incl. random generator, TLS credentials)
         + C * 320                                // per connection: state + list entries + deadline
         + L * 224 + D * 760 + T * 40             // listeners, dialers, user timers
         + size_t{c.event_queue_size} * 88        // events
         + batch * 8 + (epoll ? 512 * kEpollEventSize : tokens * poll_entry)  // poller
         + size_t{c.ring_block_count} * (c.ring_block_size + 4)
         + size_t{c.message_slots} * (c.message_slot_size + 16)
         + (c.max_dns_lookups ? size_t{c.max_dns_lookups} * 504 + c.hosts_file_max : 0)
         + size_t{c.tls.max_sessions} * 1796      // TLS sessions
         + mbedtls_heap(c)                        // --mbedtls=source: mbedTLS's fixed heap
         + (c.sockety.max_sessions ? 4096 : 0)    // Sockety: message ids drawn ahead
         + size_t{c.sockety.max_sessions} *       // Sockety sessions
               (260 + size_t{c.sockety.channels} * (192 + 8 * size_t{c.sockety.max_files}) +
                size_t{c.sockety.max_in_flight} * 92 + size_t{c.sockety.send_channels} * 6 +
                size_t{c.sockety.max_files} * 16 + c.sockety.max_action_size + c.sockety.max_names_size);
}

TW_TEST(memory_formula_in_readme_matches_required_memory) {
    Config configs[7];
    configs[6].sockety.max_sessions = 100;        // a Sockety server
    configs[6].sockety.channels = 128;
    configs[6].sockety.max_in_flight = 256;
    configs[1].max_connections = 100000;          // a big idle server
    configs[1].ring_block_count = 1024;
    configs[2].max_connections = 4;               // a device
    configs[2].ring_block_size = 2048;
    configs[2].ring_block_count = 8;
    configs[2].message_slots = 4;
    configs[2].message_slot_size = 2048;
    configs[2].event_queue_size = 32;
    configs[2].max_dns_lookups = 0;
    configs[2].max_dialers = 4;
    configs[2].max_listeners = 2;
    configs[2].max_timers = 4;
    configs[3].poller = PollerKind::Poll;
    configs[3].tls.max_sessions = 16;
    configs[4] = device_profile();                // README, "A constrained device"
    configs[5].tls.max_sessions = 2;
    configs[5].tls.heap_bytes = 200 * 1024;
    for (const Config& c : configs) {
        const size_t need = Context::required_memory(c);
        const size_t formula = readme_formula(c);
        const size_t slack = 2048 + need / 1000;  // alignment padding and rounding only
        const bool ok = sizeof(void*) == 8 ? (need > formula ? need - formula : formula - need) <= slack
                                           : need <= formula + slack;
        CHECK(ok);
        if (!ok) std::printf("    required %zu, formula %zu\n", need, formula);
    }
}

TW_TEST(memory_no_allocation_across_thousands_of_connects_messages_and_closes) {
    // Where allocations cannot be counted (Windows' CRT) the traffic still runs; only the counts
    // are not checked.
    const bool counting = tw_test::allocation_counting();
    if (!counting) std::printf("    this C library's allocations cannot be counted: not measured\n");
    Config cfg;
    cfg.max_connections = 64;
    cfg.ring_block_count = 64;
    cfg.sockety.max_sessions = 32;
    cfg.sockety.max_in_flight = 64;
    Context ctx;
    REQUIRE_EQ(ctx.init(cfg), Error::Ok);
    auto tcp = ctx.listen("tcp://127.0.0.1:0");
    REQUIRE_EQ(tcp.error, Error::Ok);
    auto inproc = ctx.listen("inproc://alloc");
    REQUIRE_EQ(inproc.error, Error::Ok);
    char url[64];
    std::snprintf(url, sizeof url, "tcp://127.0.0.1:%u", ctx.listener_port(tcp.value));
    static EventLog log;  // static: nothing of the test itself allocates in the window

    uint64_t messages = 0, closes = 0, connects = 0;
    auto run_round = [&](const char* target) {
        DialOptions opts;
        opts.reconnect = false;
        Conn clients[16];
        for (auto& c : clients) {
            auto d = ctx.dial(target, opts);
            if (d.error != Error::Ok) return false;
            c = d.value;
        }
        // Server side echoes; each client sends 10 messages of 100 bytes and waits for them.
        uint64_t echoed[16] = {};
        uint8_t payload[100];
        for (int i = 0; i < 100; ++i) payload[i] = static_cast<uint8_t>(i);
        int sent[16] = {};
        log.clear();
        const bool ok = pump(ctx, log, 5000, [&] {
            bool all = true;
            for (int i = 0; i < 16; ++i) {
                if (clients[i].state() == ConnState::Open && sent[i] < 10 && clients[i].send(payload, 100) == Error::Ok)
                    ++sent[i];
                ReadView v;
                while (clients[i].try_read(v) == Read::Message) {
                    echoed[i] += v.size;
                    v.release();
                }
                if (echoed[i] < 1000) all = false;
            }
            return all;
        }, [&](const Event& ev) {
            static int server_mark;
            if (ev.type == EventType::Connected) ++connects;
            if (ev.type == EventType::Accepted) ev.conn.set_user(&server_mark);
            if (ev.type == EventType::Data && ev.conn.user() == &server_mark) {
                ReadView v;
                while (ev.conn.try_read(v) == Read::Message) {
                    if (ev.conn.send(v.data, v.size) != Error::Ok) break;
                    v.release();
                }
            }
        });
        messages += 16 * 10;
        for (auto& c : clients) (void)c.close();
        const bool closed = pump(ctx, log, 5000, [&] { return log.count_of(EventType::Closed) == 32; });
        closes += 32;
        if (!ok || !closed)
            std::printf("    round to %s: exchanged=%d closed=%d (%d closed events)\n", target, ok, closed,
                        log.count_of(EventType::Closed));
        return ok && closed;
    };
    // Warm up once (the C library may set up things on first use), then count.
    REQUIRE(run_round(url));
    const uint64_t before = tw_test::allocation_count();
    bool ok = true;
    for (int round = 0; round < 60 && ok; ++round) ok = run_round(round % 2 ? url : "inproc://alloc");
    const uint64_t after = tw_test::allocation_count();
    CHECK(ok);
    if (counting) CHECK_EQ(after - before, 0u);
    CHECK(connects >= 60 * 16);
    CHECK(messages >= 60 * 160);
    CHECK(closes >= 60 * 32);
    // WebSocket too: upgrades, messages both ways, closing handshakes.
    auto ws_listener = ctx.listen("ws://127.0.0.1:0");
    REQUIRE_EQ(ws_listener.error, Error::Ok);
    char ws_url[64];
    std::snprintf(ws_url, sizeof ws_url, "ws://127.0.0.1:%u/x", ctx.listener_port(ws_listener.value));
    auto ws_round = [&] {
        DialOptions opts;
        opts.reconnect = false;
        Conn clients[8];
        for (auto& c : clients) {
            auto d = ctx.dial(ws_url, opts);
            if (d.error != Error::Ok) return false;
            c = d.value;
        }
        int echoed[8] = {};
        int sent[8] = {};
        log.clear();
        const bool echoed_all = pump(ctx, log, 5000, [&] {
            bool all = true;
            for (int i = 0; i < 8; ++i) {
                if (clients[i].state() == ConnState::Open && sent[i] < 20 && clients[i].send_text("ping over ws") == Error::Ok)
                    ++sent[i];
                ReadView v;
                while (clients[i].try_read(v) == Read::Message) {
                    ++echoed[i];
                    v.release();
                }
                if (echoed[i] < 20) all = false;
            }
            return all;
        }, [&](const Event& ev) {
            static int server_mark;
            if (ev.type == EventType::Accepted) ev.conn.set_user(&server_mark);
            if (ev.type == EventType::Data && ev.conn.user() == &server_mark) {
                ReadView v;
                while (ev.conn.try_read(v) == Read::Message) {
                    if (ev.conn.send_message(v.kind, v.data, v.size) != Error::Ok) break;
                    v.release();
                }
            }
        });
        for (auto& c : clients) (void)c.close();
        const bool closed = pump(ctx, log, 5000, [&] { return log.count_of(EventType::Closed) == 16; });
        return echoed_all && closed;
    };
    REQUIRE(ws_round());  // warm-up
    const uint64_t ws_before = tw_test::allocation_count();
    bool ws_ok = true;
    for (int round = 0; round < 20 && ws_ok; ++round) ws_ok = ws_round();
    CHECK(ws_ok);
    if (!counting) return;
    CHECK_EQ(tw_test::allocation_count() - ws_before, 0u);

    // Sockety: messages with data, responses, fast replies, a file and a stream; then closes.
    auto sk_listener = ctx.listen("sockety://127.0.0.1:0");
    REQUIRE_EQ(sk_listener.error, Error::Ok);
    char sk_url[64];
    std::snprintf(sk_url, sizeof sk_url, "sockety://127.0.0.1:%u", ctx.listener_port(sk_listener.value));
    auto sk_round = [&] {
        DialOptions opts;
        opts.reconnect = false;
        Conn clients[8];
        for (auto& c : clients) {
            auto d = ctx.dial(sk_url, opts);
            if (d.error != Error::Ok) return false;
            c = d.value;
        }
        int replies[8] = {};
        int sent[8] = {};
        log.clear();
        static const uint8_t content[300] = {1, 2, 3};
        const bool all_replied = pump(ctx, log, 5000, [&] {
            bool all = true;
            for (int i = 0; i < 8; ++i) {
                SocketyConn s(clients[i]);
                if (s.peer_channels() > 0 && sent[i] < 20) {
                    SocketyFile file;
                    file.name = "f.bin";
                    file.size = sizeof content;
                    file.data = content;
                    SocketyDraft d;
                    d.action = sent[i] % 2 ? "fast" : "full";
                    d.data = content;
                    d.data_size = 100;
                    d.files = &file;
                    d.files_count = sent[i] % 4 == 0 ? 1 : 0;
                    auto r = s.send(d);
                    if (r) ++sent[i];
                }
                SocketyView v;
                for (Read rr; (rr = s.try_read(v)) == Read::Message || rr == Read::Partial;) {
                    replies[i] += v.kind == SocketyKind::FastReply || (v.kind == SocketyKind::Response && v.matched);
                    v.release();
                }
                if (replies[i] < 20) all = false;
            }
            return all;
        }, [&](const Event& ev) {
            static int server_mark;
            if (ev.type == EventType::Accepted) ev.conn.set_user(&server_mark);
            if (ev.type == EventType::Data && ev.conn.user() == &server_mark) {
                SocketyConn s(ev.conn);
                SocketyView v;
                for (Read rr; (rr = s.try_read(v)) == Read::Message || rr == Read::Partial;) {
                    if (v.kind == SocketyKind::Message) {
                        if (v.action == "fast") {
                            (void)s.fast_reply(v.id, FastReply::Accept);
                        } else {
                            SocketyDraft d;
                            d.data = "pong";
                            d.data_size = 4;
                            d.stream = true;
                            auto r = s.respond(v.id, d);
                            if (r) {
                                (void)s.write_stream(r.value, "live", 4);
                                (void)s.end_stream(r.value);
                            }
                        }
                    }
                    v.release();
                }
            }
        });
        for (auto& c : clients) (void)c.close();
        const bool closed = pump(ctx, log, 5000, [&] { return log.count_of(EventType::Closed) == 16; });
        return all_replied && closed;
    };
    REQUIRE(sk_round());  // warm-up
    const uint64_t sk_before = tw_test::allocation_count();
    bool sk_ok = true;
    for (int round = 0; round < 20 && sk_ok; ++round) sk_ok = sk_round();
    CHECK(sk_ok);
    CHECK_EQ(tw_test::allocation_count() - sk_before, 0u);

    // The counter really counts: one allocation of our own moves it by one.
    const uint64_t probe_before = tw_test::allocation_count();
    void* volatile probe = std::malloc(64);
    std::free(probe);
    CHECK_EQ(tw_test::allocation_count() - probe_before, 1u);
}

// TLS connections allocate nothing either where mbedTLS draws from the context's fixed heap
// (--mbedtls=source). Against a system mbedTLS they cannot: mbedTLS takes its record buffers
// from the C heap for every connection, and this test shows that it does.
TW_TEST(memory_no_allocation_across_tls_connections_with_the_fixed_heap) {
    const bool counting = tw_test::allocation_counting();
    if (!counting) std::printf("    this C library's allocations cannot be counted: not measured\n");
    static const tw_tls_test::LocalTlsFiles files("hosts.memory");
    if (!files.ok()) {
        CHECK(!"no test certificates (openssl missing?)");
        return;
    }
    Config cfg;  // one context is both ends: the fixed heap is one per process
    cfg.max_connections = 32;
    cfg.ring_block_count = 64;
    cfg.tls.max_sessions = 16;
    files.apply(cfg);
    if (std::getenv("TW_TEST_LOG")) {
        cfg.log.level = LogLevel::Debug;
        cfg.log.fn = [](LogLevel, const char* m, void*) { std::printf("    [ctx] %s\n", m); };
    }
    Context ctx;
    REQUIRE_EQ(ctx.init(cfg), Error::Ok);
    auto l = ctx.listen("tls://127.0.0.1:0");
    REQUIRE_EQ(l.error, Error::Ok);
    char url[64];
    std::snprintf(url, sizeof url, "tls://localhost:%u", ctx.listener_port(l.value));
    static EventLog log;

    auto tls_round = [&] {
        DialOptions opts;
        opts.reconnect = false;
        Conn clients[8];
        for (auto& c : clients) {
            auto d = ctx.dial(url, opts);
            if (d.error != Error::Ok) return false;
            c = d.value;
        }
        int echoed[8] = {}, sent[8] = {};
        uint8_t payload[300];
        for (int i = 0; i < 300; ++i) payload[i] = static_cast<uint8_t>(i * 7);
        log.clear();
        const bool exchanged = pump(ctx, log, 10000, [&] {
            bool all = true;
            for (int i = 0; i < 8; ++i) {
                if (clients[i].state() == ConnState::Open && sent[i] < 10 && clients[i].send(payload, 300) == Error::Ok)
                    ++sent[i];
                ReadView v;
                while (clients[i].try_read(v) == Read::Message) {
                    echoed[i] += static_cast<int>(v.size);  // a byte stream: count bytes
                    v.release();
                }
                if (echoed[i] < 3000) all = false;
            }
            return all;
        }, [&](const Event& ev) {
            static int server_mark;
            if (ev.type == EventType::Accepted) ev.conn.set_user(&server_mark);
            if (ev.type == EventType::Data && ev.conn.user() == &server_mark) {
                ReadView v;
                while (ev.conn.try_read(v) == Read::Message) {
                    if (ev.conn.send(v.data, v.size) != Error::Ok) break;
                    v.release();
                }
            }
        });
        for (auto& c : clients) (void)c.close();
        const bool closed = pump(ctx, log, 5000, [&] { return log.count_of(EventType::Closed) == 16; });
        if (!exchanged || !closed)
            std::printf("    TLS round: exchanged=%d closed=%d\n", exchanged, closed);
        return exchanged && closed;
    };
    REQUIRE(tls_round());  // warm-up
    const uint64_t before = tw_test::allocation_count();
    bool ok = true;
    for (int round = 0; round < 10 && ok; ++round) ok = tls_round();
    CHECK(ok);
    const uint64_t allocations = tw_test::allocation_count() - before;
    if (!counting) {
        std::printf("    80 TLS connections exchanged and closed\n");
        return;
    }
    if (tickwire::detail::tls_heap::fixed()) {
        CHECK_EQ(allocations, 0u);
    } else {
        CHECK(allocations >= 80u);  // at least one per TLS connection
    }
    std::printf("    80 TLS connections, %llu heap allocations (%s)\n", static_cast<unsigned long long>(allocations),
                tickwire::detail::tls_heap::fixed() ? "fixed mbedTLS heap" : "system mbedTLS, C heap");
}
