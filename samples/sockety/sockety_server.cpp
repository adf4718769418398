// sockety_server: the Sockety sample server (actions in echo_routes.hpp: ping, echo, accept,
// files, stream, noop; anything else NotImplemented).
//
//     sockety_server --port 9000 [--host 127.0.0.1] [--tls-cert FILE --tls-key FILE]  (then sockety+tls://)
//                    [--max-conns N] [--block-size B] [--blocks N] [-q]
//
// The loop: update, then route what each connection with new data (or new room) has.
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <tickwire/tickwire.hpp>

#include "../common/tls_flags.hpp"
#include "echo_routes.hpp"

using namespace tickwire;

namespace {
constexpr uint32_t kMaxConns = 1024;
SocketyCursor<64> g_cursors[kMaxConns];
uint32_t g_free[kMaxConns];
uint32_t g_free_count = 0;
} // namespace

int main(int argc, char** argv) {
    int port = 9000;
    const char* host = "127.0.0.1";
    bool quiet = false;
    sample::TlsFlags tls;
    Config cfg;
    cfg.max_connections = kMaxConns;
    cfg.ring_block_size = 256 * 1024;
    cfg.ring_block_count = 512;
    cfg.message_slots = 256;
    cfg.message_slot_size = 64 * 1024;
    cfg.sockety.max_sessions = kMaxConns;
    cfg.sockety.channels = 64;
    cfg.sockety.max_in_flight = 256;
    for (int i = 1; i < argc; ++i) {
        const bool has_value = i + 1 < argc;
        if (!std::strcmp(argv[i], "--port") && has_value) port = std::atoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--host") && has_value) host = argv[++i];
        else if (!std::strcmp(argv[i], "--block-size") && has_value) cfg.ring_block_size = static_cast<uint32_t>(std::atoi(argv[++i]));
        else if (!std::strcmp(argv[i], "--blocks") && has_value) cfg.ring_block_count = static_cast<uint32_t>(std::atoi(argv[++i]));
        else if (!std::strcmp(argv[i], "-q")) quiet = true;
        else if (tls.parse(argc, argv, i)) {}
        else {
            std::fprintf(stderr, "usage: %s --port P [--host H] [--block-size B] [--blocks N] [-q] %s\n", argv[0], sample::TlsFlags::kUsage);
            return 2;
        }
    }
    if (tls.serving()) tls.apply(cfg, kMaxConns);
    Context ctx;
    Error e = ctx.init(cfg);
    if (e != Error::Ok) {
        std::fprintf(stderr, "init: %s\n", to_string(e));
        return 1;
    }
    char url[128];
    std::snprintf(url, sizeof url, "%s://%s:%d", tls.serving() ? "sockety+tls" : "sockety", host, port);
    auto l = ctx.listen(url);
    if (!l) {
        std::fprintf(stderr, "listen %s: %s\n", url, to_string(l.error));
        return 1;
    }
    if (!quiet) std::printf("sockety_server listening on %s\n", url);
    std::fflush(stdout);
    for (uint32_t i = 0; i < kMaxConns; ++i) g_free[g_free_count++] = kMaxConns - 1 - i;

    SocketyRouter router;
    sample::add_echo_routes(router);
    for (;;) {
        if (ctx.update(100) != Error::Ok) return 1;
        Event ev;
        while (ctx.next_event(ev)) {
            switch (ev.type) {
            case EventType::Accepted: {
                if (g_free_count == 0) { (void)ev.conn.abort(); break; }
                SocketyCursor<64>& cur = g_cursors[g_free[--g_free_count]];
                cur.reset();
                ev.conn.set_user(&cur);
                break;
            }
            case EventType::Data:
            case EventType::Writable: {
                auto* cur = static_cast<SocketyCursor<64>*>(ev.conn.user());
                if (cur) (void)router.dispatch(SocketyConn(ev.conn), *cur);
                break;
            }
            case EventType::Closed: {
                auto* cur = static_cast<SocketyCursor<64>*>(ev.conn.user());
                if (!cur) break;
                cur->reset();
                g_free[g_free_count++] = static_cast<uint32_t>(static_cast<SocketyCursor<64>*>(cur) - g_cursors);
                ev.conn.set_user(nullptr);
                if (!quiet && ev.error != Error::Ok)
                    std::printf("connection closed: %s %.*s\n", to_string(ev.error), static_cast<int>(ev.conn.error_detail().size()),
                                ev.conn.error_detail().data());
                break;
            }
            default: break;
            }
        }
    }
}
