// Character classes of HTTP/1.1 (RFC 9110 §5.6, RFC 9112), shared by the head parser and the
// head writers so that what we accept and what we are willing to send are the same grammar.
#pragma once
#include <cstdint>
#include <string_view>

namespace tickwire::detail::http {

// tchar: the characters of a token (method, header name, list element).
constexpr bool is_tchar(unsigned char c) noexcept {
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
    switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
        return true;
    default:
        return false;
    }
}

// VCHAR: visible US-ASCII, no space. Request targets are made of these.
constexpr bool is_vchar(unsigned char c) noexcept { return c >= 0x21 && c <= 0x7e; }

// A byte allowed inside a field value or a reason phrase: VCHAR, obs-text (0x80-0xFF), SP, HTAB.
// Everything else is a control character (NUL, CR, LF, DEL...) and is rejected.
constexpr bool is_field_char(unsigned char c) noexcept {
    return c == ' ' || c == '\t' || is_vchar(c) || c >= 0x80;
}

// OWS: optional whitespace around field values and list elements.
constexpr bool is_ows(unsigned char c) noexcept { return c == ' ' || c == '\t'; }

constexpr unsigned char ascii_lower(unsigned char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<unsigned char>(c + ('a' - 'A')) : c;
}

// True when every byte of `text` is a tchar and there is at least one.
constexpr bool is_token(std::string_view text) noexcept {
    if (text.empty()) return false;
    for (char c : text)
        if (!is_tchar(static_cast<unsigned char>(c))) return false;
    return true;
}

} // namespace tickwire::detail::http
