// mbedTLS's fixed heap (crypto/tls_heap.hpp, --mbedtls=source builds): one Context at a time owns
// it, a heap too small fails cleanly, and the heap is given back when its Context goes. Against a
// system mbedTLS the same configurations simply work (the heap size is ignored).
#include <cstdint>
#include <string>

#include "crypto/tls_heap.hpp"
#include "tests/interop/tls_test_certs.hpp"
#include "tests/loopback/harness.hpp"

using namespace tickwire;
namespace tls_heap = tickwire::detail::tls_heap;

namespace {
// With an explicit CA: the system bundle (~500 KiB parsed) does not fit the default heap.
Config tls_config(const std::string& cert, const std::string& key, const std::string& ca) {
    Config cfg;
    cfg.max_connections = 8;
    cfg.ring_block_count = 8;
    cfg.max_dns_lookups = 0;
    cfg.tls.max_sessions = 2;
    cfg.tls.cert_file = cert.c_str();
    cfg.tls.key_file = key.c_str();
    cfg.tls.ca_file = ca.c_str();
    if (std::getenv("TW_TEST_LOG")) {
        cfg.log.level = LogLevel::Debug;
        cfg.log.fn = [](LogLevel, const char* m, void*) { std::printf("    [ctx] %s\n", m); };
    }
    return cfg;
}
} // namespace

TW_TEST(tls_heap_is_owned_by_one_context_at_a_time) {
    REQUIRE(tw_tls_test::cert_dir() != nullptr);
    const std::string cert = tw_tls_test::cert_path("server.pem"), key = tw_tls_test::cert_path("server.key"),
                      ca = tw_tls_test::cert_path("ca.pem");
    const Config cfg = tls_config(cert, key, ca);
    Config plain;
    plain.max_connections = 4;
    {
        Context first;
        REQUIRE_EQ(first.init(cfg), Error::Ok);
        Context second, without_tls;
        CHECK_EQ(without_tls.init(plain), Error::Ok);  // no TLS: no heap wanted
        if (tls_heap::fixed()) {
            CHECK(tls_heap::owner() != nullptr);
            CHECK_EQ(second.init(cfg), Error::TlsError);
        } else {
            CHECK(tls_heap::owner() == nullptr);
            CHECK_EQ(second.init(cfg), Error::Ok);
        }
    }
    CHECK(tls_heap::owner() == nullptr);
    Context again;  // the heap was given back
    CHECK_EQ(again.init(cfg), Error::Ok);
    CHECK_EQ(tls_heap::owner() != nullptr, tls_heap::fixed());
}

TW_TEST(tls_heap_is_in_required_memory) {
    REQUIRE(tw_tls_test::cert_dir() != nullptr);
    const std::string cert = tw_tls_test::cert_path("server.pem"), key = tw_tls_test::cert_path("server.key"),
                      ca = tw_tls_test::cert_path("ca.pem");
    Config small = tls_config(cert, key, ca);
    small.tls.heap_bytes = 100 * 1024;
    Config big = small;
    big.tls.heap_bytes = 300 * 1024;
    const size_t grown = Context::required_memory(big) - Context::required_memory(small);
    CHECK_EQ(grown, tls_heap::fixed() ? size_t{200 * 1024} : size_t{0});
    Config absurd = small;  // would wrap the layout's sum: refused in every build
    absurd.tls.heap_bytes = SIZE_MAX;
    CHECK_EQ(Context::required_memory(absurd), 0u);
    Config defaults = small;
    defaults.tls.heap_bytes = 0;
    Config no_tls = defaults;
    no_tls.tls.max_sessions = 0;
    const size_t with_default = Context::required_memory(defaults) - Context::required_memory(no_tls);
    if (tls_heap::fixed()) CHECK(with_default >= tls_heap::default_bytes(2));
    else CHECK(with_default < 8192);  // the two session slots only
}

// A heap too small for the credentials fails init with TlsError and leaves nothing behind; one
// big enough for the credentials but not for a handshake fails that connection only.
TW_TEST(tls_heap_too_small_fails_cleanly) {
    if (!tls_heap::fixed()) return;  // nothing to run out of against a system mbedTLS
    REQUIRE(tw_tls_test::cert_dir() != nullptr);
    const std::string cert = tw_tls_test::cert_path("server.pem"), key = tw_tls_test::cert_path("server.key"),
                      ca = tw_tls_test::cert_path("ca.pem");
    Config tiny = tls_config(cert, key, ca);
    tiny.tls.heap_bytes = 1024;
    {
        Context ctx;
        CHECK_EQ(ctx.init(tiny), Error::TlsError);
    }
    CHECK(tls_heap::owner() == nullptr);
    Config tight = tls_config(cert, key, ca);
    tight.tls.heap_bytes = 24 * 1024;  // parses the key and certificate, no room for records
    tight.tls.verify_peer = false;
    Context ctx;
    REQUIRE_EQ(ctx.init(tight), Error::Ok);
    auto l = ctx.listen("tls://127.0.0.1:0");
    REQUIRE_EQ(l.error, Error::Ok);
    char url[64];
    std::snprintf(url, sizeof url, "tls://127.0.0.1:%u", ctx.listener_port(l.value));
    DialOptions once;
    once.reconnect = false;
    auto d = ctx.dial(url, once);
    static tw_test::EventLog log;
    log.clear();
    const bool closed = tw_test::pump(ctx, log, 3000, [&] {
        return d.error != Error::Ok || log.count_of(EventType::Closed, d.value) > 0;
    });
    CHECK(closed);
    CHECK_EQ(log.count_of(EventType::Connected), 0);
    // The context still works: a plain connection on the same context.
    auto tcp = ctx.listen("tcp://127.0.0.1:0");
    REQUIRE_EQ(tcp.error, Error::Ok);
    std::snprintf(url, sizeof url, "tcp://127.0.0.1:%u", ctx.listener_port(tcp.value));
    auto p = ctx.dial(url, once);
    REQUIRE_EQ(p.error, Error::Ok);
    CHECK(tw_test::pump(ctx, log, 3000, [&] { return p.value.state() == ConnState::Open; }));
}
