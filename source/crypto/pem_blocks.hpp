// Finds and decodes PEM blocks ("-----BEGIN <label>-----" base64 "-----END <label>-----") in
// text that need not be NUL-terminated. mbedTLS only parses PEM that carries its terminating NUL
// inside the given length; this lets TlsCredentials accept PEM held in any buffer (an asset file
// loaded by the game, a string literal's bytes) without copying it. Pure code, no allocation.
#pragma once
#include <cstddef>
#include <cstdint>

namespace tickwire::detail {

struct PemBlock {
    const char* label = nullptr; // e.g. "CERTIFICATE", "PRIVATE KEY" (not NUL-terminated)
    size_t label_len = 0;
    const char* body = nullptr;  // base64 text with line breaks, between the BEGIN and END lines
    size_t body_len = 0;
};

enum class PemScan : uint8_t {
    Found,     // a block was found; `pos` now points past its END line
    End,       // no further "-----BEGIN " in the text
    Malformed, // a BEGIN line without a matching END line, or a bad label
};

// True if the text contains "-----BEGIN " (the test mbedTLS uses to tell PEM from DER).
bool pem_present(const char* text, size_t len) noexcept;

// Scans `text[*pos .. len)` for the next block. Text between blocks is ignored (as in PEM
// bundles with comments). Labels are 1..64 printable characters.
PemScan pem_next(const char* text, size_t len, size_t* pos, PemBlock* out) noexcept;

// Decodes a block's body into `out` (room for `cap` bytes). Line breaks, spaces and tabs are
// skipped; anything else must be canonical base64 with padding only at the very end. Encrypted
// legacy PEM ("Proc-Type:" headers) is rejected. Returns the byte count or -1.
long pem_decode_body(const PemBlock& block, uint8_t* out, size_t cap) noexcept;

bool pem_label_is(const PemBlock& block, const char* label) noexcept;

} // namespace tickwire::detail
