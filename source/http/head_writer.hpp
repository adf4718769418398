// Writing HTTP/1.1 heads into a caller buffer: the counterpart of head_parser.hpp used by the
// WebSocket handshake and the static-file helpers. No allocation; a write that does not fit
// fails as a whole with a distinct error instead of sending a truncated head.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "http/head_parser.hpp"

namespace tickwire::detail::http {

enum class WriteError : uint8_t {
    None,
    BufferTooSmall,  // the output does not fit in the caller's buffer
    InvalidField,    // a caller-given name or value that would corrupt the head (CR, LF, NUL,
                     // a non-token header name, a malformed key or target...)
};

const char* to_string(WriteError error) noexcept;

struct WriteResult {
    size_t size = 0;                     // bytes written when ok()
    WriteError error = WriteError::None;
    bool ok() const noexcept { return error == WriteError::None; }
};

// True when `name: value` can be sent as is: the name is a token and the value holds no control
// character (so no CR/LF header injection) and no leading or trailing whitespace.
bool is_valid_header(std::string_view name, std::string_view value) noexcept;

// The standard reason phrase of the statuses this library sends ("Not Found"); "Unknown" otherwise.
std::string_view reason_phrase(int status) noexcept;

// Appends to a fixed buffer and remembers the first failure, so that a head is written as a
// straight sequence of calls with one check at the end:
//
//     HeadWriter w(buf, sizeof buf);
//     w.status_line(404);
//     w.header("Content-Length", 0);
//     w.end_head();
//     WriteResult r = w.finish();
class HeadWriter {
public:
    HeadWriter(char* out, size_t cap) noexcept : out_(out), cap_(cap) {}

    // "HTTP/1.1 <status> <reason>\r\n"; status must be 100..999.
    void status_line(int status) noexcept;
    // "<name>: <value>\r\n"; fails with InvalidField unless is_valid_header(name, value).
    void header(std::string_view name, std::string_view value) noexcept;
    void header(std::string_view name, uint64_t value) noexcept;
    // Each extra header, checked like header().
    void headers(const Header* items, size_t count) noexcept;
    // The blank line that ends the head.
    void end_head() noexcept { raw("\r\n"); }
    // Bytes written as they are: fixed text of ours, or a body. Never for untrusted header text.
    void raw(std::string_view text) noexcept;
    // The decimal digits of `value`.
    void decimal(uint64_t value) noexcept;
    // Marks the output invalid (for a check done by the caller, e.g. a malformed target).
    void fail(WriteError error) noexcept;

    WriteResult finish() const noexcept;

private:
    char* out_;
    size_t cap_;
    size_t size_ = 0;
    WriteError error_ = WriteError::None;
};

// A complete response with a short text body (errors, redirects), e.g.
//
//     HTTP/1.1 404 Not Found
//     Content-Type: text/plain; charset=utf-8
//     Content-Length: 14
//     Connection: close
//     <extra headers>
//
//     404 Not Found
struct TextResponse {
    int status = 200;
    std::string_view body;             // sent after the head unless head_only
    bool keep_alive = false;           // "Connection: keep-alive" or "Connection: close"
    bool head_only = false;            // an answer to HEAD: Content-Length of the body, no body
    const Header* extra_headers = nullptr;
    size_t extra_count = 0;
};

WriteResult write_text_response(char* out, size_t cap, const TextResponse& response) noexcept;

} // namespace tickwire::detail::http
