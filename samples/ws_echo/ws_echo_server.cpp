// ws_echo_server: a WebSocket echo server on ws://127.0.0.1:PORT (any path).
//
//     ws_echo_server --port 9001 [--max-message BYTES] [--stream] [--max-conns N] [--block-size B]
//                    [--callbacks]          (Context::update with callbacks instead of events)
//                    [--tls-cert FILE --tls-key FILE]      (then wss://)
//                    [--required-memory]   (print Context::required_memory for these flags, exit)
//
// Every message comes back with its opcode, sent on with send_view: where it lies, without a
// copy, when it can. Whole-message mode (the default) assembles each message (up to
// --max-message, default 16 MiB) and echoes it as one frame from its message slot, or, when
// that cannot be, in frames that fit the tx ring;
// --stream echoes each chunk as it arrives, so a message of any size passes through 64 KiB
// buffers. Used by the conformance tests and the benchmarks.
//
// The two loop styles share the echo: by default update() then next_event(); with --callbacks,
// update(timeout, callbacks), which echoes each message inside update() while its bytes are
// still in the CPU cache.
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <tickwire/tickwire.hpp>

#include "../common/tls_flags.hpp"

using namespace tickwire;

namespace {

// A view that could not be echoed entirely yet: kept until the rest fits. Neither loop reads on
// while one waits (the event loop stops; the callbacks get nothing more of a connection whose
// view a callback keeps), so one per connection is enough.
struct Pending {
    ReadView view;
    size_t sent = 0;
    bool active = false;

    void take(ReadView& v) {  // the view is ours now (v is left empty)
        view = v;
        v.clear();
        sent = 0;
        active = true;
    }
    void done() {
        view.release();
        active = false;
    }
};

Pending* g_pending = nullptr;   // one per connection slot, by the connection's user pointer
Pending** g_free = nullptr;     // the ones no connection has
uint32_t g_free_count = 0;
size_t g_max_frame = 0;

void attach(Conn c) {
    if (g_free_count) c.set_user(g_free[--g_free_count]);
}

void detach(Conn c) {
    if (auto* p = static_cast<Pending*>(c.user())) {
        if (p->active) p->done();
        g_free[g_free_count++] = p;
    }
}

// Sends the view: as one frame when it fits the tx ring, else in frames that do. True when all
// of it is out; false when the ring is full (the send that said WouldBlock arms a Writable event).
bool send_echo(Conn c, Pending& p) {
    if (p.sent == 0) {
        // One frame, the payload forwarded where it lies when it can be (no copy).
        const Error e = c.send_view(p.view);
        if (e == Error::WouldBlock) return false;
        if (e != Error::TooLarge) return true;  // sent, or the connection is going away
    }
    do {
        const size_t room = c.send_capacity();
        size_t n = p.view.size - p.sent;
        if (n > g_max_frame) n = g_max_frame;
        if (room > 14 && n > room - 14) n = room - 14;
        const bool final = p.sent + n == p.view.size && p.view.final;  // a streamed piece may continue
        const Error e = c.send_fragment(p.view.kind, p.view.data + p.sent, n, final);
        if (e == Error::WouldBlock) return false;
        if (e != Error::Ok) break;  // the connection is going away
        p.sent += n;
    } while (p.sent < p.view.size);
    return true;
}

// Sends what waits. True when nothing waits any more.
bool drain(Conn c, Pending& p) {
    if (!p.active) return true;
    if (!send_echo(c, p)) return false;
    p.done();
    return true;
}

// Event style: on Data and Writable, send what waits, then read and echo until blocked.
void echo(Conn c) {
    auto* p = static_cast<Pending*>(c.user());
    if (!p || !drain(c, *p)) return;
    ReadView v;
    for (;;) {
        const Read r = c.try_read(v);
        if (r != Read::Message && r != Read::Partial) return;
        if (r == Read::Partial && v.size == 0 && !v.final) return;  // progress only: more to come
        p->take(v);
        if (!drain(c, *p)) return;  // blocked: the Writable event goes on
    }
}

// Callback style: the dispatcher reads; a view not sent at once is kept (taken) until
// on_writable sends it.
void on_data(void*, Conn c, ReadView& v) {
    auto* p = static_cast<Pending*>(c.user());
    if (!p) return;
    p->take(v);
    (void)drain(c, *p);
}

void on_writable(void*, Conn c) {
    if (auto* p = static_cast<Pending*>(c.user())) (void)drain(c, *p);
}

} // namespace

int main(int argc, char** argv) {
    int port = 9001;
    uint64_t max_message = 16u << 20;
    bool stream = false;
    bool print_memory = false;
    bool callbacks = false;
    sample::TlsFlags tls;
    Config cfg;
    cfg.max_connections = 16384;
    // Four 64 KiB frames in flight, with their headers, fit one block: read in one call and
    // echoed where they lie. (Address space; pages are touched only when used.)
    cfg.ring_block_size = 512 * 1024;
    cfg.ring_block_count = 512;
    cfg.message_slots = 16;
    for (int i = 1; i < argc; ++i) {
        const bool has_value = i + 1 < argc;
        if (!std::strcmp(argv[i], "--port") && has_value) port = std::atoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--max-message") && has_value) max_message = std::strtoull(argv[++i], nullptr, 10);
        else if (!std::strcmp(argv[i], "--stream")) stream = true;
        else if (!std::strcmp(argv[i], "--callbacks")) callbacks = true;
        else if (!std::strcmp(argv[i], "--required-memory")) print_memory = true;  // for samples/bench/run.sh
        else if (!std::strcmp(argv[i], "--max-conns") && has_value) cfg.max_connections = static_cast<uint32_t>(std::atoi(argv[++i]));
        else if (!std::strcmp(argv[i], "--block-size") && has_value) cfg.ring_block_size = static_cast<uint32_t>(std::atoi(argv[++i]));
        else if (!tls.parse(argc, argv, i)) {
            std::fprintf(stderr, "usage: %s --port P [--max-message BYTES] [--stream] [--callbacks] [--max-conns N] %s\n", argv[0],
                         sample::TlsFlags::kUsage);
            return 2;
        }
    }
    cfg.message_slot_size = stream ? 4096 : static_cast<uint32_t>(max_message);
    if (tls.serving()) tls.apply(cfg, 1024);
    if (print_memory) {
        std::printf("required_memory=%zu max_connections=%u ring_block_count=%u ring_block_size=%u message_slots=%u "
                    "message_slot_size=%u\n",
                    Context::required_memory(cfg), cfg.max_connections, cfg.ring_block_count, cfg.ring_block_size,
                    cfg.message_slots, cfg.message_slot_size);
        return 0;
    }
    Context ctx;
    Error e = ctx.init(cfg);
    if (e != Error::Ok) {
        std::fprintf(stderr, "init: %s\n", to_string(e));
        return 1;
    }
    g_pending = new Pending[cfg.max_connections];  // the application's own start-up allocation
    g_max_frame = cfg.ring_block_size - 14;
    ListenOptions lo;
    lo.ws.streaming = stream;
    lo.ws.max_message = stream ? 0 : max_message;
    char url[64];
    std::snprintf(url, sizeof url, "%s://127.0.0.1:%d/", tls.serving() ? "wss" : "ws", port);
    auto l = ctx.listen(url, lo);
    if (!l) {
        std::fprintf(stderr, "listen %s: %s\n", url, to_string(l.error));
        return 1;
    }
    std::printf("ws_echo_server: listening on %s (%s mode%s)\n", url, stream ? "streaming" : "whole-message",
                callbacks ? ", callbacks" : "");
    std::fflush(stdout);
    g_free = new Pending*[cfg.max_connections];
    for (uint32_t i = 0; i < cfg.max_connections; ++i) g_free[g_free_count++] = &g_pending[i];
    if (callbacks) {
        Callbacks cb;
        cb.on_open = [](void*, Conn c, const Event& ev) {
            if (ev.type == EventType::Accepted) attach(c);
        };
        cb.on_data = on_data;
        cb.on_writable = on_writable;
        cb.on_close = [](void*, Conn c, const Event& ev) {
            if (ev.type == EventType::Closed) detach(c);
        };
        for (;;)
            if (ctx.update(1000, cb) != Error::Ok) return 1;
    }
    for (;;) {
        if (ctx.update(1000) != Error::Ok) return 1;
        Event ev;
        while (ctx.next_event(ev)) {
            switch (ev.type) {
            case EventType::Accepted: attach(ev.conn); break;
            case EventType::Data:
            case EventType::Writable: echo(ev.conn); break;
            case EventType::Closed: detach(ev.conn); break;
            default: break;
            }
        }
    }
}
