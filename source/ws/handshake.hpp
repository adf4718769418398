// The WebSocket opening handshake (RFC 6455 §4), both sides, sans-I/O: it reads heads parsed
// by http/head_parser.hpp and writes heads into caller buffers. No allocation, no sockets.
// No extension (permessage-deflate or other) is ever offered or accepted.
//
// Server side:
//     UpgradeRequest up;
//     UpgradeRequestError e = check_upgrade_request(request, up);
//     if (e != UpgradeRequestError::None) return send(write_rejection(buf, cap, e));  // then close
//     if (!app_accepts_origin(up.origin)) return send(write_rejection(buf, cap, 403));
//     AcceptParams accept;
//     accept.key = up.key;
//     accept.subprotocol = choose_subprotocol(request.headers, supported, supported_count);
//     send(write_accept_response(buf, cap, accept));  // frames follow on this connection
//
// Client side:
//     ClientKey key;                               // kept until the response has been checked
//     make_client_key(nonce_from_rng, key);
//     ClientRequestParams params;  params.host = "example.com:9000";  params.target = "/chat";
//     params.key = key;
//     send(write_upgrade_request(buf, cap, params));
//     ... parse_response() returns Done ...
//     std::string_view chosen;
//     UpgradeResponseError e = check_upgrade_response(response, key, offered, n, chosen);
//     // bytes after head_size may already be frames: the server may send right after its 101
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "http/head_parser.hpp"
#include "http/head_writer.hpp"

namespace tickwire::detail::ws {

constexpr size_t kKeyNonceSize = 16;    // random bytes behind a Sec-WebSocket-Key
constexpr size_t kKeyTextSize = 24;     // their base64 text
constexpr size_t kAcceptTextSize = 28;  // base64 of a SHA-1 digest

// Sec-WebSocket-Accept for `key` (the base64 text as sent): base64(SHA-1(key + RFC GUID)).
// False when `key` is not kKeyTextSize characters long (`out` is then untouched), or if the
// base64 helper fails.
bool compute_accept(std::string_view key, char (&out)[kAcceptTextSize]) noexcept;

// ---------------------------------------------------------------------------------------------
// Server side

enum class UpgradeRequestError : uint8_t {
    None,
    NotWebSocket,              // no `Upgrade: websocket`: a plain HTTP request     -> 426
    UnsupportedVersion,        // Sec-WebSocket-Version missing, repeated or not 13 -> 426
    MethodNotGet,              //                                                    -> 400
    HttpVersionTooOld,         // HTTP/1.0                                           -> 400
    MissingConnectionUpgrade,  // Connection does not list "upgrade"                 -> 400
    BadHost,                   // Host missing, empty or repeated                    -> 400
    BadKey,                    // Sec-WebSocket-Key missing, repeated or not the
                               // base64 of 16 bytes                                 -> 400
};

const char* to_string(UpgradeRequestError error) noexcept;

// The status to answer with: 426 (with `Sec-WebSocket-Version: 13`) or 400; 0 for None.
int http_status_for(UpgradeRequestError error) noexcept;

// What the application may look at before accepting; views into the request's input.
struct UpgradeRequest {
    std::string_view key;     // Sec-WebSocket-Key, 24 base64 characters
    std::string_view host;    // Host
    std::string_view origin;  // Origin; empty when absent (non-browser clients send none)
    std::string_view path;    // as in the request line, not percent-decoded
    std::string_view query;
};

// A cheap routing test for a server that also serves plain HTTP on the same port: true when the
// request asks for `Upgrade: websocket` (it may still fail check_upgrade_request).
bool wants_websocket(const http::Request& request) noexcept;

// Validates a parsed request as an opening handshake (RFC 6455 §4.2.1). `out` is filled only on
// None. Sec-WebSocket-Extensions is ignored: no extension is ever accepted.
UpgradeRequestError check_upgrade_request(const http::Request& request, UpgradeRequest& out) noexcept;

// The subprotocol to accept: the first one in the client's Sec-WebSocket-Protocol list(s), in the
// client's order of preference, that is also in `supported` (exact, case-sensitive match).
// Returns a view of the `supported` entry, or an empty view when there is no common protocol (the
// handshake then goes on without one; the client decides whether that is acceptable).
std::string_view choose_subprotocol(const http::HeaderList& request_headers,
                                    const std::string_view* supported, size_t supported_count) noexcept;

struct AcceptParams {
    std::string_view key;          // UpgradeRequest::key
    std::string_view subprotocol;  // from choose_subprotocol; empty: no Sec-WebSocket-Protocol
    const http::Header* extra_headers = nullptr;  // e.g. Set-Cookie; checked for CR/LF
    size_t extra_count = 0;
};

// "HTTP/1.1 101 Switching Protocols" with Upgrade, Connection, Sec-WebSocket-Accept, the
// subprotocol if any and the extra headers. InvalidField for a malformed key or extra header.
http::WriteResult write_accept_response(char* out, size_t cap, const AcceptParams& params) noexcept;

// A refusal with a short text body and `Connection: close` (close after sending it): 400, 403,
// 404 or 426 (the latter with `Upgrade: websocket` and `Sec-WebSocket-Version: 13`).
// `detail`, if not empty, is appended to the body ("400 Bad Request: <detail>") for a person
// debugging a client; it is body text, so any bytes are safe.
http::WriteResult write_rejection(char* out, size_t cap, int status, std::string_view detail = {}) noexcept;

// The refusal for a failed check: http_status_for(error) with to_string(error) as the detail.
http::WriteResult write_rejection(char* out, size_t cap, UpgradeRequestError error) noexcept;

// ---------------------------------------------------------------------------------------------
// Client side

// Sec-WebSocket-Key text. Zero-filled until make_client_key succeeds (a zero key is refused by
// write_upgrade_request, so a forgotten key cannot go out).
struct ClientKey {
    char text[kKeyTextSize] = {};
    std::string_view view() const noexcept { return std::string_view(text, kKeyTextSize); }
};

// Base64 of the caller's 16 random bytes (from the context's CSPRNG: RFC 6455 §4.1 wants them
// unpredictable). False only if the base64 helper fails.
bool make_client_key(const uint8_t (&nonce)[kKeyNonceSize], ClientKey& out) noexcept;

struct ClientRequestParams {
    std::string_view host;    // Host value: "example.com", or "example.com:9000" off port 80/443
    std::string_view target;  // path and query: "/chat?room=1"; must start with '/'
    ClientKey key;
    const std::string_view* protocols = nullptr;  // offered subprotocols, most preferred first
    size_t protocol_count = 0;
    std::string_view origin;                      // empty: no Origin header
    const http::Header* extra_headers = nullptr;  // e.g. Authorization; checked for CR/LF
    size_t extra_count = 0;
};

// "GET <target> HTTP/1.1" with Host, Upgrade, Connection, Sec-WebSocket-Key,
// Sec-WebSocket-Version: 13, Sec-WebSocket-Protocol (when offered), Origin and the extra headers.
// InvalidField for a target that is not "/..." visible ASCII, a host with spaces or control
// characters, a protocol that is not a token, an unset key or a malformed extra header.
http::WriteResult write_upgrade_request(char* out, size_t cap, const ClientRequestParams& params) noexcept;

enum class UpgradeResponseError : uint8_t {
    None,
    NotSwitchingProtocols,     // status is not 101 (the Response still has it, e.g. 404)
    NotWebSocket,              // no `Upgrade: websocket`
    MissingConnectionUpgrade,  // Connection does not list "upgrade"
    BadAccept,                 // Sec-WebSocket-Accept missing, repeated or not for our key
    UnexpectedSubprotocol,     // a protocol we did not offer, several, or the header repeated
    UnexpectedExtension,       // Sec-WebSocket-Extensions names an extension (we offer none)
};

const char* to_string(UpgradeResponseError error) noexcept;

// Validates a parsed response to our request (RFC 6455 §4.1, the client's checks). On None,
// `subprotocol` is a view of the `offered` entry the server chose, or empty for none.
UpgradeResponseError check_upgrade_response(const http::Response& response, const ClientKey& key,
                                            const std::string_view* offered, size_t offered_count,
                                            std::string_view& subprotocol) noexcept;

} // namespace tickwire::detail::ws
