// A real SP peer (nanocat from nanomsg-utils, nngcat from nng-utils) as a child process whose
// stdout is collected without blocking, for the SP interop tests. Both tools take the same
// flags for what these tests use (--push/--pull/..., --bind/--connect, --data, --interval, -A,
// --subscribe): nngcat accepts nanocat's names as aliases (shared/sp/NANOCAT.md).
#pragma once
#include <arpa/inet.h>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace tw_test {

struct SpPeer {
    pid_t pid = -1;
    int out = -1;
    char text[65536] = {};  // room for a big message printed whole
    size_t size = 0;

    // argv[0] is the program (a full path); argv ends with nullptr.
    bool start(const char* const* argv) {
        int fds[2];
        if (pipe(fds) != 0) return false;
        pid = fork();
        if (pid < 0) return false;
        if (pid == 0) {
            dup2(fds[1], 1);
            int null = open("/dev/null", O_WRONLY);
            if (null >= 0) dup2(null, 2);
            close(fds[0]);
            close(fds[1]);
            execv(argv[0], const_cast<char* const*>(argv));
            _exit(127);
        }
        close(fds[1]);
        out = fds[0];
        fcntl(out, F_SETFL, fcntl(out, F_GETFL) | O_NONBLOCK);
        return true;
    }
    // Collects what the peer printed so far.
    void poll() {
        while (out >= 0 && size + 1 < sizeof text) {
            const ssize_t n = read(out, text + size, sizeof text - 1 - size);
            if (n <= 0) break;
            size += static_cast<size_t>(n);
        }
        text[size] = 0;
    }
    bool printed(const char* s) {
        poll();
        return std::strstr(text, s) != nullptr;
    }
    void stop() {
        if (pid > 0) {
            kill(pid, SIGTERM);
            int status = 0;
            for (int i = 0; i < 100 && waitpid(pid, &status, WNOHANG) == 0; ++i) usleep(10000);
            if (waitpid(pid, &status, WNOHANG) == 0) {
                kill(pid, SIGKILL);
                waitpid(pid, &status, 0);
            }
            pid = -1;
        }
        if (out >= 0) close(out);
        out = -1;
    }
    ~SpPeer() { stop(); }
};

// A TCP port on 127.0.0.1 that was free a moment ago.
inline uint16_t free_tcp_port() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return 0;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    uint16_t port = 0;
    if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
        port = ntohs(a.sin_port);
    close(fd);
    return port;
}

} // namespace tw_test
