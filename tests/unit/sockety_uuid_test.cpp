// Sockety ids: v4 from caller randomness, the wire order (= text order), text parsing.
#include "tests/framework/check.hpp"

#include "sockety/uuid.hpp"

#include <cstring>
#include <string>

namespace {

using namespace tickwire::detail::sockety;

// A deterministic random source with the detail::Random interface.
struct CountingSource {
    uint8_t next = 0;
    bool ok = true;
    bool fill(void* out, size_t len) {
        if (!ok) return false;
        auto* p = static_cast<uint8_t*>(out);
        for (size_t i = 0; i < len; ++i) p[i] = next++;
        return true;
    }
};

std::string text_of(const Uuid& u) {
    char t[kUuidTextSize];
    uuid_to_text(u, t);
    return std::string(t, kUuidTextSize);
}

} // namespace

TW_TEST(sockety_uuid_v4_bits_from_random) {
    uint8_t ones[16];
    std::memset(ones, 0xff, sizeof ones);
    const Uuid a = uuid_v4_from_random(ones);
    CHECK_EQ(a.bytes[6], 0x4f);
    CHECK_EQ(a.bytes[8], 0xbf);
    CHECK(uuid_is_v4(a));
    CHECK(text_of(a) == "ffffffff-ffff-4fff-bfff-ffffffffffff");
    const uint8_t zeros[16] = {};
    const Uuid b = uuid_v4_from_random(zeros);
    // What sockety-js turns an all-zero id into (WIRE.md §0).
    CHECK(text_of(b) == "00000000-0000-4000-8000-000000000000");
    CHECK(uuid_is_v4(b));
    CHECK(!uuid_is_v4(Uuid()));
}

TW_TEST(sockety_uuid_generate_from_source) {
    CountingSource src;
    Uuid u;
    REQUIRE(generate_uuid_v4(src, u));
    // Bytes 0..15 in wire order = text order; only the version and variant bits are changed.
    CHECK(text_of(u) == "00010203-0405-4607-8809-0a0b0c0d0e0f");
    Uuid v;
    REQUIRE(generate_uuid_v4(src, v));
    CHECK(u != v);
    src.ok = false;
    Uuid w = v;
    CHECK(!generate_uuid_v4(src, w));
    CHECK(w == v);
}

TW_TEST(sockety_uuid_text_round_trip) {
    const char* t = "1b4e28ba-2fa1-41d2-883f-0016d3cca427";
    Uuid u;
    REQUIRE(uuid_from_text(t, 36, u));
    CHECK_EQ(u.bytes[0], 0x1b);
    CHECK_EQ(u.bytes[15], 0x27);
    CHECK(text_of(u) == t);
    Uuid upper;
    REQUIRE(uuid_from_text("1B4E28BA-2FA1-41D2-883F-0016D3CCA427", 36, upper));
    CHECK(upper == u);
}

TW_TEST(sockety_uuid_text_rejects_malformed) {
    Uuid u;
    u.bytes[0] = 0x77;
    CHECK(!uuid_from_text("1b4e28ba-2fa1-41d2-883f-0016d3cca42", 35, u));
    CHECK(!uuid_from_text("1b4e28ba-2fa1-41d2-883f-0016d3cca4271", 37, u));
    CHECK(!uuid_from_text("1b4e28ba2fa1-41d2-883f-0016d3cca4271", 36, u));
    CHECK(!uuid_from_text("1b4e28ba-2fa1-41d2-883f-0016d3cca42g", 36, u));
    CHECK(!uuid_from_text("1b4e28ba-2fa1-41d2-883f_0016d3cca427", 36, u));
    CHECK(!uuid_from_text(nullptr, 36, u));
    CHECK_EQ(u.bytes[0], 0x77);  // unchanged on failure
}
