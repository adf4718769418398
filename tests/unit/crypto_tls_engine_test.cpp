// A client TlsSession and a server TlsSession talking to each other in memory: the test shuttles
// ciphertext between them with configurable feed sizes (down to 1 byte) and output room (down to
// 0/1 byte), which exercises the sans-I/O buffering, the WANT_WRITE handling and every failure
// class the engine distinguishes.
#include "tests/framework/check.hpp"
#include "tests/interop/tls_test_certs.hpp"

#include "crypto/random.hpp"
#include "crypto/tls_credentials.hpp"
#include "crypto/tls_engine.hpp"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#define TW_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TW_TEST_ASAN 1
#endif
#endif
#if defined(TW_TEST_ASAN)
// From the ASan runtime (sanitizer/allocator_interface.h, which gcc does not install).
extern "C" size_t __sanitizer_get_current_allocated_bytes(void);
#else
#include <malloc.h>
#endif
#if defined(__GLIBC__) || defined(TW_TEST_ASAN)
#define TW_TEST_HEAP_BYTES 1  // mallinfo2 (glibc) or the sanitizer's count
#endif

using namespace tickwire::detail;
using tw_tls_test::cert_path;

namespace {

Random& rng() {
    static Random r;
    if (!r.ready()) r.init();
    return r;
}

// One direction of the wire.
struct Wire {
    std::vector<uint8_t> bytes;
    size_t head = 0;
    bool eof = false;
    size_t avail() const { return bytes.size() - head; }
};

// One endpoint: a session plus how generous the "core" is with input and output room.
struct Side {
    TlsSession s;
    Wire* rx = nullptr;
    Wire* tx = nullptr;
    size_t feed = SIZE_MAX; // ciphertext bytes offered per call
    size_t room = 65536;    // output room offered per call
    std::vector<uint8_t> scratch = std::vector<uint8_t>(65536);

    template <typename F>
    auto call(F&& f) {
        const size_t n = std::min(rx->avail(), feed);
        if (scratch.size() < room) scratch.resize(room);
        TlsIo io(rx->bytes.data() + rx->head, n, scratch.data(), room, rx->eof && n == rx->avail());
        auto r = f(io);
        CHECK(io.in_used <= n);
        CHECK(io.out_used <= room);
        rx->head += io.in_used;
        tx->bytes.insert(tx->bytes.end(), scratch.begin(), scratch.begin() + static_cast<long>(io.out_used));
        return r;
    }
    TlsHandshake step() {
        return call([&](TlsIo& io) { return s.handshake_step(io); });
    }
    TlsResult write(const void* p, size_t n) {
        return call([&](TlsIo& io) { return s.write_plain(io, p, n); });
    }
    TlsResult read(void* p, size_t n) {
        return call([&](TlsIo& io) { return s.read_plain(io, p, n); });
    }
    TlsStatus flush() {
        return call([&](TlsIo& io) { return s.flush(io); });
    }
    TlsStatus close() {
        return call([&](TlsIo& io) { return s.close(io); });
    }
};

struct Pair {
    Wire c2s, s2c;
    Side client, server;
    Pair() {
        client.rx = &s2c;
        client.tx = &c2s;
        server.rx = &c2s;
        server.tx = &s2c;
    }
};

// Runs both handshakes until both are done or one fails. Returns true when both are done.
bool handshake(Pair& p, long max_rounds = 200000, long* rounds_out = nullptr) {
    bool c_done = false, s_done = false;
    long rounds = 0;
    while (rounds++ < max_rounds) {
        const TlsHandshake c = p.client.step();
        const TlsHandshake s = p.server.step();
        if (c == TlsHandshake::Error || s == TlsHandshake::Error) break;
        c_done = c == TlsHandshake::Done;
        s_done = s == TlsHandshake::Done;
        if (c_done && s_done && p.c2s.avail() == 0 && p.s2c.avail() == 0) break;
    }
    if (rounds_out) *rounds_out = rounds;
    return c_done && s_done;
}

// Sends `data` from one side to the other; returns what arrived. Bounded.
std::vector<uint8_t> transfer(Side& from, Side& to, const std::vector<uint8_t>& data, size_t read_cap = 4096) {
    std::vector<uint8_t> got;
    std::vector<uint8_t> buf(read_cap);
    size_t sent = 0;
    for (long round = 0; round < 5000000 && got.size() < data.size(); ++round) {
        if (sent < data.size()) {
            const TlsResult w = from.write(data.data() + sent, data.size() - sent);
            if (w.status == TlsStatus::Ok) sent += w.bytes;
            if (w.status == TlsStatus::Error) break;
        } else {
            if (from.flush() == TlsStatus::Error) break;
        }
        for (;;) {
            const TlsResult r = to.read(buf.data(), buf.size());
            if (r.status != TlsStatus::Ok) break;
            got.insert(got.end(), buf.begin(), buf.begin() + static_cast<long>(r.bytes));
        }
        if (to.s.failed() || from.s.failed()) break;
    }
    return got;
}

std::vector<uint8_t> pattern(size_t n, uint32_t seed) {
    std::vector<uint8_t> v(n);
    uint32_t x = seed;
    for (auto& b : v) {
        x = x * 1103515245u + 12345u;
        b = static_cast<uint8_t>(x >> 16);
    }
    return v;
}

const char* kAlpn[] = {"http/1.1"};

struct Creds {
    std::string ca, cert, key;
    TlsCredentials server, client;
};

// Server with `cert_name` (+ .key), client trusting `ca_name`.
bool make_creds(Creds& c, const char* cert_name = "server", const char* ca_name = "ca.pem",
                bool client_verifies = true, TlsVersion max_version = TlsVersion::Tls13) {
    if (tw_tls_test::cert_dir() == nullptr || !rng().ready()) return false;
    c.ca = cert_path(ca_name);
    c.cert = cert_path((std::string(cert_name) + ".pem").c_str());
    c.key = cert_path((std::string(cert_name) + ".key").c_str());
    TlsCredentialsConfig sc;
    sc.cert = TlsSource::from_file(c.cert.c_str());
    sc.key = TlsSource::from_file(c.key.c_str());
    sc.verify_peer = false;
    sc.alpn = kAlpn;
    sc.alpn_count = 1;
    sc.max_version = max_version;
    TlsFailure f = c.server.init(sc, rng());
    if (!f.ok()) {
        std::printf("    server creds: %s\n", f.message);
        return false;
    }
    TlsCredentialsConfig cc;
    cc.ca = TlsSource::from_file(c.ca.c_str());
    cc.verify_peer = client_verifies;
    cc.alpn = kAlpn;
    cc.alpn_count = 1;
    cc.max_version = max_version;
    f = c.client.init(cc, rng());
    if (!f.ok()) {
        std::printf("    client creds: %s\n", f.message);
        return false;
    }
    return true;
}

bool open_pair(Pair& p, Creds& c, const char* host = "localhost") {
    const TlsFailure a = p.client.s.open(c.client, TlsRole::Client, host);
    const TlsFailure b = p.server.s.open(c.server, TlsRole::Server, nullptr);
    if (!a.ok()) std::printf("    client open: %s\n", a.message);
    if (!b.ok()) std::printf("    server open: %s\n", b.message);
    return a.ok() && b.ok();
}

void print_failure(const char* who, const TlsSession& s) {
    std::printf("    %s: %s -- %s\n", who, to_string(s.failure().code), s.failure().message);
}

size_t heap_in_use() {
#if defined(TW_TEST_ASAN)
    return __sanitizer_get_current_allocated_bytes();
#elif defined(TW_TEST_HEAP_BYTES)
    const struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
#else
    return 0;  // no way to ask this C library (Windows' CRT); the test says so
#endif
}

} // namespace

TW_TEST(crypto_tls_handshake_and_data_both_ways) {
    Creds c;
    REQUIRE(make_creds(c));
    Pair p;
    REQUIRE(open_pair(p, c));
    long rounds = 0;
    const bool ok = handshake(p, 1000, &rounds);
    if (!ok) {
        print_failure("client", p.client.s);
        print_failure("server", p.server.s);
    }
    REQUIRE(ok);
    CHECK(p.client.s.handshake_done());
    CHECK(p.server.s.handshake_done());
    REQUIRE(p.client.s.version() != nullptr);
    CHECK_EQ(std::strcmp(p.client.s.version(), p.server.s.version()), 0);
    const char* expected = TlsCredentials::tls13_supported() ? "TLSv1.3" : "TLSv1.2";
    CHECK_EQ(std::strcmp(p.client.s.version(), expected), 0);
    CHECK(p.client.s.ciphersuite() != nullptr);
    REQUIRE(p.client.s.alpn() != nullptr);
    CHECK_EQ(std::strcmp(p.client.s.alpn(), "http/1.1"), 0);
    REQUIRE(p.server.s.alpn() != nullptr);
    CHECK_EQ(std::strcmp(p.server.s.alpn(), "http/1.1"), 0);
    CHECK(p.client.s.peer_verified());
    CHECK_EQ(p.client.s.verify_flags(), 0u);
    CHECK(!p.server.s.peer_verified()); // no client certificate asked for
    std::printf("    handshake: %s %s, %ld rounds, client sent %llu B, server sent %llu B\n",
                p.client.s.version(), p.client.s.ciphersuite(), rounds,
                static_cast<unsigned long long>(p.client.s.bytes_sent()),
                static_cast<unsigned long long>(p.server.s.bytes_sent()));

    const std::vector<uint8_t> hello(reinterpret_cast<const uint8_t*>("hello server"),
                                     reinterpret_cast<const uint8_t*>("hello server") + 12);
    CHECK(transfer(p.client, p.server, hello) == hello);
    const auto reply = pattern(1000, 7);
    CHECK(transfer(p.server, p.client, reply) == reply);
}

TW_TEST(crypto_tls_large_records_one_byte_feeds) {
    Creds c;
    REQUIRE(make_creds(c));
    Pair p;
    REQUIRE(open_pair(p, c));
    // handshake itself with 1-byte feeds both ways
    p.client.feed = 1;
    p.server.feed = 1;
    REQUIRE(handshake(p));
    // > 2 full records each way, read through a small buffer
    const auto up = pattern(40000, 1);
    const auto got_up = transfer(p.client, p.server, up, 700);
    CHECK_EQ(got_up.size(), up.size());
    CHECK(got_up == up);
    const auto down = pattern(33000, 2);
    const auto got_down = transfer(p.server, p.client, down, 16384);
    CHECK(got_down == down);
    CHECK(!p.client.s.failed());
    CHECK(!p.server.s.failed());
}

TW_TEST(crypto_tls_tiny_output_room) {
    Creds c;
    REQUIRE(make_creds(c));
    Pair p;
    REQUIRE(open_pair(p, c));
    // 1 byte of output room per call: every record leaves mbedTLS in pieces.
    p.client.room = 1;
    p.server.room = 1;
    REQUIRE(handshake(p));
    const auto up = pattern(20000, 3);
    CHECK(transfer(p.client, p.server, up) == up);
    const auto down = pattern(17000, 4);
    CHECK(transfer(p.server, p.client, down, 100) == down);
}

TW_TEST(crypto_tls_write_wouldblock_takes_nothing) {
    Creds c;
    REQUIRE(make_creds(c));
    Pair p;
    REQUIRE(open_pair(p, c));
    REQUIRE(handshake(p));
    const auto first = pattern(100, 5);
    const auto second = pattern(50, 6);

    // No output room at all: mbedTLS still takes the first record (it encrypts into its own
    // buffer), so the session reports it as accepted and keeps it pending.
    p.client.room = 0;
    TlsResult w = p.client.write(first.data(), first.size());
    CHECK(w.status == TlsStatus::Ok);
    CHECK_EQ(w.bytes, first.size());
    CHECK(p.client.s.has_pending_output());
    const size_t pending = p.client.s.pending_output_bytes();
    CHECK(pending > first.size());
    // While that record is pending, nothing new is taken: WouldBlock, 0 bytes.
    w = p.client.write(second.data(), second.size());
    CHECK(w.status == TlsStatus::WouldBlock);
    CHECK_EQ(w.bytes, size_t{0});
    CHECK(p.client.flush() == TlsStatus::WouldBlock);
    // A little room: part of the record goes out, the rest stays pending.
    p.client.room = 10;
    CHECK(p.client.flush() == TlsStatus::WouldBlock);
    CHECK_EQ(p.client.s.pending_output_bytes(), pending - 10);
    // Different data may be offered now; it is only taken once the old record is out.
    p.client.room = 65536;
    w = p.client.write(second.data(), second.size());
    CHECK(w.status == TlsStatus::Ok);
    CHECK_EQ(w.bytes, second.size());
    CHECK(!p.client.s.has_pending_output());

    std::vector<uint8_t> expect = first;
    expect.insert(expect.end(), second.begin(), second.end());
    std::vector<uint8_t> got(200);
    size_t have = 0;
    for (int i = 0; i < 10 && have < expect.size(); ++i) {
        const TlsResult r = p.server.read(got.data() + have, got.size() - have);
        if (r.status == TlsStatus::Ok) have += r.bytes;
    }
    got.resize(have);
    CHECK(got == expect);
}

TW_TEST(crypto_tls_close_notify_both_ways) {
    Creds c;
    REQUIRE(make_creds(c));
    Pair p;
    REQUIRE(open_pair(p, c));
    REQUIRE(handshake(p));
    const auto data = pattern(3000, 8);
    CHECK(p.client.write(data.data(), data.size()).status == TlsStatus::Ok);
    CHECK(p.client.close() == TlsStatus::Ok);
    // writing after close() is misuse
    CHECK(p.client.write("x", 1).status == TlsStatus::Error);
    CHECK(p.client.s.failure().code == TlsError::InvalidState);
    // the server gets the data, then Closed (sticky)
    std::vector<uint8_t> got(4096);
    TlsResult r = p.server.read(got.data(), got.size());
    CHECK(r.status == TlsStatus::Ok);
    CHECK_EQ(r.bytes, data.size());
    r = p.server.read(got.data(), got.size());
    CHECK(r.status == TlsStatus::Closed);
    CHECK(p.server.s.peer_closed());
    CHECK(p.server.read(got.data(), got.size()).status == TlsStatus::Closed);
    // the server may still answer, then closes too
    CHECK(p.server.write("bye", 3).status == TlsStatus::Ok);
    CHECK(p.server.close() == TlsStatus::Ok);
    r = p.client.read(got.data(), got.size());
    CHECK(r.status == TlsStatus::Ok);
    CHECK_EQ(r.bytes, size_t{3});
    CHECK(p.client.read(got.data(), got.size()).status == TlsStatus::Closed);
    CHECK(!p.client.s.failed());
    CHECK(!p.server.s.failed());
}

TW_TEST(crypto_tls_close_waits_for_room) {
    Creds c;
    REQUIRE(make_creds(c));
    Pair p;
    REQUIRE(open_pair(p, c));
    REQUIRE(handshake(p));
    p.server.room = 0;
    CHECK(p.server.close() == TlsStatus::WouldBlock);
    CHECK(p.server.close() == TlsStatus::WouldBlock);
    p.server.room = 3;
    TlsStatus st = TlsStatus::WouldBlock;
    for (int i = 0; i < 100 && st == TlsStatus::WouldBlock; ++i) st = p.server.close();
    CHECK(st == TlsStatus::Ok);
    uint8_t buf[16];
    CHECK(p.client.read(buf, sizeof buf).status == TlsStatus::Closed);
}

TW_TEST(crypto_tls_wrong_host_name) {
    Creds c;
    REQUIRE(make_creds(c));
    Pair p;
    REQUIRE(open_pair(p, c, "wrong.example"));
    CHECK(!handshake(p));
    // let the server see the client's alert
    for (int i = 0; i < 5; ++i) p.server.step();
    CHECK(p.client.s.failure().code == TlsError::HostnameMismatch);
    CHECK(p.client.s.failure().verify_flags & tls_verify_flag::kHostnameMismatch);
    CHECK(std::strstr(p.client.s.failure().message, "CN") != nullptr ||
          std::strstr(p.client.s.failure().message, "name") != nullptr);
    print_failure("client", p.client.s);
    CHECK(p.server.s.failure().code == TlsError::AlertReceived);
    CHECK_EQ(p.server.s.failure().alert, 42); // bad_certificate
    print_failure("server", p.server.s);
    // sticky
    uint8_t b[4];
    CHECK(p.client.read(b, sizeof b).status == TlsStatus::Error);
    CHECK(p.client.step() == TlsHandshake::Error);
}

TW_TEST(crypto_tls_unknown_ca) {
    Creds c;
    REQUIRE(make_creds(c, "server", "other_ca.pem"));
    Pair p;
    REQUIRE(open_pair(p, c));
    CHECK(!handshake(p));
    for (int i = 0; i < 5; ++i) p.server.step();
    CHECK(p.client.s.failure().code == TlsError::UnknownCa);
    print_failure("client", p.client.s);
    CHECK(p.server.s.failure().code == TlsError::AlertReceived);
    CHECK_EQ(p.server.s.failure().alert, 48); // unknown_ca
}

TW_TEST(crypto_tls_expired_and_future_certificates) {
    {
        Creds c;
        REQUIRE(make_creds(c, "expired"));
        Pair p;
        REQUIRE(open_pair(p, c));
        CHECK(!handshake(p));
        for (int i = 0; i < 5; ++i) p.server.step();
        CHECK(p.client.s.failure().code == TlsError::Expired);
        print_failure("client", p.client.s);
        CHECK(p.server.s.failure().code == TlsError::AlertReceived);
        CHECK_EQ(p.server.s.failure().alert, 45); // certificate_expired
    }
    {
        Creds c;
        REQUIRE(make_creds(c, "future"));
        Pair p;
        REQUIRE(open_pair(p, c));
        CHECK(!handshake(p));
        CHECK(p.client.s.failure().code == TlsError::NotYetValid);
        print_failure("client", p.client.s);
    }
}

TW_TEST(crypto_tls_verification_off_is_explicit) {
    // Client trusts only the other CA but does not verify: the handshake succeeds, and the
    // session says the peer is not verified.
    Creds c;
    REQUIRE(make_creds(c, "server", "other_ca.pem", false));
    CHECK(!c.client.verifies_server());
    Pair p;
    REQUIRE(open_pair(p, c, nullptr)); // no host name needed without verification
    REQUIRE(handshake(p));
    CHECK(!p.client.s.peer_verified());
    // expired certificate, too
    Creds e;
    REQUIRE(make_creds(e, "expired", "ca.pem", false));
    Pair q;
    REQUIRE(open_pair(q, e, "wrong.example"));
    CHECK(handshake(q));
}

TW_TEST(crypto_tls_plaintext_is_not_tls) {
    Creds c;
    REQUIRE(make_creds(c));
    // An HTTP request arriving at a TLS server.
    {
        Pair p;
        REQUIRE(open_pair(p, c));
        const char req[] = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
        p.c2s.bytes.assign(req, req + sizeof req - 1);
        p.server.feed = 1; // detected on the first byte already
        CHECK(p.server.step() == TlsHandshake::Error);
        CHECK(p.server.s.failure().code == TlsError::NotTls);
        CHECK(std::strstr(p.server.s.failure().message, "G") != nullptr);
        print_failure("server", p.server.s);
    }
    // An HTTP answer arriving at a TLS client.
    {
        Pair p;
        REQUIRE(open_pair(p, c));
        CHECK(p.client.step() == TlsHandshake::WantIO); // ClientHello out
        CHECK(p.c2s.avail() > 0);
        const char resp[] = "HTTP/1.1 400 Bad Request\r\n\r\n";
        p.s2c.bytes.assign(resp, resp + sizeof resp - 1);
        CHECK(p.client.step() == TlsHandshake::Error);
        CHECK(p.client.s.failure().code == TlsError::NotTls);
    }
    // A record header with a wrong version byte is not TLS either.
    {
        Pair p;
        REQUIRE(open_pair(p, c));
        const uint8_t bad[] = {22, 7, 1, 0, 5, 1, 2, 3, 4, 5};
        p.c2s.bytes.assign(bad, bad + sizeof bad);
        CHECK(p.server.step() == TlsHandshake::Error);
        CHECK(p.server.s.failure().code == TlsError::NotTls);
    }
}

TW_TEST(crypto_tls_truncation) {
    Creds c;
    REQUIRE(make_creds(c));
    // EOF after the handshake without close_notify.
    {
        Pair p;
        REQUIRE(open_pair(p, c));
        REQUIRE(handshake(p));
        const auto data = pattern(500, 9);
        CHECK(p.server.write(data.data(), data.size()).status == TlsStatus::Ok);
        p.s2c.eof = true;
        std::vector<uint8_t> got(1000);
        TlsResult r = p.client.read(got.data(), got.size());
        CHECK(r.status == TlsStatus::Ok); // data before the EOF is delivered
        CHECK_EQ(r.bytes, data.size());
        r = p.client.read(got.data(), got.size());
        CHECK(r.status == TlsStatus::Error);
        CHECK(p.client.s.failure().code == TlsError::Truncated);
        print_failure("client", p.client.s);
    }
    // EOF in the middle of a record.
    {
        Pair p;
        REQUIRE(open_pair(p, c));
        REQUIRE(handshake(p));
        const auto data = pattern(500, 10);
        CHECK(p.server.write(data.data(), data.size()).status == TlsStatus::Ok);
        p.s2c.bytes.resize(p.s2c.bytes.size() - 20);
        p.s2c.eof = true;
        uint8_t got[1000];
        CHECK(p.client.read(got, sizeof got).status == TlsStatus::Error);
        CHECK(p.client.s.failure().code == TlsError::Truncated);
    }
    // EOF during the handshake.
    {
        Pair p;
        REQUIRE(open_pair(p, c));
        CHECK(p.client.step() == TlsHandshake::WantIO);
        p.s2c.eof = true;
        CHECK(p.client.step() == TlsHandshake::Error);
        CHECK(p.client.s.failure().code == TlsError::Truncated);
        print_failure("client", p.client.s);
    }
}

TW_TEST(crypto_tls_corrupted_record) {
    Creds c;
    REQUIRE(make_creds(c));
    Pair p;
    REQUIRE(open_pair(p, c));
    REQUIRE(handshake(p));
    const auto data = pattern(200, 11);
    CHECK(p.client.write(data.data(), data.size()).status == TlsStatus::Ok);
    p.c2s.bytes[p.c2s.bytes.size() - 5] ^= 0x40; // inside the ciphertext/tag
    uint8_t got[512];
    CHECK(p.server.read(got, sizeof got).status == TlsStatus::Error);
    CHECK(p.server.s.failure().code == TlsError::ProtocolError);
    print_failure("server", p.server.s);
    // the server told the client (bad_record_mac alert)
    CHECK(p.s2c.avail() > 0);
    CHECK(p.client.read(got, sizeof got).status == TlsStatus::Error);
    CHECK(p.client.s.failure().code == TlsError::AlertReceived);
    CHECK_EQ(p.client.s.failure().alert, 20);
    // close() after an error never sends close_notify, only finishes a pending alert
    const size_t before = p.c2s.bytes.size();
    CHECK(p.client.close() == TlsStatus::Ok);
    CHECK_EQ(p.c2s.bytes.size(), before);
}

TW_TEST(crypto_tls_mutual_authentication) {
    REQUIRE(tw_tls_test::cert_dir() != nullptr);
    const std::string ca = cert_path("ca.pem"), scert = cert_path("server.pem"), skey = cert_path("server.key");
    const std::string ccert = cert_path("client.pem"), ckey = cert_path("client.key");
    TlsCredentialsConfig sc;
    sc.ca = TlsSource::from_file(ca.c_str());
    sc.cert = TlsSource::from_file(scert.c_str());
    sc.key = TlsSource::from_file(skey.c_str());
    sc.require_client_cert = true;
    TlsCredentials server;
    REQUIRE(server.init(sc, rng()).ok());
    CHECK(server.requires_client_cert());

    TlsCredentialsConfig cc;
    cc.ca = TlsSource::from_file(ca.c_str());
    cc.cert = TlsSource::from_file(ccert.c_str());
    cc.key = TlsSource::from_file(ckey.c_str());
    TlsCredentials with_cert;
    REQUIRE(with_cert.init(cc, rng()).ok());
    cc.cert = TlsSource{};
    cc.key = TlsSource{};
    TlsCredentials without_cert;
    REQUIRE(without_cert.init(cc, rng()).ok());

    {
        Pair p;
        REQUIRE(p.client.s.open(with_cert, TlsRole::Client, "localhost").ok());
        REQUIRE(p.server.s.open(server, TlsRole::Server, nullptr).ok());
        const bool ok = handshake(p);
        if (!ok) {
            print_failure("client", p.client.s);
            print_failure("server", p.server.s);
        }
        CHECK(ok);
        CHECK(p.server.s.peer_verified());
        CHECK(p.client.s.peer_verified());
    }
    {
        Pair p;
        REQUIRE(p.client.s.open(without_cert, TlsRole::Client, "localhost").ok());
        REQUIRE(p.server.s.open(server, TlsRole::Server, nullptr).ok());
        CHECK(!handshake(p));
        print_failure("server", p.server.s);
        CHECK(p.server.s.failure().code == TlsError::PeerCertificateMissing);
        // The server side closes the connection after its failure (mbedTLS 2.28 sends no alert
        // for a missing client certificate, 3.x does): the client sees the alert or the EOF.
        CHECK(p.server.close() == TlsStatus::Ok);
        p.s2c.eof = true;
        // (In TLS 1.3 the client finishes before the server checks its certificate; it learns
        // of the failure when it reads. mbedTLS 3.6's server protects that alert with its
        // handshake key while the client already expects application keys, so a 3.6 client
        // sees a bad record MAC: ProtocolError.)
        uint8_t b[16];
        for (int i = 0; i < 5; ++i) p.client.read(b, sizeof b);
        print_failure("client", p.client.s);
        const TlsError ce = p.client.s.failure().code;
        if (std::strcmp(p.client.s.version() ? p.client.s.version() : "", "TLSv1.3") == 0)
            CHECK(ce == TlsError::AlertReceived || ce == TlsError::ProtocolError);
        else
            CHECK(ce == TlsError::AlertReceived || ce == TlsError::Truncated);
    }
}

TW_TEST(crypto_tls_versions) {
    Creds c12;
    REQUIRE(make_creds(c12, "server", "ca.pem", true, TlsVersion::Tls12));
    Pair p;
    REQUIRE(open_pair(p, c12));
    REQUIRE(handshake(p));
    CHECK_EQ(std::strcmp(p.client.s.version(), "TLSv1.2"), 0);
    if (!TlsCredentials::tls13_supported()) {
        std::printf("    (TLS 1.3 not in this mbedTLS build: %s)\n", TlsCredentials::library_version());
        return;
    }
    // A 1.3-capable client against a 1.2-only server settles on 1.2, and vice versa.
    Creds c13;
    REQUIRE(make_creds(c13));
    Pair q;
    REQUIRE(q.client.s.open(c13.client, TlsRole::Client, "localhost").ok());
    REQUIRE(q.server.s.open(c12.server, TlsRole::Server, nullptr).ok());
    REQUIRE(handshake(q));
    CHECK_EQ(std::strcmp(q.client.s.version(), "TLSv1.2"), 0);
    Pair r;
    REQUIRE(r.client.s.open(c12.client, TlsRole::Client, "localhost").ok());
    REQUIRE(r.server.s.open(c13.server, TlsRole::Server, nullptr).ok());
    REQUIRE(handshake(r));
    CHECK_EQ(std::strcmp(r.client.s.version(), "TLSv1.2"), 0);
}

TW_TEST(crypto_tls_session_reuse_in_place) {
    Creds c;
    REQUIRE(make_creds(c));
    Pair p;
    for (int round = 0; round < 3; ++round) {
        p.c2s = Wire{};
        p.s2c = Wire{};
        REQUIRE(open_pair(p, c));
        REQUIRE(handshake(p));
        const auto data = pattern(1000, static_cast<uint32_t>(round));
        CHECK(transfer(p.client, p.server, data) == data);
        CHECK(p.client.close() == TlsStatus::Ok);
        uint8_t b[8];
        CHECK(p.server.read(b, sizeof b).status == TlsStatus::Closed);
    }
    // Placement into preallocated storage, as the core's pool does.
    alignas(TlsSession) static unsigned char slot[sizeof(TlsSession)];
    TlsSession* s = new (slot) TlsSession;
    CHECK(s->open(c.client, TlsRole::Client, "localhost").ok());
    s->~TlsSession();
}

TW_TEST(crypto_tls_per_connection_memory) {
#if !defined(TW_TEST_HEAP_BYTES)
    std::printf("    no heap statistics in this C library: not measured\n");
    return;
#endif
    Creds c;
    REQUIRE(make_creds(c));
    Pair p;
    // Reserve the test's own buffers first so only mbedTLS moves the counter.
    p.c2s.bytes.reserve(1 << 16);
    p.s2c.bytes.reserve(1 << 16);
    const size_t base = heap_in_use();
    REQUIRE(p.client.s.open(c.client, TlsRole::Client, "localhost").ok());
    const size_t client_open = heap_in_use() - base;
    REQUIRE(p.server.s.open(c.server, TlsRole::Server, nullptr).ok());
    const size_t both_open = heap_in_use() - base;
    size_t peak = both_open;
    bool c_done = false, s_done = false;
    for (int i = 0; i < 100 && !(c_done && s_done); ++i) {
        c_done = p.client.step() == TlsHandshake::Done;
        peak = std::max(peak, heap_in_use() - base);
        s_done = p.server.step() == TlsHandshake::Done;
        peak = std::max(peak, heap_in_use() - base);
    }
    REQUIRE(c_done && s_done);
    const size_t both_steady = heap_in_use() - base;
    p.server.s.release();
    const size_t client_steady = heap_in_use() - base;
    p.client.s.release();
    const size_t after = heap_in_use() - base;
    std::printf("    sizeof(TlsSession) %zu B, sizeof(TlsCredentials) %zu B (%s, %s)\n", sizeof(TlsSession),
                sizeof(TlsCredentials), TlsCredentials::library_version(),
#if defined(TW_TEST_ASAN)
                "ASan allocator bytes"
#else
                "mallinfo2 bytes incl. chunk headers"
#endif
    );
    std::printf("    heap: client open %zu, server open %zu, handshake peak (pair) %zu, "
                "steady client %zu, steady server %zu, after release %zu\n",
                client_open, both_open - client_open, peak, client_steady, both_steady - client_steady, after);
    // Bounds: two ~16.7 KiB record buffers and a few KiB of state per connection.
    CHECK(client_open > 32 * 1024);
    CHECK(client_steady < 64 * 1024);
    CHECK(both_steady - client_steady < 64 * 1024);
#if defined(TW_TEST_ASAN)
    CHECK(after < 256); // release() gives everything back (exact allocator count)
#else
    (void)after; // mallinfo2 counts chunks parked in glibc's caches as in use: not exact enough
#endif
}
