// tls_cipher_speed: MB/s of the AEAD ciphers TLS records use, in the mbedTLS tickwire is linked
// with (the system's 2.28, or 3.6 built by `--mbedtls=source` with source/crypto/mbedtls_config).
// A wss:// echo server decrypts and encrypts every byte it moves, so these figures bound what
// any TLS echo on this mbedTLS can move per core: 1 / (1/encrypt + 1/decrypt).
//
//     tls_cipher_speed [-t SECONDS_PER_CIPHER] [-s RECORD_BYTES] [--cipher NAME]
//
// Defaults: 1 s per direction, 16384-byte records, every cipher; NAME is one of AES-128-GCM,
// AES-256-GCM, CHACHA20-POLY1305.
//
// Each cipher seals and opens full TLS records (RECORD_BYTES of plaintext, 13 bytes of
// additional data, 12-byte nonce, 16-byte tag) through mbedTLS's cipher layer, the same calls
// its record layer makes (mbedtls_cipher_auth_{en,de}crypt_ext), with a fresh nonce per record.
// Every opened record is checked against the plaintext. Prints one line per cipher:
//
//     RESULT cipher=AES-128-GCM record=16384 encrypt_mb_per_s=.. decrypt_mb_per_s=.. echo_bound_mb_per_s=..
//
// (MB = 10^6 bytes) and a first line naming the mbedTLS version. A bench tool: it calls mbedTLS
// directly, not through tickwire. Exit status: 0 ok, 1 a cipher failed or is missing, 2 usage.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "mbedtls/cipher.h"
#include "mbedtls/version.h"

namespace {

constexpr size_t kMaxRecord = 16384;
constexpr size_t kTag = 16;

double now_s() {
    using namespace std::chrono;
    return duration<double>(steady_clock::now().time_since_epoch()).count();
}

struct Buffers {
    unsigned char plain[kMaxRecord];
    unsigned char sealed[kMaxRecord + kTag];
    unsigned char opened[kMaxRecord];
};
Buffers g_buf;

// The nonce changes per record as TLS's does (sequence number XORed into a fixed IV).
void make_nonce(unsigned char nonce[12], unsigned long long seq) {
    for (int i = 0; i < 12; ++i) nonce[i] = static_cast<unsigned char>(0xA5 ^ i);
    for (int i = 0; i < 8; ++i) nonce[11 - i] ^= static_cast<unsigned char>(seq >> (8 * i));
}

int seal(mbedtls_cipher_context_t* ctx, unsigned long long seq, const unsigned char* aad, size_t len,
         size_t* out_len) {
    unsigned char nonce[12];
    make_nonce(nonce, seq);
    return mbedtls_cipher_auth_encrypt_ext(ctx, nonce, sizeof nonce, aad, 13, g_buf.plain, len, g_buf.sealed,
                                           sizeof g_buf.sealed, out_len, kTag);
}

int open_record(mbedtls_cipher_context_t* ctx, unsigned long long seq, const unsigned char* aad, size_t sealed_len,
         size_t* out_len) {
    unsigned char nonce[12];
    make_nonce(nonce, seq);
    return mbedtls_cipher_auth_decrypt_ext(ctx, nonce, sizeof nonce, aad, 13, g_buf.sealed, sealed_len, g_buf.opened,
                                           sizeof g_buf.opened, out_len, kTag);
}

// Seals (or opens the one sealed record) for `secs` seconds; returns MB/s, or < 0 on error.
double run(mbedtls_cipher_context_t* ctx, bool decrypt, size_t len, double secs) {
    unsigned char aad[13] = {0, 0, 0, 0, 0, 0, 0, 0, 23, 3, 3, static_cast<unsigned char>(len >> 8),
                             static_cast<unsigned char>(len)};
    size_t sealed_len = 0, n = 0;
    if (seal(ctx, 0, aad, len, &sealed_len) != 0 || sealed_len != len + kTag) return -1;
    unsigned long long records = 0;
    const double start = now_s();
    double t = start;
    do {
        for (int i = 0; i < 64; ++i) {
            // Decrypting the same record again (same nonce) is what a benchmark may do; sealing
            // takes a new nonce every time.
            const int ret = decrypt ? open_record(ctx, 0, aad, sealed_len, &n) : seal(ctx, records + 1, aad, len, &n);
            if (ret != 0) return -1;
            ++records;
        }
        t = now_s();
    } while (t - start < secs);
    if (decrypt && (n != len || std::memcmp(g_buf.opened, g_buf.plain, len) != 0)) return -1;
    return static_cast<double>(records) * static_cast<double>(len) / (t - start) / 1e6;
}

bool bench(const char* name, mbedtls_cipher_type_t type, size_t key_bits, size_t len, double secs) {
    const mbedtls_cipher_info_t* info = mbedtls_cipher_info_from_type(type);
    if (info == nullptr) {
        std::printf("RESULT cipher=%s status=not_built\n", name);
        return false;
    }
    unsigned char key[32];
    for (size_t i = 0; i < sizeof key; ++i) key[i] = static_cast<unsigned char>(i * 7 + 1);
    mbedtls_cipher_context_t enc, dec;
    mbedtls_cipher_init(&enc);
    mbedtls_cipher_init(&dec);
    bool ok = mbedtls_cipher_setup(&enc, info) == 0 && mbedtls_cipher_setup(&dec, info) == 0 &&
              mbedtls_cipher_setkey(&enc, key, static_cast<int>(key_bits), MBEDTLS_ENCRYPT) == 0 &&
              mbedtls_cipher_setkey(&dec, key, static_cast<int>(key_bits), MBEDTLS_DECRYPT) == 0;
    double e = -1, d = -1;
    if (ok) {
        e = run(&enc, false, len, secs);
        // The decrypting context opens what the encrypting one sealed last (nonce of record 0).
        if (e > 0) {
            size_t sealed_len = 0;
            unsigned char aad[13] = {0, 0, 0, 0, 0, 0, 0, 0, 23, 3, 3, static_cast<unsigned char>(len >> 8),
                                     static_cast<unsigned char>(len)};
            ok = seal(&enc, 0, aad, len, &sealed_len) == 0;
            d = ok ? run(&dec, true, len, secs) : -1;
        }
    }
    mbedtls_cipher_free(&enc);
    mbedtls_cipher_free(&dec);
    if (!ok || e <= 0 || d <= 0) {
        std::printf("RESULT cipher=%s status=failed\n", name);
        return false;
    }
    std::printf("RESULT cipher=%s record=%zu encrypt_mb_per_s=%.1f decrypt_mb_per_s=%.1f echo_bound_mb_per_s=%.1f\n",
                name, len, e, d, 1.0 / (1.0 / e + 1.0 / d));
    std::fflush(stdout);
    return true;
}

} // namespace

int main(int argc, char** argv) {
    double secs = 1.0;
    size_t len = kMaxRecord;
    const char* only = nullptr;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "-t") && i + 1 < argc) secs = std::atof(argv[++i]);
        else if (!std::strcmp(argv[i], "-s") && i + 1 < argc) len = static_cast<size_t>(std::atol(argv[++i]));
        else if (!std::strcmp(argv[i], "--cipher") && i + 1 < argc) only = argv[++i];
        else {
            std::fprintf(stderr, "usage: %s [-t SECONDS_PER_CIPHER] [-s RECORD_BYTES (1..16384)] [--cipher NAME]\n",
                         argv[0]);
            return 2;
        }
    }
    if (!(secs > 0) || len == 0 || len > kMaxRecord) {
        std::fprintf(stderr, "%s: -t must be > 0, -s 1..16384\n", argv[0]);
        return 2;
    }
    for (size_t i = 0; i < len; ++i) g_buf.plain[i] = static_cast<unsigned char>(i * 31 + 3);
    struct Cipher {
        const char* name;
        mbedtls_cipher_type_t type;
        size_t key_bits;
    };
    static const Cipher kCiphers[] = {
        {"AES-128-GCM", MBEDTLS_CIPHER_AES_128_GCM, 128},
        {"AES-256-GCM", MBEDTLS_CIPHER_AES_256_GCM, 256},
        {"CHACHA20-POLY1305", MBEDTLS_CIPHER_CHACHA20_POLY1305, 256},
    };
    bool known = only == nullptr;
    for (const Cipher& c : kCiphers) known = known || std::strcmp(only, c.name) == 0;
    if (!known) {
        std::fprintf(stderr, "%s: unknown cipher '%s' (AES-128-GCM, AES-256-GCM, CHACHA20-POLY1305)\n", argv[0], only);
        return 2;
    }
    std::printf("MBEDTLS version=%s\n", MBEDTLS_VERSION_STRING);
    bool ok = true;
    for (const Cipher& c : kCiphers) {
        if (only != nullptr && std::strcmp(only, c.name) != 0) continue;
        ok = bench(c.name, c.type, c.key_bits, len, secs) && ok;
    }
    return ok ? 0 : 1;
}
