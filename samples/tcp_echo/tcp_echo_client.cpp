// tcp_echo_client: sends each line of stdin to an echo server and prints what comes back.
//
//     tcp_echo_client tcp://127.0.0.1:9000
//     tcp_echo_client tls://localhost:9000 --tls-ca ca.pem
//
// At the end of input it half-closes (the server sees EOF), prints what is still on its way back
// and exits 0 when the server closes. Exit 1 on any error.
#include <cstdio>
#include <cstring>

#include <tickwire/tickwire.hpp>

#include "../common/tls_flags.hpp"

using namespace tickwire;

namespace {
// Runs the loop until `done` or the connection ends; prints received bytes. False on error.
template <typename Done>
bool pump(Context& ctx, Conn c, size_t& received, Done done) {
    const int64_t deadline = ctx.now_us() + 10 * 1000 * 1000;
    while (!done()) {
        if (ctx.update(10) != Error::Ok || ctx.now_us() > deadline) return false;
        Event ev;
        while (ctx.next_event(ev)) {
            if (ev.type == EventType::Error) {
                std::fprintf(stderr, "tcp_echo_client: %s\n", to_string(ev.error));
                return false;
            }
        }
        ReadView v;
        while (c.try_read(v) == Read::Message) {
            std::fwrite(v.data, 1, v.size, stdout);
            received += v.size;
            v.release();
        }
        std::fflush(stdout);
        if (c.state() == ConnState::Closed || c.state() == ConnState::Invalid) return done();
    }
    return true;
}
} // namespace

int main(int argc, char** argv) {
    sample::TlsFlags tls;
    for (int i = 2; i < argc; ++i) {
        if (!tls.parse(argc, argv, i)) argc = 0;
    }
    if (argc < 2) {
        std::fprintf(stderr, "usage: tcp_echo_client tcp://HOST:PORT %s\n", sample::TlsFlags::kUsage);
        return 2;
    }
    Config cfg;
    tls.apply(cfg, 1);  // tls:// URLs need one TLS session
    cfg.max_connections = 4;
    cfg.ring_block_count = 4;
    Context ctx;
    if (ctx.init(cfg) != Error::Ok) return 1;
    DialOptions opts;
    opts.reconnect = false;
    opts.half_close = true;
    auto d = ctx.dial(argv[1], opts);
    if (!d) {
        std::fprintf(stderr, "tcp_echo_client: %s: %s\n", argv[1], to_string(d.error));
        return 1;
    }
    Conn c = d.value;
    size_t received = 0, sent = 0;
    if (!pump(ctx, c, received, [&] { return c.state() == ConnState::Open; })) return 1;
    char line[4096];
    while (std::fgets(line, sizeof line, stdin)) {
        const size_t n = std::strlen(line);
        if (!pump(ctx, c, received, [&] { return c.send_capacity() >= n; })) return 1;
        if (c.send(line, n) != Error::Ok) return 1;
        sent += n;
        // Interactive use: wait for this line's echo before reading the next.
        if (!pump(ctx, c, received, [&] { return received >= sent; })) return 1;
    }
    if (c.shutdown_write() != Error::Ok) return 1;
    if (!pump(ctx, c, received, [&] { return c.state() != ConnState::Open || received >= sent; })) return 1;
    return received == sent ? 0 : 1;
}
