// sp_bench: SP message-socket throughput and latency on tickwire — one thread, one Context.
//
//     sp_bench pull URL SECS              receiver: listens; counts messages for SECS from the first one
//     sp_bench push URL SECS SIZE         sender: dials; sends SIZE-byte messages as fast as it can
//     sp_bench rep URL SECS               server: listens; answers every request with its body
//     sp_bench req URL SECS SIZE NREQ     NREQ REQ sockets (one thread), each one request in flight
//     ... --spin                          (last) rep / req call update(0) in a loop instead of
//                                         update(10), like a game loop; costs its core
//
// The same roles and arguments as sp_peer_bench (the nanomsg / NNG side of the comparison, in
// peer/), so that samples/sp_bench/compare.sh runs all three libraries through the same scenarios:
// receiver on CPU 0, sender on CPU 1, medians of 3 runs of SECS seconds.
//
// Every role prints one line of key=value pairs at the end: pull msgs_per_s and MB_per_s, req
// rt_per_s, p50_us and p99_us; all of them cpu_us_per_msg (the process's user + system CPU time
// per message or round trip over the measured span: the figure that does not depend on how much
// of a shared core the process got) and threads=N, the thread count from /proc/self/status.
// push ends when the puller hangs up (or SECS + 3 s passed); rep after SECS.
// A round trip runs from send() to the reply read whole. SIZE is the body (SP headers not
// counted), MB is 10^6 bytes of bodies.
#include <sys/resource.h>
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <tickwire/tickwire.hpp>

#include "../ws_load/latency_histogram.hpp"

using namespace tickwire;

namespace {

// update()'s wait in the rep and req loops: 10 ms (sleep in epoll until something happens), or
// 0 with --spin (a game loop's update(0) every frame, on a core of its own).
int g_wait_ms = 10;

int64_t now_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// CPU seconds (user + system) this process used so far: the fair figure on a shared machine,
// where wall-clock rates depend on how much of its core the process was given.
double cpu_seconds() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// Threads of this process, from /proc/self/status (0 if unknown).
int thread_count() {
    FILE* f = std::fopen("/proc/self/status", "r");
    if (!f) return 0;
    char line[256];
    int n = 0;
    while (std::fgets(line, sizeof line, f))
        if (std::sscanf(line, "Threads: %d", &n) == 1) break;
    std::fclose(f);
    return n;
}

// Big rings: a 64 KiB message must sit whole in one block, and bigger blocks mean fewer
// syscalls per message at 16 B.
Config bench_config() {
    Config cfg;
    cfg.max_connections = 64;
    cfg.ring_block_size = 512 * 1024;
    cfg.ring_block_count = 80;
    cfg.message_slots = 40;  // a REQ socket keeps its outstanding request in one
    cfg.message_slot_size = 128 * 1024;
    cfg.reconnect_min_ms = 10;
    cfg.reconnect_max_ms = 100;
    return cfg;
}

bool init(Context& ctx) {
    const Error e = ctx.init(bench_config());
    if (e != Error::Ok) std::fprintf(stderr, "sp_bench: init: %s\n", to_string(e));
    return e == Error::Ok;
}

int fail(const char* what, Error e) {
    std::fprintf(stderr, "sp_bench: %s: %s\n", what, to_string(e));
    return 1;
}

int do_pull(const char* url, double secs) {
    Context ctx;
    if (!init(ctx)) return 1;
    SpSocket s;
    Error e = s.open(ctx, SpPattern::Pull);
    if (e != Error::Ok) return fail("open", e);
    Result<ListenerId> l = s.listen(url);
    if (!l) return fail("listen", l.error);
    uint64_t n = 0, bytes = 0;
    size_t size = 0;
    int64_t t0 = 0, t = 0;
    double cpu0 = 0;
    const int64_t span = static_cast<int64_t>(secs * 1e9);
    for (;;) {
        if ((e = ctx.update(t0 ? 0 : 10)) != Error::Ok) return fail("update", e);
        SpMessage m;
        while (s.try_read(m) == Read::Message) {
            if (!t0) {  // the clock starts at the first message
                t0 = now_ns();
                cpu0 = cpu_seconds();
                size = m.size;
            } else {
                ++n;
                bytes += m.size;
            }
            m.release();
        }
        if (t0 && (t = now_ns()) - t0 >= span) break;
    }
    const double el = static_cast<double>(t - t0) / 1e9, cpu = cpu_seconds() - cpu0;
    std::printf("lib=tickwire test=pushpull size=%zu secs=%.3f msgs=%llu msgs_per_s=%.0f MB_per_s=%.2f cpu_s=%.3f cpu_us_per_msg=%.3f threads=%d\n",
                size, el, static_cast<unsigned long long>(n), static_cast<double>(n) / el, static_cast<double>(bytes) / el / 1e6, cpu,
                n ? cpu * 1e6 / static_cast<double>(n) : 0.0, thread_count());
    std::fflush(stdout);
    return 0;
}

int do_push(const char* url, double secs, size_t size) {
    Context ctx;
    if (!init(ctx)) return 1;
    SpSocket s;
    Error e = s.open(ctx, SpPattern::Push);
    if (e != Error::Ok) return fail("open", e);
    Result<Conn> d = s.dial(url);
    if (!d) return fail("dial", d.error);
    static uint8_t body[1 << 20];
    if (size > sizeof body) size = sizeof body;
    const int64_t end = now_ns() + static_cast<int64_t>((secs + 3) * 1e9);
    bool was_up = false;
    uint64_t sent = 0;
    double cpu0 = 0;
    while (now_ns() < end) {
        if ((e = ctx.update(1)) != Error::Ok) return fail("update", e);
        if (s.ready_pipes() == 0) {
            if (was_up) break;  // the puller is done
            continue;
        }
        if (!was_up) cpu0 = cpu_seconds();
        was_up = true;
        while (s.send(body, size) == Error::Ok) ++sent;
    }
    const double cpu = cpu_seconds() - cpu0;
    std::printf("lib=tickwire test=push size=%zu sent=%llu cpu_s=%.3f cpu_us_per_msg=%.3f threads=%d\n", size,
                static_cast<unsigned long long>(sent), cpu, sent ? cpu * 1e6 / static_cast<double>(sent) : 0.0, thread_count());
    return 0;
}

int do_rep(const char* url, double secs) {
    Context ctx;
    if (!init(ctx)) return 1;
    SpSocket s;
    Error e = s.open(ctx, SpPattern::Rep);
    if (e != Error::Ok) return fail("open", e);
    Result<ListenerId> l = s.listen(url);
    if (!l) return fail("listen", l.error);
    const int64_t end = now_ns() + static_cast<int64_t>(secs * 1e9);
    uint64_t served = 0;
    const double cpu0 = cpu_seconds();
    while (now_ns() < end) {
        if ((e = ctx.update(g_wait_ms)) != Error::Ok) return fail("update", e);
        SpMessage m;
        while (s.try_read(m) == Read::Message) {
            (void)s.reply(m, m.data, m.size);  // the requester resends what is lost
            m.release();
            ++served;
        }
    }
    const double cpu = cpu_seconds() - cpu0;
    std::printf("lib=tickwire test=rep served=%llu cpu_s=%.3f cpu_us_per_msg=%.3f threads=%d\n",
                static_cast<unsigned long long>(served), cpu, served ? cpu * 1e6 / static_cast<double>(served) : 0.0, thread_count());
    return 0;
}

int do_req(const char* url, double secs, size_t size, int nreq) {
    Context ctx;
    if (!init(ctx)) return 1;
    constexpr int kMax = 30;  // Engine::kMaxSpSockets is 32
    if (nreq < 1 || nreq > kMax) return fail("NREQ must be 1..30", Error::InvalidArgument);
    static SpSocket socks[kMax];
    static uint8_t body[1 << 20];
    if (size > sizeof body) size = sizeof body;
    int64_t sent_at[kMax] = {};
    for (int i = 0; i < nreq; ++i) {
        Error e = socks[i].open(ctx, SpPattern::Req);
        if (e != Error::Ok) return fail("open", e);
        Result<Conn> d = socks[i].dial(url);
        if (!d) return fail("dial", d.error);
    }
    // Warm-up: one round trip on each socket, so that every connection is up.
    int warm = 0;
    bool warmed[kMax] = {};
    for (int i = 0; i < nreq; ++i) (void)socks[i].send("w", 1);
    const int64_t give_up = now_ns() + 10 * 1000000000LL;
    while (warm < nreq) {
        if (ctx.update(10) != Error::Ok || now_ns() > give_up) return fail("warm-up", Error::TimedOut);
        for (int i = 0; i < nreq; ++i) {
            SpMessage m;
            while (socks[i].try_read(m) == Read::Message) {
                if (!warmed[i]) { warmed[i] = true; ++warm; }
                m.release();
            }
        }
    }
    static sample::LatencyHistogram hist;
    uint64_t trips = 0;
    const int64_t start = now_ns(), end = start + static_cast<int64_t>(secs * 1e9);
    const double cpu0 = cpu_seconds();
    for (int i = 0; i < nreq; ++i) {
        sent_at[i] = now_ns();
        (void)socks[i].send(body, size);
    }
    int64_t t = start;
    while (t < end) {
        if (ctx.update(g_wait_ms) != Error::Ok) return fail("update", Error::Closed);
        for (int i = 0; i < nreq; ++i) {
            SpMessage m;
            if (socks[i].try_read(m) != Read::Message) continue;
            m.release();
            t = now_ns();
            hist.record(static_cast<uint64_t>(t - sent_at[i]));
            ++trips;
            sent_at[i] = t;
            (void)socks[i].send(body, size);
        }
        t = now_ns();
    }
    const double el = static_cast<double>(now_ns() - start) / 1e9, cpu = cpu_seconds() - cpu0;
    std::printf("lib=tickwire test=reqrep clients=%d size=%zu secs=%.3f roundtrips=%llu rt_per_s=%.0f p50_us=%.1f p99_us=%.1f "
                "cpu_s=%.3f cpu_us_per_msg=%.3f threads=%d\n",
                nreq, size, el, static_cast<unsigned long long>(trips), static_cast<double>(trips) / el,
                static_cast<double>(hist.percentile(0.50)) / 1e3, static_cast<double>(hist.percentile(0.99)) / 1e3, cpu,
                trips ? cpu * 1e6 / static_cast<double>(trips) : 0.0, thread_count());
    std::fflush(stdout);
    for (int i = 0; i < nreq; ++i) socks[i].close();
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 4) {
        std::fprintf(stderr,
                     "usage: sp_bench pull URL SECS | push URL SECS SIZE | rep URL SECS | req URL SECS SIZE NREQ\n");
        return 2;
    }
    if (!std::strcmp(argv[argc - 1], "--spin")) {
        g_wait_ms = 0;
        --argc;
    }
    const char* mode = argv[1];
    const char* url = argv[2];
    const double secs = std::atof(argv[3]);
    if (!std::strcmp(mode, "pull")) return do_pull(url, secs);
    if (!std::strcmp(mode, "push") && argc > 4) return do_push(url, secs, std::strtoul(argv[4], nullptr, 10));
    if (!std::strcmp(mode, "rep")) return do_rep(url, secs);
    if (!std::strcmp(mode, "req") && argc > 5) return do_req(url, secs, std::strtoul(argv[4], nullptr, 10), std::atoi(argv[5]));
    std::fprintf(stderr, "sp_bench: bad arguments\n");
    return 2;
}
