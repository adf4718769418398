// libFuzzer target for the sans-I/O TLS engine (source/crypto/tls_engine.cpp) on hostile input:
// the bytes a peer sends, fed to a server session (from the ClientHello on) or to a client
// session (after its ClientHello), in input-chosen chunk sizes with input-chosen output room.
// Exercises the BIO, the NotTls sniffing, the record tracker, the failure classification, the
// pending-output handling and session reuse; mbedTLS parses the handshake underneath.
// Properties (abort() on violation): the engine never consumes more input or writes more output
// than offered, an Error always carries a failure code and a terminated message, and close() /
// release() are safe in every state.
//
// Input byte 0: bit 0 role (0 server, 1 client), bits 1-3 chunk size, bits 4-5 output room.
#include "crypto/random.hpp"
#include "crypto/tls_credentials.hpp"
#include "crypto/tls_engine.hpp"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

using namespace tickwire::detail;

namespace {

// A throw-away self-signed test certificate (EC P-256, CN=localhost); never used outside tests.
const char kKey[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg99jgEJxXe9N3HMC4\n"
    "O/le1d7/BF45W+V0jWpWVbbwjzuhRANCAAQogRNXdYGRxzJhPOA1fkenTTviuXyl\n"
    "EXG0VVYswBYJU+WUXwRIhPTfPGukfN9HYxokgNBEF53KMcGMHUPD8y+L\n"
    "-----END PRIVATE KEY-----\n";
const char kCert[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBfjCCASWgAwIBAgIUKfbq58uzpk1SPCX8lL8hFx5fLjUwCgYIKoZIzj0EAwIw\n"
    "FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEyNjA4Mjg1OFoYDzIxMjYxMTAy\n"
    "MDgyODU4WjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO\n"
    "PQMBBwNCAAQogRNXdYGRxzJhPOA1fkenTTviuXylEXG0VVYswBYJU+WUXwRIhPTf\n"
    "PGukfN9HYxokgNBEF53KMcGMHUPD8y+Lo1MwUTAdBgNVHQ4EFgQUrMCWhaJiTgbG\n"
    "CyWqSG+aF3eznnYwHwYDVR0jBBgwFoAUrMCWhaJiTgbGCyWqSG+aF3eznnYwDwYD\n"
    "VR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNHADBEAiA5Cg+ZWuQjs6IjBj0e8rJV\n"
    "mdtQdtDdayTHWEQEw2a5PwIgFbv7duzmi/fPcWYhlsDbk57kCjyfCAYGPuPt0HyK\n"
    "gi0=\n"
    "-----END CERTIFICATE-----\n";

struct Fixture {
    Random rng;
    TlsCredentials server, client;
    bool ok = false;
    Fixture() {
        if (!rng.init()) return;
        TlsCredentialsConfig sc;
        sc.cert = TlsSource::from_memory(kCert, sizeof kCert - 1);
        sc.key = TlsSource::from_memory(kKey, sizeof kKey - 1);
        sc.verify_peer = false;
        static const char* alpn[] = {"h2", "http/1.1"};
        sc.alpn = alpn;
        sc.alpn_count = 2;
        TlsCredentialsConfig cc;
        cc.ca = TlsSource::from_memory(kCert, sizeof kCert - 1);
        cc.alpn = alpn;
        cc.alpn_count = 2;
        ok = server.init(sc, rng).ok() && client.init(cc, rng).ok();
    }
};

Fixture& fixture() {
    static Fixture f;
    return f;
}

void check_failure(const TlsSession& s) {
    const TlsFailure& f = s.failure();
    if (f.code == TlsError::None) abort();
    if (std::memchr(f.message, '\0', sizeof f.message) == nullptr) abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    Fixture& fx = fixture();
    if (!fx.ok) abort();
    if (size < 1 || size > 65536) return 0;
    static const size_t kChunks[] = {1, 2, 3, 7, 16, 64, 512, 65536};
    static const size_t kRooms[] = {1, 16, 256, 65536};
    const bool client = data[0] & 1;
    const size_t chunk = kChunks[(data[0] >> 1) & 7];
    const size_t room = kRooms[(data[0] >> 4) & 3];
    const std::vector<uint8_t> input(data + 1, data + size);

    static TlsSession s; // reused across runs, as the core's pool does
    const TlsFailure opened = client ? s.open(fx.client, TlsRole::Client, "localhost")
                                     : s.open(fx.server, TlsRole::Server, nullptr);
    if (!opened.ok()) abort();

    std::vector<uint8_t> out(room);
    size_t pos = 0;
    bool eof = false;
    uint8_t plain[1024];
    for (int round = 0; round < 200000; ++round) {
        const size_t n = (input.size() - pos) < chunk ? input.size() - pos : chunk;
        if (n == 0 && eof) break;
        if (n == 0) eof = true; // the peer closes after its bytes
        TlsIo io(input.data() + pos, n, out.data(), out.size(), eof);
        bool error = false;
        if (!s.handshake_done()) {
            const TlsHandshake h = s.handshake_step(io);
            error = h == TlsHandshake::Error;
        } else {
            const TlsResult r = s.read_plain(io, plain, sizeof plain);
            error = r.status == TlsStatus::Error;
            if (r.status == TlsStatus::Ok && (r.bytes == 0 || r.bytes > sizeof plain)) abort();
            if (r.status == TlsStatus::Ok) {
                TlsIo wio(nullptr, 0, out.data(), out.size());
                const TlsResult w = s.write_plain(wio, plain, r.bytes); // echo
                if (wio.out_used > out.size()) abort();
                if (w.status == TlsStatus::Error) check_failure(s);
            }
            if (r.status == TlsStatus::Closed) break;
        }
        if (io.in_used > n || io.out_used > out.size()) abort();
        pos += io.in_used;
        if (error) {
            check_failure(s);
            break;
        }
        if (io.in_used == 0 && io.out_used == 0 && n > 0 && !s.has_pending_output()) {
            // no progress with input available would be a stall
            if (!s.failed() && !s.handshake_done()) abort();
        }
    }
    TlsIo cio(nullptr, 0, out.data(), out.size());
    for (int i = 0; i < 4; ++i) {
        const TlsStatus st = s.close(cio);
        if (cio.out_used > out.size()) abort();
        cio.out_used = 0;
        if (st != TlsStatus::WouldBlock) break;
    }
    if (data[0] & 0x40) s.release(); // sometimes start the next run from scratch
    return 0;
}
