// tcp_echo_server: echoes every byte it receives on tcp://127.0.0.1:PORT.
//
//     tcp_echo_server --port 9000 [--block-size 524288] [--blocks 512] [--max-conns 1024] [--poll]
//                     [--tls-cert FILE --tls-key FILE]      (then tls://)
//
// The whole server is the loop below: update, then for each connection with data, send back as
// much as fits and hand back what was sent. Nothing is copied but into the tx ring.
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <tickwire/tickwire.hpp>

#include "../common/tls_flags.hpp"

using namespace tickwire;

static void echo(Conn c) {
    ReadView v;
    while (c.try_read(v) == Read::Message) {
        if (c.send_view(v) == Error::Ok) continue;  // usually moves the ring block: no copy
        const size_t room = c.send_capacity();
        const size_t n = v.size < room ? v.size : room;
        if (n > 0 && c.send(v.data, n) != Error::Ok) return;
        if (n < v.size) {
            // The rest does not fit: this send answers WouldBlock, and a Writable event
            // brings us back here. Hand back only what went out.
            (void)c.send(v.data + n, v.size - n);
            v.release(n);
            return;
        }
        v.release();
    }
}

int main(int argc, char** argv) {
    int port = 9000;
    sample::TlsFlags tls;
    Config cfg;
    cfg.max_connections = 1024;
    // Larger than raw_echo's 256 KiB buffer by a margin: a fresh rx block keeps 16 bytes of
    // headroom, and four 64 KiB messages in flight must still fit one read.
    cfg.ring_block_size = 512 * 1024;
    cfg.ring_block_count = 512;
    cfg.message_slots = 0 + 1;
    cfg.message_slot_size = 64;
    for (int i = 1; i < argc; ++i) {
        const bool has_value = i + 1 < argc;
        if (!std::strcmp(argv[i], "--port") && has_value) port = std::atoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--block-size") && has_value) cfg.ring_block_size = static_cast<uint32_t>(std::atoi(argv[++i]));
        else if (!std::strcmp(argv[i], "--blocks") && has_value) cfg.ring_block_count = static_cast<uint32_t>(std::atoi(argv[++i]));
        else if (!std::strcmp(argv[i], "--max-conns") && has_value) cfg.max_connections = static_cast<uint32_t>(std::atoi(argv[++i]));
        else if (!std::strcmp(argv[i], "--poll")) cfg.poller = PollerKind::Poll;
        else if (!tls.parse(argc, argv, i)) {
            std::fprintf(stderr, "usage: %s --port P [--block-size B] [--blocks N] [--max-conns N] [--poll] %s\n", argv[0],
                         sample::TlsFlags::kUsage);
            return 2;
        }
    }
    if (tls.serving()) tls.apply(cfg, cfg.max_connections);
    Context ctx;
    Error e = ctx.init(cfg);
    if (e != Error::Ok) {
        std::fprintf(stderr, "init: %s\n", to_string(e));
        return 1;
    }
    char url[64];
    std::snprintf(url, sizeof url, "%s://127.0.0.1:%d", tls.serving() ? "tls" : "tcp", port);
    auto l = ctx.listen(url);
    if (!l) {
        std::fprintf(stderr, "listen %s: %s\n", url, to_string(l.error));
        return 1;
    }
    std::printf("tcp_echo_server: listening on %s (%zu bytes of memory, taken once)\n", url,
                static_cast<size_t>(ctx.stats().memory_bytes));
    std::fflush(stdout);
    for (;;) {
        if (ctx.update(1000) != Error::Ok) return 1;
        Event ev;
        while (ctx.next_event(ev)) {
            if (ev.type == EventType::Data || ev.type == EventType::Writable) echo(ev.conn);
        }
    }
}
