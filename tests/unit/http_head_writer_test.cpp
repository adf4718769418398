// Tests of the head writer: exact bytes, header validation (no CR/LF injection), overflow.
#include "http/head_writer.hpp"

#include "../framework/check.hpp"

#include <string_view>

using namespace tickwire::detail::http;

TW_TEST(http_writer_exact_bytes) {
    char buf[256];
    HeadWriter w(buf, sizeof buf);
    w.status_line(404);
    w.header("Content-Length", uint64_t{0});
    w.header("X-Big", uint64_t{18446744073709551615ull});
    w.header("X-Empty", "");
    w.end_head();
    const WriteResult r = w.finish();
    REQUIRE(r.ok());
    CHECK(std::string_view(buf, r.size) ==
          "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nX-Big: 18446744073709551615\r\n"
          "X-Empty: \r\n\r\n");
}

TW_TEST(http_writer_rejects_injection) {
    const std::string_view bad_values[] = {"a\r\nSet-Cookie: x", "a\nb", "a\rb",
                                           std::string_view("a\0b", 3), " leading", "trailing\t",
                                           "del\x7f"};
    for (std::string_view value : bad_values) {
        char buf[128];
        HeadWriter w(buf, sizeof buf);
        w.status_line(200);
        w.header("X-Value", value);
        w.end_head();
        const WriteResult r = w.finish();
        CHECK_EQ(r.error, WriteError::InvalidField);
        CHECK_EQ(r.size, size_t{0});
    }
    const std::string_view bad_names[] = {"", "Bad Name", "Bad:Name", "X\r\n", "Caf\xc3\xa9"};
    for (std::string_view name : bad_names) {
        char buf[128];
        HeadWriter w(buf, sizeof buf);
        w.header(name, "v");
        CHECK_EQ(w.finish().error, WriteError::InvalidField);
    }
    CHECK(is_valid_header("X-Ok", "caf\xc3\xa9 \t ok"));
    CHECK(is_valid_header("X-Ok", ""));

    char buf[64];
    HeadWriter w(buf, sizeof buf);
    w.status_line(99);  // not a three-digit status
    CHECK_EQ(w.finish().error, WriteError::InvalidField);
}

TW_TEST(http_writer_overflow_at_every_size) {
    // The full output is 38 bytes; every smaller buffer fails as a whole, never half-written "ok".
    const std::string_view expected = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n";
    for (size_t cap = 0; cap <= expected.size(); ++cap) {
        char buf[64];
        HeadWriter w(cap == 0 ? nullptr : buf, cap);
        w.status_line(200);
        w.header("Content-Length", uint64_t{5});
        w.end_head();
        const WriteResult r = w.finish();
        if (cap < expected.size()) {
            CHECK_EQ(r.error, WriteError::BufferTooSmall);
            CHECK_EQ(r.size, size_t{0});
        } else {
            REQUIRE(r.ok());
            CHECK(std::string_view(buf, r.size) == expected);
        }
    }
}

TW_TEST(http_writer_first_error_sticks) {
    char buf[16];
    HeadWriter w(buf, sizeof buf);
    w.header("Bad Name", "v");
    w.raw("this text is far longer than sixteen bytes");
    CHECK_EQ(w.finish().error, WriteError::InvalidField);
}

TW_TEST(http_text_response) {
    char buf[256];
    const Header extra[] = {{"Allow", "GET, HEAD"}};
    TextResponse response;
    response.status = 405;
    response.body = "405 Method Not Allowed\n";
    response.keep_alive = true;
    response.extra_headers = extra;
    response.extra_count = 1;
    WriteResult r = write_text_response(buf, sizeof buf, response);
    REQUIRE(r.ok());
    CHECK(std::string_view(buf, r.size) ==
          "HTTP/1.1 405 Method Not Allowed\r\n"
          "Content-Type: text/plain; charset=utf-8\r\n"
          "Content-Length: 23\r\n"
          "Connection: keep-alive\r\n"
          "Allow: GET, HEAD\r\n"
          "\r\n"
          "405 Method Not Allowed\n");

    response.head_only = true;  // HEAD: same Content-Length, no body
    response.keep_alive = false;
    r = write_text_response(buf, sizeof buf, response);
    REQUIRE(r.ok());
    const std::string_view text(buf, r.size);
    CHECK(text.find("Content-Length: 23\r\n") != std::string_view::npos);
    CHECK(text.find("Connection: close\r\n") != std::string_view::npos);
    CHECK(text.substr(text.size() - 4) == "\r\n\r\n");
}

TW_TEST(http_reason_phrases) {
    CHECK(reason_phrase(101) == "Switching Protocols");
    CHECK(reason_phrase(426) == "Upgrade Required");
    CHECK(reason_phrase(404) == "Not Found");
    CHECK(reason_phrase(799) == "Unknown");
}
