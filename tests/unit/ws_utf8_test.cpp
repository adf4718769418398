// Tests of the incremental UTF-8 validator (source/ws/utf8.*): the Unicode table 3-7 boundaries,
// every code point, the rejected forms, fail-fast behaviour and chunking at every position,
// checked against an independent reference decoder.
#include "tests/framework/utf8_reference.hpp"
#include "tests/framework/check.hpp"
#include "ws/utf8.hpp"

#include <cstring>
#include <string>

using namespace tickwire::detail::ws;

namespace {

using tw_test::reference_valid;

const uint8_t* u8(const char* s) { return reinterpret_cast<const uint8_t*>(s); }

bool valid(const std::string& s) {
    return utf8_valid(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}


std::string encode(uint32_t cp) {
    std::string s;
    if (cp < 0x80) {
        s += static_cast<char>(cp);
    } else if (cp < 0x800) {
        s += static_cast<char>(0xC0 | (cp >> 6));
        s += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        s += static_cast<char>(0xE0 | (cp >> 12));
        s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        s += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        s += static_cast<char>(0xF0 | (cp >> 18));
        s += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        s += static_cast<char>(0x80 | (cp & 0x3F));
    }
    return s;
}

// Validates `s` split at every pair of positions into three chunks; all must agree with `want`.
bool chunked_agrees(const std::string& s, bool want) {
    const auto* p = reinterpret_cast<const uint8_t*>(s.data());
    for (size_t a = 0; a <= s.size(); ++a) {
        for (size_t b = a; b <= s.size(); ++b) {
            uint8_t st = utf8_feed(kUtf8Accept, p, a);
            st = utf8_feed(st, p + a, b - a);
            st = utf8_feed(st, p + b, s.size() - b);
            if (utf8_complete(st) != want) return false;
        }
    }
    return true;
}

} // namespace

TW_TEST(ws_utf8_reference_self_check) {
    // The reference must itself reject what the tests rely on it rejecting.
    CHECK(reference_valid(u8("\xE2\x82\xAC"), 3));
    CHECK(!reference_valid(u8("\xE2\x82"), 2));
    CHECK(!reference_valid(u8("\xC0\x80"), 2));
    CHECK(!reference_valid(u8("\xED\xA0\x80"), 3));
    CHECK(!reference_valid(u8("\xF4\x90\x80\x80"), 4));
}

TW_TEST(ws_utf8_empty_and_ascii) {
    CHECK(utf8_valid(nullptr, 0));
    CHECK(valid("Hello"));
    std::string all;
    for (int c = 0; c < 0x80; ++c) all += static_cast<char>(c);
    CHECK(valid(all));
    CHECK(chunked_agrees("Hello, World", true));
}

TW_TEST(ws_utf8_boundary_code_points) {
    CHECK(valid("\xC2\x80"));             // U+0080
    CHECK(valid("\xDF\xBF"));             // U+07FF
    CHECK(valid("\xE0\xA0\x80"));         // U+0800
    CHECK(valid("\xED\x9F\xBF"));         // U+D7FF, last before the surrogates
    CHECK(valid("\xEE\x80\x80"));         // U+E000, first after
    CHECK(valid("\xEF\xBF\xBF"));         // U+FFFF
    CHECK(valid("\xEF\xBF\xBE"));         // U+FFFE: a noncharacter, still valid UTF-8
    CHECK(valid("\xF0\x90\x80\x80"));     // U+10000
    CHECK(valid("\xF4\x8F\xBF\xBF"));     // U+10FFFF
    CHECK(valid(std::string("\x00", 1))); // U+0000
    // Autobahn 6.2: "Hello-µ@ßöäüàá-UTF-8!!"
    CHECK(valid("\x48\x65\x6c\x6c\x6f\x2d\xc2\xb5\x40\xc3\x9f\xc3\xb6\xc3\xa4\xc3\xbc\xc3\xa0"
                "\xc3\xa1\x2d\x55\x54\x46\x2d\x38\x21\x21"));
    // κόσμε
    CHECK(chunked_agrees("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5", true));
}

TW_TEST(ws_utf8_rejects_bad_forms) {
    CHECK(!valid("\x80")); // stray continuation
    CHECK(!valid("\xBF"));
    CHECK(!valid("\xC0\x80"));                 // overlong NUL
    CHECK(!valid("\xC1\xBF"));                 // overlong
    CHECK(!valid("\xE0\x80\x80"));             // overlong 3-byte
    CHECK(!valid("\xE0\x9F\xBF"));             // overlong U+07FF
    CHECK(!valid("\xF0\x80\x80\x80"));         // overlong 4-byte
    CHECK(!valid("\xF0\x8F\xBF\xBF"));         // overlong U+FFFF
    CHECK(!valid("\xED\xA0\x80"));             // U+D800
    CHECK(!valid("\xED\xBF\xBF"));             // U+DFFF
    CHECK(!valid("\xED\xA0\x80\xED\xB0\x80")); // surrogate pair as CESU-8
    CHECK(!valid("\xF4\x90\x80\x80"));         // U+110000
    CHECK(!valid("\xF7\xBF\xBF\xBF"));         // U+1FFFFF
    CHECK(!valid("\xF5\x80\x80\x80"));
    CHECK(!valid("\xF8\x88\x80\x80\x80")); // 5-byte form
    CHECK(!valid("\xFC\x84\x80\x80\x80\x80"));
    CHECK(!valid("\xFE"));
    CHECK(!valid("\xFF"));
    CHECK(!valid("\xC2\x41")); // lead followed by ASCII
    CHECK(!valid("\xE2\x82\x41"));
    CHECK(!valid("\xE2\x82")); // truncated at the end
    CHECK(!valid("\xF0\x9F\x98"));
    CHECK(!valid("\xC2"));
    CHECK(!valid("\xC2\x80\x80")); // one continuation too many
    CHECK(
        chunked_agrees("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80\x65\x64", false));
}

TW_TEST(ws_utf8_fails_fast) {
    // Autobahn 6.4.1: κόσμε, then F4 90 80 80 (> U+10FFFF), then "edited". The validator must
    // reject at the 90, before the rest arrives.
    const uint8_t* p = u8("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xf4\x90\x80\x80\x65\x64");
    uint8_t st = utf8_feed(kUtf8Accept, p, 11);
    CHECK(utf8_complete(st));
    st = utf8_feed(st, p + 11, 1); // F4: could still be valid
    CHECK(st != kUtf8Reject);
    CHECK(!utf8_complete(st));
    st = utf8_feed(st, p + 12, 1); // 90: cannot
    CHECK_EQ(st, kUtf8Reject);
    // Sticky: more valid input does not bring it back.
    st = utf8_feed(st, u8("abc"), 3);
    CHECK_EQ(st, kUtf8Reject);
    CHECK_EQ(utf8_feed(kUtf8Reject, nullptr, 0), kUtf8Reject);

    // Rejected within the chunk where it happens, even when valid ASCII follows in bulk.
    std::string s = "\xE0\x80";
    s += std::string(100, 'a');
    CHECK_EQ(utf8_feed(kUtf8Accept, reinterpret_cast<const uint8_t*>(s.data()), 2), kUtf8Reject);
}

TW_TEST(ws_utf8_every_code_point) {
    int bad_valid = 0, bad_invalid = 0;
    for (uint32_t cp = 0; cp <= 0x10FFFF; ++cp) {
        const std::string s = encode(cp);
        const bool surrogate = cp >= 0xD800 && cp <= 0xDFFF;
        if (valid(s) == surrogate) {
            if (surrogate)
                ++bad_invalid;
            else
                ++bad_valid;
        }
    }
    CHECK_EQ(bad_valid, 0);
    CHECK_EQ(bad_invalid, 0);
}

TW_TEST(ws_utf8_all_short_sequences_match_reference) {
    // Every 1- and 2-byte input, and every 3-byte input, against the reference decoder.
    int mismatches = 0;
    uint8_t b[4];
    for (unsigned x = 0; x < 256; ++x) {
        b[0] = static_cast<uint8_t>(x);
        if (utf8_valid(b, 1) != reference_valid(b, 1)) ++mismatches;
        for (unsigned y = 0; y < 256; ++y) {
            b[1] = static_cast<uint8_t>(y);
            if (utf8_valid(b, 2) != reference_valid(b, 2)) ++mismatches;
            for (unsigned z = 0; z < 256; ++z) {
                b[2] = static_cast<uint8_t>(z);
                if (utf8_valid(b, 3) != reference_valid(b, 3)) ++mismatches;
            }
        }
    }
    CHECK_EQ(mismatches, 0);
}

TW_TEST(ws_utf8_four_byte_sequences_match_reference) {
    // Leads F0..FF with every second byte and a spread of third/fourth bytes.
    const uint8_t tails[] = {0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F,
                             0xA0, 0xBF, 0xC0, 0xC2, 0xF4, 0xFF};
    int mismatches = 0;
    uint8_t b[4];
    for (unsigned x = 0xF0; x < 256; ++x)
        for (unsigned y = 0; y < 256; ++y)
            for (uint8_t z : tails)
                for (uint8_t w : tails) {
                    b[0] = static_cast<uint8_t>(x);
                    b[1] = static_cast<uint8_t>(y);
                    b[2] = z;
                    b[3] = w;
                    if (utf8_valid(b, 4) != reference_valid(b, 4)) ++mismatches;
                }
    CHECK_EQ(mismatches, 0);
}

TW_TEST(ws_utf8_ascii_fast_path_positions) {
    // A non-ASCII byte at every offset of a long ASCII run, so that the word-at-a-time path and
    // the byte tail both meet it.
    for (size_t len = 1; len < 48; ++len) {
        for (size_t at = 0; at < len; ++at) {
            std::string good(len, 'x');
            std::string bad(len, 'x');
            bad[at] = '\x80';
            CHECK(valid(good));
            CHECK(!valid(bad));
            std::string two = good;
            two.insert(at, "\xC3\xA9"); // é inserted anywhere stays valid
            CHECK(valid(two));
            std::string cut = good;
            cut.insert(at, "\xC3"); // a lead byte without its continuation
            CHECK(!valid(cut));
        }
    }
}

TW_TEST(ws_utf8_chunking_every_position) {
    const std::string text = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80z\xF4\x8F\xBF\xBF";
    CHECK(chunked_agrees(text, true));
    CHECK(chunked_agrees(text + "\xE2\x82", false)); // truncated at the end
    CHECK(chunked_agrees("a\xED\xA0\x80z", false));  // surrogate in the middle
    // Byte by byte gives the same states as one call.
    const auto* p = reinterpret_cast<const uint8_t*>(text.data());
    uint8_t st = kUtf8Accept;
    for (size_t i = 0; i < text.size(); ++i) st = utf8_feed(st, p + i, 1);
    CHECK_EQ(st, utf8_feed(kUtf8Accept, p, text.size()));
    CHECK(utf8_complete(st));
}

TW_TEST(ws_utf8_validator_wrapper) {
    Utf8Validator v;
    CHECK(v.complete());
    CHECK(v.feed(u8("\xE2\x82"), 2));
    CHECK(!v.complete());
    CHECK(!v.failed());
    CHECK(v.feed(u8("\xAC"), 1));
    CHECK(v.complete());
    CHECK(!v.feed(u8("\xFF"), 1));
    CHECK(v.failed());
    CHECK(!v.feed(u8("a"), 1)); // sticky
    v.reset();
    CHECK(v.complete());
    CHECK_EQ(v.state(), kUtf8Accept);
}

TW_TEST(ws_utf8_foreign_state_is_rejected) {
    // A corrupted state byte must not index outside the tables.
    CHECK_EQ(utf8_feed(5, u8("a"), 1), kUtf8Reject);
    CHECK_EQ(utf8_feed(200, u8("a"), 1), kUtf8Reject);
}
