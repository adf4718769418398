// ipc:// where the OS may not have it: Unix domain sockets on POSIX and on Windows 10 1803+;
// elsewhere (older Windows, wine) listen and dial both say UnsupportedScheme, at once, instead
// of failing later or differently.
#include "tests/loopback/harness.hpp"

using namespace tickwire;
using tw_test::EventLog;

TW_TEST(ipc_support_listen_and_dial_agree) {
    Context ctx;
    Config cfg;
    cfg.max_connections = 4;
    REQUIRE_EQ(ctx.init(cfg), Error::Ok);
    char url[128];
    tw_test::unique_name(url, sizeof url, "ipc", "support");
    auto l = ctx.listen(url);
    DialOptions once;
    once.reconnect = false;
    if (l.error == Error::UnsupportedScheme) {
        std::printf("    ipc:// is not supported by this OS\n");
        auto d = ctx.dial(url, once);
        if (d.error == Error::Ok) {  // reported through the connection instead
            EventLog log;
            CHECK(tw_test::pump(ctx, log, 2000, [&] { return log.count_of(EventType::Closed, d.value) == 1; }));
            const Event* closed = log.last(EventType::Closed, d.value);
            REQUIRE(closed != nullptr);
            CHECK_EQ(closed->error, Error::UnsupportedScheme);
        } else {
            CHECK_EQ(d.error, Error::UnsupportedScheme);
        }
        return;
    }
    REQUIRE_EQ(l.error, Error::Ok);
    auto d = ctx.dial(url, once);
    REQUIRE_EQ(d.error, Error::Ok);
    EventLog log;
    CHECK(tw_test::pump(ctx, log, 2000, [&] { return d.value.state() == ConnState::Open; }));
}
