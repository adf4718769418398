// Sans-I/O parser of HTTP/1.1 message heads (RFC 9112): request heads for the server side,
// response heads for the client side of a WebSocket upgrade and for simple HTTP serving.
//
// The parser is a pure function of the bytes received so far. It never allocates and never
// copies: the parsed Request / Response hold views into the caller's input, and the headers go
// into a fixed array that the caller provides. Each call answers one of three things:
//
//   NeedMore  the head is not complete yet: call again with the same bytes plus more;
//   Done      the head is complete and used `head_size` bytes (the body or the next message,
//             if any, starts right after);
//   Error     the bytes can never become a valid head; `error` says why (a distinct value per
//             failure, with to_string), and the connection should answer 400 or be dropped.
//
// Feeding contract (the classic trap of picohttpparser's users): always pass the WHOLE head
// received so far, from its first byte, not only the new bytes. The buffer may move between
// calls (a ring that is compacted), but the bytes already passed must not change.
//
// Cheap re-runs: pass a HeadScan that lives as long as the connection. It remembers how many
// complete lines were already checked and how far the incomplete one was searched for its LF, so
// a head arriving in many small pieces is scanned once, not once per call (plus one final pass
// over the whole head when it is complete, to point every view into the latest input). When the head is Done the scan resets itself, ready for the next
// head on the same connection (keep-alive). Without a HeadScan every call parses from byte 0.
//
// What is accepted (strict where a lax parser would open request-smuggling holes):
//   - CRLF or bare LF line endings (even mixed); a CR anywhere else is an error;
//   - requests: empty lines before the request line are skipped (RFC 9112 §2.2);
//   - method = token; target = visible ASCII (origin, absolute, authority or asterisk form);
//     exactly one SP between the parts; version "HTTP/1.<digit>";
//   - status line "HTTP/1.<digit> <3 digits>[ <reason>]" (the reason may be absent);
//   - header name = token, directly followed by ':'; the value is trimmed of spaces and tabs and
//     may hold visible ASCII, obs-text (bytes >= 0x80), SP and HTAB, nothing else;
//   - rejected: obsolete line folding (a line starting with SP/HTAB), whitespace before ':',
//     NUL and other control characters anywhere.
//
// Errors are reported as soon as a complete line is wrong; a line that has not yet reached its
// LF is only checked once it is complete (or reported as HeadTooLarge).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tickwire::detail::http {

// One header field; both views point into the parsed input. The value is trimmed of OWS.
struct Header {
    std::string_view name;
    std::string_view value;
};

// The headers of one parsed head, in the order received (a view of the caller's array).
struct HeaderList {
    const Header* items = nullptr;
    size_t count = 0;

    // The first header named `name` (ASCII case-insensitive), or nullptr.
    const Header* find(std::string_view name) const noexcept;
    // How many headers are named `name`: a field that must be unique can be checked with it.
    size_t count_of(std::string_view name) const noexcept;
    // True when any header named `name` holds `token` in its comma-separated list, ignoring ASCII
    // case: has_token("Connection", "upgrade") for `Connection: keep-alive, Upgrade`.
    bool has_token(std::string_view name, std::string_view token) const noexcept;

    const Header* begin() const noexcept { return items; }
    const Header* end() const noexcept { return items + count; }
};

struct Request {
    std::string_view method;   // "GET"; case-sensitive by definition (RFC 9110 §9.1)
    std::string_view target;   // the request-target as sent: "/chat?room=1"
    std::string_view path;     // target before the first '?': "/chat" (not percent-decoded)
    std::string_view query;    // target after the first '?', without it: "room=1"; empty if none
    int minor_version = 0;     // 1 for HTTP/1.1, 0 for HTTP/1.0
    HeaderList headers;
};

struct Response {
    int minor_version = 0;
    int status = 0;            // 100..999
    std::string_view reason;   // may be empty
    HeaderList headers;
};

enum class HeadError : uint8_t {
    None,
    BadRequestLine,         // request line shape: missing or doubled SP, empty part
    BadMethod,              // a method character that is not a tchar
    BadTarget,              // a control, space or non-ASCII byte in the request-target
    BadVersion,             // not "HTTP/1.<digit>" (major versions other than 1 included)
    BadStatusLine,          // status line shape, or a control character in the reason
    BadStatusCode,          // not exactly three digits, or below 100
    BadHeaderName,          // empty name, a non-tchar byte in it, or no ':' at all
    WhitespaceBeforeColon,  // "Host : x" (RFC 9112 §5.1: MUST be rejected)
    ObsoleteLineFolding,    // a header line starting with SP or HTAB
    BadHeaderValue,         // a control character (NUL, CR, DEL...) in a value
    TooManyHeaders,         // more header lines than HeadLimits::max_headers
    HeadTooLarge,           // no end of head within HeadLimits::max_head_bytes
};

const char* to_string(HeadError error) noexcept;

enum class ParseStatus : uint8_t { NeedMore, Done, Error };

struct ParseResult {
    ParseStatus status = ParseStatus::NeedMore;
    HeadError error = HeadError::None;  // set when status == Error
    size_t head_size = 0;               // set when status == Done: bytes used, blank line included

    bool done() const noexcept { return status == ParseStatus::Done; }
    bool need_more() const noexcept { return status == ParseStatus::NeedMore; }
    bool failed() const noexcept { return status == ParseStatus::Error; }
};

// Bounds chosen by the caller; both are hard limits with their own error.
struct HeadLimits {
    size_t max_head_bytes = 8192;  // start line + headers + blank line; HeadTooLarge beyond
    size_t max_headers = 32;       // the header array passed with the limits must be this long
    // "GET  HTTP/1.1" (no target) read as "GET / HTTP/1.1": NNG 1.5.2's ws dialer sends that for
    // a URL without a path. Off by default (RFC 9112 wants a target).
    bool empty_target_is_root = false;
};

// Progress remembered between calls on a growing input. Zero-initialised; reset to HeadScan{}
// when a head is abandoned (the parser resets it by itself on Done).
struct HeadScan {
    size_t checked = 0;           // bytes of complete lines already validated
    size_t searched = 0;          // bytes known to hold no LF after them (the incomplete line),
                                  // so a line trickling in byte by byte is not searched again
    size_t header_count = 0;      // header lines among the checked ones
    bool start_line_done = false; // the request/status line is among them
};

// Parses a request head from `input`. `headers` must have room for `limits.max_headers` entries.
// `out` and the header array are meaningful only when the result is Done; their views point into
// `input`, so they are valid as long as those bytes are.
//
//     Header storage[32];
//     Request request;
//     ParseResult r = parse_request(received, HeadLimits{}, storage, request, &scan);
//     if (r.done()) { route(request); consume(r.head_size); }
//     else if (r.failed()) { answer_400(to_string(r.error)); }
ParseResult parse_request(std::string_view input, const HeadLimits& limits, Header* headers,
                          Request& out, HeadScan* scan = nullptr) noexcept;

// Parses a response head; the same contract as parse_request. Empty lines before the status line
// are not skipped (a server has no reason to send them).
ParseResult parse_response(std::string_view input, const HeadLimits& limits, Header* headers,
                           Response& out, HeadScan* scan = nullptr) noexcept;

} // namespace tickwire::detail::http
