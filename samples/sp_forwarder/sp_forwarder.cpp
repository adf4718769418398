// sp_forwarder: a request/reply broker built with the device (sp_forward). Clients (REQ) connect
// to the front, servers (REP) to the back; requests are balanced over the servers and each
// reply finds its client again through the backtrace. The broker itself is the few lines below.
//
//     sp_forwarder --front tcp://127.0.0.1:5570 --back tcp://127.0.0.1:5571 [--seconds S]
//     sp_reqrep server --connect tcp://127.0.0.1:5571        (any number)
//     sp_reqrep client --connect tcp://127.0.0.1:5570 NAME   (any number)
#include "../common/sp_sample.hpp"

using namespace tickwire;

int main(int argc, char** argv) {
    const char* front_url = nullptr;
    const char* back_url = nullptr;
    long seconds = -1;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--front") && i + 1 < argc) front_url = argv[++i];
        else if (!std::strcmp(argv[i], "--back") && i + 1 < argc) back_url = argv[++i];
        else if (!std::strcmp(argv[i], "--seconds") && i + 1 < argc) seconds = std::atol(argv[++i]);
    }
    if (!front_url || !back_url) {
        std::fprintf(stderr, "usage: sp_forwarder --front URL --back URL [--seconds S]\n");
        return 2;
    }
    Context ctx;
    if (ctx.init(Config{}) != Error::Ok) return 1;
    SpOptions raw;
    raw.raw = true;  // headers pass through: the broker never looks inside
    SpSocket front, back;
    if (front.open(ctx, SpPattern::Rep, raw) != Error::Ok || back.open(ctx, SpPattern::Req, raw) != Error::Ok) return 1;
    if (!front.listen(front_url) || !back.listen(back_url)) {
        std::fprintf(stderr, "cannot listen on %s / %s\n", front_url, back_url);
        return 1;
    }
    if (sp_forward(front, back) != Error::Ok) return 1;
    std::printf("forwarding %s <-> %s\n", front_url, back_url);
    std::fflush(stdout);
    // Everything happens inside update(): the device moves each message as it arrives.
    (void)sample::sp_run(ctx, seconds < 0 ? 1 << 30 : static_cast<int>(seconds * 1000), [] { return false; });
    return 0;
}
