// libFuzzer target for the strict base64 codec (source/crypto/hash.cpp).
// Properties (abort() on violation):
//   decode(x) succeeds  =>  encode(decode(x)) == x        (only canonical text is accepted)
//   decode(encode(b)) == b for any bytes b                 (round trip)
//   a too small output buffer is refused, never overrun (ASan checks the bounds)
#include "crypto/hash.hpp"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

using namespace tickwire::detail;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size > 4096) return 0;
    const char* text = reinterpret_cast<const char*>(data);

    // Decode arbitrary text into an exactly sized heap buffer (so overruns are caught).
    std::vector<uint8_t> out(size);
    const long n = base64_decode(text, size, out.data(), out.size());
    if (n >= 0) {
        if (static_cast<size_t>(n) > size) abort();
        std::vector<char> again(size + 1);
        const size_t m = base64_encode(out.data(), static_cast<size_t>(n), again.data(), size);
        if (m != size || std::memcmp(again.data(), text, size) != 0) abort();
        if (n > 0) {
            // one byte less room must be refused
            std::vector<uint8_t> small(static_cast<size_t>(n) - 1);
            if (base64_decode(text, size, small.data(), small.size()) != -1) abort();
        }
    }

    // Encode the bytes, decode them back.
    const size_t need = 4 * ((size + 2) / 3);
    std::vector<char> enc(need);
    const size_t e = base64_encode(data, size, enc.data(), enc.size());
    if (e != need) abort();
    std::vector<uint8_t> dec(size);
    const long d = base64_decode(enc.data(), e, dec.data(), dec.size());
    if (d != static_cast<long>(size)) abort();
    if (size > 0 && std::memcmp(dec.data(), data, size) != 0) abort();
    if (need > 0) {
        std::vector<char> tight(need - 1);
        if (base64_encode(data, size, tight.data(), tight.size()) != 0) abort();
    }
    return 0;
}
