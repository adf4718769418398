// sp_bus: every node hears every other node it is connected to (and never itself). Each node
// listens on its own URL and dials some others so that every pair is linked once; once it has
// its peers it says its name, prints the names it hears, and exits when it heard them all.
//
//     sp_bus NAME --peers 2 --bind tcp://127.0.0.1:5560 --connect tcp://127.0.0.1:5561 ...
#include "../common/sp_sample.hpp"

using namespace tickwire;

int main(int argc, char** argv) {
    if (argc < 4) {
        std::fprintf(stderr, "usage: sp_bus NAME --peers N (--bind|--connect) URL...\n");
        return 2;
    }
    const char* name = argv[1];
    Context ctx;
    if (ctx.init(Config{}) != Error::Ok) return 1;
    SpSocket bus;
    if (bus.open(ctx, SpPattern::Bus) != Error::Ok) return 1;
    long peers = 2;
    for (int i = 2; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--peers") && i + 1 < argc) peers = std::atol(argv[++i]);
        else if (!sample::sp_endpoint(bus, argc, argv, i)) return 2;
    }
    if (!sample::sp_run(ctx, 10000, [&] { return static_cast<long>(bus.ready_pipes()) >= peers; })) return 1;
    if (bus.send(name, std::strlen(name)) != Error::Ok) return 1;  // to every connected peer
    long heard = 0;
    const bool ok = sample::sp_run(ctx, 10000, [&] {
        SpMessage m;
        while (bus.try_read(m) == Read::Message) {
            std::printf("%s heard %.*s\n", name, static_cast<int>(m.size), reinterpret_cast<const char*>(m.data));
            m.release();
            ++heard;
        }
        return heard >= peers;
    });
    sample::sp_linger(ctx, bus);
    return ok ? 0 : 1;
}
