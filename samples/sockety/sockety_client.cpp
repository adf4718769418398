// sockety_client: runs every Sockety feature against a sockety_server and checks every byte that
// comes back. Exit status 0 when everything matched, 1 on any mismatch, 2 on usage errors.
//
//     sockety_client HOST PORT [--tls] [--tls-ca FILE] [--tls-no-verify] [-v]
//
// Phases: ping / accept / NotImplemented / noop; echo of 0 B .. 4 MiB (in memory and written in
// pieces); files (0-3, empty, 1 MiB); streams; 1000 concurrent messages matched by UUID; Go Away.
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <tickwire/tickwire.hpp>

#include "../common/tls_flags.hpp"

using namespace tickwire;

namespace {

bool g_verbose = false;

uint8_t pattern(uint64_t seed, uint64_t i) {
    uint64_t x = (i + 1 + seed * 0x100000001B3ull) * 0x9E3779B97F4A7C15ull;
    x ^= x >> 31;
    return static_cast<uint8_t>(x >> 24);
}

enum class Kind : uint8_t { Ping, Echo, Accept, Unknown, Noop, Files, Stream };
const char* kind_name(Kind k) {
    static const char* names[] = {"ping", "echo", "accept", "unknown", "noop", "files", "stream"};
    return names[static_cast<int>(k)];
}

constexpr uint32_t kMaxFiles = 3;
constexpr size_t kInMemory = 16 * 1024;  // data up to this is given to send(); larger is written in pieces

struct Job {
    Kind kind = Kind::Ping;
    uint64_t seed = 0;
    SocketyOut out;
    bool sent = false;
    // what we send
    uint64_t data_size = 0;
    uint32_t files = 0;
    uint64_t file_size[kMaxFiles] = {};
    char file_name[kMaxFiles][32] = {};
    uint64_t stream_total = 0;
    // writing progress
    uint64_t data_written = 0;
    uint32_t file_index = 0;
    uint64_t file_written = 0;
    uint64_t stream_written = 0;
    bool stream_ended = false;
    // what came back
    bool replied = false, fast = false, finished = false, stream_end = false;
    uint16_t code = 0;
    uint64_t data_got = 0, stream_got = 0;
    uint64_t file_got[kMaxFiles] = {};
    bool file_ended[kMaxFiles] = {};
    int errors = 0;
    char error[160] = {};
    char text[8] = {};

    void fail(const char* what) {
        if (!errors) std::snprintf(error, sizeof error, "%s", what);
        ++errors;
    }
    uint64_t file_seed(uint32_t i) const { return seed * 16 + i + 1; }
    bool body_written() const {
        return data_written == data_size && file_index == files && (kind != Kind::Stream || stream_ended);
    }
    bool done() const {
        switch (kind) {
        case Kind::Accept:
        case Kind::Unknown: return fast;
        case Kind::Noop: return sent;
        case Kind::Ping: return replied && finished;
        default: return replied && finished && body_written();
        }
    }
};

constexpr uint32_t kMaxJobs = 1100;
Job g_jobs[kMaxJobs];
uint32_t g_job_count = 0;
uint32_t g_channel_job[4096];  // the job whose response is on a channel (+1; 0 none)
uint8_t g_buf[64 * 1024];
int g_unexpected = 0;

Job& add(Kind k) {
    Job& j = g_jobs[g_job_count];
    j = Job();
    j.kind = k;
    j.seed = g_job_count + 1;
    ++g_job_count;
    return j;
}

const void* fill(uint64_t seed, uint64_t off, size_t n) {
    for (size_t i = 0; i < n; ++i) g_buf[i] = pattern(seed, off + i);
    return g_buf;
}

// Sends a job's message; false when it must wait (WouldBlock, slots).
bool start(SocketyConn c, Job& j) {
    SocketyDraft d;
    d.tag = static_cast<uint64_t>(&j - g_jobs);
    static uint8_t data[kInMemory];
    SocketyFile files[kMaxFiles];
    switch (j.kind) {
    case Kind::Ping: d.action = "ping"; break;
    case Kind::Accept: d.action = "accept"; break;
    case Kind::Unknown: d.action = "no-such-action"; break;
    case Kind::Noop: d.action = "noop"; d.expects_response = false; break;
    case Kind::Echo: d.action = "echo"; break;
    case Kind::Files: d.action = "files"; break;
    case Kind::Stream: d.action = "stream"; d.stream = true; break;
    }
    d.data_size = j.data_size;
    if (j.data_size && j.data_size <= kInMemory) {
        for (size_t i = 0; i < j.data_size; ++i) data[i] = pattern(j.seed, i);
        d.data = data;
    }
    for (uint32_t i = 0; i < j.files; ++i) {
        files[i].name = j.file_name[i];
        files[i].size = j.file_size[i];
    }
    d.files = files;
    d.files_count = j.files;
    auto r = c.send(d);
    if (r.error == Error::WouldBlock || r.error == Error::NoMessageSlot) return false;
    if (!r) {
        j.fail(to_string(r.error));
        j.sent = true;
        return true;
    }
    j.out = r.value;
    j.sent = true;
    if (d.data) j.data_written = j.data_size;
    return true;
}

// Writes what a job still owes; false when the tx ring is full.
bool write_parts(SocketyConn c, Job& j) {
    while (j.data_written < j.data_size) {
        const size_t n = j.data_size - j.data_written < sizeof g_buf ? j.data_size - j.data_written : sizeof g_buf;
        auto r = c.write_data(j.out, fill(j.seed, j.data_written, n), n);
        if (r.error == Error::WouldBlock) return false;
        if (!r) { j.fail("write_data"); j.data_written = j.data_size; break; }
        j.data_written += r.value;
    }
    while (j.file_index < j.files) {
        const uint64_t size = j.file_size[j.file_index];
        if (j.file_written == size) {  // complete: its File End went out by itself
            ++j.file_index;
            j.file_written = 0;
            continue;
        }
        const size_t n = size - j.file_written < sizeof g_buf ? size - j.file_written : sizeof g_buf;
        auto r = c.write_file(j.out, j.file_index, fill(j.file_seed(j.file_index), j.file_written, n), n);
        if (r.error == Error::WouldBlock) return false;
        if (!r) { j.fail("write_file"); j.file_index = j.files; break; }
        j.file_written += r.value;
    }
    if (j.kind == Kind::Stream && !j.stream_ended) {
        while (j.stream_written < j.stream_total) {
            const size_t left = j.stream_total - j.stream_written;
            const size_t n = left < 1000 ? left : 1000;  // many small stream packets
            auto r = c.write_stream(j.out, fill(j.seed + 999, j.stream_written, n), n);
            if (r.error == Error::WouldBlock) return false;
            if (!r) { j.fail("write_stream"); j.stream_written = j.stream_total; break; }
            j.stream_written += r.value;
        }
        const Error e = c.end_stream(j.out);
        if (e == Error::WouldBlock) return false;
        if (e != Error::Ok) j.fail("end_stream");
        j.stream_ended = true;
    }
    return true;
}

void check_bytes(Job& j, uint64_t seed, uint64_t off, const uint8_t* p, size_t n, const char* what) {
    for (size_t i = 0; i < n; ++i)
        if (p[i] != pattern(seed, off + i)) {
            char msg[96];
            std::snprintf(msg, sizeof msg, "%s byte %llu differs", what, static_cast<unsigned long long>(off + i));
            j.fail(msg);
            return;
        }
}

Job* job_of_tag(uint64_t tag) { return tag < g_job_count ? &g_jobs[tag] : nullptr; }

void read_all(SocketyConn c) {
    SocketyView v;
    for (Read r; (r = c.try_read(v)) == Read::Message || r == Read::Partial; v.release()) {
        if (v.kind == SocketyKind::FastReply) {
            Job* j = v.matched ? job_of_tag(v.tag) : nullptr;
            if (!j) { ++g_unexpected; continue; }
            j->fast = true;
            j->code = v.code;
            if (j->kind == Kind::Accept && v.code != 0) j->fail("accept: wrong code");
            if (j->kind == Kind::Unknown && v.code != static_cast<uint16_t>(FastReply::NotImplemented)) j->fail("unknown: wrong code");
            if (j->kind != Kind::Accept && j->kind != Kind::Unknown) j->fail("unexpected fast reply");
            continue;
        }
        if (v.kind == SocketyKind::Response) {
            Job* j = v.matched ? job_of_tag(v.tag) : nullptr;
            if (!j) { ++g_unexpected; continue; }
            if (!(v.parent == j->out.id)) j->fail("response names another message");
            j->replied = true;
            g_channel_job[v.channel] = static_cast<uint32_t>(j - g_jobs) + 1;
            const uint64_t want_data = j->kind == Kind::Ping ? 4 : j->data_size;
            if (v.data_size != want_data) j->fail("response data size");
            if (v.files_count != j->files) j->fail("response files count");
            for (uint32_t i = 0; i < v.files_count && i < j->files; ++i) {
                const SocketyFileInfo f = v.file(i);
                if (f.size != j->file_size[i] || f.name != std::string_view(j->file_name[i])) j->fail("response file header");
            }
            if (v.has_stream != (j->kind == Kind::Stream)) j->fail("response stream flag");
            j->finished = v.finished;
            continue;
        }
        if (v.kind == SocketyKind::GoAway) continue;
        if (!v.is_response) { ++g_unexpected; continue; }  // the server sends no messages
        const uint32_t idx = g_channel_job[v.channel];
        if (!idx) { ++g_unexpected; continue; }
        Job& j = g_jobs[idx - 1];
        switch (v.kind) {
        case SocketyKind::Data:
            if (j.kind == Kind::Ping) {
                if (v.offset + v.size <= 4) std::memcpy(j.text + v.offset, v.data, v.size);
                if (v.last && std::memcmp(j.text, "pong", 4) != 0) j.fail("ping: not pong");
            } else {
                check_bytes(j, j.seed, v.offset, v.data, v.size, "data");
            }
            if (v.offset != j.data_got) j.fail("data offset");
            j.data_got += v.size;
            break;
        case SocketyKind::File:
            if (v.file_index >= j.files) { j.fail("file index"); break; }
            check_bytes(j, j.file_seed(v.file_index), v.offset, v.data, v.size, "file");
            if (v.offset != j.file_got[v.file_index]) j.fail("file offset");
            j.file_got[v.file_index] += v.size;
            if (v.last) {
                if (j.file_got[v.file_index] != j.file_size[v.file_index]) j.fail("file size");
                j.file_ended[v.file_index] = true;
            }
            break;
        case SocketyKind::Stream:
            check_bytes(j, j.seed + 999, v.offset, v.data, v.size, "stream");
            j.stream_got += v.size;
            break;
        case SocketyKind::StreamEnd:
            j.stream_end = true;
            if (j.stream_got != j.stream_total) j.fail("stream length");
            break;
        case SocketyKind::Aborted: j.fail("aborted by the server"); break;
        default: break;
        }
        if (v.finished) j.finished = true;
    }
}

bool g_closed = false;

// Runs jobs [first, g_job_count) until all are done; prints one line; false on any failure.
bool run_phase(Context& ctx, SocketyConn c, const char* name, uint32_t first, int seconds) {
    const int64_t t0 = ctx.now_us();
    const int64_t end = t0 + int64_t{seconds} * 1000000;
    uint32_t next = first;
    for (;;) {
        if (ctx.update(1) != Error::Ok) return false;
        Event ev;
        while (ctx.next_event(ev)) {
            if (ev.type == EventType::Closed || ev.type == EventType::Error) {
                std::printf("  connection %s: %s %.*s\n", to_string(ev.type), to_string(ev.error),
                            static_cast<int>(ev.conn.error_detail().size()), ev.conn.error_detail().data());
                if (ev.type == EventType::Closed) g_closed = true;
            }
        }
        if (g_closed) break;
        while (next < g_job_count && start(c, g_jobs[next])) ++next;
        for (uint32_t i = first; i < next; ++i)
            if (g_jobs[i].sent && !g_jobs[i].body_written() && !g_jobs[i].errors && !write_parts(c, g_jobs[i])) break;
        read_all(c);
        bool all = next == g_job_count;
        for (uint32_t i = first; all && i < g_job_count; ++i) all = g_jobs[i].done() || g_jobs[i].errors;
        if (all || ctx.now_us() > end) break;
    }
    int failed = 0;
    for (uint32_t i = first; i < g_job_count; ++i) {
        Job& j = g_jobs[i];
        if (!j.done() && !j.errors) j.fail("no complete reply in time");
        if (j.kind == Kind::Files)
            for (uint32_t f = 0; f < j.files; ++f)
                if (!j.file_ended[f]) j.fail("a file did not end");
        if (j.kind == Kind::Echo && j.data_got != j.data_size) j.fail("data length");
        if (j.errors) {
            if (failed < 5)
                std::printf("  FAIL %s #%u (data %llu, files %u): %s\n", kind_name(j.kind), i,
                            static_cast<unsigned long long>(j.data_size), j.files, j.error);
            ++failed;
        }
    }
    const double ms = static_cast<double>(ctx.now_us() - t0) / 1000.0;
    std::printf("%-34s %4u messages  %s  (%.0f ms)\n", name, g_job_count - first, failed ? "FAILED" : "ok", ms);
    return failed == 0;
}

} // namespace

int main(int argc, char** argv) {
    const char* host = nullptr;
    const char* port = nullptr;
    bool use_tls = false;
    sample::TlsFlags tls;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--tls")) use_tls = true;
        else if (!std::strcmp(argv[i], "-v")) g_verbose = true;
        else if (tls.parse(argc, argv, i)) use_tls = true;
        else if (!host) host = argv[i];
        else if (!port) port = argv[i];
        else host = nullptr;
    }
    if (!host || !port) {
        std::fprintf(stderr, "usage: %s HOST PORT [--tls] %s\n", argv[0], sample::TlsFlags::kUsage);
        return 2;
    }
    Config cfg;
    cfg.max_connections = 4;
    cfg.ring_block_size = 256 * 1024;
    cfg.ring_block_count = 16;
    cfg.message_slots = 64;
    cfg.message_slot_size = 64 * 1024;
    cfg.sockety.max_sessions = 2;
    cfg.sockety.max_in_flight = 2048;
    if (use_tls) tls.apply(cfg, 2);
    Context ctx;
    Error e = ctx.init(cfg);
    if (e != Error::Ok) {
        std::fprintf(stderr, "init: %s\n", to_string(e));
        return 1;
    }
    char url[256];
    std::snprintf(url, sizeof url, "%s://%s:%s", use_tls ? "sockety+tls" : "sockety", host, port);
    DialOptions opts;
    opts.reconnect = false;
    auto d = ctx.dial(url, opts);
    if (!d) {
        std::fprintf(stderr, "dial %s: %s\n", url, to_string(d.error));
        return 1;
    }
    SocketyConn c(d.value);
    const int64_t connect_end = ctx.now_us() + 5000000;
    while (c.peer_channels() == 0) {
        if (ctx.update(10) != Error::Ok || ctx.now_us() > connect_end || c.conn().state() == ConnState::Closed ||
            c.conn().state() == ConnState::Invalid) {
            std::fprintf(stderr, "could not connect to %s\n", url);
            return 1;
        }
        Event ev;
        while (ctx.next_event(ev))
            if (ev.type == EventType::Error) std::fprintf(stderr, "connect: %s\n", to_string(ev.error));
    }
    std::printf("connected to %s (server receives on %u channels)\n", url, c.peer_channels());
    bool ok = true;

    uint32_t first = g_job_count;
    add(Kind::Ping);
    add(Kind::Accept);
    add(Kind::Unknown);
    add(Kind::Noop);
    add(Kind::Ping);  // after the noop: its reply must be the only one
    ok &= run_phase(ctx, c, "ping, accept, NotImplemented, noop", first, 10);

    first = g_job_count;
    const uint64_t sizes[] = {0, 1, 100, 255, 256, 4096, 16384, 16385, 65535, 65536, 70000, 1 << 20, 4 << 20};
    for (uint64_t s : sizes) add(Kind::Echo).data_size = s;
    ok &= run_phase(ctx, c, "echo, 0 B to 4 MiB", first, 60);

    first = g_job_count;
    {
        Job& j0 = add(Kind::Files);  // no files, some data
        j0.data_size = 10;
        Job& j1 = add(Kind::Files);
        j1.files = 1;
        j1.file_size[0] = 10;
        std::snprintf(j1.file_name[0], 32, "one.txt");
        Job& j3 = add(Kind::Files);
        j3.files = 3;
        j3.file_size[0] = 0;
        j3.file_size[1] = 1 << 20;
        j3.file_size[2] = 1000;
        std::snprintf(j3.file_name[0], 32, "empty");
        std::snprintf(j3.file_name[1], 32, "big.bin");
        std::snprintf(j3.file_name[2], 32, "zażółć.txt");
        Job& j2 = add(Kind::Files);
        j2.files = 2;
        j2.data_size = 300;
        j2.file_size[0] = 3;
        j2.file_size[1] = 300;
        std::snprintf(j2.file_name[0], 32, "a.txt");
        std::snprintf(j2.file_name[1], 32, "b.bin");
    }
    ok &= run_phase(ctx, c, "files: 0-3, empty, 1 MiB", first, 60);

    first = g_job_count;
    add(Kind::Stream).stream_total = 0;  // a stream that ends at once
    add(Kind::Stream).stream_total = 11;
    add(Kind::Stream).stream_total = 300000;
    ok &= run_phase(ctx, c, "streams", first, 60);

    first = g_job_count;
    for (int i = 0; i < 1000; ++i) add(Kind::Echo).data_size = 16 + static_cast<uint64_t>(i % 64);
    ok &= run_phase(ctx, c, "1000 concurrent, matched by UUID", first, 60);

    if (g_unexpected) {
        std::printf("  FAIL %d items that answer nothing we sent\n", g_unexpected);
        ok = false;
    }
    // Go Away: nothing is in flight, so both sides close in good order.
    if (!g_closed && c.go_away() == Error::Ok) {
        const int64_t end = ctx.now_us() + 5000000;
        bool closed = false;
        while (!closed && ctx.now_us() < end) {
            if (ctx.update(10) != Error::Ok) break;
            Event ev;
            while (ctx.next_event(ev))
                if (ev.type == EventType::Closed) closed = ev.error == Error::Ok;
        }
        std::printf("%-34s %s\n", "go away, then a clean close", closed ? "ok" : "FAILED");
        ok &= closed;
    } else {
        ok = false;
    }
    std::printf("%s\n", ok ? "all checks passed" : "MISMATCHES");
    return ok ? 0 : 1;
}
