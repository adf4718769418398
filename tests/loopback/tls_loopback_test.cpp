// TLS through the core: tls+tcp:// and wss:// between a server context and a client context
// on loopback, and every way a handshake can go wrong (each closes only its own connection).
#include <string>

#include "tests/interop/tls_test_certs.hpp"
#include "tests/loopback/harness.hpp"

using namespace tickwire;
using tw_test::EventLog;

namespace {

std::string cert(const char* name) { return tw_tls_test::cert_path(name); }

struct TlsWorld {
    Context server, client;
    EventLog slog, clog;
    ListenerId listener;
    std::string server_cert = cert("server.pem"), server_key = cert("server.key"), ca = cert("ca.pem");
    std::string hosts_file;

    bool start(const char* scheme, const char* cert_name = "server.pem", const char* key_name = "server.key",
               const char* ca_name = "ca.pem") {
        if (!tw_tls_test::cert_dir()) return false;
        server_cert = cert(cert_name);
        server_key = cert(key_name);
        ca = cert(ca_name);
        Config s;
        if (std::getenv("TW_TEST_LOG")) {
            s.log.level = LogLevel::Debug;
            s.log.fn = [](LogLevel, const char* m, void*) { std::printf("    [server] %s\n", m); };
        }
        s.handshake_timeout_ms = 400;
        s.tls.max_sessions = 8;
        s.tls.cert_file = server_cert.c_str();
        s.tls.key_file = server_key.c_str();
        if (server.init(s) != Error::Ok) return false;
        // "wronghost.test" is 127.0.0.1 too, but not a name in the server's certificate.
        hosts_file = std::string(tw_tls_test::cert_dir()) + "/hosts";
        FILE* f = std::fopen(hosts_file.c_str(), "w");
        if (!f) return false;
        std::fputs("127.0.0.1 wronghost.test\n", f);
        std::fclose(f);
        Config c;
        c.handshake_timeout_ms = 10000;  // generous: the suite also runs under valgrind
        c.tls.max_sessions = 8;
        c.tls.ca_file = ca.c_str();
        c.hosts_path = hosts_file.c_str();
        c.dns_server = "127.0.0.1:1";  // names come from the hosts file only
        if (client.init(c) != Error::Ok) return false;
        char url[64];
        std::snprintf(url, sizeof url, "%s://127.0.0.1:0", scheme);
        auto l = server.listen(url);
        if (!l) return false;
        listener = l.value;
        return true;
    }
    uint16_t port() { return server.listener_port(listener); }

    template <typename Pred>
    bool pump(int ms, Pred pred) {
        const int64_t end = client.now_us() + int64_t{ms} * 1000;
        for (;;) {
            if (server.update(1) != Error::Ok || client.update(1) != Error::Ok) return false;
            Event ev;
            while (server.next_event(ev)) slog.add(ev);
            while (client.next_event(ev)) clog.add(ev);
            if (pred()) return true;
            if (client.now_us() > end) return pred();
        }
    }
    Conn accepted() const {
        const Event* e = slog.last(EventType::Accepted);
        return e ? e->conn : Conn();
    }
};

DialOptions once() {
    DialOptions o;
    o.reconnect = false;
    return o;
}

} // namespace

TW_TEST(tls_tcp_exchange_and_close_notify) {
    TlsWorld w;
    REQUIRE(w.start("tls+tcp"));
    char url[64];
    std::snprintf(url, sizeof url, "tls://localhost:%u", w.port());
    auto d = w.client.dial(url, once());
    REQUIRE_EQ(d.error, Error::Ok);
    CHECK(w.pump(10000, [&] { return w.clog.count_of(EventType::Connected, d.value) == 1 && w.accepted().valid(); }));
    Conn s = w.accepted();
    REQUIRE(s.valid());
    // 1 MiB each way through 16 KiB rings and 16 KiB records.
    const size_t total = 1 << 20;
    size_t sent_c = 0, sent_s = 0, got_c = 0, got_s = 0, bad = 0;
    uint8_t buf[5000];
    CHECK(w.pump(15000, [&] {
        while (sent_c < total) {
            const size_t n = total - sent_c < sizeof buf ? total - sent_c : sizeof buf;
            for (size_t i = 0; i < n; ++i) buf[i] = tw_test::pattern(1, sent_c + i);
            if (d.value.send(buf, n) != Error::Ok) break;
            sent_c += n;
        }
        while (sent_s < total) {
            const size_t n = total - sent_s < sizeof buf ? total - sent_s : sizeof buf;
            for (size_t i = 0; i < n; ++i) buf[i] = tw_test::pattern(2, sent_s + i);
            if (s.send(buf, n) != Error::Ok) break;
            sent_s += n;
        }
        ReadView v;
        while (s.try_read(v) == Read::Message) {
            for (size_t i = 0; i < v.size; ++i) bad += v.data[i] != tw_test::pattern(1, got_s + i);
            got_s += v.size;
            v.release();
        }
        while (d.value.try_read(v) == Read::Message) {
            for (size_t i = 0; i < v.size; ++i) bad += v.data[i] != tw_test::pattern(2, got_c + i);
            got_c += v.size;
            v.release();
        }
        return got_c == total && got_s == total;
    }));
    CHECK_EQ(got_s, total);
    CHECK_EQ(got_c, total);
    CHECK_EQ(bad, 0u);
    REQUIRE_EQ(d.value.close(), Error::Ok);
    CHECK(w.pump(3000, [&] { return w.slog.count_of(EventType::Closed, s) == 1; }));
    const Event* closed = w.slog.last(EventType::Closed, s);
    REQUIRE(closed != nullptr);
    CHECK_EQ(closed->error, Error::Ok);  // close_notify, then FIN: an orderly end
    CHECK_EQ(w.slog.count_of(EventType::Error), 0);
}

TW_TEST(tls_wss_echo) {
    TlsWorld w;
    REQUIRE(w.start("wss"));
    char url[64];
    std::snprintf(url, sizeof url, "wss://localhost:%u/secure", w.port());
    auto d = w.client.dial(url, once());
    REQUIRE_EQ(d.error, Error::Ok);
    CHECK(w.pump(10000, [&] { return w.clog.count_of(EventType::Connected, d.value) == 1 && w.accepted().valid(); }));
    Conn s = w.accepted();
    REQUIRE(s.valid());
    REQUIRE_EQ(d.value.send_text("over tls"), Error::Ok);
    std::string got;
    CHECK(w.pump(3000, [&] {
        ReadView v;
        if (s.try_read(v) == Read::Message) {
            got.assign(reinterpret_cast<const char*>(v.data), v.size);
            v.release();
        }
        return !got.empty();
    }));
    CHECK(got == "over tls");
}

TW_TEST(tls_handshake_failures_each_give_their_error) {
    struct Case {
        const char* name;
        const char* host;
        const char* server_cert;
        const char* server_key;
        const char* ca;
        Error want;
    };
    const Case cases[] = {
        {"wrong host", "wronghost.test", "server.pem", "server.key", "ca.pem", Error::TlsHostnameMismatch},
        {"unknown ca", "localhost", "server.pem", "server.key", "other_ca.pem", Error::TlsUnknownCa},
        {"expired", "localhost", "expired.pem", "expired.key", "ca.pem", Error::TlsCertificateExpired},
    };
    for (const Case& tc : cases) {
        TlsWorld w;
        REQUIRE(w.start("tls", tc.server_cert, tc.server_key, tc.ca));
        char url[96];
        std::snprintf(url, sizeof url, "tls://%s:%u", tc.host, w.port());
        auto d = w.client.dial(url, once());
        REQUIRE_EQ(d.error, Error::Ok);
        CHECK(w.pump(3000, [&] { return w.clog.count_of(EventType::Closed, d.value) == 1; }));
        const Event* err = w.clog.last(EventType::Error, d.value);
        CHECK(err != nullptr && err->error == tc.want);
        if (err && err->error != tc.want) std::printf("    %s: got %s\n", tc.name, to_string(err->error));
        CHECK_EQ(w.clog.count_of(EventType::Connected), 0);
        CHECK_EQ(w.slog.count_of(EventType::Accepted), 0);  // the server never announced it
    }
}

TW_TEST(tls_plaintext_peers_and_stalled_handshakes_are_cut_alone) {
    TlsWorld w;
    REQUIRE(w.start("tls"));
    char tls_url[64], raw_url[64];
    std::snprintf(tls_url, sizeof tls_url, "tls://localhost:%u", w.port());
    std::snprintf(raw_url, sizeof raw_url, "tcp://127.0.0.1:%u", w.port());
    // A good TLS connection that must survive everything below.
    auto good = w.client.dial(tls_url, once());
    REQUIRE_EQ(good.error, Error::Ok);
    CHECK(w.pump(10000, [&] { return w.clog.count_of(EventType::Connected, good.value) == 1 && w.accepted().valid(); }));
    Conn good_server = w.accepted();
    // 1. A plaintext client on the TLS port.
    auto plain = w.client.dial(raw_url, once());
    REQUIRE_EQ(plain.error, Error::Ok);
    CHECK(w.pump(2000, [&] { return plain.value.state() == ConnState::Open; }));
    const char* http = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    REQUIRE_EQ(plain.value.send(http, std::strlen(http)), Error::Ok);
    CHECK(w.pump(3000, [&] { ReadView v; while (plain.value.try_read(v) == Read::Message) v.release(); return plain.value.state() != ConnState::Open; }));
    // 2. A peer that stops mid-handshake: connects, sends half a record header, then nothing.
    auto stall = w.client.dial(raw_url, once());
    REQUIRE_EQ(stall.error, Error::Ok);
    CHECK(w.pump(2000, [&] { return stall.value.state() == ConnState::Open; }));
    REQUIRE_EQ(stall.value.send("\x16\x03", 2), Error::Ok);
    const int64_t t0 = w.client.now_us();
    CHECK(w.pump(3000, [&] { ReadView v; while (stall.value.try_read(v) == Read::Message) v.release(); return stall.value.state() != ConnState::Open; }));
    CHECK(w.client.now_us() - t0 >= 300000);  // the server's handshake timeout is 400 ms
    CHECK(w.server.stats().handshakes_failed >= 2);
    // 3. A TLS client on a plaintext port that answers like an HTTP server.
    auto plain_listener = w.server.listen("tcp://127.0.0.1:0");
    REQUIRE_EQ(plain_listener.error, Error::Ok);
    char url[64];
    std::snprintf(url, sizeof url, "tls://localhost:%u", w.server.listener_port(plain_listener.value));
    auto wrong = w.client.dial(url, once());
    REQUIRE_EQ(wrong.error, Error::Ok);
    const char* reply = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
    bool replied = false;
    CHECK(w.pump(3000, [&] {
        for (int i = 0; i < w.slog.count && !replied; ++i) {
            const Event& ev = w.slog.events[i];
            if (ev.type == EventType::Data && ev.conn != good_server) {
                replied = ev.conn.send(reply, std::strlen(reply)) == Error::Ok;
            }
        }
        return w.clog.count_of(EventType::Closed, wrong.value) == 1;
    }));
    const Event* err = w.clog.last(EventType::Error, wrong.value);
    CHECK(err != nullptr && (err->error == Error::TlsNotTls || err->error == Error::TlsError));
    // The good connection carried on through all of it.
    REQUIRE_EQ(good.value.send("still", 5), Error::Ok);
    size_t got = 0;
    CHECK(w.pump(3000, [&] {
        ReadView v;
        while (good_server.try_read(v) == Read::Message) { got += v.size; v.release(); }
        return got == 5;
    }));
}
