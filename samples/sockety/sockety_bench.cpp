// sockety_bench: the Sockety reference benchmark's scenarios (sockety-js packages/benchmark) on
// tickwire's client and server, printing the same table: success %, queries per second (total
// and per server), min/avg/max latency, and CPU% (user, system, both) per client and per server.
//
//     sockety_bench [-c CLIENTS] [-cc CONCURRENCY] [-cn CONNECTIONS] [-t SECONDS] [-w SECONDS]
//                   [-f FILTER]... [-e EXCLUDE]... [--port P] [--block-size B] [--pin]
//
// One server process and CLIENTS client processes (forked), each client keeping CONCURRENCY
// tasks in flight over CONNECTIONS connections, for SECONDS after a warm-up. --pin puts the
// server on CPU 0 and the clients on the other CPUs (as the other benchmarks here pin), so that
// the scheduler never stacks client and server on one core while the other idles. Scenarios, as in the
// reference:
//   Heartbeat              a Heartbeat packet (pass(heartbeat))
//   No response            a message "ping" that wants no reply (pass)
//   Short response (code)  "fast": the server answers with FastReply Accept
//   Regular response       "echo": the server answers with an empty Response
//   1MB data / 4MB data    a message carrying 1 MiB / 4 MiB of data, no reply (pass)
//   1MB file (memory)      a message carrying one 1 MiB file from memory, no reply
//   1MB file (FS)          the same file from disk (SocketyFile::path: the library reads it
//                          straight into the tx ring as room appears)
// A task without a reply is done once the library took all its bytes (what the reference
// measures: its pass() resolves at the socket write); to count only what the server really got,
// each client ends a scenario with one "fast" round trip behind everything it sent, and the
// measured time runs until that reply.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include <tickwire/tickwire.hpp>

using namespace tickwire;

namespace {

enum class Scenario : uint8_t { Heartbeat, NoResponse, Short, Regular, Data1, Data4, File, FileFs, Count };
const char* kNames[] = {"Heartbeat", "No response", "Short response (code)", "Regular response",
                        "1MB data (memory)", "4MB data (memory)", "1MB file (memory)", "1MB file (FS)"};

int64_t now_ns() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

double cpu_seconds(const rusage& r, bool user) {
    const timeval& t = user ? r.ru_utime : r.ru_stime;
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
}

struct Options {
    int clients = 1;
    int concurrency = 300;
    int connections = 1;
    double seconds = 3;
    double warmup = 1;
    uint32_t block_size = 256 * 1024;
    const char* filters[16] = {};
    int filter_count = 0;
    const char* excludes[16] = {};
    int exclude_count = 0;
};

// What one client measured.
struct ClientResult {
    uint64_t ok = 0;
    uint64_t failed = 0;
    double seconds = 0;
    double min_s = 1e9, max_s = 0, sum_s = 0;
    double user = 0, sys = 0;   // CPU seconds in the measured window
    int error = 0;              // non-zero: the client could not run
};

constexpr uint64_t kMiB = 1 << 20;
uint8_t g_payload[4 * kMiB];
const char* g_file_path = nullptr;

// --- the server ---------------------------------------------------------------------------------

Error bench_fast(SocketyContext& cx) {
    if (cx.item.kind != SocketyKind::Message) return Error::Ok;
    return cx.conn.fast_reply(cx.item.id, FastReply::Accept);
}

Error bench_echo(SocketyContext& cx) {  // an empty Response, like the reference's server
    if (cx.item.kind != SocketyKind::Message) return Error::Ok;
    SocketyDraft d;
    return cx.conn.respond(cx.item.id, d).error;
}

Error bench_sink(SocketyContext&) { return Error::Ok; }

constexpr uint32_t kServerConns = 512;
SocketyCursor<64> g_cursors[kServerConns];

[[noreturn]] void server_main(int ready_fd, const Options& o) {
    Config cfg;
    cfg.max_connections = kServerConns;
    cfg.ring_block_size = o.block_size;
    cfg.ring_block_count = 2 * kServerConns;
    cfg.message_slots = 1024;
    cfg.message_slot_size = 4096;
    cfg.event_queue_size = 4096;
    cfg.sockety.max_sessions = kServerConns;
    cfg.sockety.max_in_flight = 64;
    cfg.sockety.heartbeat_ms = 0;
    cfg.sockety.idle_timeout_ms = 0;
    Context ctx;
    if (ctx.init(cfg) != Error::Ok) _exit(1);
    auto l = ctx.listen("sockety://127.0.0.1:0");
    if (!l) _exit(1);
    const uint16_t port = ctx.listener_port(l.value);
    if (write(ready_fd, &port, sizeof port) != sizeof port) _exit(1);
    close(ready_fd);
    SocketyRouter router;
    (void)router.on("fast", bench_fast);
    (void)router.on("echo", bench_echo);
    (void)router.on("ping", bench_sink);
    uint32_t next_cursor = 0;
    for (;;) {
        if (ctx.update(50) != Error::Ok) _exit(1);
        Event ev;
        while (ctx.next_event(ev)) {
            if (ev.type == EventType::Accepted) {
                SocketyCursor<64>& cur = g_cursors[next_cursor++ % kServerConns];
                cur.reset();
                ev.conn.set_user(&cur);
            } else if (ev.type == EventType::Data || ev.type == EventType::Writable) {
                if (auto* cur = static_cast<SocketyCursor<64>*>(ev.conn.user())) (void)router.dispatch(SocketyConn(ev.conn), *cur);
            } else if (ev.type == EventType::Closed) {
                ev.conn.set_user(nullptr);
            }
        }
    }
}

// --- a client -------------------------------------------------------------------------------------

struct Task {
    int64_t start = 0;
    SocketyOut out;
    uint64_t written = 0;   // data / file bytes written so far
    bool active = false;
};

constexpr int kMaxConcurrency = 4096;
Task g_tasks[kMaxConcurrency];

struct Client {
    Context ctx;
    SocketyConn conns[64];
    int conn_count = 0;
    Scenario sc = Scenario::Heartbeat;
    ClientResult r;
    bool measuring = false;
    int64_t clock = 0;   // read once per batch of sends or reads: a clock call per task would
                         // cost as much as the task itself at these rates
    int free_tasks[kMaxConcurrency];
    int free_count = 0;
    int current[64];    // big tasks: the one each connection is writing (-1: none)
    int next_big[64];

    void finish_task(int64_t start) {
        if (!measuring) return;
        const double s = static_cast<double>(clock - start) / 1e9;
        ++r.ok;
        r.sum_s += s;
        if (s < r.min_s) r.min_s = s;
        if (s > r.max_s) r.max_s = s;
    }

    bool big() const { return sc >= Scenario::Data1; }
    uint64_t big_size() const { return sc == Scenario::Data4 ? 4 * kMiB : kMiB; }

    // Starts task i on connection c; false when the connection has no room now.
    bool start(int i, SocketyConn c) {
        Task& t = g_tasks[i];
        SocketyDraft d;
        SocketyFile file;
        d.tag = static_cast<uint64_t>(i);
        switch (sc) {
        case Scenario::Heartbeat: {
            if (c.heartbeat() != Error::Ok) return false;
            finish_task(clock);
            return true;
        }
        case Scenario::NoResponse: d.action = "ping"; d.expects_response = false; break;
        case Scenario::Short: d.action = "fast"; break;
        case Scenario::Regular: d.action = "echo"; break;
        case Scenario::Data1:
        case Scenario::Data4: d.action = "ping"; d.expects_response = false; d.data_size = big_size(); break;
        case Scenario::File:
        case Scenario::FileFs:
            d.action = "ping";
            d.expects_response = false;
            file.name = "file-1.txt";
            file.size = kMiB;
            if (sc == Scenario::FileFs) file.path = g_file_path;  // the library reads it as room appears
            d.files = &file;
            d.files_count = 1;
            break;
        default: return false;
        }
        const int64_t t0 = clock;
        auto res = c.send(d);
        if (!res) {
            if (res.error != Error::WouldBlock && res.error != Error::NoMessageSlot && measuring) ++r.failed;
            return false;
        }
        if (sc == Scenario::NoResponse) {
            finish_task(t0);
            return true;
        }
        t.start = t0;
        t.out = res.value;
        t.written = 0;
        t.active = true;
        return true;
    }

    // Big tasks: write what fits; true when the task is complete.
    bool pump_big(int i, SocketyConn c) {
        Task& t = g_tasks[i];
        const uint64_t total = big_size();
        if (sc == Scenario::FileFs) {  // read from disk by the library: done when the unit is
            if (c.in_flight(t.out)) return false;
            t.written = total;
        }
        while (t.written < total) {
            const size_t n = static_cast<size_t>(total - t.written);
            const uint8_t* p = g_payload + t.written;
            auto w = sc == Scenario::File ? c.write_file(t.out, 0, p, n) : c.write_data(t.out, p, n);
            if (!w) return false;
            t.written += w.value;
        }
        t.active = false;
        finish_task(t.start);
        return true;
    }

    void read_replies(SocketyConn c) {
        SocketyView v;
        for (Read rr; (rr = c.try_read(v)) == Read::Message || rr == Read::Partial; v.release()) {
            if ((v.kind != SocketyKind::FastReply && v.kind != SocketyKind::Response) || !v.matched) continue;
            if (v.tag >= static_cast<uint64_t>(kMaxConcurrency)) continue;  // the final sync reply
            Task& t = g_tasks[v.tag];
            if (!t.active) continue;
            t.active = false;
            free_tasks[free_count++] = static_cast<int>(v.tag);
            finish_task(t.start);
        }
    }

    // Runs the scenario for `seconds` (tasks keep `cc` in flight), measuring if `measure`.
    void run(double seconds, int cc, bool measure) {
        measuring = measure;
        const int64_t end = now_ns() + static_cast<int64_t>(seconds * 1e9);
        const bool replies = sc == Scenario::Short || sc == Scenario::Regular;
        // Big tasks: one being written per connection at a time (a connection is one byte
        // stream: writing two at once only interleaves them); the others wait their turn.
        free_count = 0;
        for (int i = cc; i-- > 0;)
            if (!g_tasks[i].active) free_tasks[free_count++] = i;
        for (int k = 0; k < conn_count; ++k) {
            current[k] = -1;
            for (int i = k; i < cc; i += conn_count)
                if (g_tasks[i].active) current[k] = i;  // left over from the warm-up
            next_big[k] = k;
        }
        uint64_t last_ok = ~uint64_t{0};
        for (;;) {
            clock = now_ns();
            if (clock >= end) break;
            // Nothing finished since the last round: wait in the poller (up to 1 ms) rather than
            // spin, so that CPU% says what the work costs.
            const bool idle = r.ok == last_ok && measuring;
            last_ok = r.ok;
            if (ctx.update(idle ? 1 : 0) != Error::Ok) break;
            Event ev;
            while (ctx.next_event(ev))
                if (ev.type == EventType::Closed || ev.type == EventType::Error) r.error = 3;
            if (r.error) break;
            for (int k = 0; k < conn_count; ++k) {
                SocketyConn c = conns[k];
                if (replies) {
                    clock = now_ns();
                    read_replies(c);
                    clock = now_ns();
                    // Replies free tasks; each connection takes the next free ones.
                    // Requests leave in groups of 64 as they are made (the server's router
                    // writes its replies the same way), so that each side works on the first
                    // ones while the other is still busy.
                    uint32_t started = 0;
                    while (free_count > 0) {
                        const int i = free_tasks[free_count - 1];
                        if (!start(i, c)) break;
                        --free_count;
                        if (++started % 64 == 0) (void)c.conn().flush();
                    }
                    continue;
                }
                if (sc == Scenario::Heartbeat || sc == Scenario::NoResponse) {
                    for (int n = 0; n < cc; ++n)
                        if (!start(0, c)) break;
                    continue;
                }
                // Big tasks: the connection's current one is written to its end before the next
                // starts (tasks k, k + connections, ... in turn).
                for (;;) {
                    int& cur = current[k];
                    if (cur < 0) {
                        const int i = next_big[k];
                        if (g_tasks[i].active || !start(i, c)) break;
                        cur = i;
                        next_big[k] = i + conn_count < cc ? i + conn_count : k;
                    }
                    if (!pump_big(cur, c)) break;
                    cur = -1;
                }
            }
        }
        measuring = false;
    }

    // One "fast" round trip per connection behind everything sent: the server has it all.
    bool sync() {
        bool got[64] = {};
        int pending = 0;
        SocketyDraft d;
        d.action = "fast";
        d.tag = kMaxConcurrency + 1;
        for (int k = 0; k < conn_count; ++k) {
            for (int tries = 0; !conns[k].send(d).ok(); ++tries) {
                if (tries > 100000 || ctx.update(1) != Error::Ok) return false;
                Event ev;
                while (ctx.next_event(ev)) {}
            }
            ++pending;
        }
        const int64_t end = now_ns() + 30000000000ll;
        while (pending > 0 && now_ns() < end) {
            if (ctx.update(1) != Error::Ok) return false;
            Event ev;
            while (ctx.next_event(ev)) {}
            for (int k = 0; k < conn_count; ++k) {
                SocketyView v;
                for (Read rr; (rr = conns[k].try_read(v)) == Read::Message || rr == Read::Partial; v.release())
                    if (v.kind == SocketyKind::FastReply && v.tag == static_cast<uint64_t>(kMaxConcurrency + 1) && !got[k]) {
                        got[k] = true;
                        --pending;
                    }
            }
        }
        return pending == 0;
    }
};

[[noreturn]] void client_main(int result_fd, uint16_t port, Scenario sc, const Options& o) {
    static Client cl;
    ClientResult& r = cl.r;
    cl.sc = sc;
    Config cfg;
    cfg.max_connections = 64;
    cfg.ring_block_size = o.block_size;
    cfg.ring_block_count = 4 * 64;
    cfg.message_slots = 1024;
    cfg.message_slot_size = 4096;
    cfg.sockety.max_sessions = 64;
    cfg.sockety.max_in_flight = static_cast<uint32_t>(o.concurrency) + 64;
    cfg.sockety.heartbeat_ms = 0;
    cfg.sockety.idle_timeout_ms = 0;
    auto fail = [&](int code) {
        r.error = code;
        (void)!write(result_fd, &r, sizeof r);
        _exit(0);
    };
    if (cl.ctx.init(cfg) != Error::Ok) fail(1);
    char url[64];
    std::snprintf(url, sizeof url, "sockety://127.0.0.1:%u", port);
    DialOptions dopt;
    dopt.reconnect = false;
    cl.conn_count = o.connections;
    for (int k = 0; k < cl.conn_count; ++k) {
        auto d = cl.ctx.dial(url, dopt);
        if (!d) fail(2);
        cl.conns[k] = SocketyConn(d.value);
    }
    const int64_t connect_end = now_ns() + 5000000000ll;
    for (;;) {
        bool up = true;
        for (int k = 0; k < cl.conn_count; ++k) up = up && cl.conns[k].peer_channels() > 0;
        if (up) break;
        if (now_ns() > connect_end || cl.ctx.update(1) != Error::Ok) fail(2);
        Event ev;
        while (cl.ctx.next_event(ev)) {}
    }
    cl.run(o.warmup, o.concurrency, false);
    // A big task the warm-up left half written is finished (unmeasured); late replies of the
    // warm-up are not counted.
    for (int i = 0; i < o.concurrency && cl.big(); ++i) {
        const int64_t end = now_ns() + 10000000000ll;
        while (g_tasks[i].active && now_ns() < end) {
            if (cl.pump_big(i, cl.conns[i % cl.conn_count])) break;
            if (cl.ctx.update(1) != Error::Ok) fail(3);
            Event ev;
            while (cl.ctx.next_event(ev)) {}
        }
    }
    for (auto& t : g_tasks) t.active = false;
    if (!cl.sync()) fail(3);
    rusage u0, u1;
    getrusage(RUSAGE_SELF, &u0);
    const int64_t t0 = now_ns();
    cl.run(o.seconds, o.concurrency, true);
    if (!cl.sync()) fail(3);
    r.seconds = static_cast<double>(now_ns() - t0) / 1e9;
    getrusage(RUSAGE_SELF, &u1);
    r.user = cpu_seconds(u1, true) - cpu_seconds(u0, true);
    r.sys = cpu_seconds(u1, false) - cpu_seconds(u0, false);
    (void)!write(result_fd, &r, sizeof r);
    _exit(0);
}

// --- the parent -------------------------------------------------------------------------------

bool proc_cpu(pid_t pid, double& user, double& sys) {
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
    FILE* f = std::fopen(path, "r");
    if (!f) return false;
    char buf[1024];
    const size_t n = std::fread(buf, 1, sizeof buf - 1, f);
    std::fclose(f);
    buf[n] = 0;
    const char* p = std::strrchr(buf, ')');
    if (!p) return false;
    unsigned long ut = 0, st = 0;
    // Fields after the name: state(3) ... utime(14) stime(15).
    if (std::sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2) return false;
    const double hz = static_cast<double>(sysconf(_SC_CLK_TCK));
    user = static_cast<double>(ut) / hz;
    sys = static_cast<double>(st) / hz;
    return true;
}

void fmt_int(char* out, size_t cap, double v) {
    char digits[32];
    std::snprintf(digits, sizeof digits, "%.0f", v);
    const size_t n = std::strlen(digits);
    size_t o = 0;
    for (size_t i = 0; i < n && o + 2 < cap; ++i) {
        if (i && (n - i) % 3 == 0) out[o++] = ',';
        out[o++] = digits[i];
    }
    out[o] = 0;
}

void fmt_time(char* out, size_t cap, double s) {
    if (s < 0.0001) std::snprintf(out, cap, "%.2fus", s * 1e6);
    else std::snprintf(out, cap, "%.2fms", s * 1e3);
}

bool selected(const Options& o, const char* name) {
    auto has = [](const char* hay, const char* needle) {
        for (const char* h = hay; *h; ++h) {
            size_t i = 0;
            while (needle[i] && h[i] && (h[i] | 32) == (needle[i] | 32)) ++i;
            if (!needle[i]) return true;
        }
        return false;
    };
    bool in = o.filter_count == 0;
    for (int i = 0; i < o.filter_count; ++i) in = in || has(name, o.filters[i]);
    for (int i = 0; i < o.exclude_count; ++i) in = in && !has(name, o.excludes[i]);
    return in;
}

// --pin: this process runs on `cpu` only (Linux; a no-op where that is refused).
void pin_to(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    (void)sched_setaffinity(0, sizeof set, &set);
}

} // namespace

int main(int argc, char** argv) {
    Options o;
    uint16_t fixed_port = 0;
    bool pin = false;
    for (int i = 1; i < argc; ++i) {
        const bool v = i + 1 < argc;
        if (!std::strcmp(argv[i], "-c") && v) o.clients = std::atoi(argv[++i]);
        else if (!std::strcmp(argv[i], "-cc") && v) o.concurrency = std::atoi(argv[++i]);
        else if (!std::strcmp(argv[i], "-cn") && v) o.connections = std::atoi(argv[++i]);
        else if (!std::strcmp(argv[i], "-t") && v) o.seconds = std::atof(argv[++i]);
        else if (!std::strcmp(argv[i], "-w") && v) o.warmup = std::atof(argv[++i]);
        else if (!std::strcmp(argv[i], "-f") && v && o.filter_count < 16) o.filters[o.filter_count++] = argv[++i];
        else if (!std::strcmp(argv[i], "-e") && v && o.exclude_count < 16) o.excludes[o.exclude_count++] = argv[++i];
        else if (!std::strcmp(argv[i], "--port") && v) fixed_port = static_cast<uint16_t>(std::atoi(argv[++i]));
        else if (!std::strcmp(argv[i], "--block-size") && v) o.block_size = static_cast<uint32_t>(std::atoi(argv[++i]));
        else if (!std::strcmp(argv[i], "--pin")) pin = true;
        else {
            std::fprintf(stderr,
                         "usage: %s [-c CLIENTS] [-cc CONCURRENCY] [-cn CONNECTIONS] [-t SECONDS] [-w SECONDS] [-f FILTER]... "
                         "[-e EXCLUDE]... [--block-size B] [--pin]\n",
                         argv[0]);
            return 2;
        }
    }
    (void)fixed_port;
    if (o.clients < 1 || o.clients > 64 || o.concurrency < 1 || o.concurrency > kMaxConcurrency || o.connections < 1 ||
        o.connections > 64) {
        std::fprintf(stderr, "-c 1..64, -cc 1..%d, -cn 1..64\n", kMaxConcurrency);
        return 2;
    }
    for (size_t i = 0; i < sizeof g_payload; ++i) g_payload[i] = static_cast<uint8_t>(i * 131 + (i >> 12));
    static char file_path[] = "/tmp/sockety_bench_XXXXXX";
    const int ffd = mkstemp(file_path);
    if (ffd < 0 || write(ffd, g_payload, kMiB) != static_cast<ssize_t>(kMiB)) {
        std::fprintf(stderr, "cannot write the 1 MiB file for the FS scenario\n");
        return 1;
    }
    close(ffd);
    g_file_path = file_path;
    signal(SIGPIPE, SIG_IGN);

    int ready[2];
    if (pipe(ready) != 0) return 1;
    const pid_t server = fork();
    const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if (server == 0) {
        close(ready[0]);
        if (pin) pin_to(0);
        server_main(ready[1], o);
    }
    close(ready[1]);
    uint16_t port = 0;
    if (read(ready[0], &port, sizeof port) != sizeof port) {
        std::fprintf(stderr, "the server did not start\n");
        return 1;
    }
    close(ready[0]);

    std::printf("\n %-37s%7s%14s%14s%13s%13s%13s  %15s%15s\n", "Sockety (tickwire)", "", "queries per second", "", "", "", "",
                "CPU%/client", "CPU%/server");
    std::printf(" %-37s%7s%14s%14s%13s%13s%13s  %5s%5s%5s%5s%5s%5s\n", "", "success", "total", "each server", "min", "avg",
                "max", "usr", "sys", "u+s", "usr", "sys", "u+s");
    std::fflush(stdout);
    int status = 0;
    for (int s = 0; s < static_cast<int>(Scenario::Count); ++s) {
        if (!selected(o, kNames[s])) continue;
        int fds[64][2];
        pid_t pids[64];
        for (int c = 0; c < o.clients; ++c) {
            if (pipe(fds[c]) != 0) return 1;
            pids[c] = fork();
            if (pids[c] == 0) {
                close(fds[c][0]);
                if (pin && cpus > 1) pin_to(1 + c % static_cast<int>(cpus - 1));
                client_main(fds[c][1], port, static_cast<Scenario>(s), o);
            }
            close(fds[c][1]);
        }
        // The server's CPU over the measured window (after the clients' warm-up).
        usleep(static_cast<useconds_t>(o.warmup * 1e6) + 50000);
        double su0 = 0, ss0 = 0, su1 = 0, ss1 = 0;
        const bool cpu_ok = proc_cpu(server, su0, ss0);
        const int64_t w0 = now_ns();
        ClientResult total;
        total.min_s = 1e9;
        double qps = 0, user = 0, sys = 0;
        int errors = 0;
        for (int c = 0; c < o.clients; ++c) {
            ClientResult r;
            if (read(fds[c][0], &r, sizeof r) != sizeof r) r.error = 9;
            close(fds[c][0]);
            waitpid(pids[c], nullptr, 0);
            if (r.error) { ++errors; continue; }
            total.ok += r.ok;
            total.failed += r.failed;
            total.sum_s += r.sum_s;
            if (r.min_s < total.min_s) total.min_s = r.min_s;
            if (r.max_s > total.max_s) total.max_s = r.max_s;
            qps += r.seconds > 0 ? static_cast<double>(r.ok) / r.seconds : 0;
            user += r.user / r.seconds;
            sys += r.sys / r.seconds;
        }
        const double wall = static_cast<double>(now_ns() - w0) / 1e9;
        const bool server_cpu = cpu_ok && proc_cpu(server, su1, ss1) && wall > 0;
        if (errors) {
            std::printf(" %-37s  FAILED (%d of %d clients could not run)\n", kNames[s], errors, o.clients);
            status = 1;
            continue;
        }
        const double success = total.ok + total.failed ? 100.0 * static_cast<double>(total.ok) / static_cast<double>(total.ok + total.failed) : 0;
        char q[32], mn[32], av[32], mx[32];
        fmt_int(q, sizeof q, qps);
        fmt_time(mn, sizeof mn, total.min_s);
        fmt_time(av, sizeof av, total.ok ? total.sum_s / static_cast<double>(total.ok) : 0);
        fmt_time(mx, sizeof mx, total.max_s);
        char cpu[96];
        const double cu = 100 * user / o.clients, cs = 100 * sys / o.clients;
        if (server_cpu) {
            const double u = 100 * (su1 - su0) / wall, y = 100 * (ss1 - ss0) / wall;
            std::snprintf(cpu, sizeof cpu, "%4.0f%%%4.0f%%%4.0f%%%4.0f%%%4.0f%%%4.0f%%", cu, cs, cu + cs, u, y, u + y);
        } else {
            std::snprintf(cpu, sizeof cpu, "%4.0f%%%4.0f%%%4.0f%%  n/a  n/a  n/a", cu, cs, cu + cs);
        }
        std::printf(" %-37s%6.2f%%%14s%14s%13s%13s%13s  %s\n", kNames[s], success, q, q, mn, av, mx, cpu);
        std::fflush(stdout);
        if (total.failed) status = 1;
    }
    kill(server, SIGTERM);
    waitpid(server, nullptr, 0);
    unlink(file_path);
    return status;
}
