// The whole DNS path through the core: dial("tcp://loop.test:PORT") resolves through a real
// dnsmasq inside update(), connects, and exchanges bytes; unknown names fail with DnsNotFound.
#include "tests/interop/dnsmasq_process.hpp"
#include "tests/loopback/harness.hpp"

using namespace tickwire;
using tw_test::EventLog;
using tw_test::pump;

TW_TEST(dns_dial_resolves_through_dnsmasq_and_connects) {
    tw_test::Dnsmasq dm;
    REQUIRE(dm.start());
    char server[32];
    std::snprintf(server, sizeof server, "127.0.0.1:%u", dm.port);
    Config cfg;
    cfg.dns_server = server;
    cfg.hosts_path = nullptr;  // only DNS answers here
    Context ctx;
    REQUIRE_EQ(ctx.init(cfg), Error::Ok);
    auto l = ctx.listen("tcp://127.0.0.1:0");
    REQUIRE_EQ(l.error, Error::Ok);
    char url[96];
    std::snprintf(url, sizeof url, "tcp://loop.test:%u", ctx.listener_port(l.value));
    EventLog log;
    // dnsmasq needs a moment to bind: the dialer's own retries (reconnect) cover that.
    auto d = ctx.dial(url);
    REQUIRE_EQ(d.error, Error::Ok);
    Conn server_conn;
    CHECK(pump(ctx, log, 8000, [&] { return d.value.state() == ConnState::Open && server_conn.valid(); },
               [&](const Event& ev) { if (ev.type == EventType::Accepted) server_conn = ev.conn; }));
    REQUIRE(dm.running());
    REQUIRE_EQ(d.value.send("via dns", 7), Error::Ok);
    size_t got = 0;
    CHECK(pump(ctx, log, 3000, [&] {
        ReadView v;
        while (server_conn.try_read(v) == Read::Message) { got += v.size; v.release(); }
        return got == 7;
    }));
    CHECK(ctx.stats().dns_queries >= 1);

    // A name dnsmasq does not know: the error says so and the dialer (no reconnect) ends.
    char bad[96];
    std::snprintf(bad, sizeof bad, "tcp://nobody.test:%u", ctx.listener_port(l.value));
    DialOptions once;
    once.reconnect = false;
    auto b = ctx.dial(bad, once);
    REQUIRE_EQ(b.error, Error::Ok);
    CHECK(b.value.state() == ConnState::Resolving);
    CHECK(pump(ctx, log, 8000, [&] { return log.count_of(EventType::Closed, b.value) == 1; }));
    const Event* err = log.last(EventType::Error, b.value);
    REQUIRE(err != nullptr);
    CHECK_EQ(err->error, Error::DnsNotFound);
    // The first connection is untouched.
    CHECK(d.value.state() == ConnState::Open);
}

TW_TEST(dns_dial_localhost_needs_no_server) {
    Config cfg;
    cfg.dns_server = "127.0.0.1:1";  // nothing answers there; localhost must not ask it
    Context ctx;
    REQUIRE_EQ(ctx.init(cfg), Error::Ok);
    auto l = ctx.listen("tcp://127.0.0.1:0");
    REQUIRE_EQ(l.error, Error::Ok);
    char url[64];
    std::snprintf(url, sizeof url, "tcp://localhost:%u", ctx.listener_port(l.value));
    auto d = ctx.dial(url);
    REQUIRE_EQ(d.error, Error::Ok);
    EventLog log;
    CHECK(pump(ctx, log, 3000, [&] { return d.value.state() == ConnState::Open; }));
}
