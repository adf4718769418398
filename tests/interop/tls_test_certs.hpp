// Test-only helper: a throw-away PKI generated once per test process by make_test_certs.sh
// (next to this header) into a fresh temporary directory, removed at exit. Used by the TLS unit
// tests and the OpenSSL interop test.
#pragma once
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>
#include <vector>

#include "tests/framework/temp_dir.hpp"
#include "tickwire/config.hpp"

namespace tw_tls_test {

inline std::string& cert_dir_storage() {
    static std::string dir;
    return dir;
}

inline void remove_cert_dir() {
    const std::string& dir = cert_dir_storage();
    if (dir.rfind("/tmp/tickwire_tls_", 0) != 0) return; // never anything else
    const std::string cmd = "rm -rf '" + dir + "'";
    if (std::system(cmd.c_str()) != 0) std::fprintf(stderr, "could not remove %s\n", dir.c_str());
}

// The generator script: next to this header as the compiler saw it, or relative to the
// repository root (builds from build/ see "../tests/...", while the tests run from the root).
inline std::string script_path() {
    const std::string here = __FILE__;
    const size_t slash = here.rfind('/');
    const std::string beside = (slash == std::string::npos ? std::string(".") : here.substr(0, slash)) +
                               "/make_test_certs.sh";
    if (access(beside.c_str(), R_OK) == 0) return beside;
    return "tests/interop/make_test_certs.sh";
}

// The directory holding the PKI, or nullptr if it could not be generated (no openssl, script
// not found because the tests run neither from the repository root nor beside the sources).
inline const char* cert_dir() {
    static bool tried = false;
    std::string& dir = cert_dir_storage();
    if (!tried) {
        tried = true;
        // Made beforehand (by a test script, for a build whose tests run where there is no sh
        // and no openssl: the Windows build under wine): used as is, never removed.
        if (const char* given = std::getenv("TW_TLS_CERT_DIR")) {
            dir = given;
            return dir.c_str();
        }
        const std::string script = script_path();
        char tmpl[] = "/tmp/tickwire_tls_XXXXXX";
        if (tw_test::make_temp_dir(tmpl)) {
            const std::string cmd = "sh '" + script + "' '" + tmpl + "' >/dev/null 2>&1";
            dir = tmpl;
            std::atexit(remove_cert_dir);
            if (std::system(cmd.c_str()) != 0) {
                std::printf("    could not generate test certificates with %s\n", script.c_str());
                remove_cert_dir();
                dir.clear();
            }
        }
    }
    return dir.empty() ? nullptr : dir.c_str();
}

inline std::string cert_path(const char* name) {
    const char* dir = cert_dir();
    return std::string(dir ? dir : "/nonexistent") + "/" + name;
}

inline std::vector<uint8_t> read_file(const std::string& path) {
    std::vector<uint8_t> out;
    FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) return out;
    uint8_t buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.insert(out.end(), buf, buf + n);
    std::fclose(f);
    return out;
}

// A hosts file (Config::hosts_path) beside the certificates that names 127.0.0.1 "localhost",
// the name the test certificate carries, so that no DNS server is needed. "" if not written.
inline std::string localhost_hosts_file(const char* name) {
    const std::string path = cert_path(name);
    FILE* f = std::fopen(path.c_str(), "w");
    if (!f) return {};
    std::fputs("127.0.0.1 localhost\n", f);
    std::fclose(f);
    return path;
}

// What a context that is both TLS ends needs: the server's certificate and key, the CA that
// signed them, and a hosts file (`hosts_name`) so that "localhost" resolves without DNS. Empty
// paths (ok() false) when the certificates could not be made.
struct LocalTlsFiles {
    std::string cert, key, ca, hosts;

    explicit LocalTlsFiles(const char* hosts_name) {
        if (!cert_dir()) return;
        cert = cert_path("server.pem");
        key = cert_path("server.key");
        ca = cert_path("ca.pem");
        hosts = localhost_hosts_file(hosts_name);
    }
    bool ok() const { return !hosts.empty(); }
    // Both ends verify against the CA; names come from the hosts file only.
    void apply(tickwire::Config& cfg) const {
        cfg.tls.cert_file = cert.c_str();
        cfg.tls.key_file = key.c_str();
        cfg.tls.ca_file = ca.c_str();
        cfg.hosts_path = hosts.c_str();
        cfg.dns_server = "127.0.0.1:1";
    }
};

} // namespace tw_tls_test
