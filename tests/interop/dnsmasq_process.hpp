// A real dnsmasq on 127.0.0.1 at a free UDP port, for tests of the DNS client. It serves:
//   example.test -> 10.1.2.3, dual.test -> 10.9.8.7 + fd00::5, v6.test -> fd00::1234,
//   alias.test -> CNAME dual.test, loop.test -> 127.0.0.1; any other *.test is NXDOMAIN.
// Needs /usr/sbin/dnsmasq (tests/setup.sh installs it).
#pragma once
#include <arpa/inet.h>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace tw_test {

inline sockaddr_in loopback(uint16_t port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

// A port on 127.0.0.1 that was free a moment ago for both UDP and TCP (dnsmasq binds both).
inline uint16_t free_udp_port() {
    for (int attempt = 0; attempt < 20; ++attempt) {
        int udp = socket(AF_INET, SOCK_DGRAM, 0);
        if (udp < 0) return 0;
        sockaddr_in a = loopback(0);
        socklen_t len = sizeof a;
        uint16_t port = 0;
        if (bind(udp, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
            getsockname(udp, reinterpret_cast<sockaddr*>(&a), &len) == 0)
            port = ntohs(a.sin_port);
        int tcp = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in t = loopback(port);
        const bool tcp_free = tcp >= 0 && bind(tcp, reinterpret_cast<sockaddr*>(&t), sizeof t) == 0;
        if (tcp >= 0) close(tcp);
        close(udp);
        if (port != 0 && tcp_free) return port;
    }
    return 0;
}

// A dnsmasq child process, killed and reaped by the destructor.
struct Dnsmasq {
    pid_t pid = -1;
    uint16_t port = 0;

    bool start() {
        port = free_udp_port();
        if (port == 0) return false;
        char port_arg[32];
        std::snprintf(port_arg, sizeof port_arg, "--port=%u", port);
        const char* argv[] = {"dnsmasq", "--no-daemon", "--no-resolv", "--no-hosts", "--conf-file=/dev/null",
                              "--pid-file=", "--listen-address=127.0.0.1", "--bind-interfaces", port_arg,
                              "--address=/example.test/10.1.2.3", "--host-record=dual.test,10.9.8.7,fd00::5",
                              "--host-record=v6.test,fd00::1234", "--cname=alias.test,dual.test",
                              "--host-record=loop.test,127.0.0.1", "--local=/test/", nullptr};
        pid = fork();
        if (pid < 0) return false;
        if (pid == 0) {
            int devnull = open("/dev/null", O_RDWR);
            if (devnull >= 0) {
                dup2(devnull, 0);
                dup2(devnull, 1);
                dup2(devnull, 2);
            }
            execv("/usr/sbin/dnsmasq", const_cast<char* const*>(argv));
            execvp("dnsmasq", const_cast<char* const*>(argv));
            _exit(127);
        }
        return true;
    }

    bool running() {
        if (pid <= 0) return false;
        int status = 0;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            std::printf("    dnsmasq exited early (status %d): is it installed? is port %u taken?\n", status, port);
            pid = -1;
            return false;
        }
        return true;
    }

    ~Dnsmasq() {
        if (pid <= 0) return;
        kill(pid, SIGTERM);
        for (int i = 0; i < 200; ++i) {  // up to 2 s, then SIGKILL
            if (waitpid(pid, nullptr, WNOHANG) == pid) return;
            usleep(10000);
        }
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
    }
};

} // namespace tw_test
