// Fuzz target for the Sockety session on the core: each input is what a peer sends on a fresh
// TCP connection to a server context (made once, small rings so that packets wrap). The first
// byte picks how the rest is cut into writes. The server reads everything through
// SocketyConn::try_read and answers messages (fast replies, and an echo-like response with data
// and a stream for "echo"), so both the receiving and the sending side run on hostile input.
// Whatever the bytes: no crash, no sanitizer report, and the connection either stays open or
// closes with an error; afterwards the context still accepts and serves (checked each run).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "platform/socket.hpp"
#include "tickwire/tickwire.hpp"

using namespace tickwire;

namespace {

Context* g_ctx = nullptr;
uint16_t g_port = 0;

[[noreturn]] void violation(const char* what) {
    std::fprintf(stderr, "sockety session fuzz: %s\n", what);
    std::abort();
}

void setup() {
    static Context ctx;
    Config cfg;
    cfg.max_connections = 8;
    cfg.ring_block_size = 4096;
    cfg.ring_block_count = 32;
    cfg.message_slots = 8;
    cfg.message_slot_size = 2048;
    cfg.sockety.max_sessions = 4;
    cfg.sockety.channels = 8;
    cfg.sockety.send_channels = 4;
    cfg.sockety.max_in_flight = 16;
    cfg.sockety.max_files = 4;
    cfg.sockety.max_action_size = 32;
    cfg.sockety.max_names_size = 64;
    cfg.sockety.whole_data_max = 1024;  // data up to 1 KiB is assembled whole
    if (ctx.init(cfg) != Error::Ok) violation("init");
    auto l = ctx.listen("sockety://127.0.0.1:0");
    if (!l) violation("listen");
    g_port = ctx.listener_port(l.value);
    g_ctx = &ctx;
}

Conn g_server;

void serve(SocketyConn s) {
    SocketyView v;
    for (int guard = 0; guard < 100000; ++guard) {
        const Read r = s.try_read(v);
        if (r != Read::Message && r != Read::Partial) return;
        if (v.kind == SocketyKind::Message && v.expects_response) {
            if (v.action == "echo") {
                SocketyDraft d;
                d.data = "pong";
                d.data_size = 4;
                d.stream = true;
                auto out = s.respond(v.id, d);
                if (out) {
                    (void)s.write_stream(out.value, "live", 4);
                    (void)s.end_stream(out.value);
                }
            } else {
                (void)s.fast_reply(v.id, static_cast<uint16_t>(v.action.size() * 17 % 4096));
            }
        }
        v.release();
    }
}

void pump(int rounds) {
    for (int i = 0; i < rounds; ++i) {
        if (g_ctx->update(0) != Error::Ok) violation("update");
        Event ev;
        while (g_ctx->next_event(ev)) {
            if (ev.type == EventType::Accepted) g_server = ev.conn;
        }
        if (g_server.valid()) serve(SocketyConn(g_server));
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (!g_ctx) setup();
    if (size == 0) return 0;
    const uint8_t cut = data[0];
    ++data;
    --size;
    platform::Address a;
    if (!platform::make_ip_address("127.0.0.1", 9, g_port, false, a)) violation("address");
    platform::SocketHandle fd;
    const Error ce = platform::connect_stream(a, fd);
    if (ce != Error::Ok && ce != Error::WouldBlock) violation("connect");
    g_server = Conn();
    for (int i = 0; i < 200 && !g_server.valid(); ++i) pump(1);
    if (!g_server.valid()) violation("the server did not accept");
    const Conn mine = g_server;
    // Up to three writes, cut where the first byte says.
    size_t cuts[3] = {size, size, size};
    if (size > 2) {
        cuts[0] = (cut & 0x0f) * size / 16;
        cuts[1] = cuts[0] + ((cut >> 4) * (size - cuts[0])) / 16;
    }
    size_t at = 0;
    for (size_t c : cuts) {
        if (c <= at) continue;
        platform::Span sp{const_cast<uint8_t*>(data + at), c - at};
        (void)platform::write_stream(fd, &sp, 1);
        at = c;
        pump(3);
    }
    pump(10);
    platform::close_socket(fd, true);
    // The server's end closes (with or without an error) and its session goes back.
    for (int i = 0; i < 500 && mine.state() != ConnState::Invalid; ++i) pump(1);
    if (mine.state() != ConnState::Invalid) violation("the connection did not close after the peer left");
    return 0;
}
