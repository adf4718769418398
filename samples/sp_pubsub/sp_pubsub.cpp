// sp_pubsub: publish/subscribe. The publisher sends "weather ..." and "sports ..." updates every
// 50 ms; a subscriber prints only the topics it subscribed to (filtering is on its side).
//
//     sp_pubsub pub --bind tcp://127.0.0.1:5556 [--count N]        N rounds (default: forever)
//     sp_pubsub sub --connect tcp://127.0.0.1:5556 TOPIC [--count N]  prints N messages, then exits
#include "../common/sp_sample.hpp"

using namespace tickwire;

int main(int argc, char** argv) {
    if (argc < 4) {
        std::fprintf(stderr, "usage: sp_pubsub pub|sub (--bind|--connect) URL... [TOPIC...] [--count N]\n");
        return 2;
    }
    const bool pub = !std::strcmp(argv[1], "pub");
    Context ctx;
    if (ctx.init(Config{}) != Error::Ok) return 1;
    SpSocket s;
    if (s.open(ctx, pub ? SpPattern::Pub : SpPattern::Sub) != Error::Ok) return 1;
    long count = -1;
    for (int i = 2; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--count") && i + 1 < argc) count = std::atol(argv[++i]);
        else if (argv[i][0] != '-') { if (s.subscribe(argv[i]) != Error::Ok) return 2; }
        else if (!sample::sp_endpoint(s, argc, argv, i)) return 2;
    }
    if (pub) {
        long round = 0;
        int64_t next = 0;
        (void)sample::sp_run(ctx, 1 << 30, [&] {
            if (ctx.now_us() < next) return false;
            next = ctx.now_us() + 50000;
            char msg[64];
            int n = std::snprintf(msg, sizeof msg, "weather %ld: sunny", round);
            (void)s.send(msg, static_cast<size_t>(n));  // every subscriber with room; never blocks
            n = std::snprintf(msg, sizeof msg, "sports %ld: 2-1", round);
            (void)s.send(msg, static_cast<size_t>(n));
            return count >= 0 && ++round >= count;
        });
        sample::sp_linger(ctx, s);
        return 0;
    }
    long got = 0;
    const bool ok = sample::sp_run(ctx, 10000, [&] {
        SpMessage m;
        while (s.try_read(m) == Read::Message) {
            std::printf("%.*s\n", static_cast<int>(m.size), reinterpret_cast<const char*>(m.data));
            m.release();
            ++got;
        }
        std::fflush(stdout);
        return count >= 0 && got >= count;
    });
    return ok ? 0 : 1;
}
