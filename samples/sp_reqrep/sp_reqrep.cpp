// sp_reqrep: request/reply. A server answers every request; a client asks once and prints the
// answer. Either side may bind or connect, over tcp://, ipc://, ws://, ...
//
//     sp_reqrep server --bind tcp://127.0.0.1:5555 [--count N]    answers N requests (default: forever)
//     sp_reqrep client --connect tcp://127.0.0.1:5555 NAME        prints "reply: hello NAME"
#include "../common/sp_sample.hpp"

using namespace tickwire;

int main(int argc, char** argv) {
    if (argc < 4) {
        std::fprintf(stderr, "usage: sp_reqrep server|client (--bind|--connect) URL... [--count N] [NAME]\n");
        return 2;
    }
    const bool server = !std::strcmp(argv[1], "server");
    Context ctx;
    if (ctx.init(Config{}) != Error::Ok) return 1;
    SpSocket s;
    if (s.open(ctx, server ? SpPattern::Rep : SpPattern::Req) != Error::Ok) return 1;
    const char* name = "world";
    long count = -1;
    for (int i = 2; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--count") && i + 1 < argc) count = std::atol(argv[++i]);
        else if (argv[i][0] != '-') name = argv[i];
        else if (!sample::sp_endpoint(s, argc, argv, i)) return 2;
    }
    if (server) {
        long served = 0;
        (void)sample::sp_run(ctx, 1 << 30, [&] {
            SpMessage m;
            while (s.try_read(m) == Read::Message) {  // each request carries its way back
                char answer[128];
                const int n = std::snprintf(answer, sizeof answer, "hello %.*s", static_cast<int>(m.size < 100 ? m.size : 100),
                                            reinterpret_cast<const char*>(m.data));
                if (s.reply(m, answer, static_cast<size_t>(n)) == Error::Ok) ++served;
                m.release();
            }
            return count >= 0 && served >= count;
        });
        sample::sp_linger(ctx, s);
        return 0;
    }
    // The request waits inside the socket until a server is connected (and is resent if the
    // server goes away before answering).
    if (s.send(name, std::strlen(name)) != Error::Ok) return 1;
    bool done = false;
    const bool ok = sample::sp_run(ctx, 5000, [&] {
        SpMessage m;
        if (s.try_read(m) != Read::Message) return false;
        std::printf("reply: %.*s\n", static_cast<int>(m.size), reinterpret_cast<const char*>(m.data));
        m.release();
        return done = true;
    });
    return ok && done ? 0 : 1;
}
