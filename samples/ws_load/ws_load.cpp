// ws_load: a closed-loop WebSocket load generator on tickwire's own client — one thread, one
// Context, the same calls a game would make.
//
//     ws_load URL -c CONNS -d DEPTH -s SIZE [-t SECONDS] [-w WARMUP] [--tls-ca FILE | --tls-no-verify]
//             [--ring BYTES] [--connect-concurrency K] [--server-pid PID] [-v]
//     ws_load ws://127.0.0.1:9001/ -c 100 -d 16 -s 1024
//     ws_load wss://localhost:9002/ -c 4 -d 2 -s 1048576 --tls-ca ca.pem
//
// Each of CONNS connections keeps DEPTH binary messages of SIZE bytes in flight against an echo
// server (samples/ws_echo's ws_echo_server); every echo is checked byte for byte and triggers the
// next send. After WARMUP seconds (default 1) the messages echoed during SECONDS (default 5) are
// counted, and one line is printed:
//
//     RESULT url=... conns=.. depth=.. size=.. msgs_per_s=.. mb_per_s=.. p50_us=.. p99_us=.. errors=..
//            p999_us=.. max_us=.. msgs=.. dur_s=.. open=.. client_cpu=.. [server_cpu=..]
//
// (one line). mb_per_s is echoed payload in 10^6 bytes/s, one direction. Latency runs from the
// moment a message is handed to the library (send_binary, or the first send_fragment) until its
// echo is read whole, so it includes the wait for the next update() and, for DEPTH > 1, the
// queueing behind the other messages in flight. client_cpu / server_cpu are CPU seconds per second
// of the window (server_cpu with --server-pid): a figure near 1.0 says that side was the limit.
//
// Messages that fit the tx ring (SIZE + 14 <= --ring, default 64 KiB) go out with send_binary;
// larger ones in pieces with send_fragment. Echoes are received whole (WsOptions::max_message =
// SIZE, Config::message_slot_size >= SIZE). Message k carries bytes pattern[(k % 256) + i], so a
// lost, duplicated or reordered echo fails the check as surely as a corrupted byte.
//
// Everything is sized at start-up; the measuring loop allocates nothing.
// Exit status: 0 ok, 1 errors during the run, 2 usage, 3 no connection could be opened.
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <tickwire/tickwire.hpp>

#include "../common/tls_flags.hpp"
#include "cpu_meter.hpp"
#include "latency_histogram.hpp"

using namespace tickwire;

namespace {

constexpr size_t kMaxFrameHeader = 14;  // 2 + 8 (64-bit length) + 4 (mask key)

int64_t now_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

struct Options {
    const char* url = nullptr;
    uint32_t conns = 1;
    uint32_t depth = 1;
    uint64_t size = 16;
    double seconds = 5;
    double warmup = 1;
    uint32_t ring = 64 * 1024;
    uint32_t connect_concurrency = 64;
    long server_pid = 0;
    bool verbose = false;  // -v: the library's counters at the end, on stderr
    sample::TlsFlags tls;
};

// One connection's closed loop.
struct Peer {
    Conn conn;
    bool open = false;        // Connected and not closed since
    bool done = false;        // connected-then-closed, or failed to connect
    bool sending = false;     // a fragmented message is part-way out
    bool closing = false;     // close() was accepted at the end of the run
    uint64_t sent = 0;        // bytes of that message handed over
    uint32_t to_start = 0;    // messages owed to the loop, not begun yet
    uint64_t send_seq = 0;    // messages begun
    uint64_t recv_seq = 0;    // echoes received
    int64_t* sent_at = nullptr;  // DEPTH send times, by sequence number % DEPTH
};

struct Load {
    Options opt;
    Context ctx;
    Peer* peers = nullptr;
    uint8_t* pattern = nullptr;  // SIZE + 256 bytes
    bool whole = true;           // SIZE fits the tx ring in one frame
    size_t max_piece = 0;
    bool running = false;        // echoes trigger new sends
    bool measuring = false;      // echoes are counted
    uint64_t msgs = 0;
    uint64_t errors = 0;
    uint32_t open = 0;
    sample::LatencyHistogram hist;
};

void fail(Load& L, const char* what, Error e) {
    ++L.errors;
    if (L.errors <= 10) std::fprintf(stderr, "ws_load: %s: %s\n", what, to_string(e));
}

void send_more(Load& L, Peer& p) {
    const uint64_t size = L.opt.size;
    while (p.sending || p.to_start > 0) {
        const uint8_t* msg = L.pattern + (p.send_seq & 255);
        if (L.whole) {
            const Error e = p.conn.send_binary(msg, static_cast<size_t>(size));
            if (e == Error::WouldBlock) return;  // a Writable event follows
            if (e != Error::Ok) return fail(L, "send_binary", e);
            p.sent_at[p.send_seq % L.opt.depth] = now_ns();
        } else {
            // A message larger than the tx ring leaves in pieces that fit what the ring has free;
            // tiny pieces are not worth a frame each, so below a quarter ring it waits instead.
            const uint64_t remaining = size - p.sent;
            size_t piece = remaining < L.max_piece ? static_cast<size_t>(remaining) : L.max_piece;
            const size_t room = p.conn.send_capacity();
            if (room < piece + kMaxFrameHeader) {
                const size_t min_piece = piece < L.max_piece / 4 ? piece : L.max_piece / 4;
                piece = room >= min_piece + kMaxFrameHeader ? room - kMaxFrameHeader : min_piece;
            }
            const bool final = p.sent + piece == size;
            const Error e = p.conn.send_fragment(DataKind::Binary, msg + p.sent, piece, final);
            if (e == Error::WouldBlock) {
                p.sending = true;
                return;
            }
            if (e != Error::Ok) return fail(L, "send_fragment", e);
            if (p.sent == 0) p.sent_at[p.send_seq % L.opt.depth] = now_ns();
            p.sent += piece;
            if (!final) {
                p.sending = true;
                continue;
            }
        }
        p.sending = false;
        p.sent = 0;
        --p.to_start;
        ++p.send_seq;
    }
}

void receive(Load& L, Peer& p) {
    const uint64_t size = L.opt.size;
    for (;;) {
        ReadView v;
        const Read r = p.conn.try_read(v);
        // Partial: an echo is still arriving (whole-message mode hands out progress only); the
        // next Data event brings the rest. NoData: all read. Closed comes as an event.
        if (r != Read::Message) return;
        const int64_t t = now_ns();
        const bool good = v.kind == DataKind::Binary && v.size == size &&
                          (size == 0 || std::memcmp(v.data, L.pattern + (p.recv_seq & 255), v.size) == 0);
        if (!good || p.recv_seq >= p.send_seq) {
            ++L.errors;
            if (L.errors <= 10) {
                size_t at = 0;  // the first byte that differs, when the size is right
                while (v.size == size && at < v.size && v.data[at] == L.pattern[(p.recv_seq & 255) + at]) ++at;
                std::fprintf(stderr, "ws_load: echo %llu is wrong: %s, %zu bytes of %llu, first bad byte at %zu%s\n",
                             static_cast<unsigned long long>(p.recv_seq), v.kind == DataKind::Binary ? "binary" : "text",
                             v.size, static_cast<unsigned long long>(size), at,
                             p.recv_seq >= p.send_seq ? " (more echoes than messages sent)" : "");
            }
        }
        v.release();
        if (p.recv_seq >= p.send_seq) continue;  // nothing of ours to match it with
        if (L.measuring) {
            L.hist.record(static_cast<uint64_t>(t - p.sent_at[p.recv_seq % L.opt.depth]));
            ++L.msgs;
        }
        ++p.recv_seq;
        if (L.running) ++p.to_start;
    }
}

void on_closed(Load& L, Peer& p, const Event& ev) {
    if (p.open) {
        p.open = false;
        --L.open;
        if (L.running) {  // the server or the network ended a connection in the middle of the run
            ++L.errors;
            std::fprintf(stderr, "ws_load: a connection closed during the run: %s (code %u)\n", to_string(ev.error),
                         ev.close_code);
        }
    }
    p.done = true;
}

// Drains the events of one update(). `connecting`: Connected events still count.
void handle_events(Load& L, uint32_t& connecting, uint32_t& failed) {
    Event ev;
    while (L.ctx.next_event(ev)) {
        auto* p = static_cast<Peer*>(ev.conn.user());
        switch (ev.type) {
        case EventType::Connected:
            if (!p) break;
            p->open = true;
            ++L.open;
            --connecting;
            if (L.running) {
                p->to_start = L.opt.depth;
                send_more(L, *p);
            }
            break;
        case EventType::Data:
            if (p && p->open) {
                receive(L, *p);
                send_more(L, *p);
            }
            break;
        case EventType::Writable:
            if (p && p->open) send_more(L, *p);
            break;
        case EventType::Error:  // the Closed event that follows counts it
            if (p && p->open && L.errors < 10) {
                const std::string_view detail = ev.conn.error_detail();
                std::fprintf(stderr, "ws_load: connection error: %s %.*s\n", to_string(ev.error),
                             static_cast<int>(detail.size()), detail.data());
            }
            break;
        case EventType::Closed:
            if (!p) break;
            if (!p->open && !p->done) {  // never connected
                ++failed;
                --connecting;
                ++L.errors;
                std::fprintf(stderr, "ws_load: connect failed: %s %.*s\n", to_string(ev.error),
                             static_cast<int>(ev.conn.error_detail().size()), ev.conn.error_detail().data());
                p->done = true;
                break;
            }
            on_closed(L, *p, ev);
            break;
        default: break;
        }
    }
}

bool parse_u32(const char* s, uint32_t& out) {
    char* end = nullptr;
    const unsigned long v = std::strtoul(s, &end, 10);
    if (!*s || *end || v > 0xFFFFFFFFul) return false;
    out = static_cast<uint32_t>(v);
    return true;
}

int usage(const char* argv0) {
    std::fprintf(stderr,
                 "usage: %s URL -c CONNS -d DEPTH -s SIZE [-t SECONDS] [-w WARMUP] [--tls-ca FILE | --tls-no-verify]\n"
                 "       [--ring BYTES] [--connect-concurrency K] [--server-pid PID] [-v]\n"
                 "  URL: ws://HOST:PORT/PATH or wss://HOST:PORT/PATH of an echo server (ws_echo_server)\n",
                 argv0);
    return 2;
}

void log_to_stderr(LogLevel level, const char* message, void*) {
    std::fprintf(stderr, "tickwire[%d]: %s\n", static_cast<int>(level), message);
}

} // namespace

int main(int argc, char** argv) {
    static Load L;  // the histogram is ~17 KiB: keep it off the stack
    Options& o = L.opt;
    for (int i = 1; i < argc; ++i) {
        const bool v = i + 1 < argc;
        const char* a = argv[i];
        if (!std::strcmp(a, "-c") && v) { if (!parse_u32(argv[++i], o.conns)) return usage(argv[0]); }
        else if (!std::strcmp(a, "-d") && v) { if (!parse_u32(argv[++i], o.depth)) return usage(argv[0]); }
        else if (!std::strcmp(a, "-s") && v) o.size = std::strtoull(argv[++i], nullptr, 10);
        else if (!std::strcmp(a, "-t") && v) o.seconds = std::atof(argv[++i]);
        else if (!std::strcmp(a, "-w") && v) o.warmup = std::atof(argv[++i]);
        else if (!std::strcmp(a, "--ring") && v) { if (!parse_u32(argv[++i], o.ring)) return usage(argv[0]); }
        else if (!std::strcmp(a, "--connect-concurrency") && v) { if (!parse_u32(argv[++i], o.connect_concurrency)) return usage(argv[0]); }
        else if (!std::strcmp(a, "--server-pid") && v) o.server_pid = std::atol(argv[++i]);
        else if (!std::strcmp(a, "-v")) o.verbose = true;
        else if (o.tls.parse(argc, argv, i)) {}
        else if (a[0] != '-' && !o.url) o.url = a;
        else return usage(argv[0]);
    }
    const bool tls = o.url && !std::strncmp(o.url, "wss://", 6);
    if (!o.url || (std::strncmp(o.url, "ws://", 5) && !tls) || o.conns == 0 || o.depth == 0 || o.seconds <= 0 ||
        o.warmup < 0 || o.connect_concurrency == 0 || o.size > 0xFFFFFFF0u || o.ring < 1024 || (o.ring & (o.ring - 1)))
        return usage(argv[0]);

    Config cfg;
    cfg.max_connections = o.conns + 4;
    cfg.max_dialers = o.conns + 4;
    cfg.max_listeners = 1;
    cfg.ring_block_size = o.ring;
    cfg.ring_block_count = 4 * o.conns + 16;  // rx and tx, plus TLS's two ciphertext rings
    cfg.message_slots = o.conns + 8;           // one message being assembled per connection
    cfg.message_slot_size = static_cast<uint32_t>(o.size < 4096 ? 4096 : o.size);
    cfg.event_queue_size = 4 * o.conns + 64;
    cfg.max_dns_lookups = o.connect_concurrency < 64 ? o.connect_concurrency : 64;
    cfg.max_timers = 1;
    cfg.log.fn = log_to_stderr;
    cfg.log.level = LogLevel::Warn;
    if (tls) o.tls.apply(cfg, o.conns + 4);
    Error e = L.ctx.init(cfg);
    if (e != Error::Ok) {
        std::fprintf(stderr, "ws_load: init: %s\n", to_string(e));
        return 1;
    }

    // Start-up allocations, the application's own: peers, their send-time rings, the pattern.
    L.peers = new Peer[o.conns];
    int64_t* times = new int64_t[static_cast<size_t>(o.conns) * o.depth]();
    for (uint32_t i = 0; i < o.conns; ++i) L.peers[i].sent_at = times + static_cast<size_t>(i) * o.depth;
    L.pattern = new uint8_t[o.size + 256];
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (uint64_t i = 0; i < o.size + 256; ++i) {  // xorshift: no runs a framing bug could hide in
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        L.pattern[i] = static_cast<uint8_t>(x >> 32);
    }
    L.whole = o.size + kMaxFrameHeader <= o.ring;
    L.max_piece = o.ring - kMaxFrameHeader;

    DialOptions dopt;
    dopt.reconnect = false;
    dopt.ws.max_message = o.size;

    // --- connect: at most K handshakes at once -------------------------------------------------
    uint32_t dialed = 0, connecting = 0, failed = 0;
    const int64_t connect_deadline = now_ns() + (10 + o.conns / 100) * 1000000000ll;
    while (L.open + failed < o.conns && now_ns() < connect_deadline) {
        while (dialed < o.conns && connecting < o.connect_concurrency) {
            Peer& p = L.peers[dialed++];
            dopt.user = &p;
            Result<Conn> d = L.ctx.dial(o.url, dopt);
            if (!d) {
                std::fprintf(stderr, "ws_load: dial %s: %s\n", o.url, to_string(d.error));
                return d.error == Error::InvalidUrl || d.error == Error::UnsupportedScheme ? 2 : 3;
            }
            p.conn = d.value;
            ++connecting;
        }
        if (L.ctx.update(10) != Error::Ok) return 1;
        handle_events(L, connecting, failed);
    }
    if (L.open == 0) {
        std::fprintf(stderr, "ws_load: no connection opened (%u failed)\n", failed);
        return 3;
    }
    if (L.open < o.conns) std::fprintf(stderr, "ws_load: only %u of %u connections opened\n", L.open, o.conns);

    // --- run: warm up, then measure -------------------------------------------------------------
    L.running = true;
    for (uint32_t i = 0; i < o.conns; ++i) {
        Peer& p = L.peers[i];
        if (!p.open) continue;
        p.to_start = o.depth;
        send_more(L, p);
    }
    const int64_t t0 = now_ns();
    const int64_t window_start_due = t0 + static_cast<int64_t>(o.warmup * 1e9);
    const int64_t window_end_due = window_start_due + static_cast<int64_t>(o.seconds * 1e9);
    int64_t window_start = 0, window_end = 0;
    double cpu0 = 0, srv0 = 0, cpu1 = 0, srv1 = 0;
    for (;;) {
        if (L.ctx.update(1) != Error::Ok) return 1;
        handle_events(L, connecting, failed);
        const int64_t t = now_ns();
        if (!L.measuring && window_start == 0 && t >= window_start_due) {
            L.measuring = true;
            window_start = t;
            cpu0 = sample::self_cpu_seconds();
            srv0 = sample::process_cpu_seconds(o.server_pid);
        }
        if (L.measuring && t >= window_end_due) {
            L.measuring = false;
            window_end = t;
            cpu1 = sample::self_cpu_seconds();
            srv1 = sample::process_cpu_seconds(o.server_pid);
            break;
        }
        if (L.open == 0) {  // every connection is gone: report what there is
            window_end = t;
            cpu1 = sample::self_cpu_seconds();
            srv1 = sample::process_cpu_seconds(o.server_pid);
            if (window_start == 0) window_start = t;
            break;
        }
    }
    L.running = false;

    const double dur = static_cast<double>(window_end - window_start) / 1e9;
    const double rate = dur > 0 ? static_cast<double>(L.msgs) / dur : 0;
    char server_cpu[48] = "";
    if (o.server_pid > 0 && srv0 >= 0 && srv1 >= 0 && dur > 0)
        std::snprintf(server_cpu, sizeof server_cpu, " server_cpu=%.2f", (srv1 - srv0) / dur);
    const uint32_t open_at_end = L.open;
    std::printf("RESULT url=%s conns=%u depth=%u size=%llu msgs_per_s=%.0f mb_per_s=%.2f p50_us=%.1f p99_us=%.1f "
                "errors=%llu p999_us=%.1f max_us=%.1f msgs=%llu dur_s=%.2f open=%u client_cpu=%.2f%s\n",
                o.url, o.conns, o.depth, static_cast<unsigned long long>(o.size), rate,
                rate * static_cast<double>(o.size) / 1e6, static_cast<double>(L.hist.percentile(0.50)) / 1e3,
                static_cast<double>(L.hist.percentile(0.99)) / 1e3, static_cast<unsigned long long>(L.errors),
                static_cast<double>(L.hist.percentile(0.999)) / 1e3, static_cast<double>(L.hist.max()) / 1e3,
                static_cast<unsigned long long>(L.msgs), dur, open_at_end, dur > 0 ? (cpu1 - cpu0) / dur : 0.0,
                server_cpu);
    std::fflush(stdout);
    if (o.verbose) {
        const Stats st = L.ctx.stats();
        std::fprintf(stderr,
                     "stats: bytes_sent=%llu bytes_received=%llu read_syscalls=%llu write_syscalls=%llu updates=%llu "
                     "send_would_block=%llu message_slots_high_water=%u message_slot_misses=%llu ring_blocks_high_water=%u "
                     "ring_block_waits=%llu events_high_water=%u events_deferred=%llu\n",
                     static_cast<unsigned long long>(st.bytes_sent), static_cast<unsigned long long>(st.bytes_received),
                     static_cast<unsigned long long>(st.read_syscalls), static_cast<unsigned long long>(st.write_syscalls),
                     static_cast<unsigned long long>(st.updates), static_cast<unsigned long long>(st.send_would_block),
                     st.message_slots_high_water, static_cast<unsigned long long>(st.message_slot_misses),
                     st.ring_blocks_high_water, static_cast<unsigned long long>(st.ring_block_waits), st.events_high_water,
                     static_cast<unsigned long long>(st.events_deferred));
    }

    // --- close politely: the closing handshake, at most 2 s. A connection whose tx ring is full
    // (a large message on its way) takes its close frame when there is room again.
    const int64_t close_deadline = now_ns() + 2000000000ll;
    while (L.open > 0 && now_ns() < close_deadline) {
        for (uint32_t i = 0; i < o.conns; ++i) {
            Peer& p = L.peers[i];
            if (!p.open || p.closing) continue;
            const Error ce = p.conn.close(1000, "");
            if (ce == Error::WouldBlock) continue;
            if (ce != Error::Ok) (void)p.conn.abort();
            p.closing = true;
        }
        if (L.ctx.update(10) != Error::Ok) break;
        Event ev;
        while (L.ctx.next_event(ev)) {
            auto* p = static_cast<Peer*>(ev.conn.user());
            if (ev.type == EventType::Data && p) {
                ReadView v;
                while (p->conn.try_read(v) == Read::Message) v.release();  // echoes still on their way
            }
            if (ev.type == EventType::Closed && p && p->open) {
                p->open = false;
                --L.open;
            }
        }
    }
    if (o.verbose)
        std::fprintf(stderr, "close: %u of %u connections still open after the closing handshake (%.0f ms)\n", L.open,
                     open_at_end, static_cast<double>(now_ns() - close_deadline + 2000000000ll) / 1e6);
    for (uint32_t i = 0; i < o.conns; ++i)
        if (L.peers[i].open) (void)L.peers[i].conn.abort();
    L.ctx.shutdown();
    delete[] L.pattern;
    delete[] times;
    delete[] L.peers;
    return L.errors ? 1 : 0;
}
