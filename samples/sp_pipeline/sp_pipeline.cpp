// sp_pipeline: push/pull. A ventilator hands out jobs in turn to the workers connected to it;
// each worker prints the jobs it got. The ventilator waits for W workers, sends N jobs and one
// "END" per worker, and lingers until everything is delivered.
//
//     sp_pipeline ventilator --bind tcp://127.0.0.1:5557 --workers 2 --jobs 10
//     sp_pipeline worker --connect tcp://127.0.0.1:5557 NAME      prints "NAME: job K", then exits at END
#include "../common/sp_sample.hpp"

using namespace tickwire;

int main(int argc, char** argv) {
    if (argc < 4) {
        std::fprintf(stderr, "usage: sp_pipeline ventilator|worker (--bind|--connect) URL [--workers W --jobs N] [NAME]\n");
        return 2;
    }
    const bool ventilator = !std::strcmp(argv[1], "ventilator");
    Context ctx;
    if (ctx.init(Config{}) != Error::Ok) return 1;
    SpSocket s;
    if (s.open(ctx, ventilator ? SpPattern::Push : SpPattern::Pull) != Error::Ok) return 1;
    long workers = 2, jobs = 10;
    const char* name = "worker";
    for (int i = 2; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--workers") && i + 1 < argc) workers = std::atol(argv[++i]);
        else if (!std::strcmp(argv[i], "--jobs") && i + 1 < argc) jobs = std::atol(argv[++i]);
        else if (argv[i][0] != '-') name = argv[i];
        else if (!sample::sp_endpoint(s, argc, argv, i)) return 2;
    }
    if (ventilator) {
        if (!sample::sp_run(ctx, 10000, [&] { return static_cast<long>(s.ready_pipes()) >= workers; })) return 1;
        long sent = 0;
        // PUSH takes the next worker in turn; WouldBlock (all full) means "try again later".
        const bool ok = sample::sp_run(ctx, 10000, [&] {
            while (sent < jobs + workers) {
                char msg[32];
                const int n = sent < jobs ? std::snprintf(msg, sizeof msg, "job %ld", sent) : std::snprintf(msg, sizeof msg, "END");
                if (s.send(msg, static_cast<size_t>(n)) != Error::Ok) return false;
                ++sent;
            }
            return true;
        });
        sample::sp_linger(ctx, s);
        return ok ? 0 : 1;
    }
    bool end = false;
    const bool ok = sample::sp_run(ctx, 10000, [&] {
        SpMessage m;
        while (!end && s.try_read(m) == Read::Message) {
            end = m.size == 3 && std::memcmp(m.data, "END", 3) == 0;
            if (!end) std::printf("%s: %.*s\n", name, static_cast<int>(m.size), reinterpret_cast<const char*>(m.data));
            m.release();
        }
        return end;
    });
    return ok ? 0 : 1;
}
