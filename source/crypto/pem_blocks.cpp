#include "crypto/pem_blocks.hpp"

#include "crypto/hash.hpp"

#include <cstring>

namespace tickwire::detail {

namespace {

constexpr char kBegin[] = "-----BEGIN ";
constexpr char kEnd[] = "-----END ";
constexpr char kDashes[] = "-----";
constexpr size_t kMaxLabel = 64;

// Index of `needle` (length n) in text[from..len), or len if absent.
size_t find(const char* text, size_t len, size_t from, const char* needle, size_t n) noexcept {
    if (n == 0 || from > len || len - from < n) return len;
    for (size_t i = from; i + n <= len; ++i)
        if (text[i] == needle[0] && std::memcmp(text + i, needle, n) == 0) return i;
    return len;
}

bool is_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

} // namespace

bool pem_present(const char* text, size_t len) noexcept {
    if (text == nullptr) return false;
    return find(text, len, 0, kBegin, sizeof kBegin - 1) < len;
}

bool pem_label_is(const PemBlock& block, const char* label) noexcept {
    const size_t n = std::strlen(label);
    return block.label_len == n && std::memcmp(block.label, label, n) == 0;
}

PemScan pem_next(const char* text, size_t len, size_t* pos, PemBlock* out) noexcept {
    if (text == nullptr || pos == nullptr || out == nullptr || *pos > len) return PemScan::End;
    const size_t begin = find(text, len, *pos, kBegin, sizeof kBegin - 1);
    if (begin == len) {
        *pos = len;
        return PemScan::End;
    }
    const size_t label_at = begin + sizeof kBegin - 1;
    const size_t label_end = find(text, len, label_at, kDashes, sizeof kDashes - 1);
    if (label_end == len) return PemScan::Malformed;
    const size_t label_len = label_end - label_at;
    if (label_len == 0 || label_len > kMaxLabel) return PemScan::Malformed;
    for (size_t i = label_at; i < label_end; ++i)
        if (text[i] < 0x20 || text[i] > 0x7E) return PemScan::Malformed;
    const size_t body_at = label_end + sizeof kDashes - 1;

    // The END line must carry the same label: "-----END <label>-----".
    size_t search = body_at;
    for (;;) {
        const size_t end = find(text, len, search, kEnd, sizeof kEnd - 1);
        if (end == len) return PemScan::Malformed;
        const size_t end_label = end + sizeof kEnd - 1;
        if (len - end_label >= label_len + (sizeof kDashes - 1) &&
            std::memcmp(text + end_label, text + label_at, label_len) == 0 &&
            std::memcmp(text + end_label + label_len, kDashes, sizeof kDashes - 1) == 0) {
            out->label = text + label_at;
            out->label_len = label_len;
            out->body = text + body_at;
            out->body_len = end - body_at;
            *pos = end_label + label_len + (sizeof kDashes - 1);
            return PemScan::Found;
        }
        // A BEGIN before a matching END means this block never ends.
        if (find(text, end, search, kBegin, sizeof kBegin - 1) < end) return PemScan::Malformed;
        search = end_label;
    }
}

long pem_decode_body(const PemBlock& block, uint8_t* out, size_t cap) noexcept {
    if (block.body == nullptr && block.body_len != 0) return -1;
    char quantum[4];
    size_t q = 0;
    size_t written = 0;
    bool padded = false; // a quantum with '=' ends the data
    for (size_t i = 0; i < block.body_len; ++i) {
        const char c = block.body[i];
        if (is_space(c)) continue;
        if (padded) return -1;
        quantum[q++] = c;
        if (q < 4) continue;
        q = 0;
        const long n = base64_decode(quantum, 4, out ? out + written : nullptr, cap - written);
        if (n < 0) return -1;
        written += static_cast<size_t>(n);
        padded = n < 3;
    }
    if (q != 0) return -1;
    return static_cast<long>(written);
}

} // namespace tickwire::detail
