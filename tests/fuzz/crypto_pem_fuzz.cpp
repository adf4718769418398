// libFuzzer target for the PEM block scanner/decoder (source/crypto/pem_blocks.cpp), which reads
// PEM from memory without a terminating NUL.
// Properties (abort() on violation): scanning always ends, positions only move forward and stay
// within the text, a block's label and body lie inside the text between its BEGIN and END lines,
// and a body that decodes re-encodes to itself with whitespace removed.
#include "crypto/hash.hpp"
#include "crypto/pem_blocks.hpp"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

using namespace tickwire::detail;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size > 16384) return 0;
    // Copy into an exactly sized buffer: any read past `size` is an ASan error.
    std::vector<char> text(data, data + size);
    const char* t = text.empty() ? nullptr : text.data();
    const bool present = pem_present(t, size);
    size_t pos = 0;
    int blocks = 0;
    for (int guard = 0; guard < 10000; ++guard) {
        const size_t before = pos;
        PemBlock b;
        const PemScan r = pem_next(t, size, &pos, &b);
        if (r != PemScan::Found) {
            if (r == PemScan::End && pos != size) abort();
            break;
        }
        ++blocks;
        if (pos <= before || pos > size) abort();
        if (b.label < t + before || b.label + b.label_len > t + pos) abort();
        if (b.body < b.label + b.label_len || b.body + b.body_len > t + pos) abort();
        if (b.label_len == 0 || b.label_len > 64) abort();

        std::vector<uint8_t> der(b.body_len);
        const long n = pem_decode_body(b, der.data(), der.size());
        if (n < 0) continue;
        if (static_cast<size_t>(n) > b.body_len) abort();
        std::vector<char> compact;
        for (size_t i = 0; i < b.body_len; ++i) {
            const char c = b.body[i];
            if (c != ' ' && c != '\t' && c != '\r' && c != '\n') compact.push_back(c);
        }
        std::vector<char> enc(compact.size() + 4);
        const size_t e = base64_encode(der.data(), static_cast<size_t>(n), enc.data(), enc.size());
        if (e != compact.size() || (e > 0 && std::memcmp(enc.data(), compact.data(), e) != 0)) abort();
    }
    if (blocks > 0 && !present) abort();
    return 0;
}
