// Interop: the sans-I/O TlsSession against real OpenSSL peers over loopback TCP.
//   - our client -> `openssl s_server -rev` (TLS 1.2, and TLS 1.3 when this mbedTLS has it):
//     send a line, expect it reversed, ALPN agreed, server certificate verified;
//   - our client with a wrong host name -> HostnameMismatch against a real server;
//   - `openssl s_client` -> our server (TLS 1.2 / 1.3, and mutual TLS with a client certificate):
//     s_client verifies us (-verify_return_error) and prints what we answer;
//   - s_client asking our server to renegotiate (TLS 1.2) is refused.
// Plain blocking POSIX sockets with poll() timeouts live in this test only; the engine never
// sees a socket. Every openssl process gets a free port, every wait is bounded, and every process
// started is killed and reaped.
#include "tests/framework/check.hpp"
#include "tests/interop/tls_test_certs.hpp"

#include "crypto/random.hpp"
#include "crypto/tls_credentials.hpp"
#include "crypto/tls_engine.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <vector>

using namespace tickwire::detail;
using tw_tls_test::cert_path;

namespace {

constexpr int kTimeoutMs = 10000; // per exchange; generous for a loaded CI machine

Random& rng() {
    static Random r;
    if (!r.ready()) r.init();
    return r;
}

long now_ms() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

bool have_openssl() {
    static int have = -1;
    if (have < 0) have = std::system("openssl version >/dev/null 2>&1") == 0 ? 1 : 0;
    return have == 1;
}

// A port that was free a moment ago (bind to 0, read it back, release it).
int pick_free_port() {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    int port = -1;
    if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
        getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
        port = ntohs(a.sin_port);
    ::close(fd);
    return port;
}

// A child process (openssl) with a pipe to its stdin and its output in a file.
struct Child {
    pid_t pid = -1;
    int stdin_fd = -1;
    std::string log;

    bool start(const std::vector<std::string>& args) {
        char tmpl[] = "/tmp/tickwire_openssl_XXXXXX";
        const int out = mkstemp(tmpl);
        if (out < 0) return false;
        log = tmpl;
        int in[2];
        if (pipe(in) != 0) {
            ::close(out);
            return false;
        }
        pid = fork();
        if (pid == 0) {
            dup2(in[0], 0);
            dup2(out, 1);
            dup2(out, 2);
            ::close(in[0]);
            ::close(in[1]);
            ::close(out);
            std::vector<char*> argv;
            for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
            argv.push_back(nullptr);
            execvp(argv[0], argv.data());
            _exit(127);
        }
        ::close(in[0]);
        ::close(out);
        stdin_fd = in[1];
        return pid > 0;
    }
    void close_stdin() {
        if (stdin_fd >= 0) ::close(stdin_fd);
        stdin_fd = -1;
    }
    // Waits up to `ms` for the child to exit; returns its exit code, or -1 if still running.
    int wait_exit(int ms) {
        if (pid <= 0) return exit_code;
        const long end = now_ms() + ms;
        for (;;) {
            int status = 0;
            const pid_t r = waitpid(pid, &status, WNOHANG);
            if (r == pid) {
                pid = -1;
                exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
                return exit_code;
            }
            if (now_ms() >= end) return -1;
            usleep(10000);
        }
    }
    void stop() {
        close_stdin();
        if (pid > 0) {
            kill(pid, SIGTERM);
            if (wait_exit(2000) == -1 && pid > 0) {
                kill(pid, SIGKILL);
                waitpid(pid, nullptr, 0);
                pid = -1;
            }
        }
    }
    std::string output() const {
        const std::vector<uint8_t> bytes = tw_tls_test::read_file(log);
        return std::string(bytes.begin(), bytes.end());
    }
    ~Child() {
        stop();
        if (!log.empty()) unlink(log.c_str());
    }
    int exit_code = -1;
};

// Connects to 127.0.0.1:port, retrying while the server starts (bounded).
int connect_retry(int port, int ms) {
    const long end = now_ms() + ms;
    while (now_ms() < end) {
        const int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0) return -1;
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(static_cast<uint16_t>(port));
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) return fd;
        ::close(fd);
        usleep(20000);
    }
    return -1;
}

// Moves bytes between a blocking socket and a TlsSession, the way the core will do with rings.
struct SocketPump {
    int fd;
    TlsSession& s;
    std::vector<uint8_t> rx;
    bool eof = false;
    uint8_t out[1 << 15];

    SocketPump(int socket_fd, TlsSession& session) : fd(socket_fd), s(session) {}

    template <typename F>
    auto op(F&& f) {
        TlsIo io(rx.data(), rx.size(), out, sizeof out, eof);
        auto r = f(io);
        rx.erase(rx.begin(), rx.begin() + static_cast<long>(io.in_used));
        size_t sent = 0;
        while (sent < io.out_used) {
            const ssize_t n = send(fd, out + sent, io.out_used - sent, MSG_NOSIGNAL);
            if (n <= 0) break;
            sent += static_cast<size_t>(n);
        }
        return r;
    }
    // Waits (bounded) for more ciphertext; false on timeout.
    bool fill(long deadline) {
        const long left = deadline - now_ms();
        if (left <= 0) return false;
        pollfd p{fd, POLLIN, 0};
        if (poll(&p, 1, static_cast<int>(left)) <= 0) return false;
        uint8_t buf[16384];
        const ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n < 0) return false;
        if (n == 0) eof = true;
        rx.insert(rx.end(), buf, buf + n);
        return true;
    }
    TlsHandshake handshake(long deadline) {
        for (;;) {
            const TlsHandshake h = op([&](TlsIo& io) { return s.handshake_step(io); });
            if (h != TlsHandshake::WantIO) return h;
            if (eof || !fill(deadline)) return TlsHandshake::WantIO;
        }
    }
    bool write_all(const std::string& text) {
        size_t done = 0;
        for (int i = 0; i < 1000 && done < text.size(); ++i) {
            const TlsResult r = op([&](TlsIo& io) { return s.write_plain(io, text.data() + done, text.size() - done); });
            if (r.status == TlsStatus::Ok) done += r.bytes;
            if (r.status == TlsStatus::Error) return false;
        }
        return done == text.size();
    }
    // Reads until `until` appears (or close / error / deadline).
    std::string read_until(const char* until, long deadline) {
        std::string got;
        char buf[4096];
        for (;;) {
            const TlsResult r = op([&](TlsIo& io) { return s.read_plain(io, buf, sizeof buf); });
            if (r.status == TlsStatus::Ok) {
                got.append(buf, r.bytes);
                if (got.find(until) != std::string::npos) return got;
                continue;
            }
            if (r.status != TlsStatus::WouldBlock) return got;
            if (eof || !fill(deadline)) return got;
        }
    }
    void close_tls() {
        for (int i = 0; i < 10; ++i)
            if (op([&](TlsIo& io) { return s.close(io); }) != TlsStatus::WouldBlock) break;
    }
};

const char* kAlpn[] = {"http/1.1"};

bool client_creds(TlsCredentials& creds, TlsVersion min, TlsVersion max) {
    static std::string ca;
    ca = cert_path("ca.pem");
    TlsCredentialsConfig c;
    c.ca = TlsSource::from_file(ca.c_str());
    c.alpn = kAlpn;
    c.alpn_count = 1;
    c.min_version = min;
    c.max_version = max;
    const TlsFailure f = creds.init(c, rng());
    if (!f.ok()) std::printf("    client creds: %s\n", f.message);
    return f.ok();
}

// Our client against `openssl s_server -rev`, one connection.
void client_vs_s_server(const char* openssl_version_flag, TlsVersion ver, const char* expect_version) {
    REQUIRE(have_openssl());
    REQUIRE(tw_tls_test::cert_dir() != nullptr);
    TlsCredentials creds;
    REQUIRE(client_creds(creds, ver, ver));
    const int port = pick_free_port();
    REQUIRE(port > 0);
    Child server;
    REQUIRE(server.start({"openssl", "s_server", "-accept", "127.0.0.1:" + std::to_string(port), "-cert",
                          cert_path("server.pem"), "-key", cert_path("server.key"), openssl_version_flag, "-rev",
                          "-naccept", "1", "-alpn", "http/1.1"}));
    const int fd = connect_retry(port, 5000);
    REQUIRE(fd >= 0);
    TlsSession s;
    REQUIRE(s.open(creds, TlsRole::Client, "localhost").ok());
    SocketPump pump(fd, s);
    const long deadline = now_ms() + kTimeoutMs;
    const TlsHandshake h = pump.handshake(deadline);
    if (h != TlsHandshake::Done)
        std::printf("    handshake: %s -- %s\n    s_server says: %s\n", to_string(s.failure().code),
                    s.failure().message, server.output().c_str());
    REQUIRE(h == TlsHandshake::Done);
    CHECK(s.peer_verified());
    REQUIRE(s.version() != nullptr);
    CHECK_EQ(std::strcmp(s.version(), expect_version), 0);
    REQUIRE(s.alpn() != nullptr);
    CHECK_EQ(std::strcmp(s.alpn(), "http/1.1"), 0);
    std::printf("    %s %s with openssl s_server\n", s.version(), s.ciphersuite());

    CHECK(pump.write_all("hello tickwire\n"));
    const std::string reply = pump.read_until("\n", deadline);
    if (reply != "eriwkcit olleh\n") std::printf("    got \"%s\"\n", reply.c_str());
    CHECK(reply == "eriwkcit olleh\n");
    // 24 KB in one go (two TLS records, many TCP segments): 12 lines of 2000 characters
    // (s_server -rev reverses line by line, up to its 16 KiB line buffer).
    std::string many, expect;
    for (int l = 0; l < 12; ++l) {
        std::string line(1999, 'a');
        for (size_t i = 0; i < line.size(); ++i) line[i] = static_cast<char>('a' + (i * 7 + static_cast<size_t>(l)) % 26);
        many += line + "\n";
        expect += std::string(line.rbegin(), line.rend()) + "\n";
    }
    CHECK(pump.write_all(many));
    std::string many_reply;
    while (std::count(many_reply.begin(), many_reply.end(), '\n') < 12) {
        const std::string part = pump.read_until("\n", deadline);
        if (part.empty()) break;
        many_reply += part;
    }
    if (many_reply != expect) std::printf("    got %zu bytes, expected %zu\n", many_reply.size(), expect.size());
    CHECK(many_reply == expect);
    pump.close_tls();
    ::close(fd);
    // -naccept 1: the server ends after our connection.
    CHECK(server.wait_exit(5000) != -1);
    CHECK(!s.failed());
}

// `openssl s_client` against our server, one connection.
void s_client_vs_server(const char* openssl_version_flag, TlsVersion ver, const char* expect_version, bool mutual) {
    REQUIRE(have_openssl());
    REQUIRE(tw_tls_test::cert_dir() != nullptr);
    const std::string ca = cert_path("ca.pem"), cert = cert_path("server.pem"), key = cert_path("server.key");
    TlsCredentialsConfig c;
    c.cert = TlsSource::from_file(cert.c_str());
    c.key = TlsSource::from_file(key.c_str());
    c.ca = TlsSource::from_file(ca.c_str());
    c.require_client_cert = mutual;
    c.alpn = kAlpn;
    c.alpn_count = 1;
    c.min_version = ver;
    c.max_version = ver;
    TlsCredentials creds;
    const TlsFailure f = creds.init(c, rng());
    if (!f.ok()) std::printf("    server creds: %s\n", f.message);
    REQUIRE(f.ok());

    const int lfd = socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(lfd >= 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    REQUIRE(bind(lfd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(listen(lfd, 1) == 0);
    REQUIRE(getsockname(lfd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    const int port = ntohs(a.sin_port);

    std::vector<std::string> args = {"openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(port),
                                     "-CAfile", ca, "-servername", "localhost", "-verify_hostname", "localhost",
                                     "-verify_return_error", openssl_version_flag, "-alpn", "http/1.1", "-quiet"};
    if (mutual) {
        args.push_back("-cert");
        args.push_back(cert_path("client.pem"));
        args.push_back("-key");
        args.push_back(cert_path("client.key"));
    }
    Child client;
    REQUIRE(client.start(args));
    const std::string line = "ping from openssl s_client\n";
    CHECK(write(client.stdin_fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()));

    pollfd p{lfd, POLLIN, 0};
    const int ready = poll(&p, 1, 5000);
    REQUIRE(ready == 1);
    const int fd = accept(lfd, nullptr, nullptr);
    ::close(lfd);
    REQUIRE(fd >= 0);

    TlsSession s;
    REQUIRE(s.open(creds, TlsRole::Server, nullptr).ok());
    SocketPump pump(fd, s);
    const long deadline = now_ms() + kTimeoutMs;
    const TlsHandshake h = pump.handshake(deadline);
    if (h != TlsHandshake::Done) {
        client.stop();
        std::printf("    handshake: %s -- %s\n    s_client says: %s\n", to_string(s.failure().code),
                    s.failure().message, client.output().c_str());
    }
    REQUIRE(h == TlsHandshake::Done);
    REQUIRE(s.version() != nullptr);
    CHECK_EQ(std::strcmp(s.version(), expect_version), 0);
    REQUIRE(s.alpn() != nullptr);
    CHECK_EQ(std::strcmp(s.alpn(), "http/1.1"), 0);
    CHECK_EQ(s.peer_verified(), mutual);
    std::printf("    %s %s with openssl s_client%s\n", s.version(), s.ciphersuite(), mutual ? " (mutual TLS)" : "");

    const std::string got = pump.read_until("\n", deadline);
    CHECK(got == line);
    CHECK(pump.write_all("pong: " + got));
    pump.close_tls();
    // Wait for s_client to see the close_notify and exit; then close the socket.
    const int code = client.wait_exit(5000);
    ::close(fd);
    const std::string out = client.output();
    if (out.find("pong: ping from openssl s_client") == std::string::npos || code != 0)
        std::printf("    s_client exit %d, output:\n%s\n", code, out.c_str());
    CHECK(out.find("pong: ping from openssl s_client") != std::string::npos);
    CHECK(out.find("verify return:1") != std::string::npos);
    CHECK_EQ(code, 0);
}

} // namespace

TW_TEST(tls_interop_client_vs_openssl_s_server_tls12) {
    client_vs_s_server("-tls1_2", TlsVersion::Tls12, "TLSv1.2");
}

TW_TEST(tls_interop_client_vs_openssl_s_server_tls13) {
    if (!TlsCredentials::tls13_supported()) {
        std::printf("    (TLS 1.3 not in %s; skipped)\n", TlsCredentials::library_version());
        return;
    }
    client_vs_s_server("-tls1_3", TlsVersion::Tls13, "TLSv1.3");
}

TW_TEST(tls_interop_openssl_s_client_vs_server_tls12) {
    s_client_vs_server("-tls1_2", TlsVersion::Tls12, "TLSv1.2", false);
}

TW_TEST(tls_interop_openssl_s_client_vs_server_tls13) {
    if (!TlsCredentials::tls13_supported()) {
        std::printf("    (TLS 1.3 not in %s; skipped)\n", TlsCredentials::library_version());
        return;
    }
    s_client_vs_server("-tls1_3", TlsVersion::Tls13, "TLSv1.3", false);
}

TW_TEST(tls_interop_openssl_s_client_mutual_tls) {
    s_client_vs_server("-tls1_2", TlsVersion::Tls12, "TLSv1.2", true);
    if (TlsCredentials::tls13_supported()) s_client_vs_server("-tls1_3", TlsVersion::Tls13, "TLSv1.3", true);
}

TW_TEST(tls_interop_wrong_host_name_against_openssl) {
    REQUIRE(have_openssl());
    REQUIRE(tw_tls_test::cert_dir() != nullptr);
    TlsCredentials creds;
    REQUIRE(client_creds(creds, TlsVersion::Tls12, TlsVersion::Tls13));
    const int port = pick_free_port();
    REQUIRE(port > 0);
    Child server;
    REQUIRE(server.start({"openssl", "s_server", "-accept", "127.0.0.1:" + std::to_string(port), "-cert",
                          cert_path("server.pem"), "-key", cert_path("server.key"), "-naccept", "1"}));
    const int fd = connect_retry(port, 5000);
    REQUIRE(fd >= 0);
    TlsSession s;
    REQUIRE(s.open(creds, TlsRole::Client, "not-localhost.example").ok());
    SocketPump pump(fd, s);
    CHECK(pump.handshake(now_ms() + kTimeoutMs) == TlsHandshake::Error);
    CHECK(s.failure().code == TlsError::HostnameMismatch);
    std::printf("    %s -- %s\n", to_string(s.failure().code), s.failure().message);
    pump.close_tls(); // flushes the alert, if any is pending
    ::close(fd);
    CHECK(server.wait_exit(5000) != -1);
    const std::string out = server.output();
    // OpenSSL logs the alert we sent (bad certificate).
    if (out.find("bad certificate") == std::string::npos) std::printf("    s_server output:\n%s\n", out.c_str());
    CHECK(out.find("bad certificate") != std::string::npos);
}

TW_TEST(tls_interop_renegotiation_is_refused) {
    // s_client's interactive "R" command starts a TLS 1.2 renegotiation (a new ClientHello on the
    // established connection). Our server must not renegotiate: mbedTLS answers no_renegotiation,
    // which OpenSSL treats as fatal (handshake_failure).
    REQUIRE(have_openssl());
    REQUIRE(tw_tls_test::cert_dir() != nullptr);
    const std::string ca = cert_path("ca.pem"), cert = cert_path("server.pem"), key = cert_path("server.key");
    TlsCredentialsConfig c;
    c.cert = TlsSource::from_file(cert.c_str());
    c.key = TlsSource::from_file(key.c_str());
    c.verify_peer = false;
    TlsCredentials creds;
    REQUIRE(creds.init(c, rng()).ok());
    const int lfd = socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(lfd >= 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    REQUIRE(bind(lfd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(listen(lfd, 1) == 0);
    REQUIRE(getsockname(lfd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    Child client;
    REQUIRE(client.start({"openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(ntohs(a.sin_port)),
                          "-CAfile", ca, "-servername", "localhost", "-tls1_2"}));
    pollfd p{lfd, POLLIN, 0};
    REQUIRE(poll(&p, 1, 5000) == 1);
    const int fd = accept(lfd, nullptr, nullptr);
    ::close(lfd);
    REQUIRE(fd >= 0);
    TlsSession s;
    REQUIRE(s.open(creds, TlsRole::Server, nullptr).ok());
    SocketPump pump(fd, s);
    const long deadline = now_ms() + kTimeoutMs;
    REQUIRE(pump.handshake(deadline) == TlsHandshake::Done);
    const std::string first = "before\n";
    CHECK(write(client.stdin_fd, first.data(), first.size()) == static_cast<ssize_t>(first.size()));
    CHECK(pump.read_until("\n", deadline) == first);
    const std::string reneg = "R\n";
    CHECK(write(client.stdin_fd, reneg.data(), reneg.size()) == static_cast<ssize_t>(reneg.size()));
    const std::string after = "after\n";
    CHECK(write(client.stdin_fd, after.data(), after.size()) == static_cast<ssize_t>(after.size()));
    const std::string got = pump.read_until("\n", deadline);
    std::printf("    after R: %s -- %s\n", to_string(s.failure().code), s.failure().message);
    client.close_stdin();
    const int code = client.wait_exit(5000);
    ::close(fd);
    const std::string out = client.output();
    // OpenSSL saw our refusal...
    if (out.find("no renegotiation") == std::string::npos)
        std::printf("    s_client exit %d; output tail: %s\n", code, out.substr(out.size() > 600 ? out.size() - 600 : 0).c_str());
    CHECK(out.find("RENEGOTIATING") != std::string::npos);
    CHECK(out.find("no renegotiation") != std::string::npos);
    // ...and gave up on the connection: nothing more arrived, the session ends with its alert.
    CHECK(got.empty());
    CHECK(s.failure().code == TlsError::AlertReceived);
    CHECK_EQ(s.failure().alert, 40);
    CHECK(code != -1);
}
