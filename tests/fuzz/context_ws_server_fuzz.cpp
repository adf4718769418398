// Structure-aware fuzzing of a whole server Context: a WebSocket + HTTP server (whole messages,
// echoing them), fed fuzzed bytes from loopback TCP clients through the real core (poller, rings,
// pools, handshake, frame reader, close handshake, timers).
//
// Input layout: byte 0's bits pick how the server runs. Bit 0, the prelude: none (the bytes are
// the HTTP head and what follows) or a valid upgrade request, so that the rest is read as frames.
// Bit 1: update(timeout, callbacks) instead of update() then next_event(). Bit 2: echo with
// send_view (sent where the message lies: tx loans, a ring block changing sides, a message slot
// lent) instead of send_message (a copy). Bit 3: keep every other view until after the next
// update (the connection pauses; the view is released late, maybe after its connection closed).
// Byte 1 picks how many clients (1..3) share the input and byte 2 the write chunk size; the rest
// is split among the clients in turn. After the bytes, each client either half-closes or resets;
// the server then runs until every connection is gone.
//
// Invariants checked after every input (abort() on violation):
//   - every connection closes: none is left open after its peer went away;
//   - no ring block, message slot or timer stays in use once they are closed (no pool leak);
//   - stats stay consistent: no more accepted than clients, one Closed event per Accepted one,
//     nothing dropped from the event queue.
#include <arpa/inet.h>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tickwire/tickwire.hpp"

using namespace tickwire;

namespace {

Context* g_ctx = nullptr;
uint16_t g_port = 0;
uint64_t g_accepted = 0, g_closed = 0;  // events seen
bool g_callbacks = false, g_send_view = false, g_keep = false;  // this input's choices (byte 0)
ReadView g_kept[8];                      // views kept past their turn, released after an update
unsigned g_kept_count = 0, g_views_seen = 0;

void check(bool ok, const char* what) {
    if (ok) return;
    std::fprintf(stderr, "context_ws_server_fuzz: invariant broken: %s\n", what);
    std::abort();
}

// Echoes one whole message, or keeps the view (bit 3: every other one) for one update.
void echo(Conn c, ReadView& v) {
    if (g_keep && (g_views_seen++ & 1) && g_kept_count < 8) {
        g_kept[g_kept_count++] = v;
        v.clear();
        return;
    }
    if (!g_send_view || c.send_view(v) != Error::Ok) (void)c.send_message(v.kind, v.data, v.size);
    // A callback leaves the view as it is: the dispatcher releases it when on_data returns.
    if (!g_callbacks) v.release();  // nothing left to do when send_view took it
}

void serve_events() {
    Event ev;
    while (g_ctx->next_event(ev)) {
        if (ev.type == EventType::Accepted) ++g_accepted;
        if (ev.type == EventType::Closed) ++g_closed;
        if (ev.type != EventType::Data && ev.type != EventType::Writable) continue;
        ReadView v;
        for (int i = 0; i < 64; ++i) {  // echo what arrives, like an application would
            if (ev.conn.try_read(v) != Read::Message) break;
            echo(ev.conn, v);
        }
    }
}

Callbacks make_callbacks() {
    Callbacks cb;
    cb.on_open = [](void*, Conn, const Event& e) { g_accepted += e.type == EventType::Accepted; };
    cb.on_close = [](void*, Conn, const Event& e) { g_closed += e.type == EventType::Closed; };
    cb.on_data = [](void*, Conn c, ReadView& v) {
        if (v.first && v.final) echo(c, v);  // whole messages only (the listener assembles them)
    };
    return cb;
}

void pump(int rounds) {
    static const Callbacks cb = make_callbacks();
    for (int i = 0; i < rounds; ++i) {
        if (g_callbacks) {
            check(g_ctx->update(0, cb) == Error::Ok, "update(callbacks) failed");
        } else {
            check(g_ctx->update(0) == Error::Ok, "update() failed");
            serve_events();
        }
        // Kept views go back late: their connection may have closed meanwhile.
        for (unsigned k = 0; k < g_kept_count; ++k) g_kept[k].release();
        g_kept_count = 0;
    }
}

void setup() {
    static Context ctx;
    Config cfg;
    cfg.max_connections = 8;
    cfg.ring_block_size = 4096;
    cfg.ring_block_count = 16;
    cfg.message_slots = 4;
    cfg.message_slot_size = 4096;
    cfg.handshake_timeout_ms = 50;
    check(ctx.init(cfg) == Error::Ok, "init");
    ListenOptions lo;
    lo.ws.max_message = 3000;
    auto l = ctx.listen("ws://127.0.0.1:0/", lo);
    check(l.error == Error::Ok, "listen");
    g_port = ctx.listener_port(l.value);
    g_ctx = &ctx;
}

int dial() {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    check(fd >= 0, "socket");
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(g_port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 && errno != EINPROGRESS) check(false, "connect");
    return fd;
}

// A reset close leaves no TIME_WAIT behind (millions of runs would use up the ports).
void reset_close(int fd) {
    const linger l{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    close(fd);
}

const char kUpgrade[] =
    "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (!g_ctx) setup();
    if (size < 3 || size > 16384) return 0;
    const bool upgrade = data[0] & 1;
    g_callbacks = data[0] & 2;
    g_send_view = data[0] & 4;
    g_keep = data[0] & 8;
    const int clients = 1 + data[1] % 3;
    const size_t chunk = 1 + data[2] % 64 * 16;
    const bool graceful = data[2] & 0x80;
    data += 3;
    size -= 3;

    const Stats before = g_ctx->stats();
    const uint64_t accepted_before = g_accepted, closed_before = g_closed;
    int fds[3];
    for (int i = 0; i < clients; ++i) fds[i] = dial();
    pump(2);
    if (upgrade)
        for (int i = 0; i < clients; ++i) (void)!send(fds[i], kUpgrade, sizeof kUpgrade - 1, MSG_NOSIGNAL);
    // The clients take turns with chunks of the input; the server runs between them.
    size_t off = 0;
    for (int turn = 0; off < size; turn = (turn + 1) % clients) {
        const size_t n = size - off < chunk ? size - off : chunk;
        (void)!send(fds[turn], data + off, n, MSG_NOSIGNAL);  // the server may have closed it
        off += n;
        pump(1);
    }
    pump(2);
    for (int i = 0; i < clients; ++i) {
        if (graceful) {
            shutdown(fds[i], SHUT_WR);
            pump(2);
            char sink[4096];
            while (read(fds[i], sink, sizeof sink) > 0) {}
        }
        reset_close(fds[i]);
    }
    // Every connection must end: the peer is gone (or the handshake timeout cuts it).
    for (int i = 0; i < 2000 && g_ctx->stats().connections_open != 0; ++i) {
        pump(1);
        if (i > 20) usleep(200);
    }
    pump(2);  // slots lent "until the next update" come back
    const Stats after = g_ctx->stats();
    check(after.connections_open == 0, "a connection stayed open after its peer left");
    // WebSocket connections count as accepted once upgraded: never more than the clients.
    check(after.connections_accepted - before.connections_accepted <= static_cast<uint64_t>(clients),
          "more connections accepted than clients");
    check(g_closed - closed_before == g_accepted - accepted_before, "not one Closed event per Accepted one");
    check(after.ring_blocks_in_use == 0, "ring blocks leaked");
    check(after.message_slots_in_use == 0, "message slots leaked");
    check(after.events_dropped == 0, "events dropped");
    return 0;
}
