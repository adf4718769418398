// What the SP samples share: "--bind URL" / "--connect URL" on an SpSocket, and a loop that runs
// update() until a condition holds or a time limit passes.
#pragma once
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <tickwire/sp.hpp>
#include <tickwire/tickwire.hpp>

namespace sample {

// Takes "--bind URL" or "--connect URL" at argv[i] (any number of them). False otherwise.
inline bool sp_endpoint(tickwire::SpSocket& s, int argc, char** argv, int& i) {
    if (i + 1 >= argc) return false;
    const bool bind = !std::strcmp(argv[i], "--bind");
    if (!bind && std::strcmp(argv[i], "--connect")) return false;
    const char* url = argv[++i];
    const tickwire::Error e = bind ? s.listen(url).error : s.dial(url).error;
    if (e != tickwire::Error::Ok) {
        std::fprintf(stderr, "%s %s: %s\n", argv[i - 1], url, tickwire::to_string(e));
        return false;
    }
    return true;
}

// update() until done() is true (answers true) or `ms` passed (answers false).
template <typename Done>
bool sp_run(tickwire::Context& ctx, int ms, Done done) {
    const int64_t end = ctx.now_us() + static_cast<int64_t>(ms) * 1000;
    while (!done()) {
        if (ctx.update(5) != tickwire::Error::Ok || ctx.now_us() > end) return false;
        tickwire::Event ev;
        while (ctx.next_event(ev)) {}  // SP sockets send no events; nothing else is open here
    }
    return true;
}

// Lets what was sent leave before the process exits (SpSocket::drain), up to `ms`.
inline void sp_linger(tickwire::Context& ctx, tickwire::SpSocket& s, int ms = 2000) {
    if (s.drain(static_cast<uint32_t>(ms)) == tickwire::Error::Ok) (void)sp_run(ctx, ms + 100, [&] { return s.drained(); });
}

} // namespace sample
