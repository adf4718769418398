// The DRBG: refuses before init, fills any size, and does not repeat itself.
#include "tests/framework/check.hpp"

#include "crypto/random.hpp"

#include <cstring>

using namespace tickwire::detail;

TW_TEST(crypto_random_requires_init) {
    Random r;
    uint8_t b[4] = {};
    CHECK(!r.ready());
    CHECK(!r.fill(b, sizeof b));
    unsigned char c[4];
    CHECK(Random::mbedtls_rng(&r, c, sizeof c) != 0);
    REQUIRE(r.init());
    CHECK(r.ready());
    CHECK(r.init()); // idempotent
    CHECK(r.fill(b, sizeof b));
    CHECK_EQ(Random::mbedtls_rng(&r, c, sizeof c), 0);
}

TW_TEST(crypto_random_outputs_differ) {
    Random a, b;
    REQUIRE(a.init());
    REQUIRE(b.init());
    uint8_t x[32], y[32], z[32];
    REQUIRE(a.fill(x, sizeof x));
    REQUIRE(a.fill(y, sizeof y));
    REQUIRE(b.fill(z, sizeof z));
    CHECK(std::memcmp(x, y, sizeof x) != 0); // successive outputs
    CHECK(std::memcmp(x, z, sizeof x) != 0); // independently seeded generators
}

TW_TEST(crypto_random_fills_odd_sizes_completely) {
    Random r;
    REQUIRE(r.init());
    // Sizes around mbedTLS's 1024-byte request limit and odd ones. A canary byte after the
    // requested length must stay untouched; the filled part must not stay all-zero.
    const size_t sizes[] = {0, 1, 3, 17, 1023, 1024, 1025, 4099, 70001};
    static uint8_t buf[70002];
    for (size_t n : sizes) {
        std::memset(buf, 0, sizeof buf);
        buf[n] = 0xA5;
        REQUIRE(r.fill(buf, n));
        CHECK_EQ(buf[n], 0xA5);
        if (n >= 17) {
            // every 16-byte window of the output has at least one non-zero byte, so no chunk
            // was skipped
            for (size_t i = 0; i + 16 <= n; i += 16) {
                bool any = false;
                for (size_t j = i; j < i + 16; ++j) any = any || buf[j] != 0;
                if (!any) std::printf("    zero window at %zu of %zu\n", i, n);
                CHECK(any);
            }
        }
    }
    // a tail shorter than a window is filled too: over many draws of 3 bytes, each position
    // is non-zero at least once
    uint8_t seen[3] = {};
    for (int i = 0; i < 64; ++i) {
        uint8_t t[3] = {};
        REQUIRE(r.fill(t, 3));
        for (int j = 0; j < 3; ++j) seen[j] = static_cast<uint8_t>(seen[j] | t[j]);
    }
    CHECK(seen[0] != 0 && seen[1] != 0 && seen[2] != 0);
}
