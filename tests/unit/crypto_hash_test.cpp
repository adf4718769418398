// SHA-1 and base64 against published vectors (FIPS 180 / RFC 3174, RFC 4648, RFC 6455).
#include "tests/framework/check.hpp"

#include "crypto/hash.hpp"

#include <cstring>

using namespace tickwire::detail;

namespace {

void hex(const uint8_t* p, size_t n, char* out) {
    static const char d[] = "0123456789abcdef";
    for (size_t i = 0; i < n; ++i) {
        out[2 * i] = d[p[i] >> 4];
        out[2 * i + 1] = d[p[i] & 15];
    }
    out[2 * n] = '\0';
}

const char* sha1_hex(const char* text, size_t len) {
    static char out[2 * kSha1Size + 1];
    uint8_t digest[kSha1Size];
    sha1(text, len, digest);
    hex(digest, kSha1Size, out);
    return out;
}

} // namespace

TW_TEST(crypto_sha1_known_vectors) {
    CHECK_EQ(std::strcmp(sha1_hex("abc", 3), "a9993e364706816aba3e25717850c26c9cd0d89d"), 0);
    CHECK_EQ(std::strcmp(sha1_hex("", 0), "da39a3ee5e6b4b0d3255bfef95601890afd80709"), 0);
    const char* two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    CHECK_EQ(std::strcmp(sha1_hex(two_blocks, std::strlen(two_blocks)),
                         "84983e441c3bd26ebaae4aa1f95129e5e54670f1"), 0);
    // null data with zero length is the empty message
    uint8_t d[kSha1Size];
    sha1(nullptr, 0, d);
    char h[41];
    hex(d, kSha1Size, h);
    CHECK_EQ(std::strcmp(h, "da39a3ee5e6b4b0d3255bfef95601890afd80709"), 0);
}

TW_TEST(crypto_sha1_websocket_accept_example) {
    // RFC 6455 section 1.3: key + GUID -> base64(SHA-1) = s3pPLMBiTxaQ9kYGzzhZRbK+xOo=
    const char* in = "dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    uint8_t digest[kSha1Size];
    sha1(in, std::strlen(in), digest);
    char b64[32];
    const size_t n = base64_encode(digest, sizeof digest, b64, sizeof b64);
    REQUIRE_EQ(n, size_t{28});
    b64[n] = '\0';
    CHECK_EQ(std::strcmp(b64, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), 0);
}

TW_TEST(crypto_base64_rfc4648_vectors) {
    const char* plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    const char* coded[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    for (size_t i = 0; i < 7; ++i) {
        const size_t pl = std::strlen(plain[i]);
        const size_t cl = std::strlen(coded[i]);
        char enc[16] = {};
        // exactly the needed room (no space for a terminator) must work
        CHECK_EQ(base64_encode(reinterpret_cast<const uint8_t*>(plain[i]), pl, enc, cl), cl);
        CHECK_EQ(std::memcmp(enc, coded[i], cl), 0);
        uint8_t dec[16] = {};
        CHECK_EQ(base64_decode(coded[i], cl, dec, pl), static_cast<long>(pl));
        CHECK_EQ(std::memcmp(dec, plain[i], pl), 0);
    }
}

TW_TEST(crypto_base64_encode_too_small) {
    const uint8_t data[] = {1, 2, 3, 4};
    char out[8];
    CHECK_EQ(base64_encode(data, 4, out, 7), size_t{0});
    CHECK_EQ(base64_encode(data, 4, out, 8), size_t{8});
    CHECK_EQ(base64_encode(data, 3, out, 3), size_t{0});
}

TW_TEST(crypto_base64_decode_rejects_bad_input) {
    uint8_t out[32];
    const char* bad[] = {
        "Zm9",       // not a whole quantum
        "Zm9v!A==",  // character outside the alphabet
        "Zg=",       // short padding
        "Z===",      // too much padding
        "=Zm9",      // padding first
        "Zg==Zg==",  // data after padding
        "Zm 9v",     // space inside
        "Zm9v\n",    // line break
        "Zh==",      // non-canonical: discarded bits set
        "Zm9=",      // non-canonical: discarded bits set
        "Zm=v",      // '=' inside a quantum
    };
    for (const char* b : bad) {
        const long n = base64_decode(b, std::strlen(b), out, sizeof out);
        if (n != -1) std::printf("    accepted bad base64 \"%s\"\n", b);
        CHECK_EQ(n, -1L);
    }
    // output too small
    CHECK_EQ(base64_decode("Zm9vYmFy", 8, out, 5), -1L);
    CHECK_EQ(base64_decode("Zm9vYmFy", 8, out, 6), 6L);
    CHECK_EQ(base64_decode("Zm9v", 4, nullptr, 0), -1L);
}

TW_TEST(crypto_base64_round_trip_all_bytes) {
    uint8_t data[256];
    for (int i = 0; i < 256; ++i) data[i] = static_cast<uint8_t>(i);
    for (size_t len = 0; len <= 256; len += 1) {
        char enc[400];
        const size_t n = base64_encode(data, len, enc, sizeof enc);
        REQUIRE_EQ(n, 4 * ((len + 2) / 3));
        uint8_t dec[256];
        REQUIRE_EQ(base64_decode(enc, n, dec, sizeof dec), static_cast<long>(len));
        REQUIRE_EQ(std::memcmp(dec, data, len), 0);
    }
}
