// PEM block scanning and decoding (used for PEM held in memory without a terminating NUL).
#include "tests/framework/check.hpp"

#include "crypto/pem_blocks.hpp"

#include <cstring>

using namespace tickwire::detail;

TW_TEST(crypto_pem_finds_blocks_and_decodes) {
    const char text[] =
        "comment before\n"
        "-----BEGIN CERTIFICATE-----\r\n"
        "Zm9v\r\n"
        "YmFy\r\n"
        "-----END CERTIFICATE-----\n"
        "junk between\n"
        "-----BEGIN PRIVATE KEY-----\n"
        "Zm9vYg==\n"
        "-----END PRIVATE KEY-----";
    const size_t len = sizeof text - 1; // no NUL
    CHECK(pem_present(text, len));
    size_t pos = 0;
    PemBlock b;
    REQUIRE(pem_next(text, len, &pos, &b) == PemScan::Found);
    CHECK(pem_label_is(b, "CERTIFICATE"));
    CHECK(!pem_label_is(b, "CERT"));
    uint8_t out[16];
    REQUIRE_EQ(pem_decode_body(b, out, sizeof out), 6L);
    CHECK_EQ(std::memcmp(out, "foobar", 6), 0);
    REQUIRE(pem_next(text, len, &pos, &b) == PemScan::Found);
    CHECK(pem_label_is(b, "PRIVATE KEY"));
    REQUIRE_EQ(pem_decode_body(b, out, sizeof out), 4L);
    CHECK_EQ(std::memcmp(out, "foob", 4), 0);
    CHECK(pem_next(text, len, &pos, &b) == PemScan::End);
    CHECK_EQ(pos, len);
}

TW_TEST(crypto_pem_rejects_malformed) {
    size_t pos = 0;
    PemBlock b;
    const char no_end[] = "-----BEGIN CERTIFICATE-----\nZm9v\n";
    CHECK(pem_next(no_end, sizeof no_end - 1, &pos, &b) == PemScan::Malformed);
    pos = 0;
    const char wrong_end[] = "-----BEGIN CERTIFICATE-----\nZm9v\n-----END PRIVATE KEY-----\n";
    CHECK(pem_next(wrong_end, sizeof wrong_end - 1, &pos, &b) == PemScan::Malformed);
    pos = 0;
    const char nested[] = "-----BEGIN A-----\n-----BEGIN B-----\n-----END B-----\n-----END A-----";
    CHECK(pem_next(nested, sizeof nested - 1, &pos, &b) == PemScan::Malformed);
    pos = 0;
    const char empty_label[] = "-----BEGIN -----\n-----END -----";
    CHECK(pem_next(empty_label, sizeof empty_label - 1, &pos, &b) == PemScan::Malformed);
    pos = 0;
    const char cut[] = "-----BEGIN CERTIFICATE-----\nZm9v\n-----END CERTIFICATE----";
    CHECK(pem_next(cut, sizeof cut - 1, &pos, &b) == PemScan::Malformed);
    pos = 0;
    const char none[] = "just text";
    CHECK(!pem_present(none, sizeof none - 1));
    CHECK(pem_next(none, sizeof none - 1, &pos, &b) == PemScan::End);
}

TW_TEST(crypto_pem_decode_rejects_bad_bodies) {
    uint8_t out[16];
    PemBlock b;
    const char* bodies[] = {
        "Proc-Type: 4,ENCRYPTED\nZm9v\n", // legacy encrypted PEM header
        "Zm9\n",                           // incomplete quantum
        "Zg==\nZm9v\n",                    // data after padding
        "Zm9v!\n",                         // bad character
    };
    for (const char* body : bodies) {
        b.body = body;
        b.body_len = std::strlen(body);
        CHECK_EQ(pem_decode_body(b, out, sizeof out), -1L);
    }
    b.body = "Zm9vYmFy";
    b.body_len = 8;
    CHECK_EQ(pem_decode_body(b, out, 5), -1L); // too small
    CHECK_EQ(pem_decode_body(b, out, 6), 6L);
    b.body = " \n\t";
    b.body_len = 3;
    CHECK_EQ(pem_decode_body(b, out, sizeof out), 0L);
}
