#include "http/head_writer.hpp"

#include "http/chars.hpp"

#include <cstring>

namespace tickwire::detail::http {
namespace {

// Decimal digits of `value` into `digits` (room for 20); returns the view of them.
std::string_view format_decimal(uint64_t value, char (&digits)[20]) noexcept {
    size_t begin = sizeof digits;
    do {
        digits[--begin] = static_cast<char>('0' + value % 10);
        value /= 10;
    } while (value != 0);
    return std::string_view(digits + begin, sizeof digits - begin);
}

} // namespace

const char* to_string(WriteError error) noexcept {
    switch (error) {
    case WriteError::None: return "none";
    case WriteError::BufferTooSmall: return "output buffer too small";
    case WriteError::InvalidField: return "invalid header name, value or request field";
    }
    return "unknown write error";
}

bool is_valid_header(std::string_view name, std::string_view value) noexcept {
    if (!is_token(name)) return false;
    if (!value.empty() && (is_ows(static_cast<unsigned char>(value.front())) ||
                           is_ows(static_cast<unsigned char>(value.back()))))
        return false;
    for (char c : value)
        if (!is_field_char(static_cast<unsigned char>(c))) return false;
    return true;
}

std::string_view reason_phrase(int status) noexcept {
    switch (status) {
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Content Too Large";
    case 426: return "Upgrade Required";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Unknown";
    }
}

void HeadWriter::raw(std::string_view text) noexcept {
    if (error_ != WriteError::None) return;
    if (text.size() > cap_ - size_) {
        error_ = WriteError::BufferTooSmall;
        return;
    }
    if (!text.empty()) std::memcpy(out_ + size_, text.data(), text.size());
    size_ += text.size();
}

void HeadWriter::decimal(uint64_t value) noexcept {
    char digits[20];
    raw(format_decimal(value, digits));
}

void HeadWriter::fail(WriteError error) noexcept {
    if (error_ == WriteError::None) error_ = error;
}

void HeadWriter::status_line(int status) noexcept {
    if (status < 100 || status > 999) {
        fail(WriteError::InvalidField);
        return;
    }
    raw("HTTP/1.1 ");
    decimal(static_cast<uint64_t>(status));
    raw(" ");
    raw(reason_phrase(status));
    raw("\r\n");
}

void HeadWriter::header(std::string_view name, std::string_view value) noexcept {
    if (!is_valid_header(name, value)) {
        fail(WriteError::InvalidField);
        return;
    }
    raw(name);
    raw(": ");
    raw(value);
    raw("\r\n");
}

void HeadWriter::header(std::string_view name, uint64_t value) noexcept {
    char digits[20];
    header(name, format_decimal(value, digits));
}

void HeadWriter::headers(const Header* items, size_t count) noexcept {
    for (size_t i = 0; i < count; ++i) header(items[i].name, items[i].value);
}

WriteResult HeadWriter::finish() const noexcept {
    WriteResult result;
    result.error = error_;
    result.size = error_ == WriteError::None ? size_ : 0;
    return result;
}

WriteResult write_text_response(char* out, size_t cap, const TextResponse& response) noexcept {
    HeadWriter w(out, cap);
    w.status_line(response.status);
    w.header("Content-Type", "text/plain; charset=utf-8");
    w.header("Content-Length", static_cast<uint64_t>(response.body.size()));
    w.header("Connection", response.keep_alive ? "keep-alive" : "close");
    w.headers(response.extra_headers, response.extra_count);
    w.end_head();
    if (!response.head_only) w.raw(response.body);
    return w.finish();
}

} // namespace tickwire::detail::http
