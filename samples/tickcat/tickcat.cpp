// tickcat: nanocat's command line on tickwire's SpSocket — the same flags, output formats and
// exit statuses, one thread, one Context, one update() loop.
//
//     tickcat --rep --bind tcp://127.0.0.1:9400 --data pong -A &
//     tickcat --req --connect tcp://127.0.0.1:9400 --data ping -A      # prints "pong", exit 0
//     tickcat --pull -L 9401 -Q --recv-timeout 0.5                       # exits 0.5 s after the last message
//     tickcat --push -l 9401 -D hello                                    # delivered, then exit 0
//
// Differences from nanocat 1.1.5 (on purpose):
//   * a one-shot PUSH/PUB keeps updating until its message has left the tx rings (at most
//     5 s), waits 100 ms more, then closes gracefully, so the message is not lost on exit;
//   * --recv-timeout takes fractions of a second (nanocat truncates it to whole seconds);
//   * only tcp:// and ipc:// (what SpSocket speaks today); a received message is limited to
//     Config::message_slot_size (16 MiB here), larger ones close their pipe.
// Exit statuses as nanocat: 0 done, 1 command-line error, 2 --file unreadable, 3 socket error.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <tickwire/tickwire.hpp>

using namespace tickwire;

namespace {

// ---------------------------------------------------------------------------------------------
// Command line: nanocat's options table (tools/nanocat.c + tools/options.c of nanomsg 1.1.5).
// ---------------------------------------------------------------------------------------------

// Masks an option provides / conflicts with / requires (the names of nanocat.c).
constexpr unsigned kMaskSock = 1, kMaskWriteable = 2, kMaskReadable = 4, kMaskSockSub = 8,
                   kMaskData = 16, kMaskEndpoint = 32;
constexpr unsigned kSockWriteable = kMaskSock | kMaskWriteable;
constexpr unsigned kSockReadable = kMaskSock | kMaskReadable;
constexpr unsigned kSockReadWrite = kSockWriteable | kSockReadable;

enum class Format : uint8_t { No, Raw, Ascii, Quoted, Msgpack, Hex };

enum class Kind : uint8_t {
    Flag,       // no argument
    Socket,     // sets the pattern
    SetFormat,  // --raw, -A ...: sets the format
    Format,     // --format NAME
    Bind,       // --bind ADDR / -X PATH / -L PORT (with `fmt`)
    Connect,
    Float,
    String,
    Subscribe,
    Data,
    File,
};

struct Option {
    const char* name;
    char short_name;
    Kind kind;
    int value;           // the pattern / format for Socket / SetFormat; which float for Float
    const char* fmt;     // Bind / Connect: how the argument becomes a URL
    unsigned provides, conflicts, requires;
};

enum FloatId { kRecvTimeout, kSendTimeout, kInterval, kDelay };

constexpr Option kOptions[] = {
    {"verbose", 'v', Kind::Flag, 0, nullptr, 0, 0, 0},
    {"silent", 'q', Kind::Flag, 0, nullptr, 0, 0, 0},
    {"help", 'h', Kind::Flag, 1, nullptr, 0, 0, 0},
    {"push", 0, Kind::Socket, int(SpPattern::Push), nullptr, kSockWriteable, kMaskSock, kMaskData},
    {"pull", 0, Kind::Socket, int(SpPattern::Pull), nullptr, kSockReadable, kMaskSock, 0},
    {"pub", 0, Kind::Socket, int(SpPattern::Pub), nullptr, kSockWriteable, kMaskSock, kMaskData},
    {"sub", 0, Kind::Socket, int(SpPattern::Sub), nullptr, kSockReadable | kMaskSockSub, kMaskSock, 0},
    {"req", 0, Kind::Socket, int(SpPattern::Req), nullptr, kSockReadWrite, kMaskSock, kMaskData},
    {"rep", 0, Kind::Socket, int(SpPattern::Rep), nullptr, kSockReadWrite, kMaskSock, 0},
    {"surveyor", 0, Kind::Socket, int(SpPattern::Surveyor), nullptr, kSockReadWrite, kMaskSock, kMaskData},
    {"respondent", 0, Kind::Socket, int(SpPattern::Respondent), nullptr, kSockReadWrite, kMaskSock, 0},
    {"bus", 0, Kind::Socket, int(SpPattern::Bus), nullptr, kSockReadWrite, kMaskSock, 0},
    {"pair", 0, Kind::Socket, int(SpPattern::Pair), nullptr, kSockReadWrite, kMaskSock, 0},
    {"bind", 0, Kind::Bind, 0, "%s", kMaskEndpoint, 0, 0},
    {"connect", 0, Kind::Connect, 0, "%s", kMaskEndpoint, 0, 0},
    {"bind-ipc", 'X', Kind::Bind, 0, "ipc://%s", kMaskEndpoint, 0, 0},
    {"connect-ipc", 'x', Kind::Connect, 0, "ipc://%s", kMaskEndpoint, 0, 0},
    {"bind-local", 'L', Kind::Bind, 0, "tcp://127.0.0.1:%s", kMaskEndpoint, 0, 0},
    {"connect-local", 'l', Kind::Connect, 0, "tcp://127.0.0.1:%s", kMaskEndpoint, 0, 0},
    {"recv-timeout", 0, Kind::Float, kRecvTimeout, nullptr, 0, 0, kMaskReadable},
    {"send-timeout", 0, Kind::Float, kSendTimeout, nullptr, 0, 0, kMaskWriteable},
    {"socket-name", 0, Kind::String, 0, nullptr, 0, 0, 0},
    {"subscribe", 0, Kind::Subscribe, 0, nullptr, 0, 0, kMaskSockSub},
    {"format", 0, Kind::Format, 0, nullptr, 0, 0, kMaskReadable},
    {"raw", 0, Kind::SetFormat, int(Format::Raw), nullptr, 0, 0, kMaskReadable},
    {"ascii", 'A', Kind::SetFormat, int(Format::Ascii), nullptr, 0, 0, kMaskReadable},
    {"quoted", 'Q', Kind::SetFormat, int(Format::Quoted), nullptr, 0, 0, kMaskReadable},
    {"msgpack", 0, Kind::SetFormat, int(Format::Msgpack), nullptr, 0, 0, kMaskReadable},
    {"hex", 0, Kind::SetFormat, int(Format::Hex), nullptr, 0, 0, kMaskReadable},
    {"interval", 'i', Kind::Float, kInterval, nullptr, 0, 0, kMaskWriteable},
    {"delay", 'd', Kind::Float, kDelay, nullptr, 0, 0, 0},
    {"data", 'D', Kind::Data, 0, nullptr, kMaskData, kMaskData, kMaskWriteable},
    {"file", 'F', Kind::File, 0, nullptr, kMaskData, kMaskData, kMaskWriteable},
};
constexpr size_t kOptionCount = sizeof kOptions / sizeof kOptions[0];

constexpr const char* kFormatNames[] = {"no", "raw", "ascii", "quoted", "msgpack", "hex"};

struct Options {
    SpPattern pattern = SpPattern::Pair;
    std::vector<std::string> binds, connects, subscriptions;
    float recv_timeout = -1.f, send_timeout = -1.f, interval = -1.f, delay = 0.f;
    bool has_data = false;
    std::vector<uint8_t> data;
    Format format = Format::No;
};

[[noreturn]] void usage_error() {
    std::fprintf(stderr, "Use tickcat --help for usage.\n");
    std::exit(1);
}

void print_help() {
    std::printf(
        "Usage:\n"
        "    tickcat {--push|--pull|--pub|--sub|--req|--rep|--surveyor|--respondent|--bus|--pair}\n"
        "            {--bind ADDR|--connect ADDR|-X PATH|-x PATH|-L PORT|-l PORT}...\n"
        "            [--data DATA|-D DATA|--file PATH|-F PATH]\n"
        "            [--format no|raw|ascii|quoted|msgpack|hex | --raw | -A | -Q | --msgpack | --hex]\n"
        "            [--interval SEC|-i SEC] [--delay SEC|-d SEC]\n"
        "            [--recv-timeout SEC] [--send-timeout SEC] [--subscribe PREFIX]...\n"
        "            [--socket-name NAME] [-v] [-q] [-h]\n"
        "\n"
        "nanocat's command line on tickwire (tcp:// and ipc://). Exit: 0 done, 1 command line,\n"
        "2 --file unreadable, 3 socket error.\n");
}

// The whole argument of a float option, as strtof reads it; anything left over is an error.
bool parse_float(const char* s, float& out) {
    char* end = nullptr;
    errno = 0;
    const float v = std::strtof(s, &end);
    if (end == s || *end != '\0' || errno == ERANGE) return false;
    out = v;
    return true;
}

// -F PATH ("-" = stdin) into `out`. Exit 2 when it cannot be read, as nanocat.
void read_file(const char* path, std::vector<uint8_t>& out) {
    FILE* f = std::strcmp(path, "-") == 0 ? stdin : std::fopen(path, "rb");
    if (!f) {
        std::fprintf(stderr, "tickcat: Can't open the file ``%s'': %s\n", path, std::strerror(errno));
        std::exit(2);
    }
    out.clear();
    uint8_t buf[65536];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.insert(out.end(), buf, buf + n);
    const bool failed = std::ferror(f) != 0;
    if (f != stdin) std::fclose(f);
    if (failed) {
        std::fprintf(stderr, "tickcat: Can't read the file ``%s''\n", path);
        std::exit(2);
    }
}

// Applies one option with its argument (nullptr for those without). Exits on error.
void apply(const Option& o, const char* arg, Options& opt, unsigned& provided, unsigned* requires_seen,
           const char* spelled) {
    if (o.conflicts & provided) {
        std::fprintf(stderr, "tickcat: Option %s conflicts with an option given before it\n", spelled);
        usage_error();
    }
    provided |= o.provides;
    requires_seen[&o - kOptions] = 1;
    switch (o.kind) {
    case Kind::Flag:
        if (o.value == 1) {
            print_help();
            std::exit(0);
        }
        break;
    case Kind::Socket: opt.pattern = static_cast<SpPattern>(o.value); break;
    case Kind::SetFormat: opt.format = static_cast<Format>(o.value); break;
    case Kind::Format: {
        bool found = false;
        for (size_t i = 0; i < 6; ++i)
            if (std::strcmp(arg, kFormatNames[i]) == 0) {
                opt.format = static_cast<Format>(i);
                found = true;
            }
        if (!found) {
            std::fprintf(stderr, "tickcat: Invalid value ``%s'' for option %s\n", arg, spelled);
            usage_error();
        }
        break;
    }
    case Kind::Bind:
    case Kind::Connect: {
        char url[1024];
        const int n = std::snprintf(url, sizeof url, o.fmt, arg);
        if (n < 0 || static_cast<size_t>(n) >= sizeof url) {
            std::fprintf(stderr, "tickcat: Address too long for option %s\n", spelled);
            usage_error();
        }
        (o.kind == Kind::Bind ? opt.binds : opt.connects).emplace_back(url);
        break;
    }
    case Kind::Float: {
        float v = 0;
        if (!parse_float(arg, v)) {
            std::fprintf(stderr, "tickcat: Invalid value ``%s'' for option %s\n", arg, spelled);
            usage_error();
        }
        float* const targets[] = {&opt.recv_timeout, &opt.send_timeout, &opt.interval, &opt.delay};
        *targets[o.value] = v;
        break;
    }
    case Kind::String: break;  // --socket-name: statistics only in nanocat
    case Kind::Subscribe: opt.subscriptions.emplace_back(arg); break;
    case Kind::Data:
        opt.has_data = true;
        opt.data.assign(arg, arg + std::strlen(arg));
        break;
    case Kind::File:
        opt.has_data = true;
        read_file(arg, opt.data);
        break;
    }
}

bool takes_argument(const Option& o) {
    return o.kind != Kind::Flag && o.kind != Kind::Socket && o.kind != Kind::SetFormat;
}

void parse(int argc, char** argv, Options& opt) {
    unsigned provided = 0;
    unsigned seen[kOptionCount] = {};
    for (int i = 1; i < argc; ++i) {
        const char* a = argv[i];
        if (a[0] == '-' && a[1] == '-' && a[2] != '\0') {
            // Long option: exact name, or a unique prefix; "--name=value" or "--name value".
            const char* name = a + 2;
            const char* eq = std::strchr(name, '=');
            const size_t len = eq ? static_cast<size_t>(eq - name) : std::strlen(name);
            const Option* match = nullptr;
            int matches = 0;
            for (const Option& o : kOptions) {
                if (std::strncmp(o.name, name, len) != 0) continue;
                if (o.name[len] == '\0') { match = &o; matches = 1; break; }
                match = &o;
                ++matches;
            }
            if (matches == 0) {
                std::fprintf(stderr, "tickcat: Unknown option ``%s''\n", a);
                usage_error();
            }
            if (matches > 1) {
                std::fprintf(stderr, "tickcat: Ambiguous option ``%s''\n", a);
                usage_error();
            }
            const char* arg = nullptr;
            if (takes_argument(*match)) {
                if (eq) arg = eq + 1;
                else if (i + 1 < argc) arg = argv[++i];
                else {
                    std::fprintf(stderr, "tickcat: Option --%s requires an argument\n", match->name);
                    usage_error();
                }
            } else if (eq) {
                std::fprintf(stderr, "tickcat: Option --%s does not take an argument\n", match->name);
                usage_error();
            }
            apply(*match, arg, opt, provided, seen, a);
        } else if (a[0] == '-' && a[1] != '\0' && a[1] != '-') {
            // Short options: combined flags (-AQ), the argument attached (-Dhello) or next.
            for (const char* p = a + 1; *p; ++p) {
                const Option* match = nullptr;
                for (const Option& o : kOptions)
                    if (o.short_name == *p) match = &o;
                if (!match) {
                    std::fprintf(stderr, "tickcat: Unknown option ``-%c''\n", *p);
                    usage_error();
                }
                char spelled[3] = {'-', *p, '\0'};
                if (takes_argument(*match)) {
                    const char* arg = nullptr;
                    if (p[1]) arg = p + 1;
                    else if (i + 1 < argc) arg = argv[++i];
                    else {
                        std::fprintf(stderr, "tickcat: Option -%c requires an argument\n", *p);
                        usage_error();
                    }
                    apply(*match, arg, opt, provided, seen, spelled);
                    break;
                }
                apply(*match, nullptr, opt, provided, seen, spelled);
            }
        } else {
            std::fprintf(stderr, "tickcat: Unexpected argument ``%s''\n", a);
            usage_error();
        }
    }
    // Every option given must have what it requires (--data needs a writable socket type ...).
    for (size_t k = 0; k < kOptionCount; ++k) {
        if (!seen[k] || !kOptions[k].requires) continue;
        if (!(kOptions[k].requires & provided)) {
            std::fprintf(stderr, "tickcat: Option --%s requires %s\n", kOptions[k].name,
                         kOptions[k].requires == kMaskData ? "--data or --file"
                         : kOptions[k].requires == kMaskSockSub ? "--sub"
                         : kOptions[k].requires == kMaskReadable ? "a socket type that receives"
                                                                 : "a socket type that sends");
            usage_error();
        }
    }
    if (!(provided & kMaskSock)) {
        std::fprintf(stderr, "tickcat: a socket type is required (--push, --pull, --req ...)\n");
        usage_error();
    }
    if (!(provided & kMaskEndpoint)) {
        std::fprintf(stderr, "tickcat: at least one of --bind, --connect, -X, -x, -L, -l is required\n");
        usage_error();
    }
}

// ---------------------------------------------------------------------------------------------
// Output: nanocat's nn_print_message, byte for byte (C locale isprint: bytes >= 0x80 are not).
// ---------------------------------------------------------------------------------------------
bool printable(uint8_t b) { return b >= 0x20 && b < 0x7f; }

void print_message(Format f, const uint8_t* d, size_t n) {
    switch (f) {
    case Format::No: return;
    case Format::Raw:
        if (n) std::fwrite(d, 1, n, stdout);  // an empty message has no data pointer
        break;
    case Format::Ascii:
        for (size_t i = 0; i < n; ++i) std::fputc(printable(d[i]) ? d[i] : '.', stdout);
        std::fputc('\n', stdout);
        break;
    case Format::Quoted:
        std::fputc('"', stdout);
        for (size_t i = 0; i < n; ++i) {
            const uint8_t b = d[i];
            if (b == '\n') std::fputs("\\n", stdout);
            else if (b == '\r') std::fputs("\\r", stdout);
            else if (b == '\\' || b == '"') std::fprintf(stdout, "\\%c", b);
            else if (printable(b)) std::fputc(b, stdout);
            else std::fprintf(stdout, "\\x%02x", b);
        }
        std::fputs("\"\n", stdout);
        break;
    case Format::Msgpack:
        if (n < 256) {
            std::fputc(0xc4, stdout);
            std::fputc(static_cast<int>(n), stdout);
        } else if (n < 65536) {
            std::fputc(0xc5, stdout);
            std::fputc(static_cast<int>(n >> 8), stdout);
            std::fputc(static_cast<int>(n & 0xff), stdout);
        } else {
            std::fputc(0xc6, stdout);
            std::fputc(static_cast<int>((n >> 24) & 0xff), stdout);
            std::fputc(static_cast<int>((n >> 16) & 0xff), stdout);
            std::fputc(static_cast<int>((n >> 8) & 0xff), stdout);
            std::fputc(static_cast<int>(n & 0xff), stdout);
        }
        if (n) std::fwrite(d, 1, n, stdout);
        break;
    case Format::Hex:
        std::fputc('"', stdout);
        for (size_t i = 0; i < n; ++i) std::fprintf(stdout, "\\x%02x", d[i]);
        std::fputs("\"\n", stdout);
        break;
    }
    std::fflush(stdout);
}

// ---------------------------------------------------------------------------------------------
// Running: nanocat's send_loop / recv_loop / rw_loop / resp_loop on one update() loop.
// ---------------------------------------------------------------------------------------------
constexpr int kLingerMs = 5000;   // one-shot PUSH/PUB: longest wait for the tx rings to drain
// ... and how long the connections then stay open. nanomsg 1.1.5 loses an ipc message that
// arrives together with the EOF (measured: 0 of 6 delivered when closing at once, 6 of 6 with
// 10 ms between the last write and the close).
constexpr int kLingerGraceMs = 100;

[[noreturn]] void socket_error(const char* what, const char* why) {
    std::fprintf(stderr, "%s: %s\n", what, why);
    std::exit(3);
}

int64_t seconds_to_us(float s) { return static_cast<int64_t>(static_cast<double>(s) * 1e6); }

class Runner {
public:
    Runner(Context& ctx, SpSocket& sock, const Options& opt) : ctx_(ctx), sock_(sock), opt_(opt) {}

    // One update of at most `max_wait_us` (rounded up to a millisecond).
    void step(int64_t max_wait_us) {
        int ms = max_wait_us <= 0 ? 0 : static_cast<int>((max_wait_us + 999) / 1000);
        if (ms > 20) ms = 20;
        const Error e = ctx_.update(ms);
        if (e != Error::Ok) socket_error("Can't update", to_string(e));
        Event ev;
        while (ctx_.next_event(ev)) {}  // pipes are never announced; drain whatever else
    }

    // Waits (updating) until `deadline_us`, reading nothing.
    void sleep_until(int64_t deadline_us) {
        while (ctx_.now_us() < deadline_us) step(deadline_us - ctx_.now_us());
    }

    // nn_send with NN_SNDTIMEO: retries while no pipe has room; exit 3 on an error or timeout.
    void send_blocking(const SpMessage* request) {
        const int64_t deadline = opt_.send_timeout >= 0 ? ctx_.now_us() + seconds_to_us(opt_.send_timeout) : -1;
        for (;;) {
            const Error e = request ? sock_.reply(*request, opt_.data.data(), opt_.data.size())
                                    : sock_.send(opt_.data.data(), opt_.data.size());
            if (e == Error::Ok) return;
            if (e != Error::WouldBlock) socket_error("Can't send", to_string(e));
            if (deadline >= 0 && ctx_.now_us() >= deadline) socket_error("Can't send", "Connection timed out");
            step(deadline >= 0 ? deadline - ctx_.now_us() : 20000);
        }
    }

    // One message, or false when `deadline_us` (-1: none) passed first.
    bool receive(SpMessage& m, int64_t deadline_us) {
        for (;;) {
            if (sock_.try_read(m) == Read::Message) return true;
            if (deadline_us >= 0 && ctx_.now_us() >= deadline_us) return false;
            step(deadline_us >= 0 ? deadline_us - ctx_.now_us() : 20000);
        }
    }

    int64_t recv_deadline() const {
        return opt_.recv_timeout >= 0 ? ctx_.now_us() + seconds_to_us(opt_.recv_timeout) : -1;
    }

    // Both limits that end a receive: --recv-timeout, and for a SURVEYOR the survey's deadline.
    int64_t next_deadline() const {
        int64_t d = recv_deadline();
        if (survey_end_ >= 0 && (d < 0 || survey_end_ < d)) d = survey_end_;
        return d;
    }

    void print_and_release(SpMessage& m) {
        print_message(opt_.format, m.data, m.size);
        m.release();
    }

    // PUSH, PUB: send once (then linger) or every --interval, forever.
    int send_loop() {
        for (;;) {
            const int64_t start = ctx_.now_us();
            send_blocking(nullptr);
            if (opt_.interval < 0) return linger();
            sleep_until(start + seconds_to_us(opt_.interval));
        }
    }

    // Receive and print until --recv-timeout passes without a message (exit 0). A REQ stops
    // after its reply, a SURVEYOR at its deadline: nanomsg answers EFSM/ETIMEDOUT then.
    int recv_loop() {
        for (;;) {
            SpMessage m;
            if (!receive(m, next_deadline())) return 0;
            print_and_release(m);
            if (opt_.pattern == SpPattern::Req) return 0;
        }
    }

    // REQ, SURVEYOR, and BUS/PAIR with data: send, then receive; with --interval send again
    // every SEC seconds and print whatever comes between, forever.
    int rw_loop() {
        for (;;) {
            const int64_t start = ctx_.now_us();
            send_blocking(nullptr);
            if (opt_.pattern == SpPattern::Surveyor) survey_end_ = ctx_.now_us() + 1000 * 1000;
            if (opt_.interval < 0) return recv_loop();
            const int64_t next = start + seconds_to_us(opt_.interval);
            SpMessage m;
            while (ctx_.now_us() < next)
                if (receive(m, next)) print_and_release(m);
            survey_end_ = -1;
        }
    }

    // REP, RESPONDENT with data: forever receive, print, answer. A receive timeout is fatal.
    int resp_loop() {
        for (;;) {
            SpMessage m;
            if (!receive(m, recv_deadline())) socket_error("Can't recv", "Connection timed out");
            print_message(opt_.format, m.data, m.size);
            m.release();  // the backtrace and pipe stay in `m` for reply()
            send_blocking(&m);
        }
    }

    // One-shot PUSH/PUB: update until every tx ring is empty (an idle connection holds no
    // block, and these patterns keep nothing received), bounded by kLingerMs, then for
    // kLingerGraceMs more (see there). The caller then
    // shuts the Context down, which closes the sockets gracefully (FIN): the kernel delivers
    // what it holds, where SpSocket::close() would reset them.
    int linger() {
        const int64_t deadline = ctx_.now_us() + kLingerMs * 1000;
        while (ctx_.stats().ring_blocks_in_use > 0 && ctx_.now_us() < deadline) step(1000);
        sleep_until(ctx_.now_us() + kLingerGraceMs * 1000);
        lingered_ = true;
        return 0;
    }

    bool lingered() const { return lingered_; }

private:
    Context& ctx_;
    SpSocket& sock_;
    const Options& opt_;
    int64_t survey_end_ = -1;
    bool lingered_ = false;
};

uint32_t pow2_at_least(size_t n) {
    uint32_t p = 16 * 1024;
    while (p < n && p < (1u << 30)) p <<= 1;
    return p;
}

} // namespace

int main(int argc, char** argv) {
    Options opt;
    parse(argc, argv, opt);

    // Memory, once: a sent message must fit one ring block (with its frame and SP header).
    Config cfg;
    cfg.max_connections = static_cast<uint32_t>(kSpMaxPipes) + 4;
    cfg.max_listeners = static_cast<uint32_t>(kSpMaxListeners);
    cfg.max_dialers = static_cast<uint32_t>(kSpMaxPipes);
    cfg.ring_block_size = pow2_at_least(opt.data.size() + 128);
    cfg.ring_block_count = static_cast<uint32_t>(2 * kSpMaxPipes + 4);
    cfg.message_slot_size = 16u * 1024 * 1024;
    if (cfg.message_slot_size < cfg.ring_block_size) cfg.message_slot_size = cfg.ring_block_size;
    cfg.message_slots = 4;
    cfg.max_dns_lookups = 0;
    cfg.event_queue_size = 256;
    Context ctx;
    const Error init = ctx.init(cfg);
    if (init != Error::Ok) socket_error("Can't create socket", to_string(init));

    SpSocket sock;
    const Error opened = sock.open(ctx, opt.pattern);
    if (opened != Error::Ok) socket_error("Can't create socket", to_string(opened));
    if (opt.pattern == SpPattern::Sub) {
        if (opt.subscriptions.empty()) opt.subscriptions.emplace_back();
        for (const std::string& s : opt.subscriptions) {
            const Error e = sock.subscribe(s);
            if (e != Error::Ok) socket_error("Can't subscribe", to_string(e));
        }
    }
    for (const std::string& url : opt.binds) {
        const Result<ListenerId> r = sock.listen(url.c_str());
        if (!r) socket_error("Can't bind", to_string(r.error));
    }
    for (const std::string& url : opt.connects) {
        const Result<Conn> r = sock.dial(url.c_str());
        if (!r) socket_error("Can't connect", to_string(r.error));
    }

    Runner run(ctx, sock, opt);
    run.sleep_until(ctx.now_us() + seconds_to_us(opt.delay));
    int status = 0;
    switch (opt.pattern) {
    case SpPattern::Pub:
    case SpPattern::Push: status = run.send_loop(); break;
    case SpPattern::Sub:
    case SpPattern::Pull: status = run.recv_loop(); break;
    case SpPattern::Bus:
    case SpPattern::Pair1:
    case SpPattern::Pair: status = opt.has_data ? run.rw_loop() : run.recv_loop(); break;
    case SpPattern::Surveyor:
    case SpPattern::Req: status = run.rw_loop(); break;
    case SpPattern::Rep:
    case SpPattern::Respondent: status = opt.has_data ? run.resp_loop() : run.recv_loop(); break;
    }
    if (run.lingered()) ctx.shutdown();  // graceful close of what the linger flushed (see linger())
    sock.close();
    return status;
}
