// Many TLS handshakes in flight at once in one Context. With mbedTLS 3.6 from source each TLS 1.3
// handshake holds a PSA key (its ECDHE share) until it ends; PSA's key table must grow with them
// (MBEDTLS_PSA_KEY_STORE_DYNAMIC in source/crypto/mbedtls_config): with its fixed default of 32
// keys the 33rd concurrent handshake failed with "mbedTLS allocation" whatever the heap size.
// 40 dials to our own listener are 80 handshakes at once (both ends in this Context: the fixed
// heap is one per process). Against the system mbedTLS 2.28 (TLS 1.2, no PSA) it must pass too.
#include <cstdio>
#include <string>

#include <tickwire/tickwire.hpp>

#include "tests/framework/check.hpp"
#include "tests/interop/tls_test_certs.hpp"
#include "tests/loopback/harness.hpp"

using namespace tickwire;
using namespace tw_test;

TW_TEST(tls_concurrent_handshakes_beyond_32_in_one_context) {
    static const tw_tls_test::LocalTlsFiles files("hosts.concurrent");
    if (!files.ok()) {
        CHECK(!"no test certificates (openssl missing?)");
        return;
    }

    constexpr int kClients = 40;
    Config cfg;
    cfg.max_connections = 2 * kClients + 8;
    cfg.max_dialers = kClients + 4;
    cfg.ring_block_count = 8 * kClients + 16;  // rx, tx and the two ciphertext rings per end
    cfg.tls.max_sessions = 2 * kClients + 4;
    files.apply(cfg);
    cfg.max_dns_lookups = kClients;
    // Not a timing test: 40 handshakes at once take seconds under valgrind (CI runs it there too).
    cfg.handshake_timeout_ms = 120000;
    Context ctx;
    REQUIRE_EQ(ctx.init(cfg), Error::Ok);
    auto l = ctx.listen("tls://127.0.0.1:0");
    REQUIRE_EQ(l.error, Error::Ok);
    char url[64];
    std::snprintf(url, sizeof url, "tls://localhost:%u", ctx.listener_port(l.value));

    DialOptions opts;
    opts.reconnect = false;
    for (int i = 0; i < kClients; ++i) REQUIRE_EQ(ctx.dial(url, opts).error, Error::Ok);
    static EventLog log;
    log.clear();
    // All dials go out in the first update, so the handshakes overlap.
    const bool done = pump(ctx, log, 120000, [&] {
        return (log.count_of(EventType::Connected) == kClients && log.count_of(EventType::Accepted) == kClients) ||
               log.count_of(EventType::Closed) > 0;
    });
    if (!done || log.count_of(EventType::Closed) > 0)
        std::printf("    connected %d, accepted %d, closed %d (stats: %u TLS handshakes failed)\n",
                    log.count_of(EventType::Connected), log.count_of(EventType::Accepted),
                    log.count_of(EventType::Closed), static_cast<unsigned>(ctx.stats().handshakes_failed));
    CHECK_EQ(log.count_of(EventType::Connected), kClients);
    CHECK_EQ(log.count_of(EventType::Accepted), kClients);
    CHECK_EQ(log.count_of(EventType::Closed), 0);
    CHECK_EQ(ctx.stats().handshakes_failed, 0u);
}
