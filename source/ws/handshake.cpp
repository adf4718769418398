#include "ws/handshake.hpp"

#include "crypto/hash.hpp"
#include "http/chars.hpp"
#include "http/field_values.hpp"

#include <cstring>

namespace tickwire::detail::ws {
namespace {

// RFC 6455 §1.3: appended to the key before hashing, so that only a WebSocket server can answer.
constexpr std::string_view kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

bool is_base64_char(char c) noexcept {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
}

// A key is the base64 of exactly 16 bytes: 22 alphabet characters and "==".
bool is_valid_key(std::string_view key) noexcept {
    if (key.size() != kKeyTextSize || key.substr(22) != "==") return false;
    for (size_t i = 0; i < 22; ++i)
        if (!is_base64_char(key[i])) return false;
    uint8_t decoded[kKeyNonceSize + 2];
    return base64_decode(key.data(), key.size(), decoded, sizeof decoded) ==
           static_cast<long>(kKeyNonceSize);
}

bool is_visible_ascii(std::string_view text) noexcept {
    if (text.empty()) return false;
    for (char c : text)
        if (!http::is_vchar(static_cast<unsigned char>(c))) return false;
    return true;
}

// The single value of a header that must appear exactly once, or nullptr.
const http::Header* find_unique(const http::HeaderList& headers, std::string_view name) noexcept {
    return headers.count_of(name) == 1 ? headers.find(name) : nullptr;
}

} // namespace

bool compute_accept(std::string_view key, char (&out)[kAcceptTextSize]) noexcept {
    if (key.size() != kKeyTextSize) return false;
    char input[kKeyTextSize + kGuid.size()];
    std::memcpy(input, key.data(), key.size());
    std::memcpy(input + key.size(), kGuid.data(), kGuid.size());
    uint8_t digest[kSha1Size];
    sha1(input, sizeof input, digest);
    return base64_encode(digest, sizeof digest, out, kAcceptTextSize) == kAcceptTextSize;
}

// ---------------------------------------------------------------------------------------------
// Server side

const char* to_string(UpgradeRequestError error) noexcept {
    switch (error) {
    case UpgradeRequestError::None: return "none";
    case UpgradeRequestError::NotWebSocket: return "not a WebSocket upgrade request";
    case UpgradeRequestError::UnsupportedVersion: return "Sec-WebSocket-Version must be 13";
    case UpgradeRequestError::MethodNotGet: return "WebSocket upgrade needs GET";
    case UpgradeRequestError::HttpVersionTooOld: return "WebSocket upgrade needs HTTP/1.1";
    case UpgradeRequestError::MissingConnectionUpgrade: return "Connection header lacks 'upgrade'";
    case UpgradeRequestError::BadHost: return "Host header missing, empty or repeated";
    case UpgradeRequestError::BadKey: return "Sec-WebSocket-Key missing, repeated or malformed";
    }
    return "unknown upgrade request error";
}

int http_status_for(UpgradeRequestError error) noexcept {
    switch (error) {
    case UpgradeRequestError::None: return 0;
    case UpgradeRequestError::NotWebSocket:
    case UpgradeRequestError::UnsupportedVersion: return 426;
    default: return 400;
    }
}

bool wants_websocket(const http::Request& request) noexcept {
    return request.headers.has_token("Upgrade", "websocket");
}

UpgradeRequestError check_upgrade_request(const http::Request& request, UpgradeRequest& out) noexcept {
    const http::HeaderList& headers = request.headers;
    if (!wants_websocket(request)) return UpgradeRequestError::NotWebSocket;
    if (request.method != "GET") return UpgradeRequestError::MethodNotGet;
    if (request.minor_version < 1) return UpgradeRequestError::HttpVersionTooOld;
    if (!headers.has_token("Connection", "upgrade")) return UpgradeRequestError::MissingConnectionUpgrade;

    const http::Header* host = find_unique(headers, "Host");
    if (host == nullptr || host->value.empty()) return UpgradeRequestError::BadHost;

    const http::Header* version = find_unique(headers, "Sec-WebSocket-Version");
    if (version == nullptr || version->value != "13") return UpgradeRequestError::UnsupportedVersion;

    const http::Header* key = find_unique(headers, "Sec-WebSocket-Key");
    if (key == nullptr || !is_valid_key(key->value)) return UpgradeRequestError::BadKey;

    const http::Header* origin = headers.find("Origin");
    out.key = key->value;
    out.host = host->value;
    out.origin = origin != nullptr ? origin->value : std::string_view{};
    out.path = request.path;
    out.query = request.query;
    return UpgradeRequestError::None;
}

std::string_view choose_subprotocol(const http::HeaderList& request_headers,
                                    const std::string_view* supported, size_t supported_count) noexcept {
    for (const http::Header& header : request_headers) {
        if (!http::iequals(header.name, "Sec-WebSocket-Protocol")) continue;
        http::ListReader offered(header.value);
        for (std::string_view protocol; offered.next(protocol);) {
            for (size_t i = 0; i < supported_count; ++i)
                if (protocol == supported[i]) return supported[i];
        }
    }
    return {};
}

http::WriteResult write_accept_response(char* out, size_t cap, const AcceptParams& params) noexcept {
    http::HeadWriter w(out, cap);
    char accept[kAcceptTextSize];
    if (!is_valid_key(params.key) || !compute_accept(params.key, accept)) {
        w.fail(http::WriteError::InvalidField);
        return w.finish();
    }
    w.status_line(101);
    w.header("Upgrade", "websocket");
    w.header("Connection", "Upgrade");
    w.header("Sec-WebSocket-Accept", std::string_view(accept, sizeof accept));
    if (!params.subprotocol.empty()) w.header("Sec-WebSocket-Protocol", params.subprotocol);
    w.headers(params.extra_headers, params.extra_count);
    w.end_head();
    return w.finish();
}

http::WriteResult write_rejection(char* out, size_t cap, int status, std::string_view detail) noexcept {
    // Body: "426 Upgrade Required: <detail>\n". Its length is known before it is written:
    // status_line() accepts only three-digit statuses.
    constexpr size_t kStatusDigits = 3;
    const std::string_view reason = http::reason_phrase(status);
    const size_t body_size =
        kStatusDigits + 1 + reason.size() + (detail.empty() ? 0 : 2 + detail.size()) + 1;

    http::HeadWriter w(out, cap);
    w.status_line(status);
    w.header("Content-Type", "text/plain; charset=utf-8");
    w.header("Content-Length", static_cast<uint64_t>(body_size));
    w.header("Connection", "close");
    if (status == 426) {
        w.header("Upgrade", "websocket");
        w.header("Sec-WebSocket-Version", "13");
    }
    w.end_head();
    w.decimal(static_cast<uint64_t>(status));
    w.raw(" ");
    w.raw(reason);
    if (!detail.empty()) {
        w.raw(": ");
        w.raw(detail);
    }
    w.raw("\n");
    return w.finish();
}

http::WriteResult write_rejection(char* out, size_t cap, UpgradeRequestError error) noexcept {
    return write_rejection(out, cap, http_status_for(error), to_string(error));
}

// ---------------------------------------------------------------------------------------------
// Client side

bool make_client_key(const uint8_t (&nonce)[kKeyNonceSize], ClientKey& out) noexcept {
    return base64_encode(nonce, kKeyNonceSize, out.text, kKeyTextSize) == kKeyTextSize;
}

http::WriteResult write_upgrade_request(char* out, size_t cap, const ClientRequestParams& params) noexcept {
    http::HeadWriter w(out, cap);
    if (!is_visible_ascii(params.target) || params.target.front() != '/' ||
        !is_visible_ascii(params.host) || !is_valid_key(params.key.view())) {
        w.fail(http::WriteError::InvalidField);
        return w.finish();
    }
    w.raw("GET ");
    w.raw(params.target);
    w.raw(" HTTP/1.1\r\n");
    w.header("Host", params.host);
    w.header("Upgrade", "websocket");
    w.header("Connection", "Upgrade");
    w.header("Sec-WebSocket-Key", params.key.view());
    w.header("Sec-WebSocket-Version", "13");
    if (params.protocol_count > 0) {
        w.raw("Sec-WebSocket-Protocol: ");
        for (size_t i = 0; i < params.protocol_count; ++i) {
            if (!http::is_token(params.protocols[i])) w.fail(http::WriteError::InvalidField);
            if (i > 0) w.raw(", ");
            w.raw(params.protocols[i]);
        }
        w.raw("\r\n");
    }
    if (!params.origin.empty()) w.header("Origin", params.origin);
    w.headers(params.extra_headers, params.extra_count);
    w.end_head();
    return w.finish();
}

const char* to_string(UpgradeResponseError error) noexcept {
    switch (error) {
    case UpgradeResponseError::None: return "none";
    case UpgradeResponseError::NotSwitchingProtocols: return "server did not answer 101";
    case UpgradeResponseError::NotWebSocket: return "response lacks 'Upgrade: websocket'";
    case UpgradeResponseError::MissingConnectionUpgrade: return "response Connection lacks 'upgrade'";
    case UpgradeResponseError::BadAccept: return "Sec-WebSocket-Accept missing or wrong";
    case UpgradeResponseError::UnexpectedSubprotocol: return "server chose a subprotocol not offered";
    case UpgradeResponseError::UnexpectedExtension: return "server chose an extension not offered";
    }
    return "unknown upgrade response error";
}

UpgradeResponseError check_upgrade_response(const http::Response& response, const ClientKey& key,
                                            const std::string_view* offered, size_t offered_count,
                                            std::string_view& subprotocol) noexcept {
    const http::HeaderList& headers = response.headers;
    if (response.status != 101) return UpgradeResponseError::NotSwitchingProtocols;
    if (!headers.has_token("Upgrade", "websocket")) return UpgradeResponseError::NotWebSocket;
    if (!headers.has_token("Connection", "upgrade")) return UpgradeResponseError::MissingConnectionUpgrade;

    char expected[kAcceptTextSize];
    const http::Header* accept = find_unique(headers, "Sec-WebSocket-Accept");
    if (accept == nullptr || !compute_accept(key.view(), expected) ||
        accept->value != std::string_view(expected, sizeof expected))
        return UpgradeResponseError::BadAccept;

    // An empty Sec-WebSocket-Extensions names no extension; any element is one we never offered.
    for (const http::Header& header : headers) {
        std::string_view extension;
        if (http::iequals(header.name, "Sec-WebSocket-Extensions") &&
            http::ListReader(header.value).next(extension))
            return UpgradeResponseError::UnexpectedExtension;
    }

    // At most one header naming exactly one of the protocols we offered (§4.1 and §11.3.4).
    subprotocol = {};
    const size_t protocol_headers = headers.count_of("Sec-WebSocket-Protocol");
    if (protocol_headers == 0) return UpgradeResponseError::None;
    if (protocol_headers > 1) return UpgradeResponseError::UnexpectedSubprotocol;
    const std::string_view chosen = headers.find("Sec-WebSocket-Protocol")->value;
    for (size_t i = 0; i < offered_count; ++i) {
        if (!chosen.empty() && chosen == offered[i]) {
            subprotocol = offered[i];
            return UpgradeResponseError::None;
        }
    }
    return UpgradeResponseError::UnexpectedSubprotocol;
}

} // namespace tickwire::detail::ws
