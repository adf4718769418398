// chat: a WebSocket chat room that browsers join, in one loop.
//
//     chat [--port 8080] [--web samples/chat/web] [--tls-cert FILE --tls-key FILE]
//
// With a certificate the page is https:// and the room wss:// (the page picks the scheme).
//
// Open http://localhost:8080/ in two browser tabs: the same listener serves the page (files of
// the web folder) and, on ws://HOST:8080/chat?name=alice, the room itself:
//
//   - A client names itself in the upgrade URL: `/chat?name=alice`. A name is 1 to 24 of
//     A-Z a-z 0-9 - _ . — the characters encodeURIComponent leaves as they are, so there is
//     nothing to decode, and none of them can be mistaken for the ": " after a name or the "* "
//     of a notice. Any other name (or none) makes the client a guest: "guest-7".
//   - Every text message a client sends goes to everyone, itself included, as "alice: hello".
//   - Joins and leaves are announced as notices: "* alice joined (2 online)".
//   - Messages over 4 KiB close their sender with 1009 (the library does it: WsOptions::max_message);
//     binary messages close it with 1003; a full room refuses newcomers with 1013.
//
// Everything is sized once below (Config, the Room): the chat allocates nothing while it runs.
// Ctrl-C says goodbye to everyone (close 1001) and exits.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include <tickwire/tickwire.hpp>

#include "../common/tls_flags.hpp"

using namespace tickwire;

namespace {

constexpr uint32_t kMaxClients = 256;     // people in the room at once
constexpr uint32_t kMaxMessage = 4096;    // bytes of one chat message
constexpr size_t kMaxName = 24;

// --- the room ------------------------------------------------------------------------------

struct Name {
    char text[kMaxName + 1] = {};
};

// The members, packed at the front of `conns` so that the whole room is one Context::broadcast
// call. Leaving moves the last member into the gap. Finding a member is a scan of at most
// kMaxClients handles: nothing next to sending the message to all of them.
struct Room {
    Conn conns[kMaxClients];
    Name names[kMaxClients];
    uint32_t count = 0;

    bool full() const { return count == kMaxClients; }

    void join(Conn c, const Name& name) {
        conns[count] = c;
        names[count] = name;
        ++count;
    }

    // The member's index, or -1 for a connection that is not in the room.
    int find(Conn c) const {
        for (uint32_t i = 0; i < count; ++i)
            if (conns[i] == c) return static_cast<int>(i);
        return -1;
    }

    void leave(int i) {
        --count;
        conns[i] = conns[count];
        names[i] = names[count];
    }
};

Room g_room;
Context g_ctx;
uint32_t g_guests = 0;
uint64_t g_relayed = 0;
volatile std::sig_atomic_t g_stop = 0;

void on_signal(int) { g_stop = 1; }

// Sends one text to everybody in the room: the frame is encoded once and copied into each
// member's send buffer. A member whose buffer is full (a stalled client) misses it.
void send_to_all(const char* text, size_t size) {
    const size_t took = g_ctx.broadcast(g_room.conns, g_room.count, DataKind::Text, text, size);
    if (took < g_room.count)
        std::printf("chat: %u client(s) too slow, missed a message\n", static_cast<unsigned>(g_room.count - took));
}

// "* alice joined (2 online)": to everyone, and to the console.
void notice(const char* name, const char* what) {
    char text[64];
    const int n = std::snprintf(text, sizeof text, "* %s %s (%u online)", name, what, static_cast<unsigned>(g_room.count));
    if (n <= 0) return;
    std::printf("chat: %s\n", text + 2);
    send_to_all(text, static_cast<size_t>(n));
}

bool is_name_char(char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' ||
           ch == '_' || ch == '.';
}

// The `name` parameter of a query such as "name=alice&x=1", if it is a valid name.
bool name_from_query(std::string_view query, Name& out) {
    while (!query.empty()) {
        const size_t amp = query.find('&');
        const std::string_view param = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        if (param.substr(0, 5) != "name=") continue;
        const std::string_view value = param.substr(5);
        if (value.empty() || value.size() > kMaxName) return false;
        for (char ch : value)
            if (!is_name_char(ch)) return false;
        std::memcpy(out.text, value.data(), value.size());
        out.text[value.size()] = '\0';
        return true;
    }
    return false;
}

// --- events --------------------------------------------------------------------------------

void on_accepted(Conn c) {
    // The upgrade request is readable now, until the next update().
    const RequestInfo* request = c.request();
    if (!request) {  // no message slot was free to keep it: rare, and the client will retry
        (void)c.close(1013, "server busy, try again");
        return;
    }
    if (request->path != "/chat") {
        std::printf("chat: refused an upgrade on %.*s\n", static_cast<int>(request->path.size()), request->path.data());
        (void)c.close(1008, "the room is at /chat");
        return;
    }
    if (g_room.full()) {
        std::printf("chat: room full (%u), refused a newcomer\n", kMaxClients);
        (void)c.close(1013, "the room is full");
        return;
    }
    Name name;
    if (!name_from_query(request->query, name))
        std::snprintf(name.text, sizeof name.text, "guest-%u", static_cast<unsigned>(++g_guests));
    g_room.join(c, name);
    notice(name.text, "joined");
}

void on_data(Conn c) {
    const int who = g_room.find(c);
    ReadView v;
    while (c.try_read(v) == Read::Message) {
        if (who < 0) {  // closing already
            v.release();
            continue;
        }
        const Name& name = g_room.names[who];
        if (v.kind != DataKind::Text) {
            std::printf("chat: %s sent a binary message, closing it\n", name.text);
            v.release();
            (void)c.close(1003, "text messages only");
            return;
        }
        // "alice: " + the text, which the library has checked is UTF-8 and at most kMaxMessage bytes.
        char line[kMaxName + 2 + kMaxMessage];
        const size_t name_len = std::strlen(name.text);
        std::memcpy(line, name.text, name_len);
        std::memcpy(line + name_len, ": ", 2);
        std::memcpy(line + name_len + 2, v.data, v.size);
        const size_t size = name_len + 2 + v.size;
        std::printf("chat: %.*s\n", static_cast<int>(size), line);
        v.release();
        send_to_all(line, size);
        ++g_relayed;
    }
}

void on_closed(const Event& ev) {
    const int who = g_room.find(ev.conn);
    if (who < 0) return;  // refused at Accepted: never joined
    const Name name = g_room.names[who];
    g_room.leave(who);
    // 1000/1001: the page closed; 1006: the connection dropped; 1009: message too large (ours).
    std::printf("chat: %s disconnected (code %u", name.text, ev.close_code);
    if (!ev.close_reason.empty())
        std::printf(" \"%.*s\"", static_cast<int>(ev.close_reason.size()), ev.close_reason.data());
    if (ev.error != Error::Ok) std::printf(", %s", to_string(ev.error));
    std::printf(")\n");
    notice(name.text, "left");
}

// A Closed event follows; this says why.
void on_error(const Event& ev) {
    const int who = g_room.find(ev.conn);
    std::printf("chat: %s: %s\n", who < 0 ? "connection" : g_room.names[who].text, to_string(ev.error));
}

void on_library_log(LogLevel, const char* message, void*) { std::fprintf(stderr, "tickwire: %s\n", message); }

bool has_index_html(const char* dir) {
    char path[1024];
    std::snprintf(path, sizeof path, "%s/index.html", dir);
    std::FILE* f = std::fopen(path, "rb");
    if (f) std::fclose(f);
    return f != nullptr;
}

// The web folder: samples/chat/web under the current folder (running from the repository's
// root), else the same folder found from the executable (build/bin/<config>/chat), or null.
const char* find_web_root(const char* argv0, char* buf, size_t cap) {
    if (has_index_html("samples/chat/web")) return "samples/chat/web";
    const char* slash = std::strrchr(argv0, '/');
    if (!slash) return nullptr;
    std::snprintf(buf, cap, "%.*s/../../../samples/chat/web", static_cast<int>(slash - argv0), argv0);
    return has_index_html(buf) ? buf : nullptr;
}

} // namespace

int main(int argc, char** argv) {
    int port = 8080;
    const char* web = nullptr;
    sample::TlsFlags tls;
    for (int i = 1; i < argc; ++i) {
        const bool has_value = i + 1 < argc;
        if (!std::strcmp(argv[i], "--port") && has_value) port = std::atoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--web") && has_value) web = argv[++i];
        else if (!tls.parse(argc, argv, i)) {
            std::fprintf(stderr, "usage: %s [--port P] [--web DIR] %s\n", argv[0], sample::TlsFlags::kUsage);
            return 2;
        }
    }
    static char web_buf[1024];
    const char* web_root = web ? web : find_web_root(argv[0], web_buf, sizeof web_buf);
    if (!web_root || !has_index_html(web_root)) {
        std::fprintf(stderr, "chat: no index.html in %s: run from the repository's root or pass --web DIR\n",
                     web_root ? web_root : "samples/chat/web");
        return 1;
    }

    Config cfg;
    cfg.max_connections = kMaxClients + 32;  // the room, plus page downloads and refused newcomers
    cfg.max_listeners = 1;
    cfg.max_dns_lookups = 0;                 // a server: no host names to look up
    cfg.ring_block_size = 16 * 1024;         // each client's send buffer: a few messages' worth
    cfg.ring_block_count = 2 * cfg.max_connections;
    cfg.message_slots = 32;                  // upgrade requests kept for on_accepted
    cfg.message_slot_size = 16 * 1024;
    if (tls.serving()) tls.apply(cfg, cfg.max_connections);
    cfg.log.fn = on_library_log;
    cfg.log.level = LogLevel::Warn;
    Error e = g_ctx.init(cfg);
    if (e != Error::Ok) {
        std::fprintf(stderr, "chat: init: %s\n", to_string(e));
        return 1;
    }

    ListenOptions lo;
    lo.ws.static_root = web_root;   // GET / answers index.html; upgrades go to the room
    lo.ws.max_message = kMaxMessage;
    char url[64];
    std::snprintf(url, sizeof url, "%s://*:%d", tls.serving() ? "wss" : "ws", port);
    auto listener = g_ctx.listen(url, lo);
    if (!listener) {
        std::fprintf(stderr, "chat: listen %s: %s\n", url, to_string(listener.error));
        return 1;
    }
    std::printf("chat: listening on %s, serving %s (%zu bytes of memory, taken once)\n", url, web_root,
                static_cast<size_t>(g_ctx.stats().memory_bytes));
    std::printf("chat: open %s://localhost:%u/ in two browser tabs\n", tls.serving() ? "https" : "http",
                static_cast<unsigned>(g_ctx.listener_port(listener.value)));
    std::fflush(stdout);

    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    while (!g_stop) {
        if (g_ctx.update(1000) != Error::Ok) return 1;  // a signal wakes it early
        Event ev;
        while (g_ctx.next_event(ev)) {
            switch (ev.type) {
            case EventType::Accepted: on_accepted(ev.conn); break;
            case EventType::Data: on_data(ev.conn); break;
            case EventType::Closed: on_closed(ev); break;
            case EventType::Error: on_error(ev); break;
            default: break;
            }
        }
        std::fflush(stdout);
    }

    // Goodbye: close everyone (1001 "going away") and give the closing handshakes a second.
    std::printf("chat: shutting down, %u online, messages relayed: %llu\n", static_cast<unsigned>(g_room.count),
                static_cast<unsigned long long>(g_relayed));
    for (uint32_t i = 0; i < g_room.count; ++i) (void)g_room.conns[i].close(1001, "server shutting down");
    const int64_t deadline = g_ctx.now_us() + 1000 * 1000;
    while (g_ctx.stats().connections_open > 0 && g_ctx.now_us() < deadline) {
        (void)g_ctx.update(50);
        Event ev;
        while (g_ctx.next_event(ev)) {}
    }
    std::fflush(stdout);
    return 0;
}
