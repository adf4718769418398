// sockety_chat: the chat example of sockety-js (packages/examples/chat), in the terminal, on
// tickwire. Same actions and msgpack payloads as the reference, so either side can talk to the
// other's.
//
//     sockety_chat --server [--port 9000]
//     sockety_chat [HOST [PORT]]          (default localhost 9000; lines from standard input)
//
// Client commands: /name NEW_NAME, /users, /help; any other line is said to everyone. The client
// ends at the end of its input (Go Away, then a clean close) or when the server closes.
//
// Server: a newcomer gets a random name ("login" + "users"), the others a "system" line; "name"
// renames (3-50 of [a-zA-Z0-9_-], not taken), "broadcast" says a line (no line breaks, not
// empty) to everyone as "chat"; both answer Accept or BadRequest. Departures are announced.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include <tickwire/tickwire.hpp>

#include "msgpack_lite.hpp"

using namespace tickwire;
using sample::msgpack::Reader;
using sample::msgpack::Writer;

namespace {

constexpr size_t kMaxName = 50;
constexpr size_t kMaxData = 4096;

void iso_now(char out[48]) {
    timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    tm t;
    gmtime_r(&ts.tv_sec, &t);
    std::snprintf(out, 48, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", (t.tm_year + 1900) % 10000, (t.tm_mon + 1) % 100,
                  t.tm_mday % 100, t.tm_hour % 100, t.tm_min % 100, t.tm_sec % 100, static_cast<int>(ts.tv_nsec / 1000000) % 1000);
}

// A message's data, collected as its chunks arrive (chat payloads are small).
struct Inbox {
    SocketyId id;
    char action[16] = {};
    bool expects = false;
    bool collecting = false;
    bool rejected = false;   // files or a stream: answered BadRequest, its parts are ignored
    uint64_t size = 0;
    size_t len = 0;
    uint8_t data[kMaxData];
};

// Reads items of `c`; calls done(inbox) for each message whose data is complete.
template <typename Done>
void read_messages(SocketyConn c, Inbox& in, Done&& done, uint16_t* fast_code = nullptr) {
    SocketyView v;
    for (Read r; (r = c.try_read(v)) == Read::Message || r == Read::Partial; v.release()) {
        if (v.kind == SocketyKind::FastReply) {
            if (fast_code) *fast_code = v.code;
            continue;
        }
        if (v.kind == SocketyKind::Message) {
            in.id = v.id;
            in.expects = v.expects_response;
            const size_t n = v.action.size() < sizeof in.action - 1 ? v.action.size() : sizeof in.action - 1;
            std::memcpy(in.action, v.action.data(), n);
            in.action[n] = 0;
            in.size = v.data_size;
            in.len = 0;
            in.rejected = v.files_count > 0 || v.has_stream || v.data_size > kMaxData || v.action.size() >= sizeof in.action;
            in.collecting = !in.rejected && v.data_size > 0;
            if (in.rejected || v.data_size == 0) done(in);
            continue;
        }
        if (v.kind == SocketyKind::Data && in.collecting && !v.is_response && v.id == in.id) {
            if (in.len + v.size <= sizeof in.data) {
                std::memcpy(in.data + in.len, v.data, v.size);
                in.len += v.size;
            }
            if (v.last) {
                in.collecting = false;
                done(in);
            }
        }
    }
}

// Sends a message that wants no reply (sockety-js's pass()).
bool pass(SocketyConn c, const char* action, const uint8_t* data, size_t size) {
    SocketyDraft d;
    d.action = action;
    d.data = data;
    d.data_size = size;
    d.expects_response = false;
    return c.send(d).ok();
}

// --- server ---------------------------------------------------------------------------------

struct Member {
    Conn conn;
    char name[kMaxName + 1] = {};
    bool used = false;
    Inbox in;
};

constexpr uint32_t kMaxMembers = 64;
Member g_members[kMaxMembers];
uint64_t g_dropped = 0;  // messages a slow member's full ring did not take

bool name_valid(std::string_view s) {
    if (s.size() < 3 || s.size() > kMaxName) return false;
    for (char ch : s)
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-'))
            return false;
    return true;
}

bool chat_valid(std::string_view s) {
    bool visible = false;
    for (size_t i = 0; i < s.size(); ++i) {
        const char ch = s[i];
        if (ch == '\n' || ch == '\r' || ch == 0x1b) return false;  // no line breaks, no escapes
        if (ch != ' ' && ch != '\t') visible = true;
    }
    return visible;
}

void send_to(Member& m, const char* action, const Writer& w) {
    if (!w.ok || !pass(SocketyConn(m.conn), action, w.p, w.n)) ++g_dropped;
}

// To every member but `except` (null: all).
void broadcast(const char* action, const Writer& w, const Member* except) {
    for (Member& m : g_members)
        if (m.used && &m != except) send_to(m, action, w);
}

void system_line(const char* text, const Member* except) {
    static uint8_t buf[1024];
    char date[48];
    iso_now(date);
    Writer w{buf, sizeof buf};
    w.map(2);
    w.str("date");
    w.str(date);
    w.str("content");
    w.str(text);
    broadcast("system", w, except);
}

void users_list(Member* only) {
    static uint8_t buf[kMaxMembers * (kMaxName + 2) + 8];
    Writer w{buf, sizeof buf};
    uint32_t n = 0;
    for (const Member& m : g_members) n += m.used;
    w.array(n);
    for (const Member& m : g_members)
        if (m.used) w.str(m.name);
    if (only) send_to(*only, "users", w);
    else broadcast("users", w, nullptr);
}

void on_member_message(Member& m, Inbox& in) {
    SocketyConn c(m.conn);
    auto reply = [&](FastReply code) {
        if (in.expects) (void)c.fast_reply(in.id, code);
    };
    const bool is_name = std::strcmp(in.action, "name") == 0;
    const bool is_chat = std::strcmp(in.action, "broadcast") == 0;
    if (!is_name && !is_chat) return reply(FastReply::NotImplemented);
    if (in.rejected) return reply(FastReply::BadRequest);
    Reader r{in.data, in.data + in.len};
    const std::string_view text = r.str();
    if (!r.ok) return reply(FastReply::BadRequest);
    if (is_name) {
        if (!name_valid(text)) return reply(FastReply::BadRequest);
        for (const Member& o : g_members)
            if (o.used && std::string_view(o.name) == text) return reply(FastReply::BadRequest);
        char line[160];
        std::snprintf(line, sizeof line, "%s: has renamed to \"%.*s\"", m.name, static_cast<int>(text.size()), text.data());
        std::memcpy(m.name, text.data(), text.size());
        m.name[text.size()] = 0;
        system_line(line, &m);
        users_list(nullptr);
        return reply(FastReply::Accept);
    }
    if (!chat_valid(text)) return reply(FastReply::BadRequest);
    static uint8_t buf[kMaxData + 256];
    char date[48];
    iso_now(date);
    Writer w{buf, sizeof buf};
    w.map(3);
    w.str("date");
    w.str(date);
    w.str("author");
    w.str(m.name);
    w.str("content");
    w.str(text);
    broadcast("chat", w, nullptr);
    reply(FastReply::Accept);
}

int run_server(int port) {
    Config cfg;
    cfg.max_connections = kMaxMembers;
    cfg.ring_block_size = 64 * 1024;
    cfg.ring_block_count = 4 * kMaxMembers;
    cfg.sockety.max_sessions = kMaxMembers;
    cfg.sockety.max_in_flight = 64;
    Context ctx;
    Error e = ctx.init(cfg);
    if (e != Error::Ok) {
        std::fprintf(stderr, "init: %s\n", to_string(e));
        return 1;
    }
    char url[64];
    std::snprintf(url, sizeof url, "sockety://*:%d", port);
    auto l = ctx.listen(url);
    if (!l) {
        std::fprintf(stderr, "listen %s: %s\n", url, to_string(l.error));
        return 1;
    }
    std::printf("Server started at port %d\n", port);
    std::fflush(stdout);
    uint8_t rnd[8];
    for (;;) {
        if (ctx.update(100) != Error::Ok) return 1;
        Event ev;
        while (ctx.next_event(ev)) {
            Member* m = static_cast<Member*>(ev.conn.user());
            if (ev.type == EventType::Accepted) {
                Member* slot = nullptr;
                for (Member& x : g_members)
                    if (!x.used) { slot = &x; break; }
                if (!slot) { (void)ev.conn.abort(); continue; }
                *slot = Member();
                slot->used = true;
                slot->conn = ev.conn;
                ev.conn.set_user(slot);
                // A random name, as the reference's anon_<random base-32>.
                std::FILE* f = std::fopen("/dev/urandom", "rb");
                if (!f || std::fread(rnd, 1, sizeof rnd, f) != sizeof rnd) std::memset(rnd, 7, sizeof rnd);
                if (f) std::fclose(f);
                static const char digits[] = "0123456789abcdefghijklmnopqrstuv";
                char tag[9];
                for (int i = 0; i < 8; ++i) tag[i] = digits[rnd[i] & 31];
                tag[8] = 0;
                std::snprintf(slot->name, sizeof slot->name, "anon_%s", tag);
                uint8_t buf[80];
                Writer w{buf, sizeof buf};
                w.str(slot->name);
                send_to(*slot, "login", w);
                users_list(slot);
                char line[96];
                std::snprintf(line, sizeof line, "%s: connected", slot->name);
                system_line(line, slot);
            } else if ((ev.type == EventType::Data || ev.type == EventType::Writable) && m) {
                read_messages(SocketyConn(ev.conn), m->in, [&](Inbox& in) { on_member_message(*m, in); });
            } else if (ev.type == EventType::Closed && m) {
                m->used = false;
                ev.conn.set_user(nullptr);
                char line[96];
                std::snprintf(line, sizeof line, "%s: disconnected.", m->name);
                system_line(line, nullptr);
                users_list(nullptr);
            }
        }
    }
}

// --- client -----------------------------------------------------------------------------------

char g_name[kMaxName + 1] = {};
char g_users[kMaxMembers * (kMaxName + 1) + 1] = {};

void print_line(const char* date, std::string_view text) {
    // HH:MM:SS out of the ISO date, as the reference prints it.
    const char* t = std::strchr(date, 'T');
    std::printf("%.8s %.*s\n", t ? t + 1 : date, static_cast<int>(text.size()), text.data());
    std::fflush(stdout);
}

void on_server_message(Inbox& in) {
    bool ok = true;
    if (!std::strcmp(in.action, "login")) {
        Reader r{in.data, in.data + in.len};
        const std::string_view name = r.str();
        if (r.ok && name.size() <= kMaxName) {
            std::memcpy(g_name, name.data(), name.size());
            g_name[name.size()] = 0;
            std::printf("logged in as %s\n", g_name);
            std::fflush(stdout);
        }
    } else if (!std::strcmp(in.action, "users")) {
        Reader r{in.data, in.data + in.len};
        const uint32_t n = r.container(false);
        size_t at = 0;
        for (uint32_t i = 0; i < n && r.ok; ++i) {
            const std::string_view u = r.str();
            if (!r.ok || at + u.size() + 2 > sizeof g_users) break;
            if (at) g_users[at++] = ' ';
            std::memcpy(g_users + at, u.data(), u.size());
            at += u.size();
        }
        g_users[at] = 0;
    } else if (!std::strcmp(in.action, "system")) {
        char date[40] = {};
        const std::string_view d = Reader::field(in.data, in.len, "date", ok);
        std::snprintf(date, sizeof date, "%.*s", static_cast<int>(d.size()), d.data());
        print_line(date, Reader::field(in.data, in.len, "content", ok));
    } else if (!std::strcmp(in.action, "chat")) {
        char date[40] = {};
        const std::string_view d = Reader::field(in.data, in.len, "date", ok);
        std::snprintf(date, sizeof date, "%.*s", static_cast<int>(d.size()), d.data());
        const std::string_view author = Reader::field(in.data, in.len, "author", ok);
        const std::string_view content = Reader::field(in.data, in.len, "content", ok);
        char line[kMaxData + 64];
        std::snprintf(line, sizeof line, "%.*s: %.*s", static_cast<int>(author.size()), author.data(),
                      static_cast<int>(content.size()), content.data());
        print_line(date, line);
    }
}

void send_text(SocketyConn c, const char* action, std::string_view text) {
    uint8_t buf[kMaxData];
    Writer w{buf, sizeof buf};
    w.str(text);
    SocketyDraft d;
    d.action = action;
    d.data = buf;
    d.data_size = w.n;
    if (!w.ok || !c.send(d).ok()) std::printf("(could not send: the line is too long or the connection is busy)\n");
}

void on_input_line(SocketyConn c, char* line) {
    size_t n = std::strlen(line);
    while (n && (line[n - 1] == '\r' || line[n - 1] == ' ')) line[--n] = 0;
    if (n == 0) return;
    char date[48];
    iso_now(date);
    if (!std::strncmp(line, "/name ", 6) && line[6]) {
        send_text(c, "name", line + 6);
    } else if (!std::strcmp(line, "/users")) {
        char text[sizeof g_users + 16];
        std::snprintf(text, sizeof text, "/users: %s", g_users);
        print_line(date, text);
    } else if (!std::strcmp(line, "/help")) {
        print_line(date, "Commands:");
        std::printf("         /users:           get list of users\n");
        std::printf("         /name <new_name>: update own name\n");
        std::printf("         /help:            this help\n");
    } else {
        send_text(c, "broadcast", line);
    }
}

int run_client(const char* host, int port) {
    Config cfg;
    cfg.max_connections = 2;
    cfg.ring_block_count = 8;
    cfg.sockety.max_sessions = 1;
    cfg.sockety.max_in_flight = 64;
    Context ctx;
    Error e = ctx.init(cfg);
    if (e != Error::Ok) {
        std::fprintf(stderr, "init: %s\n", to_string(e));
        return 1;
    }
    char url[300];
    std::snprintf(url, sizeof url, "sockety://%s:%d", host, port);
    DialOptions o;
    o.reconnect = false;
    auto d = ctx.dial(url, o);
    if (!d) {
        std::fprintf(stderr, "dial %s: %s\n", url, to_string(d.error));
        return 1;
    }
    SocketyConn c(d.value);
    std::printf("Type /help for available commands.\n");
    std::fflush(stdout);
    (void)fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
    static Inbox in;
    char line[kMaxData];
    size_t len = 0;
    bool input_done = false;
    int64_t leave_by = 0;
    for (;;) {
        if (ctx.update(20) != Error::Ok) return 1;
        Event ev;
        while (ctx.next_event(ev)) {
            if (ev.type == EventType::Error) std::printf("connection error: %s\n", to_string(ev.error));
            if (ev.type == EventType::Closed) {
                if (!input_done) std::printf("Connection with server closed\n");
                return 0;
            }
        }
        uint16_t code = 0xffff;
        read_messages(c, in, on_server_message, &code);
        if (code != 0xffff && code != static_cast<uint16_t>(FastReply::Accept)) {
            std::printf("the server refused that (fast reply %u)\n", code);
            std::fflush(stdout);
        }
        if (c.peer_channels() == 0 || g_name[0] == 0 || input_done) {
            if (input_done && ctx.now_us() > leave_by) return 0;
            continue;
        }
        for (;;) {  // what the terminal (or a pipe) has
            const ssize_t k = read(0, line + len, sizeof line - 1 - len);
            if (k == 0) {
                input_done = true;
                (void)c.go_away();   // the server finishes what we sent, then both close
                leave_by = ctx.now_us() + 3000000;
                break;
            }
            if (k < 0) break;
            len += static_cast<size_t>(k);
            char* nl;
            while ((nl = static_cast<char*>(std::memchr(line, '\n', len))) != nullptr) {
                *nl = 0;
                on_input_line(c, line);
                const size_t used = static_cast<size_t>(nl - line) + 1;
                std::memmove(line, nl + 1, len - used);
                len -= used;
            }
            if (len == sizeof line - 1) len = 0;  // an endless line: dropped
        }
    }
}

} // namespace

int main(int argc, char** argv) {
    bool server = false;
    const char* host = "localhost";
    int port = 9000;
    int positional = 0;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--server")) server = true;
        else if (!std::strcmp(argv[i], "--port") && i + 1 < argc) port = std::atoi(argv[++i]);
        else if (argv[i][0] != '-' && positional == 0) { host = argv[i]; ++positional; }
        else if (argv[i][0] != '-' && positional == 1) { port = std::atoi(argv[i]); ++positional; }
        else {
            std::fprintf(stderr, "usage: %s --server [--port P]\n       %s [HOST [PORT]]\n", argv[0], argv[0]);
            return 2;
        }
    }
    return server ? run_server(port) : run_client(host, port);
}
