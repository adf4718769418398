// Tests of the header-value helpers (case-insensitive compare, token lists) and percent-decoding.
#include "http/field_values.hpp"
#include "http/percent_decode.hpp"

#include "../framework/check.hpp"

#include <string_view>

using namespace tickwire::detail::http;

TW_TEST(http_iequals) {
    CHECK(iequals("Sec-WebSocket-Key", "sec-websocket-key"));
    CHECK(iequals("", ""));
    CHECK(!iequals("Host", "Hos"));
    CHECK(!iequals("Host", "Hosu"));
    // Only ASCII letters fold: '@' (0x40) and '`' (0x60) differ by 0x20 but are not letters.
    CHECK(!iequals("@", "`"));
    CHECK(!iequals("[", "{"));
    CHECK(!iequals("\xc3\xa9", "\xc3\x89"));  // no locale, no UTF-8 folding
}

TW_TEST(http_trim_ows) {
    CHECK(trim_ows(" \t a b \t ") == "a b");
    CHECK(trim_ows("   ").empty());
    CHECK(trim_ows("").empty());
    CHECK(trim_ows("x") == "x");
    CHECK(trim_ows("\r x\r") == "\r x\r");  // only SP and HTAB are OWS
}

TW_TEST(http_list_reader) {
    ListReader list(" a, ,b ,\t c d ,, ");
    std::string_view item;
    REQUIRE(list.next(item));
    CHECK(item == "a");
    REQUIRE(list.next(item));
    CHECK(item == "b");
    REQUIRE(list.next(item));
    CHECK(item == "c d");
    CHECK(!list.next(item));
    CHECK(!list.next(item));  // stays exhausted

    ListReader empty("");
    CHECK(!empty.next(item));
    ListReader commas(" , ,, ");
    CHECK(!commas.next(item));
}

TW_TEST(http_contains_token) {
    CHECK(contains_token("Upgrade", "upgrade"));
    CHECK(contains_token("keep-alive, Upgrade", "upgrade"));
    CHECK(contains_token("keep-alive,Upgrade", "UPGRADE"));
    CHECK(contains_token("  upgrade\t,x", "upgrade"));
    CHECK(!contains_token("upgrade-insecure", "upgrade"));  // whole elements only
    CHECK(!contains_token("keep-alive", "upgrade"));
    CHECK(!contains_token("", "upgrade"));
    CHECK(!contains_token("up grade", "upgrade"));
    CHECK(!contains_token("xupgrade", "upgrade"));
}

TW_TEST(http_percent_decode) {
    char out[64];
    PercentResult r = percent_decode("/a%20b%2Fc%2fd%41%7e", out, sizeof out);
    REQUIRE(r.ok());
    CHECK(std::string_view(out, r.size) == "/a b/c/dA~");

    r = percent_decode("a+b", out, sizeof out);  // '+' is not a space in paths
    REQUIRE(r.ok());
    CHECK(std::string_view(out, r.size) == "a+b");

    r = percent_decode("%00%ff", out, sizeof out);
    REQUIRE(r.ok());
    REQUIRE_EQ(r.size, size_t{2});
    CHECK_EQ(out[0], '\0');
    CHECK_EQ(static_cast<unsigned char>(out[1]), 0xffu);

    r = percent_decode("", out, sizeof out);
    CHECK(r.ok());
    CHECK_EQ(r.size, size_t{0});
}

TW_TEST(http_percent_decode_errors) {
    char out[8];
    const char* bad[] = {"%", "%2", "a%g0", "%0g", "%%20", "abc%"};
    for (const char* text : bad) {
        const PercentResult r = percent_decode(text, out, sizeof out);
        CHECK_EQ(r.error, PercentError::BadEscape);
        CHECK(!r.ok());
    }
    PercentResult r = percent_decode("12345678", out, 8);
    CHECK(r.ok());
    r = percent_decode("123456789", out, 8);
    CHECK_EQ(r.error, PercentError::OutputTooSmall);
    r = percent_decode("1234567%41", out, 8);  // 8 decoded bytes: fits
    CHECK(r.ok());
    r = percent_decode("x", nullptr, 0);
    CHECK_EQ(r.error, PercentError::OutputTooSmall);
    CHECK(std::strcmp(to_string(PercentError::BadEscape), to_string(PercentError::OutputTooSmall)) != 0);
}

TW_TEST(http_percent_decode_in_place) {
    char text[] = "%61%62c%2F";
    const PercentResult r = percent_decode(std::string_view(text, sizeof text - 1), text, sizeof text);
    REQUIRE(r.ok());
    CHECK(std::string_view(text, r.size) == "abc/");
}
