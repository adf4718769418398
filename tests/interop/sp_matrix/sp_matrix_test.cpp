// The SP interop matrix: tickwire's SP sockets against real peers, every pattern, both ways.
//
//   scenario (what our socket is, what the peers are)
//   x tool    nanocat (nanomsg 1.1.5), nngcat (NNG 1.5), sp_nng_peer (tests/interop/sp_nng_peer.c)
//   x scheme  tcp, ipc, ws        (kSchemes below)
//   x who binds: we listen and the peers dial, or the peers listen and we dial.
// Scenarios: req/rep with many requests (and several requesters at once), pub/sub prefix
// filtering, push/pull balancing across two pullers (both ways), bus fan-out to three peers,
// surveyor with two respondents (both ways), pair, a message bigger than our ring block each
// way, and our REP behind an NNG device (two-word backtraces).
// Each combination is one test case named sp_<scenario>_<tool>_<scheme>_<we_listen|we_dial>;
// the runner's arguments select cases by substring (e.g. `sp_interop_tests nngcat_ipc`).
// Run by tests/interop/run_sp_interop.sh. Peers print what they receive with -Q ("BODY" lines).
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cstdio>
#include <cstring>
#include <unistd.h>
#include <utility>

#include "tests/interop/sp_peer_process.hpp"
#include "tests/loopback/harness.hpp"
#include "tickwire/sp.hpp"

using namespace tickwire;
using tw_test::SpPeer;

namespace {

// ---------------------------------------------------------------------------------------------
// The matrix's axes.
// ---------------------------------------------------------------------------------------------
enum class Tool { Nanocat, Nngcat, NngPeer };
struct ToolInfo { Tool tool; const char* name; };
const ToolInfo kTools[] = {{Tool::Nanocat, "nanocat"}, {Tool::Nngcat, "nngcat"}, {Tool::NngPeer, "nngpeer"}};

// A fresh address for one endpoint of a case.
void tcp_url(char* out, size_t cap) { std::snprintf(out, cap, "tcp://127.0.0.1:%u", static_cast<unsigned>(tw_test::free_tcp_port())); }
void ipc_url(char* out, size_t cap) {
    static int n = 0;
    std::snprintf(out, cap, "ipc:///tmp/tickwire-sp-matrix-%d-%d.sock", static_cast<int>(getpid()), ++n);
}
void ws_url(char* out, size_t cap) { std::snprintf(out, cap, "ws://127.0.0.1:%u", static_cast<unsigned>(tw_test::free_tcp_port())); }
struct SchemeInfo { const char* name; void (*make_url)(char*, size_t); };
const SchemeInfo kSchemes[] = {
    {"tcp", tcp_url},
    {"ipc", ipc_url},
    {"ws", ws_url},
};

struct Setup {
    Tool tool;
    const SchemeInfo* scheme;
    bool we_listen;  // we listen and the peers dial; else the peers listen and we dial
};

struct Url { char s[128]; };
Url new_url(const Setup& st) { Url u; st.scheme->make_url(u.s, sizeof u.s); return u; }

// The peer program: $SP_NNG_PEER, or sp_nng_peer beside this binary.
const char* nng_peer_path() {
    static char path[4096];
    if (path[0]) return path;
    if (const char* env = std::getenv("SP_NNG_PEER")) {
        std::snprintf(path, sizeof path, "%s", env);
        return path;
    }
    char self[4000];
    const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) return "sp_nng_peer";
    self[n] = 0;
    if (char* slash = std::strrchr(self, '/')) *slash = 0;
    std::snprintf(path, sizeof path, "%s/sp_nng_peer", self);
    return path;
}

// ---------------------------------------------------------------------------------------------
// Peer command lines: one description, three tools' flags.
// ---------------------------------------------------------------------------------------------
struct PeerSpec {
    const char* role = "pull";       // nanocat's name of the socket type
    const char* data = nullptr;      // what it sends (or answers)
    int interval_ms = 0;             // resend every ... (0: once)
    int count = -1;                  // nngpeer: send this many (DATA-i bodies)
    const char* subscribe = nullptr;
    int wait_peers = 1;              // nngpeer: pipes to wait for before sending
    const Url* urls[4] = {};
    int nurls = 0;
    bool listens = false;
};

struct PeerArgs {
    const char* argv[40] = {};
    int n = 0;
    char text[8][32] = {};
    int nt = 0;
    void add(const char* a) { if (n < 39) argv[n++] = a; }
    const char* num(const char* fmt, double v) {
        std::snprintf(text[nt], sizeof text[nt], fmt, v);
        return text[nt++];
    }
    const char* flag(const char* name) {
        std::snprintf(text[nt], sizeof text[nt], "--%s", name);
        return text[nt++];
    }
};

bool readable(const char* role) { return std::strcmp(role, "push") != 0 && std::strcmp(role, "pub") != 0; }

void build_args(Tool tool, const PeerSpec& p, PeerArgs& a) {
    // Under timeout(1): a peer outlives no test, even one that crashed before stopping it.
    a.add("/usr/bin/timeout");
    a.add("-k1");
    a.add("30");
    if (tool == Tool::NngPeer) {
        a.add(nng_peer_path());
        a.add(p.role);
        a.add(p.listens ? "listen" : "dial");
        for (int i = 0; i < p.nurls; ++i) a.add(p.urls[i]->s);
        if (p.data) { a.add("-d"); a.add(p.data); }
        if (p.count >= 0) { a.add("-n"); a.add(a.num("%.0f", p.count)); }
        if (p.interval_ms) { a.add("-i"); a.add(a.num("%.0f", p.interval_ms)); }
        if (p.subscribe) { a.add("-s"); a.add(p.subscribe); }
        a.add("-p"); a.add(a.num("%.0f", p.wait_peers));
        a.add("-t"); a.add("15");
        a.add(nullptr);
        return;
    }
    const bool nng = tool == Tool::Nngcat;
    a.add(nng ? "/usr/bin/nngcat" : "/usr/bin/nanocat");
    if (nng && !std::strcmp(p.role, "pair")) a.add("--pair0");  // nngcat's --pair may be pair1
    else if (nng && !std::strcmp(p.role, "bus")) a.add("--bus0");
    else a.add(a.flag(p.role));
    for (int i = 0; i < p.nurls; ++i) {
        a.add(p.listens ? "--bind" : "--connect");
        a.add(p.urls[i]->s);
    }
    if (p.data) { a.add("--data"); a.add(p.data); }
    if (p.interval_ms) {
        a.add("--interval");
        // nngcat takes whole seconds only.
        a.add(nng ? a.num("%.0f", p.interval_ms < 1000 ? 1 : p.interval_ms / 1000) : a.num("%.3f", p.interval_ms / 1000.0));
    }
    if (p.subscribe) { a.add("--subscribe"); a.add(p.subscribe); }
    if (readable(p.role)) a.add("-Q");
    a.add(nullptr);
}

struct Peer {
    SpPeer proc;
    bool start(Tool tool, const PeerSpec& spec) {
        PeerArgs a;
        build_args(tool, spec, a);
        return proc.start(a.argv);
    }
    // How many lines "BODY" it printed.
    int count(const char* body) {
        proc.poll();
        char line[256];
        std::snprintf(line, sizeof line, "\"%s\"\n", body);
        int n = 0;
        for (const char* p = proc.text; (p = std::strstr(p, line)) != nullptr; p += std::strlen(line))
            if (p == proc.text || p[-1] == '\n') ++n;
        return n;
    }
    bool printed(const char* body) { return count(body) > 0; }
    // Lines printed in all.
    int lines() {
        proc.poll();
        int n = 0;
        for (size_t i = 0; i < proc.size; ++i) n += proc.text[i] == '\n';
        return n;
    }
    // Exit status once it ended by itself (waits up to ms), -1 if it still runs.
    int exit_status(int ms) {
        for (int i = 0; i <= ms / 10; ++i) {
            int status = 0;
            const pid_t r = waitpid(proc.pid, &status, WNOHANG);
            if (r == proc.pid) {
                proc.pid = -1;
                return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            }
            usleep(10000);
        }
        return -1;
    }
};

// ---------------------------------------------------------------------------------------------
// Our side.
// ---------------------------------------------------------------------------------------------
Config matrix_config() {
    Config cfg;
    cfg.max_connections = 32;
    cfg.ring_block_count = 64;
    cfg.message_slots = 16;
    cfg.reconnect_min_ms = 20;  // the peer may listen after we dial
    cfg.reconnect_max_ms = 100;
    return cfg;
}

template <typename Pred>
bool run(Context& ctx, int max_ms, Pred pred) { return tw_test::run_until(ctx, max_ms, pred, 2); }

bool is(const SpMessage& m, const char* text) { return m.size == std::strlen(text) && std::memcmp(m.data, text, m.size) == 0; }
bool starts(const SpMessage& m, const char* text) {
    const size_t n = std::strlen(text);
    return m.size >= n && std::memcmp(m.data, text, n) == 0;
}

// Our socket reaches the peers: listens on `url` (peers dial it) or dials each of `urls`. Called
// before the peers start: nngcat gives up when its first dial is refused, our dialers retry.
void connect(const Setup& st, SpSocket& s, const Url* const* urls, int n) {
    if (st.we_listen) {
        for (int i = 0; i < n; ++i) REQUIRE(s.listen(urls[i]->s).ok());
    } else {
        for (int i = 0; i < n; ++i) REQUIRE(s.dial(urls[i]->s).ok());
    }
}

// Waits (up to 5 s) until something listens at a tcp:// (or ws://) port or an ipc:// path,
// without connecting to it (a connection that closes before its SP handshake can upset the
// listener: NNG 1.5's device over ipc ends when it gets one). tcp: our bind of the port fails;
// ipc: the socket file exists.
bool wait_listening(const Url& u) {
    for (int i = 0; i < 500; ++i) {
        if (std::strncmp(u.s, "ipc://", 6) == 0) {
            struct stat sb;
            if (stat(u.s + 6, &sb) == 0 && S_ISSOCK(sb.st_mode)) return true;
        } else if (const char* colon = std::strrchr(u.s, ':')) {
            const int fd = socket(AF_INET, SOCK_STREAM, 0);
            sockaddr_in a{};
            a.sin_family = AF_INET;
            a.sin_port = htons(static_cast<uint16_t>(std::atoi(colon + 1)));
            a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            const bool taken = fd >= 0 && bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 && errno == EADDRINUSE;
            if (fd >= 0) close(fd);
            if (taken) return true;
        }
        usleep(10000);
    }
    return false;
}

// The peer sends at most every ... ms in the repeated-send scenarios (nngcat: whole seconds).
int repeat_ms(const Setup& st) { return st.tool == Tool::Nngcat ? 1000 : 100; }

// ---------------------------------------------------------------------------------------------
// Scenarios.
// ---------------------------------------------------------------------------------------------

// Our REQ, one REP peer: 50 requests in a row, each answered (nngpeer echoes, the cats say pong).
void sc_our_req(const Setup& st) {
    Context ctx;
    REQUIRE_EQ(ctx.init(matrix_config()), Error::Ok);
    SpSocket req;
    REQUIRE_EQ(req.open(ctx, SpPattern::Req), Error::Ok);
    const Url u = new_url(st);
    const Url* urls[] = {&u};
    PeerSpec spec;
    spec.role = "rep";
    spec.data = st.tool == Tool::NngPeer ? nullptr : "pong";
    spec.urls[0] = &u;
    spec.nurls = 1;
    spec.listens = !st.we_listen;
    connect(st, req, urls, 1);
    Peer peer;
    REQUIRE(peer.start(st.tool, spec));
    REQUIRE(run(ctx, 5000, [&] { return req.ready_pipes() == 1; }));
    int answered = 0;
    for (int i = 0; i < 50; ++i) {
        char q[32];
        std::snprintf(q, sizeof q, "q-%d", i);
        REQUIRE_EQ(req.send(q, std::strlen(q)), Error::Ok);
        bool got = false;
        run(ctx, 3000, [&] {
            SpMessage m;
            while (req.try_read(m) == Read::Message) {
                got = got || is(m, st.tool == Tool::NngPeer ? q : "pong");
                m.release();
            }
            return got;
        });
        if (!got) break;
        ++answered;
    }
    CHECK_EQ(answered, 50);
    CHECK(run(ctx, 2000, [&] { return peer.printed("q-0") && peer.printed("q-49"); }));
    CHECK_EQ(req.pipe_failures(), 0u);
}

// REQ peers, our REP: several requesters at once, each must get its own answer ("ok:" + its
// request). nngpeer: 2 processes x 50 requests each checked; nanocat: 4 processes resending every
// 50 ms; nngcat: 4 one-shot processes.
void sc_our_rep(const Setup& st) {
    Context ctx;
    REQUIRE_EQ(ctx.init(matrix_config()), Error::Ok);
    SpSocket rep;
    REQUIRE_EQ(rep.open(ctx, SpPattern::Rep), Error::Ok);
    const int procs = st.tool == Tool::NngPeer ? 2 : 4;
    Url u[4];
    const Url* urls[4];
    for (int k = 0; k < procs; ++k) { u[k] = new_url(st); urls[k] = &u[k]; }
    connect(st, rep, urls, st.we_listen ? 1 : procs);
    Peer peers[4];
    char data[4][24];
    for (int k = 0; k < procs; ++k) {
        std::snprintf(data[k], sizeof data[k], "r%d", k);
        PeerSpec spec;
        spec.role = "req";
        spec.data = data[k];
        if (st.tool == Tool::NngPeer) spec.count = 50;
        if (st.tool == Tool::Nanocat) spec.interval_ms = 50;
        spec.urls[0] = st.we_listen ? &u[0] : &u[k];  // one URL of ours, or one each of theirs
        spec.nurls = 1;
        spec.listens = !st.we_listen;
        REQUIRE(peers[k].start(st.tool, spec));
    }
    int served = 0;
    auto done = [&] {
        for (int k = 0; k < procs; ++k) {
            char want[32];
            if (st.tool == Tool::NngPeer) {
                std::snprintf(want, sizeof want, "ok:%s-49", data[k]);
                if (!peers[k].printed(want)) return false;
            } else {
                std::snprintf(want, sizeof want, "ok:%s", data[k]);
                if (peers[k].count(want) < (st.tool == Tool::Nanocat ? 5 : 1)) return false;
            }
        }
        return true;
    };
    CHECK(run(ctx, 10000, [&] {
        SpMessage m;
        while (rep.try_read(m) == Read::Message) {
            char answer[64];
            const int n = std::snprintf(answer, sizeof answer, "ok:%.*s", static_cast<int>(m.size < 40 ? m.size : 40), reinterpret_cast<const char*>(m.data));
            CHECK_EQ(rep.reply(m, answer, static_cast<size_t>(n)), Error::Ok);
            ++served;
            m.release();
        }
        return done();
    }));
    CHECK(served >= procs);
    if (st.tool == Tool::NngPeer)
        for (int k = 0; k < procs; ++k) CHECK_EQ(peers[k].exit_status(3000), 0);  // all 50 replies right
    CHECK_EQ(rep.pipe_failures(), 0u);
}

// Our PUB, two SUB peers: one subscribed to "foo", one to "bar"; each prints only its topic.
void sc_our_pub(const Setup& st) {
    Context ctx;
    REQUIRE_EQ(ctx.init(matrix_config()), Error::Ok);
    SpSocket pub;
    REQUIRE_EQ(pub.open(ctx, SpPattern::Pub), Error::Ok);
    Url u[2] = {new_url(st), new_url(st)};
    const Url* urls[] = {&u[0], &u[1]};
    connect(st, pub, urls, st.we_listen ? 1 : 2);
    Peer foo, bar;
    PeerSpec spec;
    spec.role = "sub";
    spec.nurls = 1;
    spec.listens = !st.we_listen;
    spec.urls[0] = &u[0];
    spec.subscribe = "foo";
    REQUIRE(foo.start(st.tool, spec));
    spec.urls[0] = st.we_listen ? &u[0] : &u[1];
    spec.subscribe = "bar";
    REQUIRE(bar.start(st.tool, spec));
    REQUIRE(run(ctx, 5000, [&] { return pub.ready_pipes() == 2; }));
    int64_t next = 0;
    CHECK(run(ctx, 5000, [&] {
        if (ctx.now_us() >= next) {  // the peers subscribe on their side at their own pace
            CHECK_EQ(pub.send("baz.0", 5), Error::Ok);
            CHECK_EQ(pub.send("foo.1", 5), Error::Ok);
            CHECK_EQ(pub.send("bar.2", 5), Error::Ok);
            CHECK_EQ(pub.send("fo", 2), Error::Ok);
            next = ctx.now_us() + 100000;
        }
        return foo.printed("foo.1") && bar.printed("bar.2");
    }));
    run(ctx, 200, [] { return false; });
    CHECK_EQ(foo.lines(), foo.count("foo.1"));
    CHECK_EQ(bar.lines(), bar.count("bar.2"));
}

// Two PUB peers ("foo.bar" and "baz.qux", repeated), our SUB subscribed to "foo" and "qq".
void sc_our_sub(const Setup& st) {
    Context ctx;
    REQUIRE_EQ(ctx.init(matrix_config()), Error::Ok);
    SpSocket sub;
    REQUIRE_EQ(sub.open(ctx, SpPattern::Sub), Error::Ok);
    REQUIRE_EQ(sub.subscribe("foo"), Error::Ok);
    REQUIRE_EQ(sub.subscribe("qq"), Error::Ok);
    Url u[2] = {new_url(st), new_url(st)};
    const Url* urls[] = {&u[0], &u[1]};
    connect(st, sub, urls, st.we_listen ? 1 : 2);
    Peer p1, p2;
    PeerSpec spec;
    spec.role = "pub";
    spec.interval_ms = repeat_ms(st);
    spec.nurls = 1;
    spec.listens = !st.we_listen;
    spec.urls[0] = &u[0];
    spec.data = "foo.bar";
    REQUIRE(p1.start(st.tool, spec));
    spec.urls[0] = st.we_listen ? &u[0] : &u[1];
    spec.data = "baz.qux";
    REQUIRE(p2.start(st.tool, spec));
    REQUIRE(run(ctx, 5000, [&] { return sub.ready_pipes() == 2; }));
    int foo = 0, other = 0;
    CHECK(run(ctx, 6000, [&] {
        SpMessage m;
        while (sub.try_read(m) == Read::Message) {
            if (is(m, "foo.bar")) ++foo;
            else ++other;
            m.release();
        }
        return foo >= 2;
    }));
    CHECK_EQ(other, 0);
    CHECK_EQ(sub.pipe_failures(), 0u);
}

// Our PUSH, two PULL peers: 100 messages, each delivered once, shared fairly (round robin).
void sc_our_push(const Setup& st) {
    Context ctx;
    REQUIRE_EQ(ctx.init(matrix_config()), Error::Ok);
    SpSocket push;
    REQUIRE_EQ(push.open(ctx, SpPattern::Push), Error::Ok);
    Url u[2] = {new_url(st), new_url(st)};
    const Url* urls[] = {&u[0], &u[1]};
    connect(st, push, urls, st.we_listen ? 1 : 2);
    Peer pullers[2];
    for (int k = 0; k < 2; ++k) {
        PeerSpec spec;
        spec.role = "pull";
        spec.nurls = 1;
        spec.listens = !st.we_listen;
        spec.urls[0] = st.we_listen ? &u[0] : &u[k];
        REQUIRE(pullers[k].start(st.tool, spec));
    }
    REQUIRE(run(ctx, 5000, [&] { return push.ready_pipes() == 2; }));
    int sent = 0;
    CHECK(run(ctx, 8000, [&] {
        while (sent < 100) {
            char m[16];
            std::snprintf(m, sizeof m, "m-%d", sent);
            if (push.send(m, std::strlen(m)) != Error::Ok) break;
            ++sent;
        }
        return sent == 100 && pullers[0].lines() + pullers[1].lines() >= 100;
    }));
    int each[2] = {0, 0}, missing = 0, twice = 0;
    for (int i = 0; i < 100; ++i) {
        char m[16];
        std::snprintf(m, sizeof m, "m-%d", i);
        const int a = pullers[0].count(m), b = pullers[1].count(m);
        each[0] += a;
        each[1] += b;
        if (a + b == 0) ++missing;
        if (a + b > 1) ++twice;
    }
    CHECK_EQ(missing, 0);
    CHECK_EQ(twice, 0);
    CHECK(each[0] >= 40 && each[1] >= 40);  // round robin over two ready pipes: 50 each
}

// A PUSH peer, two PULLs of ours: both get messages (the peer balances); nngpeer's 100 arrive
// exactly once.
void sc_our_pull(const Setup& st) {
    Context ctx;
    REQUIRE_EQ(ctx.init(matrix_config()), Error::Ok);
    SpSocket pulls[2];
    for (SpSocket& s : pulls) REQUIRE_EQ(s.open(ctx, SpPattern::Pull), Error::Ok);
    Url u[2] = {new_url(st), new_url(st)};
    PeerSpec spec;
    spec.role = "push";
    spec.data = "m";
    spec.listens = !st.we_listen;
    spec.urls[0] = &u[0];
    spec.urls[1] = &u[1];
    spec.nurls = st.we_listen ? 2 : 1;  // it dials our two, or listens on one that both dial
    spec.wait_peers = 2;
    if (st.tool == Tool::NngPeer) spec.count = 100;
    else spec.interval_ms = st.tool == Tool::Nngcat ? 1000 : 20;
    if (st.we_listen) {
        REQUIRE(pulls[0].listen(u[0].s).ok());
        REQUIRE(pulls[1].listen(u[1].s).ok());
    }
    Peer peer;
    REQUIRE(peer.start(st.tool, spec));
    if (!st.we_listen) {
        REQUIRE(pulls[0].dial(u[0].s).ok());
        REQUIRE(pulls[1].dial(u[0].s).ok());
    }
    int got[2] = {0, 0};
    bool seen[100] = {};
    int twice = 0;
    // NNG's push sends to whichever pipe is ready: about 50/50 here, once lopsided enough in CI
    // (a loaded machine) to leave one pull under 20 of the 100. Both must have some.
    const int want_each = st.tool == Tool::NngPeer ? 5 : (st.tool == Tool::Nngcat ? 1 : 3);
    CHECK(run(ctx, 8000, [&] {
        for (int k = 0; k < 2; ++k) {
            SpMessage m;
            while (pulls[k].try_read(m) == Read::Message) {
                ++got[k];
                if (st.tool == Tool::NngPeer) {
                    int i = -1;
                    if (starts(m, "m-") && m.size < 8) {
                        char t[8] = {};
                        std::memcpy(t, m.data + 2, m.size - 2);
                        i = std::atoi(t);
                    }
                    CHECK(i >= 0 && i < 100);
                    if (i >= 0 && i < 100) { twice += seen[i]; seen[i] = true; }
                } else {
                    CHECK(is(m, "m"));
                }
                m.release();
            }
        }
        if (st.tool == Tool::NngPeer) return got[0] + got[1] >= 100;
        return got[0] >= want_each && got[1] >= want_each;
    }));
    CHECK(got[0] >= want_each && got[1] >= want_each);
    if (st.tool == Tool::NngPeer) {
        CHECK_EQ(got[0] + got[1], 100);
        CHECK_EQ(twice, 0);
    }
}

// Our BUS and three BUS peers: ours reaches all three, all three reach ours, and nothing one
// peer sends reaches another through us (a bus does not forward).
void sc_our_bus(const Setup& st) {
    Context ctx;
    REQUIRE_EQ(ctx.init(matrix_config()), Error::Ok);
    SpSocket bus;
    REQUIRE_EQ(bus.open(ctx, SpPattern::Bus), Error::Ok);
    Url u[3] = {new_url(st), new_url(st), new_url(st)};
    const Url* urls[] = {&u[0], &u[1], &u[2]};
    connect(st, bus, urls, st.we_listen ? 1 : 3);
    Peer peers[3];
    char data[3][24];
    for (int k = 0; k < 3; ++k) {
        std::snprintf(data[k], sizeof data[k], "peer-%d", k);
        PeerSpec spec;
        spec.role = "bus";
        spec.data = data[k];
        spec.interval_ms = repeat_ms(st);
        spec.nurls = 1;
        spec.listens = !st.we_listen;
        spec.urls[0] = st.we_listen ? &u[0] : &u[k];
        REQUIRE(peers[k].start(st.tool, spec));
    }
    REQUIRE(run(ctx, 5000, [&] { return bus.ready_pipes() == 3; }));
    bool from[3] = {};
    int strangers = 0;
    int64_t next = 0;
    CHECK(run(ctx, 6000, [&] {
        SpMessage m;
        while (bus.try_read(m) == Read::Message) {
            bool known = false;
            for (int k = 0; k < 3; ++k)
                if (is(m, data[k])) { from[k] = true; known = true; }
            strangers += !known;
            m.release();
        }
        if (ctx.now_us() >= next) {
            CHECK_EQ(bus.send("hub", 3), Error::Ok);
            next = ctx.now_us() + 200000;
        }
        return from[0] && from[1] && from[2] && peers[0].printed("hub") && peers[1].printed("hub") && peers[2].printed("hub");
    }));
    CHECK(from[0] && from[1] && from[2]);
    CHECK_EQ(strangers, 0);
    for (int k = 0; k < 3; ++k) CHECK_EQ(peers[k].lines(), peers[k].count("hub"));  // no other peer's
}

// Our SURVEYOR, two RESPONDENT peers answering "r0" and "r1": both answers arrive.
void sc_our_surveyor(const Setup& st) {
    Context ctx;
    REQUIRE_EQ(ctx.init(matrix_config()), Error::Ok);
    SpSocket sv;
    REQUIRE_EQ(sv.open(ctx, SpPattern::Surveyor), Error::Ok);
    Url u[2] = {new_url(st), new_url(st)};
    const Url* urls[] = {&u[0], &u[1]};
    connect(st, sv, urls, st.we_listen ? 1 : 2);
    Peer peers[2];
    for (int k = 0; k < 2; ++k) {
        PeerSpec spec;
        spec.role = "respondent";
        spec.data = k == 0 ? "r0" : "r1";
        spec.nurls = 1;
        spec.listens = !st.we_listen;
        spec.urls[0] = st.we_listen ? &u[0] : &u[k];
        REQUIRE(peers[k].start(st.tool, spec));
    }
    REQUIRE(run(ctx, 5000, [&] { return sv.ready_pipes() == 2; }));
    REQUIRE_EQ(sv.send("who", 3), Error::Ok);
    bool r[2] = {};
    int other = 0;
    CHECK(run(ctx, 3000, [&] {
        SpMessage m;
        while (sv.try_read(m) == Read::Message) {
            if (is(m, "r0")) r[0] = true;
            else if (is(m, "r1")) r[1] = true;
            else ++other;
            m.release();
        }
        return r[0] && r[1];
    }));
    CHECK_EQ(other, 0);
    CHECK(peers[0].printed("who") && peers[1].printed("who"));
}

// A SURVEYOR peer (surveying again and again), two RESPONDENTs of ours answering "a0" and "a1".
void sc_our_respondents(const Setup& st) {
    Context ctx;
    REQUIRE_EQ(ctx.init(matrix_config()), Error::Ok);
    SpSocket resp[2];
    for (SpSocket& s : resp) REQUIRE_EQ(s.open(ctx, SpPattern::Respondent), Error::Ok);
    Url u[2] = {new_url(st), new_url(st)};
    PeerSpec spec;
    spec.role = "surveyor";
    spec.data = "who";
    spec.interval_ms = st.tool == Tool::Nngcat ? 1000 : 300;
    spec.listens = !st.we_listen;
    spec.urls[0] = &u[0];
    spec.urls[1] = &u[1];
    spec.nurls = st.we_listen ? 2 : 1;
    spec.wait_peers = 2;
    if (st.we_listen) {
        REQUIRE(resp[0].listen(u[0].s).ok());
        REQUIRE(resp[1].listen(u[1].s).ok());
    }
    Peer peer;
    REQUIRE(peer.start(st.tool, spec));
    if (!st.we_listen) {
        REQUIRE(resp[0].dial(u[0].s).ok());
        REQUIRE(resp[1].dial(u[0].s).ok());
    }
    int surveys = 0;
    auto answered = [&] {
        for (int k = 0; k < 2; ++k) {
            SpMessage m;
            while (resp[k].try_read(m) == Read::Message) {
                ++surveys;
                CHECK(is(m, "who"));
                CHECK_EQ(resp[k].reply(m, k == 0 ? "a0" : "a1", 2), Error::Ok);
                m.release();
            }
        }
        return peer.printed("a0") && peer.printed("a1");
    };
    bool ok = run(ctx, 8000, answered);
    if (!ok && surveys == 0 && st.tool == Tool::Nngcat && !st.we_listen) {
        // Now and then (about 1 run in 15, with earlier builds too) nngcat 1.5.2 sends no survey
        // at all while both our pipes are up. Started again, it does: our dialers reconnect.
        std::printf("    nngcat sent no survey in 8 s: started again\n");
        peer.proc.stop();
        close(peer.proc.out);
        REQUIRE(peer.start(st.tool, spec));
        ok = run(ctx, 8000, answered);
    }
    CHECK(ok);
}

// PAIR with one PAIR peer: messages both ways.
void sc_pair(const Setup& st) {
    Context ctx;
    REQUIRE_EQ(ctx.init(matrix_config()), Error::Ok);
    SpSocket pair;
    REQUIRE_EQ(pair.open(ctx, SpPattern::Pair), Error::Ok);
    const Url u = new_url(st);
    const Url* urls[] = {&u};
    PeerSpec spec;
    spec.role = "pair";
    spec.data = "from-peer";
    spec.interval_ms = repeat_ms(st);
    spec.urls[0] = &u;
    spec.nurls = 1;
    spec.listens = !st.we_listen;
    connect(st, pair, urls, 1);
    Peer peer;
    REQUIRE(peer.start(st.tool, spec));
    REQUIRE(run(ctx, 5000, [&] { return pair.ready_pipes() == 1; }));
    int got = 0, other = 0;
    int64_t next = 0;
    CHECK(run(ctx, 6000, [&] {
        SpMessage m;
        while (pair.try_read(m) == Read::Message) {
            if (is(m, "from-peer")) ++got;
            else ++other;
            m.release();
        }
        if (ctx.now_us() >= next) {
            const Error e = pair.send("from-us", 7);
            CHECK(e == Error::Ok || e == Error::WouldBlock);
            next = ctx.now_us() + 200000;
        }
        return got >= 1 && peer.printed("from-us");
    }));
    CHECK_EQ(other, 0);
    CHECK_EQ(peer.lines(), peer.count("from-us"));
}

// A PUSH peer sends one 40,000-byte message (more than the 16 KiB ring block: our pipe assembles
// it in a message slot); our PULL gets it whole.
void sc_big_to_us(const Setup& st) {
    Context ctx;
    REQUIRE_EQ(ctx.init(matrix_config()), Error::Ok);
    SpSocket pull;
    REQUIRE_EQ(pull.open(ctx, SpPattern::Pull), Error::Ok);
    const Url u = new_url(st);
    const Url* urls[] = {&u};
    static char big[40001];
    std::memset(big, 'x', 40000);
    PeerSpec spec;
    spec.role = "push";
    spec.data = big;
    if (st.tool != Tool::NngPeer) spec.interval_ms = 1000;  // nanocat's one-shot push may be lost
    spec.urls[0] = &u;
    spec.nurls = 1;
    spec.listens = !st.we_listen;
    connect(st, pull, urls, 1);
    Peer peer;
    REQUIRE(peer.start(st.tool, spec));
    bool got = false;
    int wrong = 0;
    CHECK(run(ctx, 8000, [&] {
        SpMessage m;
        while (pull.try_read(m) == Read::Message) {
            if (m.size == 40000 && std::memcmp(m.data, big, 40000) == 0) got = true;
            else ++wrong;
            m.release();
        }
        return got;
    }));
    CHECK_EQ(wrong, 0);
    CHECK_EQ(pull.pipe_failures(), 0u);
}

// Our PUSH sends one 12,000-byte message (it fits our 16 KiB ring block); the peer prints it whole.
void sc_big_from_us(const Setup& st) {
    Context ctx;
    REQUIRE_EQ(ctx.init(matrix_config()), Error::Ok);
    SpSocket push;
    REQUIRE_EQ(push.open(ctx, SpPattern::Push), Error::Ok);
    const Url u = new_url(st);
    const Url* urls[] = {&u};
    static char big[12000];
    std::memset(big, 'y', sizeof big);
    static char line[sizeof big + 4];
    line[0] = '"';
    std::memcpy(line + 1, big, sizeof big);
    std::memcpy(line + 1 + sizeof big, "\"\n", 3);
    PeerSpec spec;
    spec.role = "pull";
    spec.urls[0] = &u;
    spec.nurls = 1;
    spec.listens = !st.we_listen;
    connect(st, push, urls, 1);
    Peer peer;
    REQUIRE(peer.start(st.tool, spec));
    REQUIRE(run(ctx, 5000, [&] { return push.ready_pipes() == 1; }));
    REQUIRE_EQ(push.send(big, sizeof big), Error::Ok);
    CHECK(run(ctx, 5000, [&] {
        peer.proc.poll();
        return std::strstr(peer.proc.text, line) != nullptr;
    }));
    CHECK_EQ(peer.lines(), 1);
}

// REQ peers -> an NNG device (sp_nng_peer device: raw REP front, raw REQ back) -> our REP. The
// device puts its front pipe id (top bit clear) in front of the request id: our REP must keep the
// two-word backtrace and send it back so that the device routes the reply to its requester.
// "we listen / we dial" is about our REP and the device's back socket.
void sc_our_rep_behind_device(const Setup& st) {
    Context ctx;
    REQUIRE_EQ(ctx.init(matrix_config()), Error::Ok);
    SpSocket rep;
    REQUIRE_EQ(rep.open(ctx, SpPattern::Rep), Error::Ok);
    const Url front = new_url(st), back = new_url(st);
    const Url* urls[] = {&back};
    connect(st, rep, urls, 1);
    Peer device;
    const char* dev_argv[] = {"/usr/bin/timeout", "-k1", "30", nng_peer_path(), "device", st.we_listen ? "dial" : "listen",
                              front.s, back.s, nullptr};
    REQUIRE(device.proc.start(dev_argv));
    REQUIRE(wait_listening(front));  // nngcat gives up when its first dial is refused
    PeerSpec spec;
    spec.role = "req";
    spec.data = "r";
    if (st.tool == Tool::NngPeer) spec.count = 20;
    if (st.tool == Tool::Nanocat) spec.interval_ms = 100;
    spec.urls[0] = &front;
    spec.nurls = 1;
    spec.listens = false;
    Peer req;
    REQUIRE(req.start(st.tool, spec));
    int two_words = 0, other = 0;
    CHECK(run(ctx, 10000, [&] {
        SpMessage m;
        while (rep.try_read(m) == Read::Message) {
            // pipe id (top bit clear), then the request id (top bit set)
            if (m.backtrace_size == 8 && !(m.backtrace[0] & 0x80) && (m.backtrace[4] & 0x80)) ++two_words;
            else ++other;
            char answer[64];
            const int n = std::snprintf(answer, sizeof answer, "ok:%.*s", static_cast<int>(m.size < 40 ? m.size : 40),
                                        reinterpret_cast<const char*>(m.data));
            CHECK_EQ(rep.reply(m, answer, static_cast<size_t>(n)), Error::Ok);
            m.release();
        }
        return st.tool == Tool::NngPeer ? req.printed("ok:r-19") : req.printed("ok:r");
    }));
    CHECK(two_words >= 1);
    CHECK_EQ(other, 0);
    if (st.tool == Tool::NngPeer) CHECK_EQ(req.exit_status(3000), 0);  // all 20 replies came back
}

struct ScenarioInfo { const char* name; void (*fn)(const Setup&); };
const ScenarioInfo kScenarios[] = {
    {"our_req", sc_our_req},
    {"our_rep", sc_our_rep},
    {"our_pub", sc_our_pub},
    {"our_sub", sc_our_sub},
    {"our_push", sc_our_push},
    {"our_pull", sc_our_pull},
    {"our_bus", sc_our_bus},
    {"our_surveyor", sc_our_surveyor},
    {"our_respondents", sc_our_respondents},
    {"pair", sc_pair},
    {"big_to_us", sc_big_to_us},
    {"big_from_us", sc_big_from_us},
    {"our_rep_behind_device", sc_our_rep_behind_device},
};

// ---------------------------------------------------------------------------------------------
// Registration: one test case per (scenario, tool, scheme, direction).
// ---------------------------------------------------------------------------------------------
constexpr size_t kScenarioCount = sizeof kScenarios / sizeof kScenarios[0];
constexpr size_t kToolCount = sizeof kTools / sizeof kTools[0];
constexpr size_t kSchemeCount = sizeof kSchemes / sizeof kSchemes[0];
constexpr size_t kCaseCount = kScenarioCount * kToolCount * kSchemeCount * 2;

void run_case(size_t i) {
    const size_t dir = i % 2, sch = i / 2 % kSchemeCount, tool = i / 2 / kSchemeCount % kToolCount,
                 sc = i / 2 / kSchemeCount / kToolCount;
    const Setup st{kTools[tool].tool, &kSchemes[sch], dir == 0};
    kScenarios[sc].fn(st);
}

template <size_t I>
void case_fn() { run_case(I); }

char g_names[kCaseCount][96];
tw_test::Case g_cases[kCaseCount];

template <size_t... I>
void register_all(std::index_sequence<I...>) {
    void (*fns[])() = {case_fn<I>...};
    for (size_t i = 0; i < kCaseCount; ++i) {
        const size_t dir = i % 2, sch = i / 2 % kSchemeCount, tool = i / 2 / kSchemeCount % kToolCount,
                     sc = i / 2 / kSchemeCount / kToolCount;
        std::snprintf(g_names[i], sizeof g_names[i], "sp_%s_%s_%s_%s", kScenarios[sc].name, kTools[tool].name,
                      kSchemes[sch].name, dir == 0 ? "we_listen" : "we_dial");
        g_cases[i] = tw_test::Case{g_names[i], fns[i], nullptr};
        tw_test::add_case(&g_cases[i]);
    }
}

const bool g_registered = (register_all(std::make_index_sequence<kCaseCount>{}), true);

} // namespace
