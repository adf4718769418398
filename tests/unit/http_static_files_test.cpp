// Tests of the static-file helpers: target -> safe relative path (with traversal attempts),
// MIME types, keep-alive rules and the response heads.
#include "http/static_files.hpp"

#include "../framework/check.hpp"

#include <cstring>
#include <string_view>

using namespace tickwire::detail::http;

namespace {

struct PathCase {
    std::string_view target;
    std::string_view path;  // expected on success
    PathError error;
};

const PathCase kPaths[] = {
    {"/", "index.html", PathError::None},
    {"/index.html", "index.html", PathError::None},
    {"/js/app.js?v=3", "js/app.js", PathError::None},
    {"/js/app.js?../../x", "js/app.js", PathError::None},  // the query never reaches the path
    {"/docs/", "docs/index.html", PathError::None},
    {"/docs", "docs", PathError::None},                    // a file, or a 404: the caller's stat says
    {"/a%20b//c/", "a b/c/index.html", PathError::None},
    {"//a///b", "a/b", PathError::None},                   // no leading '/' in the result
    {"/./a/./b/.", "a/b/index.html", PathError::None},
    {"/.", "index.html", PathError::None},
    {"/%2e", "index.html", PathError::None},               // encoded "." is still "."
    {"/a/b.c.d", "a/b.c.d", PathError::None},
    {"/caf%C3%A9.png", "caf\xc3\xa9.png", PathError::None},
    {"/a+b", "a+b", PathError::None},
    {"/..", "", PathError::DotDotSegment},
    {"/../etc/passwd", "", PathError::DotDotSegment},
    {"/a/../../etc/passwd", "", PathError::DotDotSegment},
    {"/a/..", "", PathError::DotDotSegment},
    {"/%2e%2e/secret", "", PathError::DotDotSegment},
    {"/.%2E/secret", "", PathError::DotDotSegment},
    {"/a%2f..%2f..%2fetc", "", PathError::EncodedSlash},
    {"/a%2Fb", "", PathError::EncodedSlash},
    {"/..%5c..%5cwindows", "", PathError::Backslash},
    {"/a\\b", "", PathError::Backslash},
    {"/..\\..\\windows", "", PathError::Backslash},
    {"/a%00.html", "", PathError::NulByte},
    {"/a%0d%0aX: y", "", PathError::BadCharacter},
    {"/a%7f", "", PathError::BadCharacter},
    {"/C:/windows", "", PathError::BadCharacter},
    {"/file.txt::$DATA", "", PathError::BadCharacter},
    {"/.git/config", "", PathError::HiddenSegment},
    {"/a/.env", "", PathError::HiddenSegment},
    {"/%2egit/config", "", PathError::HiddenSegment},
    {"/...", "", PathError::HiddenSegment},
    {"/a%zz", "", PathError::BadEscape},
    {"/a%2", "", PathError::BadEscape},
    {"", "", PathError::NotOriginForm},
    {"*", "", PathError::NotOriginForm},
    {"index.html", "", PathError::NotOriginForm},
    {"http://host/../x", "", PathError::NotOriginForm},
    {"?x", "", PathError::NotOriginForm},
};

} // namespace

TW_TEST(http_static_path_mapping) {
    for (const PathCase& c : kPaths) {
        char out[128];
        std::memset(out, 'Z', sizeof out);
        const PathResult r = map_target_to_path(c.target, out, sizeof out);
        if (r.error != c.error)
            std::printf("    target \"%.*s\": %s\n", static_cast<int>(c.target.size()), c.target.data(),
                        to_string(r.error));
        CHECK_EQ(r.error, c.error);
        if (c.error == PathError::None && r.ok()) {
            CHECK(std::string_view(out, r.size) == c.path);
            CHECK_EQ(out[r.size], '\0');
        } else {
            CHECK_EQ(r.size, size_t{0});
        }
    }
}

TW_TEST(http_static_path_too_long) {
    // "a/bb/index.html" is 15 bytes + NUL: 16 fits, 15 does not.
    char out[32];
    PathResult r = map_target_to_path("/a/bb/", out, 16);
    REQUIRE(r.ok());
    CHECK(std::string_view(out, r.size) == "a/bb/index.html");
    for (size_t cap = 0; cap < 16; ++cap) {
        r = map_target_to_path("/a/bb/", cap == 0 ? nullptr : out, cap);
        CHECK_EQ(r.error, PathError::TooLong);
    }
    // A long segment that fits only encoded.
    r = map_target_to_path("/%61%61%61%61", out, 5);
    REQUIRE(r.ok());
    CHECK(std::string_view(out, r.size) == "aaaa");
    r = map_target_to_path("/%61%61%61%61", out, 4);
    CHECK_EQ(r.error, PathError::TooLong);
}

TW_TEST(http_static_mime_types) {
    struct Case {
        std::string_view path, type;
    };
    const Case cases[] = {
        {"index.html", "text/html; charset=utf-8"},
        {"a/b.HTM", "text/html; charset=utf-8"},
        {"app.js", "text/javascript; charset=utf-8"},
        {"mod.mjs", "text/javascript; charset=utf-8"},
        {"style.css", "text/css; charset=utf-8"},
        {"data.json", "application/json"},
        {"app.js.map", "application/json"},
        {"readme.txt", "text/plain; charset=utf-8"},
        {"img.png", "image/png"},
        {"img.JPG", "image/jpeg"},
        {"img.jpeg", "image/jpeg"},
        {"anim.gif", "image/gif"},
        {"logo.svg", "image/svg+xml"},
        {"favicon.ico", "image/x-icon"},
        {"game.wasm", "application/wasm"},
        {"font.woff2", "font/woff2"},
        {"archive.tar.gz", "application/octet-stream"},
        {"noextension", "application/octet-stream"},
        {"dir.d/noextension", "application/octet-stream"},  // the dot is in a directory name
        {"trailing.", "application/octet-stream"},
        {"", "application/octet-stream"},
        {"x.htmlx", "application/octet-stream"},
    };
    for (const Case& c : cases) {
        if (mime_type_for(c.path) != c.type)
            std::printf("    path \"%.*s\"\n", static_cast<int>(c.path.size()), c.path.data());
        CHECK(mime_type_for(c.path) == c.type);
    }
}

namespace {

// Parses a request head that must be valid, for the classification tests.
struct ParsedRequest {
    Header storage[8];
    Request request;
    explicit ParsedRequest(std::string_view text) {
        HeadLimits limits;
        limits.max_headers = 8;
        ok = parse_request(text, limits, storage, request).done();
    }
    bool ok = false;
};

} // namespace

TW_TEST(http_static_classify) {
    struct Case {
        std::string_view head;
        bool allowed, head_only, keep_alive;
    };
    const Case cases[] = {
        {"GET / HTTP/1.1\r\nHost: h\r\n\r\n", true, false, true},
        {"HEAD / HTTP/1.1\r\nHost: h\r\n\r\n", true, true, true},
        {"GET / HTTP/1.1\r\nConnection: close\r\n\r\n", true, false, false},
        {"GET / HTTP/1.1\r\nConnection: keep-alive, CLOSE\r\n\r\n", true, false, false},
        {"GET / HTTP/1.0\r\n\r\n", true, false, false},
        {"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", true, false, true},
        {"HEAD / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true, true, true},
        {"POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\n", false, false, false},  // unread body
        {"DELETE / HTTP/1.1\r\n\r\n", false, false, true},
        {"get / HTTP/1.1\r\n\r\n", false, false, true},  // methods are case-sensitive
        {"GET / HTTP/1.1\r\nContent-Length: 0\r\n\r\n", true, false, true},
        {"GET / HTTP/1.1\r\nContent-Length: 10\r\n\r\n", true, false, false},
        {"GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", true, false, false},
    };
    for (const Case& c : cases) {
        ParsedRequest p(c.head);
        REQUIRE(p.ok);
        const StaticRequest how = classify_static_request(p.request);
        if (how.method_allowed != c.allowed || how.head_only != c.head_only ||
            how.keep_alive != c.keep_alive)
            std::printf("    head \"%.*s\"\n", static_cast<int>(c.head.size()), c.head.data());
        CHECK_EQ(how.method_allowed, c.allowed);
        CHECK_EQ(how.head_only, c.head_only);
        CHECK_EQ(how.keep_alive, c.keep_alive);
    }
}

TW_TEST(http_static_file_head) {
    char buf[256];
    StaticRequest how;
    how.method_allowed = true;
    how.keep_alive = true;
    WriteResult r = write_file_head(buf, sizeof buf, how, mime_type_for("game.wasm"), 1234567);
    REQUIRE(r.ok());
    CHECK(std::string_view(buf, r.size) ==
          "HTTP/1.1 200 OK\r\n"
          "Content-Type: application/wasm\r\n"
          "Content-Length: 1234567\r\n"
          "Connection: keep-alive\r\n"
          "\r\n");

    // The head parses back as the response a client would see.
    Header storage[8];
    Response response;
    HeadLimits limits;
    limits.max_headers = 8;
    const ParseResult parsed = parse_response(std::string_view(buf, r.size), limits, storage, response);
    REQUIRE(parsed.done());
    CHECK_EQ(parsed.head_size, r.size);
    CHECK_EQ(response.status, 200);
    CHECK(response.headers.find("content-length")->value == "1234567");

    how.keep_alive = false;
    r = write_file_head(buf, sizeof buf, how, "text/html; charset=utf-8", 0);
    REQUIRE(r.ok());
    CHECK(std::string_view(buf, r.size).find("Connection: close\r\n") != std::string_view::npos);
    CHECK(std::string_view(buf, r.size).find("Content-Length: 0\r\n") != std::string_view::npos);

    r = write_file_head(buf, 20, how, "text/html", 0);
    CHECK_EQ(r.error, WriteError::BufferTooSmall);
    r = write_file_head(buf, sizeof buf, how, "text/html\r\nX-Injected: 1", 0);
    CHECK_EQ(r.error, WriteError::InvalidField);
}

TW_TEST(http_static_error_responses) {
    char buf[256];
    StaticRequest how;
    how.keep_alive = true;
    WriteResult r = write_static_error(buf, sizeof buf, how, 404);
    REQUIRE(r.ok());
    CHECK(std::string_view(buf, r.size) ==
          "HTTP/1.1 404 Not Found\r\n"
          "Content-Type: text/plain; charset=utf-8\r\n"
          "Content-Length: 14\r\n"
          "Connection: keep-alive\r\n"
          "\r\n"
          "404 Not Found\n");

    how.keep_alive = false;
    r = write_static_error(buf, sizeof buf, how, 405);
    REQUIRE(r.ok());
    CHECK(std::string_view(buf, r.size) ==
          "HTTP/1.1 405 Method Not Allowed\r\n"
          "Content-Type: text/plain; charset=utf-8\r\n"
          "Content-Length: 23\r\n"
          "Connection: close\r\n"
          "Allow: GET, HEAD\r\n"
          "\r\n"
          "405 Method Not Allowed\n");

    how.head_only = true;  // HEAD: the same head, no body
    r = write_static_error(buf, sizeof buf, how, 404);
    REQUIRE(r.ok());
    const std::string_view text(buf, r.size);
    CHECK(text.find("Content-Length: 14\r\n") != std::string_view::npos);
    CHECK(text.substr(text.size() - 4) == "\r\n\r\n");
    CHECK(text.find("404 Not Found\n") == std::string_view::npos);

    r = write_static_error(buf, sizeof buf, how, 7);
    CHECK_EQ(r.error, WriteError::InvalidField);
    r = write_static_error(buf, 30, how, 404);
    CHECK_EQ(r.error, WriteError::BufferTooSmall);
}
