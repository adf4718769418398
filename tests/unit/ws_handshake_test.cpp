// Tests of the WebSocket opening handshake: the RFC 6455 example, every rejection on both sides,
// subprotocol choice, the written heads, and a client/server round trip through the parser.
#include "ws/handshake.hpp"

#include "../framework/check.hpp"

#include <cstring>
#include <string>
#include <string_view>

using namespace tickwire::detail;
using namespace tickwire::detail::ws;

namespace {

constexpr std::string_view kRfcKey = "dGhlIHNhbXBsZSBub25jZQ==";  // RFC 6455 §1.3
constexpr std::string_view kRfcAccept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

// Owns a copy of the text, so that the parsed views stay valid as long as this object.
struct ParsedRequest {
    std::string text;
    http::Header storage[16];
    http::Request request;
    bool ok = false;
    explicit ParsedRequest(std::string_view bytes) : text(bytes) {
        http::HeadLimits limits;
        limits.max_headers = 16;
        ok = http::parse_request(text, limits, storage, request).done();
    }
};

// Owns a copy of the text, so that the parsed views stay valid as long as this object.
struct ParsedResponse {
    std::string text;
    http::Header storage[16];
    http::Response response;
    bool ok = false;
    size_t head_size = 0;
    explicit ParsedResponse(std::string_view bytes) : text(bytes) {
        http::HeadLimits limits;
        limits.max_headers = 16;
        const http::ParseResult r = http::parse_response(text, limits, storage, response);
        ok = r.done();
        head_size = r.head_size;
    }
};

// The RFC 6455 §1.3 client handshake; `remove_line` drops the line starting with it, `add_line`
// is appended after the others, `request_line` replaces the first line.
std::string rfc_request(std::string_view remove_line = {}, std::string_view add_line = {},
                        std::string_view request_line = "GET /chat?x=1 HTTP/1.1") {
    const std::string_view lines[] = {
        "Host: server.example.com",
        "Upgrade: websocket",
        "Connection: Upgrade",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        "Origin: http://example.com",
        "Sec-WebSocket-Protocol: chat, superchat",
        "Sec-WebSocket-Version: 13",
    };
    std::string text(request_line);
    text += "\r\n";
    for (std::string_view line : lines) {
        if (!remove_line.empty() && line.substr(0, remove_line.size()) == remove_line) continue;
        text.append(line.data(), line.size());
        text += "\r\n";
    }
    if (!add_line.empty()) {
        text.append(add_line.data(), add_line.size());
        text += "\r\n";
    }
    text += "\r\n";
    return text;
}

} // namespace

TW_TEST(ws_accept_rfc_example) {
    char accept[kAcceptTextSize];
    REQUIRE(compute_accept(kRfcKey, accept));
    CHECK(std::string_view(accept, sizeof accept) == kRfcAccept);
    // The nanomsg capture in shared/sp/WIRE.md: another real pair.
    REQUIRE(compute_accept("oODKC24O1elZlJIxZU44lA==", accept));
    CHECK(std::string_view(accept, sizeof accept) == "BVkSWLvZ/ZWH/rFqY6Po/jK56/w=");
    CHECK(!compute_accept("short", accept));
}

TW_TEST(ws_server_accepts_rfc_request) {
    const std::string text = rfc_request();
    ParsedRequest p(text);
    REQUIRE(p.ok);
    CHECK(wants_websocket(p.request));
    UpgradeRequest up;
    REQUIRE_EQ(check_upgrade_request(p.request, up), UpgradeRequestError::None);
    CHECK(up.key == kRfcKey);
    CHECK(up.host == "server.example.com");
    CHECK(up.origin == "http://example.com");
    CHECK(up.path == "/chat");
    CHECK(up.query == "x=1");

    const std::string_view supported[] = {"superchat", "chat"};
    AcceptParams accept;
    accept.key = up.key;
    // The client's preference wins: it listed "chat" first.
    accept.subprotocol = choose_subprotocol(p.request.headers, supported, 2);
    CHECK(accept.subprotocol == "chat");
    CHECK(accept.subprotocol.data() == supported[1].data());  // a view of the server's entry

    char buf[512];
    const http::WriteResult r = write_accept_response(buf, sizeof buf, accept);
    REQUIRE(r.ok());
    CHECK(std::string_view(buf, r.size) ==
          "HTTP/1.1 101 Switching Protocols\r\n"
          "Upgrade: websocket\r\n"
          "Connection: Upgrade\r\n"
          "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
          "Sec-WebSocket-Protocol: chat\r\n"
          "\r\n");
}

TW_TEST(ws_server_lenient_where_rfc_allows) {
    // Case-insensitive tokens, Connection as a list, a missing Origin, HTTP/1.1 with LF endings.
    const std::string_view text =
        "GET / HTTP/1.1\n"
        "host: h:9000\n"
        "upgrade: WebSocket\n"
        "connection: keep-alive, Upgrade\n"
        "sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\n"
        "sec-websocket-version: 13\n"
        "\n";
    ParsedRequest p(text);
    REQUIRE(p.ok);
    UpgradeRequest up;
    REQUIRE_EQ(check_upgrade_request(p.request, up), UpgradeRequestError::None);
    CHECK(up.origin.empty());
    CHECK(up.host == "h:9000");
    const std::string_view supported[] = {"chat"};
    CHECK(choose_subprotocol(p.request.headers, supported, 1).empty());  // none offered
}

TW_TEST(ws_server_rejections) {
    struct Case {
        const char* name;
        std::string text;
        UpgradeRequestError error;
        int status;
    };
    const Case cases[] = {
        {"plain_get", rfc_request("Upgrade"), UpgradeRequestError::NotWebSocket, 426},
        {"upgrade_h2c", rfc_request("Upgrade", "Upgrade: h2c"), UpgradeRequestError::NotWebSocket, 426},
        {"no_version", rfc_request("Sec-WebSocket-Version"), UpgradeRequestError::UnsupportedVersion, 426},
        {"version_8", rfc_request("Sec-WebSocket-Version", "Sec-WebSocket-Version: 8"),
         UpgradeRequestError::UnsupportedVersion, 426},
        {"version_twice", rfc_request({}, "Sec-WebSocket-Version: 13"),
         UpgradeRequestError::UnsupportedVersion, 426},
        {"post", rfc_request({}, {}, "POST /chat HTTP/1.1"), UpgradeRequestError::MethodNotGet, 400},
        {"http10", rfc_request({}, {}, "GET /chat HTTP/1.0"), UpgradeRequestError::HttpVersionTooOld, 400},
        {"no_connection", rfc_request("Connection"), UpgradeRequestError::MissingConnectionUpgrade, 400},
        {"connection_keep_alive", rfc_request("Connection", "Connection: keep-alive"),
         UpgradeRequestError::MissingConnectionUpgrade, 400},
        {"no_host", rfc_request("Host"), UpgradeRequestError::BadHost, 400},
        {"empty_host", rfc_request("Host", "Host:"), UpgradeRequestError::BadHost, 400},
        {"two_hosts", rfc_request({}, "Host: evil.example.com"), UpgradeRequestError::BadHost, 400},
        {"no_key", rfc_request("Sec-WebSocket-Key"), UpgradeRequestError::BadKey, 400},
        {"two_keys", rfc_request({}, "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="),
         UpgradeRequestError::BadKey, 400},
        {"key_15_bytes", rfc_request("Sec-WebSocket-Key", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25j"),
         UpgradeRequestError::BadKey, 400},
        {"key_17_bytes", rfc_request("Sec-WebSocket-Key", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ1x"),
         UpgradeRequestError::BadKey, 400},
        {"key_not_base64", rfc_request("Sec-WebSocket-Key", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25*ZQ=="),
         UpgradeRequestError::BadKey, 400},
        {"key_bad_padding", rfc_request("Sec-WebSocket-Key", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=a"),
         UpgradeRequestError::BadKey, 400},
    };
    for (const Case& c : cases) {
        ParsedRequest p(c.text);
        REQUIRE(p.ok);
        UpgradeRequest up;
        const UpgradeRequestError e = check_upgrade_request(p.request, up);
        if (e != c.error) std::printf("    case %s: %s\n", c.name, to_string(e));
        CHECK_EQ(e, c.error);
        CHECK_EQ(http_status_for(e), c.status);
    }
    CHECK_EQ(http_status_for(UpgradeRequestError::None), 0);
}

TW_TEST(ws_server_subprotocol_choice) {
    const std::string text = rfc_request(
        "Sec-WebSocket-Protocol", "Sec-WebSocket-Protocol: a.sp.nanomsg.org, , rep.sp.nanomsg.org\r\n"
                                  "Sec-WebSocket-Protocol: chat");
    ParsedRequest p(text);
    REQUIRE(p.ok);
    const std::string_view only_chat[] = {"chat"};
    CHECK(choose_subprotocol(p.request.headers, only_chat, 1) == "chat");  // from the 2nd header
    const std::string_view rep_first[] = {"chat", "rep.sp.nanomsg.org"};
    CHECK(choose_subprotocol(p.request.headers, rep_first, 2) == "rep.sp.nanomsg.org");
    const std::string_view upper[] = {"CHAT"};  // exact match: subprotocols are case-sensitive
    CHECK(choose_subprotocol(p.request.headers, upper, 1).empty());
    CHECK(choose_subprotocol(p.request.headers, nullptr, 0).empty());
}

TW_TEST(ws_server_accept_response_variants) {
    char buf[512];
    const http::Header extra[] = {{"Set-Cookie", "id=1"}, {"X-Server", "tickwire"}};
    AcceptParams accept;
    accept.key = kRfcKey;
    accept.extra_headers = extra;
    accept.extra_count = 2;
    http::WriteResult r = write_accept_response(buf, sizeof buf, accept);
    REQUIRE(r.ok());
    CHECK(std::string_view(buf, r.size) ==
          "HTTP/1.1 101 Switching Protocols\r\n"
          "Upgrade: websocket\r\n"
          "Connection: Upgrade\r\n"
          "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
          "Set-Cookie: id=1\r\n"
          "X-Server: tickwire\r\n"
          "\r\n");

    const http::Header injected[] = {{"X-A", "1\r\nX-B: 2"}};
    accept.extra_headers = injected;
    accept.extra_count = 1;
    CHECK_EQ(write_accept_response(buf, sizeof buf, accept).error, http::WriteError::InvalidField);

    accept.extra_count = 0;
    accept.key = "not a key";
    CHECK_EQ(write_accept_response(buf, sizeof buf, accept).error, http::WriteError::InvalidField);

    accept.key = kRfcKey;
    CHECK_EQ(write_accept_response(buf, 40, accept).error, http::WriteError::BufferTooSmall);
}

TW_TEST(ws_server_rejection_responses) {
    char buf[512];
    http::WriteResult r = write_rejection(buf, sizeof buf, UpgradeRequestError::UnsupportedVersion);
    REQUIRE(r.ok());
    CHECK(std::string_view(buf, r.size) ==
          "HTTP/1.1 426 Upgrade Required\r\n"
          "Content-Type: text/plain; charset=utf-8\r\n"
          "Content-Length: 55\r\n"
          "Connection: close\r\n"
          "Upgrade: websocket\r\n"
          "Sec-WebSocket-Version: 13\r\n"
          "\r\n"
          "426 Upgrade Required: Sec-WebSocket-Version must be 13\n");

    // Content-Length always matches the body: parse the head back and measure.
    const int statuses[] = {400, 403, 404, 426};
    for (int status : statuses) {
        for (std::string_view detail : {std::string_view(), std::string_view("origin not allowed")}) {
            r = write_rejection(buf, sizeof buf, status, detail);
            REQUIRE(r.ok());
            ParsedResponse p(std::string_view(buf, r.size));
            REQUIRE(p.ok);
            CHECK_EQ(p.response.status, status);
            CHECK(p.response.headers.has_token("Connection", "close"));
            const size_t version_headers = p.response.headers.count_of("Sec-WebSocket-Version");
            CHECK_EQ(version_headers, status == 426 ? size_t{1} : size_t{0});
            const std::string_view length = p.response.headers.find("Content-Length")->value;
            CHECK_EQ(std::to_string(r.size - p.head_size), std::string(length));
        }
    }
    r = write_rejection(buf, sizeof buf, 403);
    REQUIRE(r.ok());
    CHECK(std::string_view(buf, r.size).substr(r.size - 14) == "403 Forbidden\n");
    CHECK_EQ(write_rejection(buf, 50, 404).error, http::WriteError::BufferTooSmall);
}

TW_TEST(ws_client_key) {
    const uint8_t nonce[kKeyNonceSize] = {'t', 'h', 'e', ' ', 's', 'a', 'm', 'p',
                                          'l', 'e', ' ', 'n', 'o', 'n', 'c', 'e'};
    ClientKey key;
    REQUIRE(make_client_key(nonce, key));
    CHECK(key.view() == kRfcKey);  // RFC 6455 §1.3 names the nonce behind its example key
}

TW_TEST(ws_client_request_bytes) {
    const uint8_t nonce[kKeyNonceSize] = {'t', 'h', 'e', ' ', 's', 'a', 'm', 'p',
                                          'l', 'e', ' ', 'n', 'o', 'n', 'c', 'e'};
    ClientRequestParams params;
    REQUIRE(make_client_key(nonce, params.key));
    params.host = "server.example.com";
    params.target = "/chat";
    const std::string_view protocols[] = {"chat", "superchat"};
    params.protocols = protocols;
    params.protocol_count = 2;
    params.origin = "http://example.com";
    char buf[512];
    http::WriteResult r = write_upgrade_request(buf, sizeof buf, params);
    REQUIRE(r.ok());
    CHECK(std::string_view(buf, r.size) ==
          "GET /chat HTTP/1.1\r\n"
          "Host: server.example.com\r\n"
          "Upgrade: websocket\r\n"
          "Connection: Upgrade\r\n"
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
          "Sec-WebSocket-Version: 13\r\n"
          "Sec-WebSocket-Protocol: chat, superchat\r\n"
          "Origin: http://example.com\r\n"
          "\r\n");

    // Minimal: no protocols, no Origin.
    params.protocol_count = 0;
    params.origin = {};
    r = write_upgrade_request(buf, sizeof buf, params);
    REQUIRE(r.ok());
    const std::string_view text(buf, r.size);
    CHECK(text.find("Sec-WebSocket-Protocol") == std::string_view::npos);
    CHECK(text.find("Origin") == std::string_view::npos);
    CHECK(text.find("Sec-WebSocket-Extensions") == std::string_view::npos);  // never offered
}

TW_TEST(ws_client_request_rejects_bad_fields) {
    const uint8_t nonce[kKeyNonceSize] = {};
    ClientRequestParams good;
    REQUIRE(make_client_key(nonce, good.key));
    good.host = "h";
    good.target = "/";
    char buf[512];
    REQUIRE(write_upgrade_request(buf, sizeof buf, good).ok());

    ClientRequestParams p = good;
    p.target = "chat";
    CHECK_EQ(write_upgrade_request(buf, sizeof buf, p).error, http::WriteError::InvalidField);
    p.target = "/a b";
    CHECK_EQ(write_upgrade_request(buf, sizeof buf, p).error, http::WriteError::InvalidField);
    p.target = "";
    CHECK_EQ(write_upgrade_request(buf, sizeof buf, p).error, http::WriteError::InvalidField);
    p = good;
    p.host = "h\r\nX: y";
    CHECK_EQ(write_upgrade_request(buf, sizeof buf, p).error, http::WriteError::InvalidField);
    p.host = "";
    CHECK_EQ(write_upgrade_request(buf, sizeof buf, p).error, http::WriteError::InvalidField);
    p = good;
    p.key = ClientKey{};  // never made: refused rather than sent as zeros
    CHECK_EQ(write_upgrade_request(buf, sizeof buf, p).error, http::WriteError::InvalidField);
    p = good;
    const std::string_view bad_protocols[] = {"chat", "two words"};
    p.protocols = bad_protocols;
    p.protocol_count = 2;
    CHECK_EQ(write_upgrade_request(buf, sizeof buf, p).error, http::WriteError::InvalidField);
    p = good;
    p.origin = "http://x\r\n";
    CHECK_EQ(write_upgrade_request(buf, sizeof buf, p).error, http::WriteError::InvalidField);
    p = good;
    CHECK_EQ(write_upgrade_request(buf, 60, p).error, http::WriteError::BufferTooSmall);
}

namespace {

// A 101 for the RFC key; `remove_line` drops the line starting with it, `add_lines` are appended.
std::string rfc_response(std::string_view remove_line = {}, std::string_view add_lines = {},
                         std::string_view status_line = "HTTP/1.1 101 Switching Protocols") {
    const std::string_view lines[] = {
        "Upgrade: websocket",
        "Connection: Upgrade",
        "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
    };
    std::string text(status_line);
    text += "\r\n";
    for (std::string_view line : lines) {
        if (!remove_line.empty() && line.substr(0, remove_line.size()) == remove_line) continue;
        text.append(line.data(), line.size());
        text += "\r\n";
    }
    if (!add_lines.empty()) {
        text.append(add_lines.data(), add_lines.size());
        text += "\r\n";
    }
    text += "\r\n";
    return text;
}

ClientKey rfc_client_key() {
    ClientKey key;
    std::memcpy(key.text, kRfcKey.data(), kKeyTextSize);
    return key;
}

} // namespace

TW_TEST(ws_client_accepts_valid_responses) {
    const std::string_view offered[] = {"chat", "superchat"};
    std::string_view chosen = "stale";
    ParsedResponse plain(rfc_response());
    REQUIRE(plain.ok);
    CHECK_EQ(check_upgrade_response(plain.response, rfc_client_key(), offered, 2, chosen),
             UpgradeResponseError::None);
    CHECK(chosen.empty());

    ParsedResponse with_protocol(rfc_response({}, "Sec-WebSocket-Protocol: superchat\r\n"
                                                  "Sec-WebSocket-Extensions:"));  // empty: none
    REQUIRE(with_protocol.ok);
    CHECK_EQ(check_upgrade_response(with_protocol.response, rfc_client_key(), offered, 2, chosen),
             UpgradeResponseError::None);
    CHECK(chosen == "superchat");
    CHECK(chosen.data() == offered[1].data());

    // Tokens are case-insensitive and Connection may be a list.
    ParsedResponse lenient("HTTP/1.1 101 OK\r\nupgrade: WEBSOCKET\r\nconnection: keep-alive, upgrade\r\n"
                           "sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n");
    REQUIRE(lenient.ok);
    CHECK_EQ(check_upgrade_response(lenient.response, rfc_client_key(), nullptr, 0, chosen),
             UpgradeResponseError::None);
}

TW_TEST(ws_client_rejections) {
    struct Case {
        const char* name;
        std::string text;
        UpgradeResponseError error;
    };
    const Case cases[] = {
        {"status_200", rfc_response({}, {}, "HTTP/1.1 200 OK"), UpgradeResponseError::NotSwitchingProtocols},
        {"status_404", rfc_response({}, {}, "HTTP/1.1 404 Not Found"),
         UpgradeResponseError::NotSwitchingProtocols},
        {"no_upgrade", rfc_response("Upgrade"), UpgradeResponseError::NotWebSocket},
        {"upgrade_other", rfc_response("Upgrade", "Upgrade: h2c"), UpgradeResponseError::NotWebSocket},
        {"no_connection", rfc_response("Connection"), UpgradeResponseError::MissingConnectionUpgrade},
        {"no_accept", rfc_response("Sec-WebSocket-Accept"), UpgradeResponseError::BadAccept},
        {"wrong_accept",
         rfc_response("Sec-WebSocket-Accept", "Sec-WebSocket-Accept: BVkSWLvZ/ZWH/rFqY6Po/jK56/w="),
         UpgradeResponseError::BadAccept},
        {"accept_case_changed",
         rfc_response("Sec-WebSocket-Accept", "Sec-WebSocket-Accept: S3PPLMBiTxaQ9kYGzzhZRbK+xOo="),
         UpgradeResponseError::BadAccept},
        {"two_accepts", rfc_response({}, "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="),
         UpgradeResponseError::BadAccept},
        {"extension", rfc_response({}, "Sec-WebSocket-Extensions: permessage-deflate"),
         UpgradeResponseError::UnexpectedExtension},
        {"protocol_not_offered", rfc_response({}, "Sec-WebSocket-Protocol: mqtt"),
         UpgradeResponseError::UnexpectedSubprotocol},
        {"protocol_case", rfc_response({}, "Sec-WebSocket-Protocol: CHAT"),
         UpgradeResponseError::UnexpectedSubprotocol},
        {"protocol_list", rfc_response({}, "Sec-WebSocket-Protocol: chat, superchat"),
         UpgradeResponseError::UnexpectedSubprotocol},
        {"protocol_twice", rfc_response({}, "Sec-WebSocket-Protocol: chat\r\nSec-WebSocket-Protocol: chat"),
         UpgradeResponseError::UnexpectedSubprotocol},
        {"protocol_empty", rfc_response({}, "Sec-WebSocket-Protocol:"),
         UpgradeResponseError::UnexpectedSubprotocol},
    };
    const std::string_view offered[] = {"chat", "superchat"};
    for (const Case& c : cases) {
        ParsedResponse p(c.text);
        REQUIRE(p.ok);
        std::string_view chosen;
        const UpgradeResponseError e =
            check_upgrade_response(p.response, rfc_client_key(), offered, 2, chosen);
        if (e != c.error) std::printf("    case %s: %s\n", c.name, to_string(e));
        CHECK_EQ(e, c.error);
    }
    // A protocol answer when none was offered.
    ParsedResponse p(rfc_response({}, "Sec-WebSocket-Protocol: chat"));
    REQUIRE(p.ok);
    std::string_view chosen;
    CHECK_EQ(check_upgrade_response(p.response, rfc_client_key(), nullptr, 0, chosen),
             UpgradeResponseError::UnexpectedSubprotocol);
    // The right accept for another key is still wrong for ours.
    ClientKey other;
    std::memcpy(other.text, "oODKC24O1elZlJIxZU44lA==", kKeyTextSize);
    ParsedResponse ok(rfc_response());
    REQUIRE(ok.ok);
    CHECK_EQ(check_upgrade_response(ok.response, other, nullptr, 0, chosen), UpgradeResponseError::BadAccept);
}

TW_TEST(ws_round_trip_client_server_client) {
    // Client writes -> server parses, checks, chooses, answers -> client parses and checks.
    uint8_t nonce[kKeyNonceSize];
    for (size_t i = 0; i < kKeyNonceSize; ++i) nonce[i] = static_cast<uint8_t>(0xA5 ^ (i * 37));
    ClientRequestParams params;
    REQUIRE(make_client_key(nonce, params.key));
    params.host = "127.0.0.1:9460";
    params.target = "/some/path?id=7";
    const std::string_view client_protocols[] = {"rep.sp.nanomsg.org", "pair.sp.nanomsg.org"};
    params.protocols = client_protocols;
    params.protocol_count = 2;
    const http::Header client_extra[] = {{"Authorization", "Bearer abc"}};
    params.extra_headers = client_extra;
    params.extra_count = 1;
    char request_bytes[512];
    const http::WriteResult written = write_upgrade_request(request_bytes, sizeof request_bytes, params);
    REQUIRE(written.ok());

    ParsedRequest server_view(std::string_view(request_bytes, written.size));
    REQUIRE(server_view.ok);
    UpgradeRequest up;
    REQUIRE_EQ(check_upgrade_request(server_view.request, up), UpgradeRequestError::None);
    CHECK(up.path == "/some/path");
    CHECK(up.query == "id=7");
    CHECK(up.host == "127.0.0.1:9460");
    CHECK(up.origin.empty());
    CHECK(up.key == params.key.view());
    CHECK(server_view.request.headers.find("authorization")->value == "Bearer abc");

    const std::string_view server_protocols[] = {"pair.sp.nanomsg.org", "rep.sp.nanomsg.org"};
    AcceptParams accept;
    accept.key = up.key;
    accept.subprotocol = choose_subprotocol(server_view.request.headers, server_protocols, 2);
    CHECK(accept.subprotocol == "rep.sp.nanomsg.org");
    char response_bytes[512];
    const http::WriteResult answer = write_accept_response(response_bytes, sizeof response_bytes, accept);
    REQUIRE(answer.ok());

    ParsedResponse client_view(std::string_view(response_bytes, answer.size));
    REQUIRE(client_view.ok);
    std::string_view chosen;
    REQUIRE_EQ(check_upgrade_response(client_view.response, params.key, client_protocols, 2, chosen),
               UpgradeResponseError::None);
    CHECK(chosen == "rep.sp.nanomsg.org");
    CHECK(chosen.data() == client_protocols[0].data());

    // A different key on the client side (another connection's) must not verify.
    ClientRequestParams other;
    nonce[0] ^= 1;
    REQUIRE(make_client_key(nonce, other.key));
    CHECK_EQ(check_upgrade_response(client_view.response, other.key, client_protocols, 2, chosen),
             UpgradeResponseError::BadAccept);
}

TW_TEST(ws_error_strings_distinct) {
    const UpgradeRequestError server[] = {
        UpgradeRequestError::None, UpgradeRequestError::NotWebSocket,
        UpgradeRequestError::UnsupportedVersion, UpgradeRequestError::MethodNotGet,
        UpgradeRequestError::HttpVersionTooOld, UpgradeRequestError::MissingConnectionUpgrade,
        UpgradeRequestError::BadHost, UpgradeRequestError::BadKey};
    for (auto a : server)
        for (auto b : server)
            if (a != b) CHECK(std::strcmp(to_string(a), to_string(b)) != 0);
    const UpgradeResponseError client[] = {
        UpgradeResponseError::None, UpgradeResponseError::NotSwitchingProtocols,
        UpgradeResponseError::NotWebSocket, UpgradeResponseError::MissingConnectionUpgrade,
        UpgradeResponseError::BadAccept, UpgradeResponseError::UnexpectedSubprotocol,
        UpgradeResponseError::UnexpectedExtension};
    for (auto a : client)
        for (auto b : client)
            if (a != b) CHECK(std::strcmp(to_string(a), to_string(b)) != 0);
}
