// tickwire_soak: thousands of connections of every protocol family, random sizes, for a given time, every
// payload verified end to end; memory must not move.
//
//     tickwire_soak [--seconds S] [--tcp N] [--ws N] [--sp N] [--sockety N] [--max-size B] [--churn K] [--seed X]
//          [--faults SEED [--resets PERMILLE]]
//
// One thread, two Contexts (servers and clients) in one loop. Each client keeps one record in
// flight (record.hpp: sequence number, length, checksum), the server echoes it, the client checks
// it and sends the next; every `churn` records (random around K) a client closes and a new one
// dials, so accepts and closes run all the time. Families: raw TCP (a byte stream, reassembled),
// WebSocket (whole binary messages), SP (REQ sockets against REP sockets, 15 per REP), Sockety
// (an "echo" message with the record as its data, answered by a response with the same data and
// matched by UUID).
//
// --faults turns on the platform layer's deterministic fault injection (a test hook, not public
// API): reads and writes cut to one byte and EAGAIN at random, which must change nothing; with
// --resets also ECONNRESET/EPIPE mid-record: then connections close that the soak did not
// close, each is counted with the record it had in flight (reported, not lost silently), and the
// checks still demand that no record arrives corrupted or out of order.
//
// Both Contexts take their memory from buffers this program touches before the start, so RSS
// holds all of it from the first second; the end RSS equal to the start RSS shows that nothing
// is allocated on the way. The last line is "N passed, M failed" over the checks below; the exit
// status is 1 if one failed.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unistd.h>

#include <tickwire/sockety.hpp>
#include <tickwire/sp.hpp>
#include <tickwire/tickwire.hpp>

#include "platform/fault_injection.hpp"
#include "record.hpp"

using namespace tickwire;
using soak::Verdict;

namespace {

enum class Family : uint8_t { Tcp, Ws, Sp, Sockety, Count_ };
const char* family_name(Family f) {
    return f == Family::Tcp ? "tcp" : f == Family::Ws ? "ws" : f == Family::Sp ? "sp" : "sockety";
}

struct Options {
    int seconds = 60;
    uint32_t tcp = 1000, ws = 1000, sp = 30;  // a Context holds at most 32 SP sockets
    uint32_t sockety = 500;
    uint32_t max_size = 8000;
    uint32_t churn = 200;
    uint64_t seed = 1;
    uint64_t fault_seed = 0;  // 0: no fault injection
    uint16_t resets = 0;      // per mille of reads/writes answered with a reset
};

struct Tally {
    uint64_t records = 0;
    uint64_t bytes = 0;
    uint64_t churns = 0;
    uint64_t unexpected_closes = 0;
    uint64_t lost_in_close = 0;  // records in flight on a connection that closed unexpectedly
    uint64_t verdicts[static_cast<int>(Verdict::Count_)] = {};
};

struct Client {
    Family family = Family::Tcp;
    uint32_t id = 0;
    Conn conn{};
    SpSocket* sp = nullptr;
    bool connected = false, waiting = false, send_pending = false, churning = false;
    uint32_t seq = 0, len = 0, left = 0;
    size_t out_size = 0;
    uint8_t* out = nullptr;  // the record in flight (kept for a resend after WouldBlock)
    uint8_t* in = nullptr;   // tcp: the echoed bytes so far
    size_t in_have = 0;
};

// A server connection's echo that did not fit its tx ring yet.
struct Pending {
    ReadView view;
    SocketyView item;   // Sockety: the message's data to answer with
    Conn item_conn{};   // ... and the connection it came on
    bool active = false;
    bool sockety = false;
};

struct Soak {
    Options opt;
    soak::Rng rng{1};
    Context servers, clients;
    Client* all = nullptr;
    uint32_t count = 0;
    SpSocket* reqs = nullptr;
    SpSocket* reps = nullptr;
    uint32_t rep_count = 0;
    Pending* pending = nullptr;
    uint32_t pending_count = 0;
    Pending** free_pending = nullptr;
    uint32_t free_count = 0;
    size_t max_record = 0;
    bool draining = false;
    Tally tally[static_cast<int>(Family::Count_)];
    uint64_t errors[static_cast<int>(Error::Count_)] = {};
    uint64_t rep_dropped = 0;
    uint64_t slot_waits = 0;  // sends that found the message pool empty and were retried
    uint64_t server_send_errors = 0;
    char url_tcp[64], url_ws[64], url_sockety[64];
    ListenerId sockety_listener{};
    uint16_t* rep_ports = nullptr;

    Tally& t(const Client& c) { return tally[static_cast<int>(c.family)]; }
    uint32_t next_churn() { return opt.churn / 2 + rng.below(opt.churn + 1); }

    // --- clients --------------------------------------------------------------------------
    void dial(Client& c) {
        c.connected = c.waiting = c.send_pending = c.churning = false;
        c.seq = 0;
        c.in_have = 0;
        c.left = next_churn();
        if (c.family == Family::Sp) {
            char url[64];
            std::snprintf(url, sizeof url, "tcp://127.0.0.1:%u", unsigned{rep_ports[c.id % rep_count]});
            SpOptions so;
            so.resend_ms = 2000;
            if (c.sp->open(clients, SpPattern::Req, so) != Error::Ok || !c.sp->dial(url)) {
                std::fprintf(stderr, "soak: sp client %u cannot start\n", c.id);
                std::exit(1);
            }
            c.connected = true;  // REQ holds a request until its pipe is up
            return;
        }
        DialOptions d;
        d.reconnect = false;
        d.user = &c;
        auto r = clients.dial(c.family == Family::Tcp ? url_tcp : c.family == Family::Ws ? url_ws : url_sockety, d);
        if (!r) {
            ++errors[static_cast<int>(r.error)];
            std::fprintf(stderr, "soak: dial: %s\n", to_string(r.error));
            std::exit(1);
        }
        c.conn = r.value;
    }

    void send_next(Client& c) {
        if (!c.connected || c.waiting || c.churning || draining) return;
        if (!c.send_pending) {
            c.len = soak::random_size(rng, opt.max_size);
            c.out_size = soak::make_record(c.out, c.seq, c.len, rng);
        }
        Error e;
        if (c.family == Family::Sp) {
            e = c.sp->send(c.out, c.out_size);
        } else if (c.family == Family::Sockety) {
            SocketyDraft draft;
            draft.action = "echo";
            draft.data = c.out;
            draft.data_size = c.out_size;
            draft.tag = c.id;
            e = SocketyConn(c.conn).send(draft).error;
        } else if (c.family == Family::Ws) {
            e = c.conn.send_binary(c.out, c.out_size);
        } else {
            e = c.conn.send(c.out, c.out_size);
        }
        // No room, or no message slot (REQ and Sockety keep what they send in one): try again
        // later, as a slot frees up when other records finish.
        if (e == Error::NoMessageSlot) {
            ++slot_waits;
            e = Error::WouldBlock;
        }
        c.send_pending = e == Error::WouldBlock;
        if (e == Error::Ok) c.waiting = true;
        else if (e != Error::WouldBlock) ++errors[static_cast<int>(e)];
    }

    void churn(Client& c) {
        ++t(c).churns;
        if (c.family == Family::Sp) {
            c.sp->close();
            dial(c);
            send_next(c);
            return;
        }
        c.churning = true;
        (void)c.conn.close();  // the Closed event dials the next one
    }

    void on_record(Client& c, const uint8_t* p, size_t n) {
        if (!c.waiting) {  // nothing was in flight: an echo we never asked for
            ++t(c).verdicts[static_cast<int>(Verdict::BadSequence)];
            return;
        }
        const Verdict v = soak::check_record(p, n, c.seq, c.len);
        ++t(c).verdicts[static_cast<int>(v)];
        c.waiting = false;
        if (v != Verdict::Ok) {  // the stream is out of step: start this client over
            if (c.family == Family::Sp) { c.sp->close(); dial(c); }
            else { c.churning = true; (void)c.conn.abort(); }
            return;
        }
        ++t(c).records;
        t(c).bytes += n;
        ++c.seq;
        if (--c.left == 0) churn(c);
        else send_next(c);
    }

    // Sockety: the response's data (whole: Config::sockety.whole_data_max) is the echoed record.
    void read_sockety_client(Client& c) {
        SocketyConn sc(c.conn);
        SocketyView v;
        for (;;) {
            const Read r = sc.try_read(v);
            if (r == Read::NoData || r == Read::Closed) return;
            if (v.kind == SocketyKind::Data && v.is_response) on_record(c, v.data, v.size);
            v.release();
        }
    }

    void read_client(Client& c) {
        if (c.family == Family::Sockety) {
            read_sockety_client(c);
            return;
        }
        ReadView v;
        for (;;) {
            const Read r = c.conn.try_read(v);
            if (r != Read::Message) return;
            if (c.family == Family::Ws) {
                on_record(c, v.data, v.size);
                v.release();
                continue;
            }
            // A byte stream: gather the record (one is in flight, so nothing follows it).
            if (c.in_have + v.size > max_record) {
                v.release();
                ++t(c).verdicts[static_cast<int>(Verdict::BadLength)];
                c.waiting = false;
                c.churning = true;
                (void)c.conn.abort();
                return;
            }
            std::memcpy(c.in + c.in_have, v.data, v.size);
            c.in_have += v.size;
            v.release();
            if (c.in_have < soak::kHeaderSize) continue;
            const size_t want = soak::record_size(c.in);
            if (want == 0 || c.in_have >= want) {
                const size_t n = c.in_have;
                c.in_have = 0;
                on_record(c, c.in, n);
            }
        }
    }

    void client_event(const Event& ev) {
        auto* c = static_cast<Client*>(ev.conn.user());
        if (!c) return;
        switch (ev.type) {
        case EventType::Connected: c->connected = true; send_next(*c); break;
        case EventType::Data: read_client(*c); break;
        case EventType::Writable: if (c->send_pending) send_next(*c); break;
        case EventType::Error: ++errors[static_cast<int>(ev.error)]; break;
        case EventType::Closed:
            if (!c->churning) {
                ++t(*c).unexpected_closes;
                if (ev.error != Error::Ok) ++errors[static_cast<int>(ev.error)];
                if (c->waiting) ++t(*c).lost_in_close;  // reported to us by the Closed event
            }
            if (!draining) { dial(*c); } else { c->connected = false; c->waiting = false; }
            break;
        default: break;
        }
    }

    void poll_sp_clients() {
        for (uint32_t i = 0; i < count; ++i) {
            Client& c = all[i];
            if (c.family == Family::Sockety && c.send_pending) send_next(c);  // no Writable for a slot
            if (c.family != Family::Sp) continue;
            SpMessage m;
            while (c.sp->try_read(m) == Read::Message) {
                on_record(c, m.data, m.size);
                m.release();
            }
            if (c.send_pending) send_next(c);
        }
    }

    // --- servers --------------------------------------------------------------------------
    // Echoes what a server connection received; a view that did not fit waits for Writable.
    // Sockety: each message's data comes back as the data of a response to it.
    void echo_sockety(Conn c, Pending& p) {
        SocketyConn sc(c);
        for (;;) {
            if (!p.active) {
                const Read r = sc.try_read(p.item);
                if (r == Read::NoData || r == Read::Closed) return;
                if (p.item.kind != SocketyKind::Data || p.item.is_response || !p.item.last) {
                    p.item.release();
                    continue;
                }
                p.active = true;
            }
            SocketyDraft answer;
            answer.data = p.item.data;
            answer.data_size = p.item.size;
            const Error e = sc.respond(p.item.id, answer).error;
            if (e == Error::WouldBlock || e == Error::NoMessageSlot) return;  // again later
            if (e != Error::Ok) ++server_send_errors;
            p.item.release();
            p.active = false;
        }
    }

    void echo(Conn c) {
        auto* p = static_cast<Pending*>(c.user());
        if (!p) return;
        if (p->sockety) {
            echo_sockety(c, *p);
            return;
        }
        for (;;) {
            if (!p->active) {
                const Read r = c.try_read(p->view);
                if (r != Read::Message) return;
                p->active = true;
            }
            Error e;
            if (p->view.kind == DataKind::Bytes) {
                e = c.send_view(p->view);
            } else {
                e = c.send_binary(p->view.data, p->view.size);
                if (e == Error::Ok) p->view.release();
            }
            if (e == Error::WouldBlock) return;
            if (e != Error::Ok) {
                ++server_send_errors;
                p->view.release();
            }
            p->active = false;
        }
    }

    void server_event(const Event& ev) {
        switch (ev.type) {
        case EventType::Accepted:
            if (free_count) {
                Pending* p = free_pending[--free_count];
                p->sockety = ev.listener == sockety_listener;
                p->item_conn = ev.conn;
                ev.conn.set_user(p);
            } else {
                (void)ev.conn.abort();
            }
            break;
        case EventType::Data:
        case EventType::Writable: echo(ev.conn); break;
        case EventType::Closed: {
            auto* p = static_cast<Pending*>(ev.conn.user());
            if (p) {
                p->view.release();
                p->item.release();
                p->active = false;
                free_pending[free_count++] = p;
            }
            if (ev.error != Error::Ok && ev.error != Error::PeerClosed && ev.error != Error::ConnectionReset)
                ++errors[static_cast<int>(ev.error)];
            break;
        }
        default: break;
        }
    }

    // Sockety answers held for want of a message slot get no Writable event: retried here.
    void retry_sockety_answers() {
        for (uint32_t i = 0; i < pending_count; ++i)
            if (pending[i].sockety && pending[i].active) echo_sockety(pending[i].item_conn, pending[i]);
    }

    void poll_sp_servers() {
        for (uint32_t i = 0; i < rep_count; ++i) {
            SpMessage m;
            while (reps[i].try_read(m) == Read::Message) {
                if (reps[i].reply(m, m.data, m.size) != Error::Ok) ++rep_dropped;  // REQ resends
                m.release();
            }
        }
    }

    // --- the loop -------------------------------------------------------------------------
    void step(int timeout_ms) {
        if (servers.update(0) != Error::Ok || clients.update(timeout_ms) != Error::Ok) {
            std::fprintf(stderr, "soak: update failed\n");
            std::exit(1);
        }
        Event ev;
        while (servers.next_event(ev)) server_event(ev);
        poll_sp_servers();
        retry_sockety_answers();
        while (clients.next_event(ev)) client_event(ev);
        poll_sp_clients();
    }
};

long rss_kib() {
    FILE* f = std::fopen("/proc/self/statm", "r");
    if (!f) return -1;
    long pages = 0, resident = 0;
    const int n = std::fscanf(f, "%ld %ld", &pages, &resident);
    std::fclose(f);
    return n == 2 ? resident * (sysconf(_SC_PAGESIZE) / 1024) : -1;
}

// Takes the Context's memory from a buffer touched now, so that RSS holds it all from the start.
bool init_prefaulted(Context& ctx, const Config& cfg) {
    const size_t size = Context::required_memory(cfg);
    void* buffer = std::aligned_alloc(64, (size + 63) / 64 * 64);
    if (!buffer) return false;
    std::memset(buffer, 0, size);
    const Error e = ctx.init(cfg, buffer, size);
    if (e != Error::Ok) std::fprintf(stderr, "soak: init: %s\n", to_string(e));
    return e == Error::Ok;
}

bool parse(int argc, char** argv, Options& o) {
    for (int i = 1; i < argc; ++i) {
        const bool v = i + 1 < argc;
        if (!std::strcmp(argv[i], "--seconds") && v) o.seconds = std::atoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--tcp") && v) o.tcp = static_cast<uint32_t>(std::atoi(argv[++i]));
        else if (!std::strcmp(argv[i], "--ws") && v) o.ws = static_cast<uint32_t>(std::atoi(argv[++i]));
        else if (!std::strcmp(argv[i], "--sp") && v) o.sp = static_cast<uint32_t>(std::atoi(argv[++i]));
        else if (!std::strcmp(argv[i], "--sockety") && v) o.sockety = static_cast<uint32_t>(std::atoi(argv[++i]));
        else if (!std::strcmp(argv[i], "--max-size") && v) o.max_size = static_cast<uint32_t>(std::atoi(argv[++i]));
        else if (!std::strcmp(argv[i], "--churn") && v) o.churn = static_cast<uint32_t>(std::atoi(argv[++i]));
        else if (!std::strcmp(argv[i], "--seed") && v) o.seed = std::strtoull(argv[++i], nullptr, 10);
        else if (!std::strcmp(argv[i], "--faults") && v) o.fault_seed = std::strtoull(argv[++i], nullptr, 10);
        else if (!std::strcmp(argv[i], "--resets") && v) o.resets = static_cast<uint16_t>(std::atoi(argv[++i]));
        else return false;
    }
    return o.seconds > 0 && o.max_size <= 8000 && o.churn > 0 && o.sp <= 32 && (o.fault_seed || !o.resets);
}

} // namespace

int main(int argc, char** argv) {
    static Soak s;
    if (!parse(argc, argv, s.opt)) {
        std::fprintf(stderr, "usage: %s [--seconds S] [--tcp N] [--ws N] [--sp N<=32] [--sockety N] [--max-size B<=8000] "
                             "[--churn K] [--seed X] [--faults SEED [--resets PERMILLE]]\n", argv[0]);
        return 2;
    }
    const Options& o = s.opt;
    s.rng = soak::Rng(o.seed);
    s.count = o.tcp + o.ws + o.sp + o.sockety;
    s.rep_count = o.sp ? (o.sp + 14) / 15 : 0;
    s.max_record = soak::kHeaderSize + o.max_size;

    // Rings of 16 KiB hold a whole record; the pool holds blocks for a third of the connections
    // at once, so a busy second makes reads wait for blocks (and must lose nothing).
    Config cfg;
    // Room for twice the clients: a closing connection keeps its slot until its last bytes are
    // out (slow under injected one-byte writes) while its successor is already dialing.
    cfg.max_connections = 2 * s.count + 64;
    cfg.max_listeners = 3 + s.rep_count;
    cfg.max_dialers = s.count + 16;
    cfg.ring_block_size = 16 * 1024;
    cfg.ring_block_count = s.count / 3 + 64;
    cfg.message_slots = 256;
    cfg.message_slot_size = 16 * 1024;
    cfg.event_queue_size = 4096;
    cfg.sockety.max_sessions = 2 * o.sockety + 64;  // closing connections keep theirs a moment
    cfg.sockety.channels = 4;
    cfg.sockety.send_channels = 4;
    cfg.sockety.max_in_flight = 8;
    cfg.sockety.whole_data_max = 16 * 1024;  // a record's data comes whole
    if (!init_prefaulted(s.servers, cfg) || !init_prefaulted(s.clients, cfg)) return 1;

    // Start-up allocations of the application: clients, their buffers, the SP sockets.
    s.all = new Client[s.count];
    uint8_t* buffers = new uint8_t[size_t{s.count} * 2 * s.max_record];
    std::memset(buffers, 0, size_t{s.count} * 2 * s.max_record);  // touched now: RSS counts them from the start
    s.reqs = new SpSocket[o.sp ? o.sp : 1];
    s.reps = new SpSocket[s.rep_count ? s.rep_count : 1];
    s.pending = new Pending[cfg.max_connections];
    s.pending_count = cfg.max_connections;
    s.free_pending = new Pending*[cfg.max_connections];
    for (uint32_t i = 0; i < cfg.max_connections; ++i) s.free_pending[s.free_count++] = &s.pending[i];

    // Port 0 everywhere: the system picks free ports (runs never collide).
    ListenOptions lo;
    lo.ws.max_message = s.max_record;
    auto tcp_listener = s.servers.listen("tcp://127.0.0.1:0", lo);
    auto ws_listener = s.servers.listen("ws://127.0.0.1:0/soak", lo);
    auto sockety_listener = s.servers.listen("sockety://127.0.0.1:0", lo);
    if (!tcp_listener || !ws_listener || !sockety_listener) {
        std::fprintf(stderr, "soak: cannot listen\n");
        return 1;
    }
    std::snprintf(s.url_tcp, sizeof s.url_tcp, "tcp://127.0.0.1:%u", unsigned{s.servers.listener_port(tcp_listener.value)});
    std::snprintf(s.url_ws, sizeof s.url_ws, "ws://127.0.0.1:%u/soak", unsigned{s.servers.listener_port(ws_listener.value)});
    std::snprintf(s.url_sockety, sizeof s.url_sockety, "sockety://127.0.0.1:%u",
                  unsigned{s.servers.listener_port(sockety_listener.value)});
    s.sockety_listener = sockety_listener.value;
    s.rep_ports = new uint16_t[s.rep_count ? s.rep_count : 1];
    for (uint32_t i = 0; i < s.rep_count; ++i) {
        auto l = s.reps[i].open(s.servers, SpPattern::Rep) == Error::Ok ? s.reps[i].listen("tcp://127.0.0.1:0")
                                                                         : Result<ListenerId>(Error::WrongState);
        if (!l) {
            std::fprintf(stderr, "soak: REP socket cannot listen: %s\n", to_string(l.error));
            return 1;
        }
        s.rep_ports[i] = s.servers.listener_port(l.value);
    }
    for (uint32_t i = 0; i < s.count; ++i) {
        Client& c = s.all[i];
        c.id = i;
        c.family = i < o.tcp ? Family::Tcp : i < o.tcp + o.ws ? Family::Ws : i < o.tcp + o.ws + o.sp ? Family::Sp : Family::Sockety;
        c.out = buffers + size_t{i} * 2 * s.max_record;
        c.in = c.out + s.max_record;
        if (c.family == Family::Sp) c.sp = &s.reqs[i - o.tcp - o.ws];
    }
    std::printf("soak: %d s, clients tcp %u, ws %u, sp %u (against %u REP sockets), sockety %u, sizes 0..%u, churn ~%u, seed %llu\n",
                o.seconds, o.tcp, o.ws, o.sp, s.rep_count, o.sockety, o.max_size, o.churn,
                static_cast<unsigned long long>(o.seed));
    std::printf("soak: memory per Context %zu bytes (required_memory)\n", Context::required_memory(cfg));
    std::fflush(stdout);

    // Dial in waves so the listen backlog keeps up; then the run proper.
    for (uint32_t i = 0; i < s.count; ++i) {
        s.dial(s.all[i]);
        if (i % 128 == 127) for (int k = 0; k < 4; ++k) s.step(0);
    }
    for (uint32_t i = 0; i < s.count; ++i)
        if (s.all[i].family == Family::Sp) s.send_next(s.all[i]);
    // RSS is taken once after the dials and again after a warm-up (first-use pages of the
    // stack and of libc's stdio); from then on it must not move.
    if (o.fault_seed) {
        platform::fault::Plan plan;
        plan.seed = o.fault_seed;
        plan.short_io = 50;
        plan.would_block = 50;
        plan.reset = o.resets;
        platform::fault::enable(plan);
        std::printf("soak: fault injection on (seed %llu: 5%% short reads/writes, 5%% EAGAIN, %u/1000 resets)\n",
                    static_cast<unsigned long long>(o.fault_seed), o.resets);
    }
    const long rss_init = rss_kib();
    long rss_start = -1;
    const int64_t t0 = s.clients.now_us();
    const int64_t warm = t0 + int64_t{o.seconds < 20 ? o.seconds : 20} * 1000000 / 4;
    const int64_t end = t0 + int64_t{o.seconds} * 1000000;
    int64_t next_report = t0 + 10000000;
    while (s.clients.now_us() < end) {
        s.step(1);
        if (rss_start < 0 && s.clients.now_us() >= warm) rss_start = rss_kib();
        if (s.clients.now_us() >= next_report) {
            next_report += 10000000;
            uint64_t total = 0;
            for (const Tally& t : s.tally) total += t.records;
            std::printf("soak: %3lld s  %llu records verified, RSS %ld KiB\n",
                        static_cast<long long>((s.clients.now_us() - t0) / 1000000),
                        static_cast<unsigned long long>(total), rss_kib());
            std::fflush(stdout);
        }
    }
    // Drain: no new records; every one in flight must come back.
    s.draining = true;
    const int64_t drain_end = s.clients.now_us() + 10000000;
    uint32_t in_flight = 0;
    do {
        s.step(1);
        in_flight = 0;
        for (uint32_t i = 0; i < s.count; ++i) in_flight += s.all[i].waiting ? 1 : 0;
    } while (in_flight && s.clients.now_us() < drain_end);
    const long rss_end = rss_kib();
    const uint64_t faults = o.fault_seed ? platform::fault::injected_count() : 0;
    platform::fault::disable();
    const double secs = static_cast<double>(s.clients.now_us() - t0) / 1e6;

    uint64_t bad = 0, records = 0, unexpected = 0, lost_in_close = 0;
    std::printf("\nfamily  records      MB      records/s  churned  unexpected-closes  in-flight-at-close  verify-failures\n");
    for (int f = 0; f < static_cast<int>(Family::Count_); ++f) {
        const Tally& t = s.tally[f];
        uint64_t fails = 0;
        for (int v = 1; v < static_cast<int>(Verdict::Count_); ++v) fails += t.verdicts[v];
        bad += fails;
        records += t.records;
        unexpected += t.unexpected_closes;
        lost_in_close += t.lost_in_close;
        std::printf("%-6s  %9llu  %8.1f  %10.0f  %7llu  %17llu  %18llu  %15llu\n", family_name(static_cast<Family>(f)),
                    static_cast<unsigned long long>(t.records), static_cast<double>(t.bytes) / 1e6,
                    static_cast<double>(t.records) / secs, static_cast<unsigned long long>(t.churns),
                    static_cast<unsigned long long>(t.unexpected_closes), static_cast<unsigned long long>(t.lost_in_close),
                    static_cast<unsigned long long>(fails));
        for (int v = 1; v < static_cast<int>(Verdict::Count_); ++v)
            if (t.verdicts[v])
                std::printf("        %s: %llu\n", soak::to_string(static_cast<Verdict>(v)),
                            static_cast<unsigned long long>(t.verdicts[v]));
    }
    std::printf("errors by kind:");
    bool any = false;
    for (int e = 0; e < static_cast<int>(Error::Count_); ++e)
        if (s.errors[e]) {
            std::printf(" %s=%llu", to_string(static_cast<Error>(e)), static_cast<unsigned long long>(s.errors[e]));
            any = true;
        }
    std::printf("%s\n", any ? "" : " none");
    std::printf("REP replies dropped for lack of room (resent by REQ): %llu; server sends failed: %llu; "
                "sends retried for an empty message pool: %llu\n",
                static_cast<unsigned long long>(s.rep_dropped), static_cast<unsigned long long>(s.server_send_errors),
                static_cast<unsigned long long>(s.slot_waits));
    const Stats st = s.servers.stats();
    std::printf("server: %llu accepted, %llu refused, ring blocks high water %u of %u, block waits %llu, message slots high water %u\n",
                static_cast<unsigned long long>(st.connections_accepted),
                static_cast<unsigned long long>(st.connections_refused), st.ring_blocks_high_water,
                cfg.ring_block_count, static_cast<unsigned long long>(st.ring_block_waits), st.message_slots_high_water);
    std::printf("RSS after the dials %ld KiB, after warm-up %ld KiB, at the end %ld KiB (%+ld KiB since warm-up)\n",
                rss_init, rss_start, rss_end, rss_end - rss_start);
    std::printf("%u records still in flight after the drain", in_flight);
    for (uint32_t i = 0, shown = 0; i < s.count && shown < 5; ++i)
        if (s.all[i].waiting) {
            const Client& c = s.all[i];
            std::printf("%s %s client %u (seq %u, %s)", shown++ ? "," : ":", family_name(c.family), c.id, c.seq,
                        c.family == Family::Sp ? (c.sp->ready_pipes() ? "pipe up" : "no pipe")
                                               : to_string(c.conn.state() == ConnState::Open ? Error::Ok : Error::Closed));
        }
    std::printf("\n");

    int passed = 0, failed = 0;
    auto check = [&](bool ok, const char* what) {
        std::printf("%s: %s\n", ok ? "ok" : "FAILED", what);
        (ok ? passed : failed)++;
    };
    check(bad == 0, "every record came back whole, in order, with its checksum");
    check(in_flight == 0, "nothing in flight was lost (all came back in the drain)");
    if (o.fault_seed) std::printf("faults injected: %llu\n", static_cast<unsigned long long>(faults));
    // Without injected resets, a connection may still be refused when the server has no
    // resource for it at accept (Sockety: no ring block for its header while the pool is dry):
    // each is counted in Stats::connections_refused, and no more may close than that.
    const uint64_t refused = st.connections_refused;
    if (o.resets) check(unexpected > 0, "injected resets closed connections (each reported by a Closed event)");
    else check(unexpected <= refused, "no connection closed that the soak did not close, but those the server refused (counted)");
    bool all_moved = true;
    if (o.tcp && !s.tally[0].records) all_moved = false;
    if (o.ws && !s.tally[1].records) all_moved = false;
    if (o.sp && !s.tally[2].records) all_moved = false;
    if (o.sockety && !s.tally[3].records) all_moved = false;
    check(all_moved && records > 0, "every family moved records");
    check(rss_start > 0 && rss_end <= rss_start + 64, "RSS did not grow after the warm-up (within 64 KiB)");
    std::printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
