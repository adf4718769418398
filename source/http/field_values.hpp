// Small helpers for reading header field values: ASCII case-insensitive comparison, OWS trimming
// and comma-separated lists such as `Connection: keep-alive, Upgrade` (RFC 9110 §5.6.1).
// All of them work on views and never allocate.
#pragma once
#include <cstddef>
#include <string_view>

namespace tickwire::detail::http {

// ASCII case-insensitive equality (header names, Connection/Upgrade tokens). Bytes >= 0x80 must be
// equal exactly: no locale is involved.
bool iequals(std::string_view a, std::string_view b) noexcept;

// `text` without leading and trailing spaces and tabs.
std::string_view trim_ows(std::string_view text) noexcept;

// Walks the elements of a comma-separated list, trimmed of OWS. Empty elements ("a, , b" and
// leading or trailing commas) are skipped, as RFC 9110 §5.6.1.2 asks of recipients.
//
//     ListReader list("websocket, foo");
//     for (std::string_view item; list.next(item);) { ... }
class ListReader {
public:
    explicit ListReader(std::string_view list) noexcept : rest_(list) {}
    // Stores the next non-empty element in `item`; false when the list is exhausted.
    bool next(std::string_view& item) noexcept;

private:
    std::string_view rest_;
};

// True when the comma-separated `list` has an element equal to `token`, ignoring ASCII case:
// contains_token("keep-alive, Upgrade", "upgrade") == true.
bool contains_token(std::string_view list, std::string_view token) noexcept;

} // namespace tickwire::detail::http
