// Tests of the HTTP/1.1 head parser: every valid sample parsed whole and byte by byte (into a
// fresh buffer each time, as a ring that moves would), every error, the limits, line endings
// and case-insensitive lookups.
#include "http/head_parser.hpp"

#include "../framework/check.hpp"

#include <string>
#include <string_view>

using namespace tickwire::detail::http;

namespace {

constexpr size_t kMaxHeaders = 16;

struct ParsedRequest {
    ParseResult result;
    Request request;
    Header storage[kMaxHeaders];
};

struct ParsedResponse {
    ParseResult result;
    Response response;
    Header storage[kMaxHeaders];
};

HeadLimits limits(size_t max_head_bytes = 8192, size_t max_headers = kMaxHeaders) {
    HeadLimits l;
    l.max_head_bytes = max_head_bytes;
    l.max_headers = max_headers;
    return l;
}

bool inside(std::string_view view, std::string_view buffer) {
    return view.empty() ||
           (view.data() >= buffer.data() && view.data() + view.size() <= buffer.data() + buffer.size());
}

bool views_inside(const Request& r, std::string_view buffer) {
    if (!inside(r.method, buffer) || !inside(r.target, buffer) || !inside(r.path, buffer) ||
        !inside(r.query, buffer))
        return false;
    for (const Header& h : r.headers)
        if (!inside(h.name, buffer) || !inside(h.value, buffer)) return false;
    return true;
}

bool views_inside(const Response& r, std::string_view buffer) {
    if (!inside(r.reason, buffer)) return false;
    for (const Header& h : r.headers)
        if (!inside(h.name, buffer) || !inside(h.value, buffer)) return false;
    return true;
}

// Feeds `text` one byte at a time, each call with a freshly copied buffer (so that views kept from
// an earlier call would dangle) and one HeadScan. Returns the first result that is not NeedMore
// (or the last NeedMore); `copy` is the buffer of that call.
template <typename Message>
ParseResult feed_bytewise(std::string_view text, Message& out, Header* storage, std::string& copy,
                          const HeadLimits& l,
                          ParseResult (*parse)(std::string_view, const HeadLimits&, Header*, Message&,
                                               HeadScan*) noexcept) {
    HeadScan scan;
    ParseResult result;
    for (size_t len = 0; len <= text.size(); ++len) {
        copy.assign(text.data(), len);
        copy.reserve(copy.size() + 64);  // make later assigns likely to move the data
        std::string moved = copy;        // a different address than any earlier call
        copy.swap(moved);
        result = parse(copy, l, storage, out, &scan);
        if (!result.need_more()) {
            if (result.done()) CHECK_EQ(scan.checked, size_t{0});  // reset for the next head
            return result;
        }
    }
    return result;
}

struct RequestSample {
    const char* name;
    std::string_view text;
    std::string_view method, target, path, query;
    int minor_version;
    size_t header_count;
    size_t head_size;  // bytes of the head (text may continue with a body)
};

const RequestSample kRequests[] = {
    {"crlf", "GET /index.html HTTP/1.1\r\nHost: example.com\r\n\r\n", "GET", "/index.html",
     "/index.html", "", 1, 1, 47},
    {"bare_lf", "GET /index.html HTTP/1.1\nHost: example.com\n\n", "GET", "/index.html",
     "/index.html", "", 1, 1, 44},
    {"mixed_endings", "GET / HTTP/1.1\r\nHost: a\nAccept: */*\r\n\n", "GET", "/", "/", "", 1, 2, 38},
    {"query", "GET /chat?room=1&x=%20 HTTP/1.1\r\nHost: h\r\n\r\n", "GET", "/chat?room=1&x=%20",
     "/chat", "room=1&x=%20", 1, 1, 44},
    {"empty_query", "GET /a? HTTP/1.1\r\n\r\n", "GET", "/a?", "/a", "", 1, 0, 20},
    {"http10_no_headers", "GET / HTTP/1.0\r\n\r\n", "GET", "/", "/", "", 0, 0, 18},
    {"absolute_form", "GET http://example.com/x?y HTTP/1.1\r\nHost: example.com\r\n\r\n", "GET",
     "http://example.com/x?y", "http://example.com/x", "y", 1, 1, 58},
    {"asterisk", "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", "OPTIONS", "*", "*", "", 1, 1, 31},
    {"leading_empty_lines", "\r\n\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", "GET", "/", "/", "", 1, 1, 30},
    {"body_follows", "POST /up HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", "POST", "/up", "/up", "",
     1, 1, 40},
    {"websocket_upgrade",
     "GET /chat HTTP/1.1\r\n"
     "Host: server.example.com\r\n"
     "Upgrade: websocket\r\n"
     "Connection: Upgrade\r\n"
     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
     "Origin: http://example.com\r\n"
     "Sec-WebSocket-Protocol: chat, superchat\r\n"
     "Sec-WebSocket-Version: 13\r\n\r\n",
     "GET", "/chat", "/chat", "", 1, 7, 230},
};

} // namespace

TW_TEST(http_parser_valid_requests_whole) {
    for (const RequestSample& s : kRequests) {
        ParsedRequest p;
        p.result = parse_request(s.text, limits(), p.storage, p.request);
        if (!p.result.done()) std::printf("    sample %s\n", s.name);
        REQUIRE(p.result.done());
        CHECK_EQ(p.result.head_size, s.head_size);
        CHECK(p.request.method == s.method);
        CHECK(p.request.target == s.target);
        CHECK(p.request.path == s.path);
        CHECK(p.request.query == s.query);
        CHECK_EQ(p.request.minor_version, s.minor_version);
        CHECK_EQ(p.request.headers.count, s.header_count);
        CHECK(p.request.headers.items == p.storage);
        CHECK(views_inside(p.request, s.text));
    }
}

TW_TEST(http_parser_valid_requests_byte_by_byte) {
    for (const RequestSample& s : kRequests) {
        ParsedRequest p;
        std::string copy;
        p.result = feed_bytewise<Request>(s.text, p.request, p.storage, copy, limits(), parse_request);
        if (!p.result.done()) std::printf("    sample %s\n", s.name);
        REQUIRE(p.result.done());
        // The first Done comes exactly when the blank line is complete.
        CHECK_EQ(copy.size(), s.head_size);
        CHECK_EQ(p.result.head_size, s.head_size);
        CHECK(p.request.method == s.method);
        CHECK(p.request.target == s.target);
        CHECK(p.request.path == s.path);
        CHECK(p.request.query == s.query);
        CHECK_EQ(p.request.minor_version, s.minor_version);
        CHECK_EQ(p.request.headers.count, s.header_count);
        CHECK(views_inside(p.request, copy));  // no view left pointing into an older buffer
    }
}

TW_TEST(http_parser_header_fields) {
    const std::string_view text =
        "GET / HTTP/1.1\r\n"
        "Host: example.com:8080\r\n"
        "X-Padded: \t  some value \t \r\n"
        "X-Empty:\r\n"
        "X-Spaces:    \r\n"
        "X-Obs-Text: caf\xc3\xa9\r\n"
        "X-Inner:a  b\tc\r\n"
        "\r\n";
    ParsedRequest p;
    p.result = parse_request(text, limits(), p.storage, p.request);
    REQUIRE(p.result.done());
    REQUIRE_EQ(p.request.headers.count, size_t{6});
    const Header* h = p.request.headers.items;
    CHECK(h[0].name == "Host");
    CHECK(h[0].value == "example.com:8080");
    CHECK(h[1].value == "some value");
    CHECK(h[2].name == "X-Empty");
    CHECK(h[2].value.empty());
    CHECK(h[3].value.empty());
    CHECK(h[4].value == "caf\xc3\xa9");
    CHECK(h[5].value == "a  b\tc");
}

TW_TEST(http_parser_case_insensitive_lookup) {
    const std::string_view text =
        "GET / HTTP/1.1\r\n"
        "hOsT: h\r\n"
        "connection: keep-alive\r\n"
        "CONNECTION:  UPGRADE \r\n"
        "X-Dup: 1\r\n"
        "x-dup: 2\r\n"
        "\r\n";
    ParsedRequest p;
    p.result = parse_request(text, limits(), p.storage, p.request);
    REQUIRE(p.result.done());
    const HeaderList& headers = p.request.headers;
    REQUIRE(headers.find("Host") != nullptr);
    CHECK(headers.find("HOST")->value == "h");
    CHECK(headers.find("X-Missing") == nullptr);
    CHECK(headers.find("X-DUP")->value == "1");  // the first one
    CHECK_EQ(headers.count_of("x-Dup"), size_t{2});
    CHECK_EQ(headers.count_of("Host"), size_t{1});
    CHECK_EQ(headers.count_of("Nope"), size_t{0});
    CHECK(headers.has_token("Connection", "upgrade"));     // in the second Connection header
    CHECK(headers.has_token("connection", "Keep-Alive"));
    CHECK(!headers.has_token("Connection", "close"));
    CHECK(!headers.has_token("Upgrade", "websocket"));
    // The method is case-sensitive: "get" is a valid token, but not "GET".
    ParsedRequest lower;
    lower.result = parse_request("get / HTTP/1.1\r\n\r\n", limits(), lower.storage, lower.request);
    REQUIRE(lower.result.done());
    CHECK(lower.request.method == "get");
    CHECK(lower.request.method != "GET");
}

namespace {

struct ResponseSample {
    const char* name;
    std::string_view text;
    int minor_version;
    int status;
    std::string_view reason;
    size_t header_count;
    size_t head_size;
};

const ResponseSample kResponses[] = {
    {"switching",
     "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
     "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n",
     1, 101, "Switching Protocols", 3, 129},
    {"no_reason", "HTTP/1.1 204\r\n\r\n", 1, 204, "", 0, 16},
    {"empty_reason", "HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n", 1, 200, "", 1, 36},
    {"http10_lf", "HTTP/1.0 404 Not Found\nContent-Length: 3\n\nabc", 0, 404, "Not Found", 1, 42},
    {"reason_with_obs_text", "HTTP/1.1 500 Erreur \xe9t\xe9\r\n\r\n", 1, 500, "Erreur \xe9t\xe9", 0, 27},
};

} // namespace

TW_TEST(http_parser_valid_responses) {
    for (const ResponseSample& s : kResponses) {
        ParsedResponse whole;
        whole.result = parse_response(s.text, limits(), whole.storage, whole.response);
        ParsedResponse bytewise;
        std::string copy;
        bytewise.result = feed_bytewise<Response>(s.text, bytewise.response, bytewise.storage, copy,
                                                  limits(), parse_response);
        if (!whole.result.done() || !bytewise.result.done()) std::printf("    sample %s\n", s.name);
        REQUIRE(whole.result.done());
        REQUIRE(bytewise.result.done());
        CHECK_EQ(copy.size(), s.head_size);
        for (const ParsedResponse* p : {&whole, &bytewise}) {
            CHECK_EQ(p->result.head_size, s.head_size);
            CHECK_EQ(p->response.minor_version, s.minor_version);
            CHECK_EQ(p->response.status, s.status);
            CHECK(p->response.reason == s.reason);
            CHECK_EQ(p->response.headers.count, s.header_count);
        }
        CHECK(views_inside(whole.response, s.text));
        CHECK(views_inside(bytewise.response, copy));
    }
}

namespace {

struct ErrorSample {
    const char* name;
    std::string_view text;
    HeadError error;
};

const ErrorSample kRequestErrors[] = {
    {"method_only", "GET\r\n\r\n", HeadError::BadRequestLine},
    {"no_version", "GET /\r\n\r\n", HeadError::BadRequestLine},
    {"leading_space", " GET / HTTP/1.1\r\n\r\n", HeadError::BadRequestLine},
    {"double_space", "GET  / HTTP/1.1\r\n\r\n", HeadError::BadRequestLine},
    {"bad_method_char", "G(T / HTTP/1.1\r\n\r\n", HeadError::BadMethod},
    {"nul_in_method", std::string_view("G\0T / HTTP/1.1\r\n\r\n", 19), HeadError::BadMethod},
    {"tab_separator", "GET\t/ HTTP/1.1\r\n\r\n", HeadError::BadMethod},
    {"control_in_target", "GET /a\x01 HTTP/1.1\r\n\r\n", HeadError::BadTarget},
    {"non_ascii_target", "GET /caf\xc3\xa9 HTTP/1.1\r\n\r\n", HeadError::BadTarget},
    {"nul_in_target", std::string_view("GET /a\0b HTTP/1.1\r\n\r\n", 22), HeadError::BadTarget},
    {"lowercase_version", "GET / http/1.1\r\n\r\n", HeadError::BadVersion},
    {"http2", "GET / HTTP/2.0\r\n\r\n", HeadError::BadVersion},
    {"two_digit_minor", "GET / HTTP/1.10\r\n\r\n", HeadError::BadVersion},
    {"trailing_space", "GET / HTTP/1.1 \r\n\r\n", HeadError::BadVersion},
    {"bare_cr_in_line", "GET / HTTP/1.1\r\r\n\r\n", HeadError::BadVersion},
    {"no_colon", "GET / HTTP/1.1\r\nHost\r\n\r\n", HeadError::BadHeaderName},
    {"empty_name", "GET / HTTP/1.1\r\n: value\r\n\r\n", HeadError::BadHeaderName},
    {"bad_name_char", "GET / HTTP/1.1\r\nHo\"st: h\r\n\r\n", HeadError::BadHeaderName},
    {"space_inside_name", "GET / HTTP/1.1\r\nHo st: h\r\n\r\n", HeadError::BadHeaderName},
    {"space_before_colon", "GET / HTTP/1.1\r\nHost : h\r\n\r\n", HeadError::WhitespaceBeforeColon},
    {"tab_before_colon", "GET / HTTP/1.1\r\nHost\t: h\r\n\r\n", HeadError::WhitespaceBeforeColon},
    {"obs_fold", "GET / HTTP/1.1\r\nX-A: 1\r\n  continued\r\n\r\n", HeadError::ObsoleteLineFolding},
    {"obs_fold_tab", "GET / HTTP/1.1\r\nX-A: 1\r\n\tcontinued\r\n\r\n", HeadError::ObsoleteLineFolding},
    {"space_after_start", "GET / HTTP/1.1\r\n Host: h\r\n\r\n", HeadError::ObsoleteLineFolding},
    {"nul_in_value", std::string_view("GET / HTTP/1.1\r\nX: a\0b\r\n\r\n", 27), HeadError::BadHeaderValue},
    {"bare_cr_in_value", "GET / HTTP/1.1\r\nX: a\rb\r\n\r\n", HeadError::BadHeaderValue},
    {"del_in_value", "GET / HTTP/1.1\r\nX: a\x7f\r\n\r\n", HeadError::BadHeaderValue},
    {"escape_in_value", "GET / HTTP/1.1\r\nX: \x1b[31m\r\n\r\n", HeadError::BadHeaderValue},
    {"status_line_as_request", "HTTP/1.1 200 OK\r\n\r\n", HeadError::BadMethod},  // '/' is no tchar
};

const ErrorSample kResponseErrors[] = {
    {"empty_first_line", "\r\nHTTP/1.1 200 OK\r\n\r\n", HeadError::BadStatusLine},
    {"version_only", "HTTP/1.1\r\n\r\n", HeadError::BadStatusLine},
    {"request_as_response", "GET / HTTP/1.1\r\n\r\n", HeadError::BadVersion},
    {"http2", "HTTP/2 200 OK\r\n\r\n", HeadError::BadVersion},
    {"short_code", "HTTP/1.1 20 OK\r\n\r\n", HeadError::BadStatusCode},
    {"long_code", "HTTP/1.1 2000 OK\r\n\r\n", HeadError::BadStatusCode},
    {"letter_code", "HTTP/1.1 2x0 OK\r\n\r\n", HeadError::BadStatusCode},
    {"code_below_100", "HTTP/1.1 099 Odd\r\n\r\n", HeadError::BadStatusCode},
    {"double_space", "HTTP/1.1  200 OK\r\n\r\n", HeadError::BadStatusCode},
    {"control_in_reason", "HTTP/1.1 200 O\x01K\r\n\r\n", HeadError::BadStatusLine},
    {"bad_header", "HTTP/1.1 200 OK\r\nX : y\r\n\r\n", HeadError::WhitespaceBeforeColon},
    {"obs_fold", "HTTP/1.1 200 OK\r\nX: y\r\n z\r\n\r\n", HeadError::ObsoleteLineFolding},
};

template <typename Message>
void check_errors(const ErrorSample* samples, size_t count,
                  ParseResult (*parse)(std::string_view, const HeadLimits&, Header*, Message&,
                                       HeadScan*) noexcept) {
    for (size_t i = 0; i < count; ++i) {
        const ErrorSample& s = samples[i];
        Header storage[kMaxHeaders];
        Message message;
        const ParseResult whole = parse(s.text, limits(), storage, message, nullptr);
        std::string copy;
        const ParseResult bytewise = feed_bytewise<Message>(s.text, message, storage, copy, limits(), parse);
        if (whole.error != s.error || bytewise.error != s.error)
            std::printf("    sample %s: got %s / %s\n", s.name, to_string(whole.error),
                        to_string(bytewise.error));
        CHECK(whole.failed());
        CHECK_EQ(whole.error, s.error);
        CHECK(bytewise.failed());
        CHECK_EQ(bytewise.error, s.error);
        CHECK_EQ(whole.head_size, size_t{0});
    }
}

} // namespace

TW_TEST(http_parser_request_errors) {
    check_errors<Request>(kRequestErrors, sizeof kRequestErrors / sizeof kRequestErrors[0], parse_request);
}

TW_TEST(http_parser_response_errors) {
    check_errors<Response>(kResponseErrors, sizeof kResponseErrors / sizeof kResponseErrors[0],
                           parse_response);
}

TW_TEST(http_parser_error_reported_once_line_is_complete) {
    // The bad line is known to be bad as soon as its LF arrives, long before any blank line.
    ParsedRequest p;
    p.result = parse_request("GET / HTTP/1.1\r\nBad Header", limits(), p.storage, p.request);
    CHECK(p.result.need_more());
    p.result = parse_request("GET / HTTP/1.1\r\nBad Header\r\n", limits(), p.storage, p.request);
    CHECK(p.result.failed());
    CHECK_EQ(p.result.error, HeadError::BadHeaderName);
}

TW_TEST(http_parser_need_more) {
    const char* partials[] = {"", "G", "GET / HTTP/1.1", "GET / HTTP/1.1\r", "GET / HTTP/1.1\r\n",
                              "GET / HTTP/1.1\r\nHost: h\r\n", "GET / HTTP/1.1\r\nHost: h\r\n\r",
                              "\r\n"};
    for (const char* text : partials) {
        ParsedRequest p;
        p.result = parse_request(text, limits(), p.storage, p.request);
        CHECK(p.result.need_more());
        CHECK_EQ(p.result.error, HeadError::None);
    }
    ParsedResponse r;
    r.result = parse_response("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n", limits(),
                              r.storage, r.response);
    CHECK(r.result.need_more());
    // A null, empty input is fine too.
    r.result = parse_response(std::string_view(), limits(), r.storage, r.response);
    CHECK(r.result.need_more());
}

TW_TEST(http_parser_header_count_limit) {
    const std::string_view three = "GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n";
    Header storage[3];
    Request request;
    ParseResult r = parse_request(three, limits(8192, 3), storage, request);
    REQUIRE(r.done());
    CHECK_EQ(request.headers.count, size_t{3});
    CHECK(storage[2].name == "C");

    Header two[2];
    r = parse_request(three, limits(8192, 2), two, request);
    CHECK(r.failed());
    CHECK_EQ(r.error, HeadError::TooManyHeaders);

    // No room at all: fine without headers, TooManyHeaders with one.
    r = parse_request("GET / HTTP/1.1\r\n\r\n", limits(8192, 0), nullptr, request);
    CHECK(r.done());
    CHECK_EQ(request.headers.count, size_t{0});
    r = parse_request("GET / HTTP/1.1\r\nA: 1\r\n\r\n", limits(8192, 0), nullptr, request);
    CHECK_EQ(r.error, HeadError::TooManyHeaders);
}

TW_TEST(http_parser_head_size_limit) {
    const std::string_view head = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";  // 27 bytes
    REQUIRE_EQ(head.size(), size_t{27});
    ParsedRequest p;
    // Exactly at the limit: accepted, even with more bytes after it.
    p.result = parse_request(head, limits(27), p.storage, p.request);
    CHECK(p.result.done());
    std::string with_body = std::string(head) + "trailing body bytes";
    p.result = parse_request(with_body, limits(27), p.storage, p.request);
    CHECK(p.result.done());
    CHECK_EQ(p.result.head_size, size_t{27});
    // One byte over.
    p.result = parse_request(head, limits(26), p.storage, p.request);
    CHECK(p.result.failed());
    CHECK_EQ(p.result.error, HeadError::HeadTooLarge);
    // Incomplete: NeedMore below the limit, HeadTooLarge once the limit is reached without an end.
    p.result = parse_request(head.substr(0, 20), limits(21), p.storage, p.request);
    CHECK(p.result.need_more());
    p.result = parse_request(head.substr(0, 21), limits(21), p.storage, p.request);
    CHECK_EQ(p.result.error, HeadError::HeadTooLarge);
    // A long line with no LF at all (a client that is not speaking HTTP).
    const std::string garbage(100, 'x');
    p.result = parse_request(garbage, limits(64), p.storage, p.request);
    CHECK_EQ(p.result.error, HeadError::HeadTooLarge);
    // Empty lines before the request line count toward the limit.
    const std::string blank_lines = std::string(30, '\n') + std::string(head);
    p.result = parse_request(blank_lines, limits(40), p.storage, p.request);
    CHECK_EQ(p.result.error, HeadError::HeadTooLarge);
    p.result = parse_request(blank_lines, limits(57), p.storage, p.request);
    CHECK(p.result.done());
    CHECK_EQ(p.result.head_size, size_t{57});
}

TW_TEST(http_parser_scan_resets_for_pipelined_heads) {
    // Two requests back to back on one connection, parsed with the same HeadScan.
    const std::string stream = "GET /first HTTP/1.1\r\nHost: h\r\n\r\nGET /second HTTP/1.1\r\nX: y\r\n\r\n";
    HeadScan scan;
    ParsedRequest p;
    std::string_view rest = stream;
    p.result = parse_request(rest.substr(0, 10), limits(), p.storage, p.request, &scan);
    CHECK(p.result.need_more());
    p.result = parse_request(rest.substr(0, 25), limits(), p.storage, p.request, &scan);
    CHECK(p.result.need_more());
    CHECK(scan.checked > 0);
    p.result = parse_request(rest, limits(), p.storage, p.request, &scan);
    REQUIRE(p.result.done());
    CHECK(p.request.path == "/first");
    CHECK_EQ(scan.checked, size_t{0});
    rest.remove_prefix(p.result.head_size);
    p.result = parse_request(rest, limits(), p.storage, p.request, &scan);
    REQUIRE(p.result.done());
    CHECK(p.request.path == "/second");
    CHECK_EQ(p.request.headers.count, size_t{1});
    CHECK(p.request.headers.items[0].name == "X");
    CHECK_EQ(p.result.head_size, rest.size());
}

TW_TEST(http_parser_scan_skips_checked_lines) {
    // The scan really resumes: a line already checked is not looked at again. (Changing checked
    // bytes breaks the feeding contract; it is done here only to observe the resume point, and
    // the final full pass then reports what it finds.)
    HeadScan scan;
    ParsedRequest p;
    std::string text = "GET / HTTP/1.1\r\nA: 1\r\n";
    p.result = parse_request(text, limits(), p.storage, p.request, &scan);
    REQUIRE(p.result.need_more());
    CHECK_EQ(scan.checked, text.size());
    CHECK_EQ(scan.header_count, size_t{1});
    CHECK(scan.start_line_done);
    text[0] = '(';  // the request line is now invalid, but it is not re-checked while incomplete
    text += "B: 2\r\n";
    p.result = parse_request(text, limits(), p.storage, p.request, &scan);
    CHECK(p.result.need_more());
    text += "\r\n";
    p.result = parse_request(text, limits(), p.storage, p.request, &scan);
    CHECK_EQ(p.result.error, HeadError::BadMethod);  // caught by the full pass at the end
}

TW_TEST(http_parser_scan_remembers_the_lf_search) {
    // A long header line trickling in: each call searches only the new bytes for its LF.
    std::string text = "GET / HTTP/1.1\r\nX-Long: ";
    HeadScan scan;
    ParsedRequest p;
    for (int i = 0; i < 50; ++i) {
        text += 'a';
        p.result = parse_request(text, limits(), p.storage, p.request, &scan);
        REQUIRE(p.result.need_more());
        CHECK_EQ(scan.checked, size_t{16});        // after the request line
        CHECK_EQ(scan.searched, text.size());       // no LF anywhere up to here
    }
    text += "\r\n";
    p.result = parse_request(text, limits(), p.storage, p.request, &scan);
    REQUIRE(p.result.need_more());
    CHECK_EQ(scan.checked, text.size());
    CHECK_EQ(scan.header_count, size_t{1});
    text += "\r\n";
    p.result = parse_request(text, limits(), p.storage, p.request, &scan);
    REQUIRE(p.result.done());
    CHECK_EQ(p.request.headers.items[0].value.size(), size_t{50});
    CHECK_EQ(scan.searched, size_t{0});  // reset with the rest
}

TW_TEST(http_parser_scan_survives_a_broken_contract) {
    // A scan left over from a longer input (the caller forgot to reset it): no out-of-bounds
    // access, the parser starts over.
    HeadScan scan;
    scan.checked = 1000;
    scan.searched = 1200;
    scan.header_count = 5;
    scan.start_line_done = true;
    ParsedRequest p;
    p.result = parse_request("GET / HTTP/1.1\r\nA: 1\r\n\r\n", limits(), p.storage, p.request, &scan);
    REQUIRE(p.result.done());
    CHECK(p.request.method == "GET");
    CHECK_EQ(p.request.headers.count, size_t{1});
    // Only the LF search is ahead of the input.
    scan = HeadScan{};
    scan.searched = 100;
    p.result = parse_request("GET / HTTP/1.1\r\n\r\n", limits(), p.storage, p.request, &scan);
    CHECK(p.result.done());
}

TW_TEST(http_parser_error_strings_distinct) {
    const HeadError all[] = {HeadError::None, HeadError::BadRequestLine, HeadError::BadMethod,
                             HeadError::BadTarget, HeadError::BadVersion, HeadError::BadStatusLine,
                             HeadError::BadStatusCode, HeadError::BadHeaderName,
                             HeadError::WhitespaceBeforeColon, HeadError::ObsoleteLineFolding,
                             HeadError::BadHeaderValue, HeadError::TooManyHeaders,
                             HeadError::HeadTooLarge};
    for (HeadError a : all) {
        CHECK(std::strlen(to_string(a)) > 0);
        for (HeadError b : all)
            if (a != b) CHECK(std::strcmp(to_string(a), to_string(b)) != 0);
    }
}

// NNG 1.5.2's SP ws dialer sends "GET  HTTP/1.1" for a URL without a path; an SP listener reads
// that as "/" (empty_target_is_root), every other parse still refuses it.
TW_TEST(http_parser_empty_target_only_when_asked) {
    const std::string_view text = "GET  HTTP/1.1\r\nHost: h\r\n\r\n";
    ParsedRequest strict;
    strict.result = parse_request(text, limits(), strict.storage, strict.request);
    CHECK(strict.result.failed());
    HeadLimits lenient = limits();
    lenient.empty_target_is_root = true;
    ParsedRequest p;
    p.result = parse_request(text, lenient, p.storage, p.request);
    REQUIRE(p.result.done());
    CHECK(p.request.target == "/");
    CHECK(p.request.path == "/");
    CHECK(p.request.query.empty());
}
