// TlsCredentials: loading from files and memory (PEM with/without NUL, DER, encrypted keys), the
// system bundle, and every set-up error coming back as a value with a useful message.
#include "tests/framework/check.hpp"
#include "tests/interop/tls_test_certs.hpp"

#include "crypto/random.hpp"
#include "crypto/tls_credentials.hpp"
#include "crypto/tls_engine.hpp"

#include <cstring>
#include <string>
#include <unistd.h>

using namespace tickwire::detail;
using tw_tls_test::cert_path;

namespace {

Random& rng() {
    static Random r;
    if (!r.ready()) r.init();
    return r;
}

TlsCredentialsConfig server_files() {
    static std::string cert, key;
    cert = cert_path("server.pem");
    key = cert_path("server.key");
    TlsCredentialsConfig c;
    c.cert = TlsSource::from_file(cert.c_str());
    c.key = TlsSource::from_file(key.c_str());
    c.verify_peer = false;
    return c;
}

bool contains(const char* hay, const char* needle) { return std::strstr(hay, needle) != nullptr; }

} // namespace

TW_TEST(crypto_tls_credentials_from_files) {
    REQUIRE(tw_tls_test::cert_dir() != nullptr);
    REQUIRE(rng().ready());
    TlsCredentials creds;
    CHECK(!creds.ready());
    CHECK(creds.ssl_config(false) == nullptr);
    const TlsFailure f = creds.init(server_files(), rng());
    if (!f.ok()) std::printf("    %s\n", f.message);
    REQUIRE(f.ok());
    CHECK(creds.ready());
    CHECK(creds.can_serve());
    CHECK(creds.can_connect());
    CHECK(creds.ssl_config(true) != nullptr);
    CHECK(creds.ssl_config(false) != nullptr);
    CHECK(creds.ssl_config(true) != creds.ssl_config(false));
    creds.reset();
    CHECK(!creds.ready());
    CHECK(creds.ssl_config(true) == nullptr);
}

TW_TEST(crypto_tls_credentials_from_memory_pem_der) {
    REQUIRE(tw_tls_test::cert_dir() != nullptr);
    const auto cert = tw_tls_test::read_file(cert_path("server.pem"));
    const auto key = tw_tls_test::read_file(cert_path("server.key"));
    const auto ca = tw_tls_test::read_file(cert_path("ca.pem"));
    const auto cert_der = tw_tls_test::read_file(cert_path("server.der"));
    const auto key_der = tw_tls_test::read_file(cert_path("server.key.der"));
    REQUIRE(!cert.empty() && !key.empty() && !ca.empty() && !cert_der.empty() && !key_der.empty());

    // PEM without a terminating NUL (as read from a file): decoded block by block.
    {
        TlsCredentialsConfig c;
        c.cert = TlsSource::from_memory(cert.data(), cert.size());
        c.key = TlsSource::from_memory(key.data(), key.size());
        c.ca = TlsSource::from_memory(ca.data(), ca.size());
        TlsCredentials creds;
        const TlsFailure f = creds.init(c, rng());
        if (!f.ok()) std::printf("    %s\n", f.message);
        CHECK(f.ok());
        CHECK(creds.can_serve());
        CHECK_EQ(creds.ca_count(), size_t{1});
    }
    // PEM with the NUL inside the length: handed to mbedTLS as is.
    {
        std::string cert_z(cert.begin(), cert.end()), key_z(key.begin(), key.end());
        TlsCredentialsConfig c;
        c.cert = TlsSource::from_memory(cert_z.c_str(), cert_z.size() + 1);
        c.key = TlsSource::from_memory(key_z.c_str(), key_z.size() + 1);
        c.verify_peer = false;
        TlsCredentials creds;
        const TlsFailure f = creds.init(c, rng());
        if (!f.ok()) std::printf("    %s\n", f.message);
        CHECK(f.ok());
    }
    // DER certificate and PKCS#8 DER key.
    {
        TlsCredentialsConfig c;
        c.cert = TlsSource::from_memory(cert_der.data(), cert_der.size());
        c.key = TlsSource::from_memory(key_der.data(), key_der.size());
        c.verify_peer = false;
        TlsCredentials creds;
        const TlsFailure f = creds.init(c, rng());
        if (!f.ok()) std::printf("    %s\n", f.message);
        CHECK(f.ok());
    }
    // A bundle of two CAs in memory without NUL.
    {
        auto bundle = ca;
        const auto other = tw_tls_test::read_file(cert_path("other_ca.pem"));
        bundle.insert(bundle.end(), other.begin(), other.end());
        TlsCredentialsConfig c;
        c.ca = TlsSource::from_memory(bundle.data(), bundle.size());
        TlsCredentials creds;
        CHECK(creds.init(c, rng()).ok());
        CHECK_EQ(creds.ca_count(), size_t{2});
    }
}

TW_TEST(crypto_tls_credentials_encrypted_key) {
    REQUIRE(tw_tls_test::cert_dir() != nullptr);
    const std::string cert = cert_path("server.pem"), key = cert_path("server.enc.key");
    const auto key_mem = tw_tls_test::read_file(key);
    for (int from_memory = 0; from_memory < 2; ++from_memory) {
        TlsCredentialsConfig c;
        c.cert = TlsSource::from_file(cert.c_str());
        c.key = from_memory ? TlsSource::from_memory(key_mem.data(), key_mem.size())
                            : TlsSource::from_file(key.c_str());
        c.verify_peer = false;
        c.key_password = "tickwire";
        TlsCredentials good;
        const TlsFailure ok = good.init(c, rng());
        if (!ok.ok()) std::printf("    %s\n", ok.message);
        CHECK(ok.ok());

        c.key_password = "wrong";
        TlsCredentials bad;
        const TlsFailure f = bad.init(c, rng());
        CHECK(f.code == TlsError::KeyLoadFailed);
        CHECK(f.mbedtls_code < 0);
        CHECK(!bad.ready());
        c.key_password = nullptr;
        CHECK(bad.init(c, rng()).code == TlsError::KeyLoadFailed);
    }
}

TW_TEST(crypto_tls_credentials_errors_are_values) {
    REQUIRE(tw_tls_test::cert_dir() != nullptr);
    TlsCredentials creds;

    // Missing CA file: CaLoadFailed, naming the file, with mbedTLS's text.
    TlsCredentialsConfig c;
    c.ca = TlsSource::from_file("/nonexistent/ca.pem");
    TlsFailure f = creds.init(c, rng());
    CHECK(f.code == TlsError::CaLoadFailed);
    CHECK(f.mbedtls_code < 0);
    CHECK(contains(f.message, "/nonexistent/ca.pem"));
    CHECK(!creds.ready());

    // Garbage as certificate.
    const char garbage[] = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    const std::string key = cert_path("server.key");
    c = TlsCredentialsConfig{};
    c.verify_peer = false;
    c.cert = TlsSource::from_memory(garbage, sizeof garbage - 1);
    c.key = TlsSource::from_file(key.c_str());
    f = creds.init(c, rng());
    CHECK(f.code == TlsError::CertLoadFailed);
    CHECK(f.message[0] != '\0');

    // Key of another certificate.
    const std::string cert = cert_path("server.pem"), other_key = cert_path("client.key");
    c.cert = TlsSource::from_file(cert.c_str());
    c.key = TlsSource::from_file(other_key.c_str());
    f = creds.init(c, rng());
    CHECK(f.code == TlsError::KeyMismatch);

    // Certificate without key.
    c.key = TlsSource{};
    CHECK(creds.init(c, rng()).code == TlsError::InvalidArgument);

    // Mutual TLS without a CA to verify clients with.
    c = server_files();
    c.require_client_cert = true;
    CHECK(creds.init(c, rng()).code == TlsError::InvalidArgument);

    // ALPN limits.
    c = server_files();
    const char* too_many[TlsCredentials::kMaxAlpn + 1];
    for (auto& p : too_many) p = "x";
    c.alpn = too_many;
    c.alpn_count = TlsCredentials::kMaxAlpn + 1;
    CHECK(creds.init(c, rng()).code == TlsError::InvalidArgument);
    const char* empty_name[] = {""};
    c.alpn = empty_name;
    c.alpn_count = 1;
    CHECK(creds.init(c, rng()).code == TlsError::InvalidArgument);

    // Unseeded generator.
    Random unseeded;
    CHECK(creds.init(server_files(), unseeded).code == TlsError::RngFailed);

    // Versions.
    c = server_files();
    c.min_version = TlsVersion::Tls13;
    c.max_version = TlsVersion::Tls12;
    CHECK(creds.init(c, rng()).code == TlsError::InvalidArgument);
    c.max_version = TlsVersion::Tls13;
    f = creds.init(c, rng());
    if (TlsCredentials::tls13_supported())
        CHECK(f.ok());
    else
        CHECK(f.code == TlsError::ConfigFailed);

    // A client config that verifies needs a CA; without an explicit one, a missing system
    // bundle is an error.
    c = TlsCredentialsConfig{};
    c.system_ca_file = "/nonexistent/bundle.crt";
    CHECK(creds.init(c, rng()).code == TlsError::CaLoadFailed);
    c.system_ca_file = nullptr;
    CHECK(creds.init(c, rng()).code == TlsError::CaLoadFailed);
    // ...and one that does not verify needs nothing.
    c.verify_peer = false;
    CHECK(creds.init(c, rng()).ok());
    CHECK(creds.can_connect());
    CHECK(!creds.can_serve());
}

TW_TEST(crypto_tls_credentials_system_bundle) {
    const char* bundle = "/etc/ssl/certs/ca-certificates.crt";
    if (access(bundle, R_OK) != 0) {
        std::printf("    (no system bundle at %s; skipped)\n", bundle);
        return;
    }
    TlsCredentials creds;
    TlsCredentialsConfig c; // defaults: verify, system bundle
    const TlsFailure f = creds.init(c, rng());
    if (!f.ok()) std::printf("    %s\n", f.message);
    REQUIRE(f.ok());
    CHECK(creds.verifies_server());
    CHECK(creds.ca_count() > 20);
}

TW_TEST(crypto_tls_session_open_checks) {
    REQUIRE(tw_tls_test::cert_dir() != nullptr);
    TlsSession s;
    TlsCredentials none;
    CHECK(s.open(none, TlsRole::Client, "localhost").code == TlsError::InvalidState);

    const std::string ca = cert_path("ca.pem");
    TlsCredentialsConfig c;
    c.ca = TlsSource::from_file(ca.c_str());
    TlsCredentials client_only;
    REQUIRE(client_only.init(c, rng()).ok());
    // no certificate: cannot serve
    CHECK(s.open(client_only, TlsRole::Server, nullptr).code == TlsError::InvalidState);
    // verifying client without a host name
    CHECK(s.open(client_only, TlsRole::Client, nullptr).code == TlsError::InvalidArgument);
    CHECK(s.open(client_only, TlsRole::Client, "").code == TlsError::InvalidArgument);
    CHECK(!s.is_open());
    const TlsFailure ok = s.open(client_only, TlsRole::Client, "localhost");
    CHECK(ok.ok());
    CHECK(s.is_open());
    CHECK(!s.handshake_done());
    CHECK(s.version() == nullptr);
    s.release();
    CHECK(!s.is_open());

    // calls on a session that is not open
    uint8_t buf[8];
    TlsIo io(nullptr, 0, buf, sizeof buf);
    CHECK(s.handshake_step(io) == TlsHandshake::Error);
    CHECK(s.failure().code == TlsError::InvalidState);
    CHECK(s.read_plain(io, buf, sizeof buf).status == TlsStatus::Error);
    CHECK(s.write_plain(io, "x", 1).status == TlsStatus::Error);
    CHECK(s.close(io) == TlsStatus::Error);
    CHECK_EQ(io.out_used, size_t{0});
}

TW_TEST(crypto_tls_error_strings) {
    for (int i = 0; i <= static_cast<int>(TlsError::Internal); ++i) {
        const char* s = to_string(static_cast<TlsError>(i));
        REQUIRE(s != nullptr);
        CHECK(s[0] != '\0');
        CHECK(std::strcmp(s, "unknown TLS error") != 0);
        for (int j = 0; j < i; ++j) CHECK(std::strcmp(s, to_string(static_cast<TlsError>(j))) != 0);
    }
    CHECK_EQ(std::strcmp(tls_alert_name(48), "unknown_ca"), 0);
    CHECK_EQ(std::strcmp(tls_alert_name(42), "bad_certificate"), 0);
    CHECK_EQ(std::strcmp(tls_alert_name(200), "unknown alert"), 0);
    const TlsFailure f = tls_failure(TlsError::HandshakeFailed, -0x7780, "handshake");
    CHECK(contains(f.message, "handshake: "));
    CHECK(contains(f.message, "0x7780"));
    CHECK(tls_error_from_verify_flags(0) == TlsError::None);
}
