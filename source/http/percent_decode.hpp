// Percent-decoding (RFC 3986 §2.1) of a path or path segment into a caller buffer.
// '+' is left alone: it means a space only in form-encoded query strings, never in paths.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tickwire::detail::http {

enum class PercentError : uint8_t {
    None,
    BadEscape,       // '%' not followed by two hex digits
    OutputTooSmall,  // the decoded bytes do not fit in the caller's buffer
};

const char* to_string(PercentError error) noexcept;

struct PercentResult {
    size_t size = 0;                       // bytes written to `out` (no terminator)
    PercentError error = PercentError::None;
    bool ok() const noexcept { return error == PercentError::None; }
};

// Decodes `in` into `out` (room for `cap` bytes). The output may contain any byte, NUL and '/'
// included: callers that build file names must check what they get (see static_files.hpp).
// `out` may not overlap `in` unless `out == in.data()` (in-place decoding is fine, since the
// output is never longer than the input).
PercentResult percent_decode(std::string_view in, char* out, size_t cap) noexcept;

} // namespace tickwire::detail::http
