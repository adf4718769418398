// ws_echo_client: connects to a WebSocket server and echoes back every message it receives,
// with its opcode. Exits 0 when the server closes normally (1000), 1 otherwise.
//
//     ws_echo_client ws://127.0.0.1:9001/path [--max-message BYTES] [--tls-ca FILE] [--tls-no-verify]
//     ws_echo_client wss://localhost:9001/path --tls-ca ca.pem
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <tickwire/tickwire.hpp>

#include "../common/tls_flags.hpp"

using namespace tickwire;

constexpr size_t kRingBlock = 64 * 1024;
constexpr size_t kMaxFrame = kRingBlock - 14;  // a frame with its header fits an empty tx ring

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s ws://HOST:PORT/PATH [--max-message BYTES] %s\n", argv[0], sample::TlsFlags::kUsage);
        return 2;
    }
    uint64_t max_message = 16u << 20;
    sample::TlsFlags tls;
    for (int i = 2; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--max-message") && i + 1 < argc) max_message = std::strtoull(argv[++i], nullptr, 10);
        else if (!tls.parse(argc, argv, i)) {
            std::fprintf(stderr, "usage: %s URL [--max-message BYTES] %s\n", argv[0], sample::TlsFlags::kUsage);
            return 2;
        }
    }
    Config cfg;
    cfg.max_connections = 4;
    cfg.ring_block_size = kRingBlock;
    cfg.ring_block_count = 8;
    cfg.message_slots = 4;
    cfg.message_slot_size = static_cast<uint32_t>(max_message);
    tls.apply(cfg, 1);  // wss:// URLs need one TLS session
    Context ctx;
    if (ctx.init(cfg) != Error::Ok) return 1;
    DialOptions opts;
    opts.reconnect = false;
    opts.ws.max_message = max_message;
    auto d = ctx.dial(argv[1], opts);
    if (!d) {
        std::fprintf(stderr, "ws_echo_client: %s: %s\n", argv[1], to_string(d.error));
        return 1;
    }
    Conn c = d.value;
    ReadView held;
    size_t sent = 0;
    bool holding = false;
    uint64_t echoed = 0;
    for (;;) {
        if (ctx.update(100) != Error::Ok) return 1;
        Event ev;
        while (ctx.next_event(ev)) {
            if (ev.type == EventType::Error) std::fprintf(stderr, "ws_echo_client: %s\n", to_string(ev.error));
            if (ev.type == EventType::Closed) {
                std::printf("ws_echo_client: closed with %u after %llu messages\n", ev.close_code,
                            static_cast<unsigned long long>(echoed));
                return ev.close_code == 1000 ? 0 : 1;
            }
        }
        for (;;) {
            if (!holding) {
                if (c.try_read(held) != Read::Message) break;
                holding = true;
                sent = 0;
            }
            // Echo in frames that fit the tx ring (a big message goes out as fragments).
            bool blocked = false;
            do {
                const size_t room = c.send_capacity();
                size_t n = held.size - sent;
                if (n > kMaxFrame) n = kMaxFrame;
                if (room > 14 && n > room - 14) n = room - 14;  // no room at all: WouldBlock below
                const Error e = c.send_fragment(held.kind, held.data + sent, n, sent + n == held.size);
                if (e == Error::WouldBlock) { blocked = true; break; }
                if (e != Error::Ok) return 1;
                sent += n;
            } while (sent < held.size);
            if (blocked) break;
            held.release();
            holding = false;
            ++echoed;
        }
    }
}
