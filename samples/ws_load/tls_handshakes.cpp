// tls_handshakes: full TLS handshakes per second on tickwire's own client, one thread, one
// Context. Each round: dial a tls:// URL, wait for the Connected event (the handshake is done),
// close() (close_notify, then FIN), dial again; CONCURRENCY rounds run at once.
//
//     tls_handshakes tls://localhost:9443 [-n N] [-t SECONDS] [-c CONCURRENCY]
//                    [--tls-ca FILE | --tls-no-verify] [--server-pid PID] [-q]
//
// Stops after N handshakes (-n) or SECONDS (-t, default 5 when -n is not given). Prints a line
// per second on stderr (unless -q) and at the end one line on stdout:
//
//     RESULT url=... concurrency=.. handshakes=.. dur_s=.. handshakes_per_s=.. p50_ms=.. p99_ms=..
//            errors=.. client_cpu=.. [server_cpu=..]
//
// (one line). p50_ms/p99_ms: from dial() to Connected. Every handshake is a full one: the client
// keeps no session or ticket for resumption (tickwire turns tickets off on clients), so each costs
// an ECDHE key exchange and a certificate check — with --tls-ca the chain and host name are
// verified as a real client would; --tls-no-verify skips that (and the library logs it).
// Server to measure against: tcp_echo_server --port P --tls-cert server.pem --tls-key server.key.
// Exit status: 0 ok, 1 errors, 2 usage.
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

int64_t now_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// One round in progress: when it was dialed. Slots are reused through a free list.
struct Round {
    int64_t dialed_at = 0;
    bool connected = false;
    Round* next_free = nullptr;
};

void log_to_stderr(LogLevel level, const char* message, void*) {
    std::fprintf(stderr, "tickwire[%d]: %s\n", static_cast<int>(level), message);
}

int usage(const char* argv0) {
    std::fprintf(stderr,
                 "usage: %s tls://HOST:PORT [-n N] [-t SECONDS] [-c CONCURRENCY] [--tls-ca FILE | --tls-no-verify]\n"
                 "       [--server-pid PID] [-q]\n",
                 argv0);
    return 2;
}

} // namespace

int main(int argc, char** argv) {
    const char* url = nullptr;
    uint64_t limit = 0;      // handshakes; 0: by time
    double seconds = 0;
    uint32_t concurrency = 1;
    long server_pid = 0;
    bool quiet = false;
    sample::TlsFlags tls;
    for (int i = 1; i < argc; ++i) {
        const bool v = i + 1 < argc;
        const char* a = argv[i];
        if (!std::strcmp(a, "-n") && v) limit = std::strtoull(argv[++i], nullptr, 10);
        else if (!std::strcmp(a, "-t") && v) seconds = std::atof(argv[++i]);
        else if (!std::strcmp(a, "-c") && v) concurrency = static_cast<uint32_t>(std::strtoul(argv[++i], nullptr, 10));
        else if (!std::strcmp(a, "--server-pid") && v) server_pid = std::atol(argv[++i]);
        else if (!std::strcmp(a, "-q")) quiet = true;
        else if (tls.parse(argc, argv, i)) {}
        else if (a[0] != '-' && !url) url = a;
        else return usage(argv[0]);
    }
    if (!url || concurrency == 0 || concurrency > 4096 || seconds < 0) return usage(argv[0]);
    if (limit == 0 && seconds == 0) seconds = 5;

    // Closing connections still hold a slot and a TLS session until their Closed event: room
    // for a few rounds' worth of them next to the ones handshaking.
    const uint32_t slots = 4 * concurrency + 16;
    Config cfg;
    cfg.max_connections = slots;
    cfg.max_dialers = slots;
    cfg.max_listeners = 1;
    cfg.ring_block_size = 16 * 1024;
    cfg.ring_block_count = 4 * slots;
    cfg.message_slots = 1;
    cfg.message_slot_size = 64;
    cfg.event_queue_size = 4 * slots + 64;
    cfg.max_dns_lookups = concurrency < 64 ? concurrency : 64;
    cfg.max_timers = 1;
    cfg.log.fn = log_to_stderr;
    cfg.log.level = LogLevel::Warn;
    tls.apply(cfg, slots);
    Context ctx;
    Error e = ctx.init(cfg);
    if (e != Error::Ok) {
        std::fprintf(stderr, "tls_handshakes: init: %s\n", to_string(e));
        return 1;
    }
    Round* rounds = new Round[slots];
    Round* free_list = nullptr;
    for (uint32_t i = 0; i < slots; ++i) {
        rounds[i].next_free = free_list;
        free_list = &rounds[i];
    }
    static sample::LatencyHistogram hist;

    DialOptions dopt;
    dopt.reconnect = false;
    uint64_t done = 0, errors = 0, started = 0;
    uint32_t handshaking = 0, in_use = 0;
    const int64_t t0 = now_ns();
    const int64_t end_due = seconds > 0 ? t0 + static_cast<int64_t>(seconds * 1e9) : INT64_MAX;
    int64_t next_tick = t0 + 1000000000;
    uint64_t done_at_tick = 0;
    int tick = 0;
    const double cpu0 = sample::self_cpu_seconds();
    const double srv0 = sample::process_cpu_seconds(server_pid);
    int64_t t = t0;
    for (;;) {
        // Keep CONCURRENCY handshakes going.
        while (handshaking < concurrency && free_list && (limit == 0 || started < limit)) {
            Round* r = free_list;
            dopt.user = r;
            Result<Conn> d = ctx.dial(url, dopt);
            if (!d) {
                if (d.error == Error::NoConnectionSlot || d.error == Error::NoTlsSlot) break;  // wait for closes
                std::fprintf(stderr, "tls_handshakes: dial %s: %s\n", url, to_string(d.error));
                return 2;
            }
            free_list = r->next_free;
            r->dialed_at = now_ns();
            r->connected = false;
            ++handshaking;
            ++in_use;
            ++started;
        }
        if (ctx.update(1) != Error::Ok) return 1;
        t = now_ns();
        Event ev;
        while (ctx.next_event(ev)) {
            auto* r = static_cast<Round*>(ev.conn.user());
            if (!r) continue;
            if (ev.type == EventType::Connected) {
                r->connected = true;
                --handshaking;
                ++done;
                hist.record(static_cast<uint64_t>(t - r->dialed_at));
                const Error ce = ev.conn.close();
                if (ce != Error::Ok) std::fprintf(stderr, "tls_handshakes: close: %s\n", to_string(ce));
            } else if (ev.type == EventType::Closed) {
                if (!r->connected) {
                    --handshaking;
                    ++errors;
                    if (errors <= 10) {
                        const std::string_view detail = ev.conn.error_detail();
                        std::fprintf(stderr, "tls_handshakes: handshake failed: %s %.*s\n", to_string(ev.error),
                                     static_cast<int>(detail.size()), detail.data());
                    }
                }
                r->next_free = free_list;
                free_list = r;
                --in_use;
            }
        }
        if (!quiet && t >= next_tick) {
            ++tick;
            std::fprintf(stderr, "second %d: %llu handshakes\n", tick, static_cast<unsigned long long>(done - done_at_tick));
            done_at_tick = done;
            next_tick += 1000000000;
        }
        if (t >= end_due || (limit && done + errors >= limit)) break;
    }
    const double dur = static_cast<double>(t - t0) / 1e9;
    const double cpu1 = sample::self_cpu_seconds();
    const double srv1 = sample::process_cpu_seconds(server_pid);
    char server_cpu[48] = "";
    if (server_pid > 0 && srv0 >= 0 && srv1 >= 0 && dur > 0)
        std::snprintf(server_cpu, sizeof server_cpu, " server_cpu=%.2f", (srv1 - srv0) / dur);
    std::printf("RESULT url=%s concurrency=%u handshakes=%llu dur_s=%.2f handshakes_per_s=%.1f p50_ms=%.2f p99_ms=%.2f "
                "errors=%llu client_cpu=%.2f%s\n",
                url, concurrency, static_cast<unsigned long long>(done), dur,
                dur > 0 ? static_cast<double>(done) / dur : 0.0, static_cast<double>(hist.percentile(0.5)) / 1e6,
                static_cast<double>(hist.percentile(0.99)) / 1e6, static_cast<unsigned long long>(errors),
                dur > 0 ? (cpu1 - cpu0) / dur : 0.0, server_cpu);
    std::fflush(stdout);
    // Let the last closes finish (close_notify out), at most 2 s.
    const int64_t close_deadline = now_ns() + 2000000000ll;
    while (in_use > 0 && now_ns() < close_deadline) {
        if (ctx.update(10) != Error::Ok) break;
        Event ev;
        while (ctx.next_event(ev)) {
            auto* r = static_cast<Round*>(ev.conn.user());
            if (!r) continue;
            if (ev.type == EventType::Connected) (void)ev.conn.close();
            if (ev.type == EventType::Closed) --in_use;
        }
    }
    ctx.shutdown();
    delete[] rounds;
    return errors ? 1 : 0;
}
