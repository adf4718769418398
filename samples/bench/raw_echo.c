/*
 * raw_echo.c - the loopback baseline: a single-threaded epoll TCP echo server with no protocol
 * at all. Whatever a library adds on top of TCP shows as its distance from this server.
 *
 *   cc -O2 -o raw_echo raw_echo.c
 *   raw_echo PORT [--unmask] [--own-buffers]
 *
 * Level-triggered epoll; reads go into one shared buffer and are written straight back. Bytes
 * the kernel did not take wait in a per-connection backlog, and that connection is not read
 * again until they are out (memory stays bounded, like a real server's flow control).
 *
 * --unmask: every byte read also gets the one pass a WebSocket server cannot skip, the XOR that
 * unmasks a client's frame (RFC 6455 5.3), here with a key of zero so that the echo stays
 * byte-exact for the --raw client. No framing, no copy: the floor under any WebSocket echo.
 *
 * --own-buffers: each connection reads into a 256 KiB buffer of its own instead of the shared
 * one. A server that frames messages must keep a frame's first part where it was read until the
 * rest comes, so it cannot share one buffer; with many connections, theirs no longer all fit
 * the CPU's cache. This row shows what that alone costs.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUF_SIZE (256 * 1024)

struct conn {
    int fd;
    char* own;  /* --own-buffers: this connection's read buffer */
    char* back;
    size_t back_len, back_off;
};

static char buf[BUF_SIZE];
static int ep;
static int unmask;
static int own_buffers;
static volatile uint64_t mask_key; /* zero, read at run time: the compiler cannot drop the pass */

/* The unmasking pass, as a WebSocket server makes it: 64-bit words, vectorised by the compiler. */
static void unmask_pass(char* p, size_t n) {
    const uint64_t k = mask_key;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        w ^= k;
        memcpy(p + i, &w, 8);
    }
    for (; i < n; ++i) p[i] ^= (char)k;
}

static void watch(struct conn* c, int op, uint32_t events) {
    struct epoll_event e = {.events = events, .data.ptr = c};
    epoll_ctl(ep, op, c->fd, &e);
}

static void drop(struct conn* c) {
    close(c->fd);
    free(c->own);
    free(c->back);
    free(c);
}

/* Writes p[0..n) and keeps what the kernel refused; -1 when the connection is dead. */
static int echo_out(struct conn* c, const char* p, size_t n) {
    while (n) {
        ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR) continue;
            if (errno != EAGAIN) return -1;
            c->back = malloc(n);
            if (!c->back) return -1;
            memcpy(c->back, p, n);
            c->back_len = n;
            c->back_off = 0;
            watch(c, EPOLL_CTL_MOD, EPOLLOUT);
            return 0;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int on_event(struct conn* c, uint32_t ev) {
    if (ev & EPOLLERR) return -1;
    if (c->back) { /* writable again: drain the backlog first */
        size_t left = c->back_len - c->back_off;
        ssize_t w = send(c->fd, c->back + c->back_off, left, MSG_NOSIGNAL);
        if (w < 0) return errno == EAGAIN || errno == EINTR ? 0 : -1;
        c->back_off += (size_t)w;
        if (c->back_off < c->back_len) return 0;
        free(c->back);
        c->back = NULL;
        watch(c, EPOLL_CTL_MOD, EPOLLIN);
    }
    char* in = c->own ? c->own : buf;
    for (;;) {
        ssize_t r = recv(c->fd, in, BUF_SIZE, 0);
        if (r == 0) return -1;
        if (r < 0) return errno == EAGAIN || errno == EINTR ? 0 : -1;
        if (unmask) unmask_pass(in, (size_t)r);
        if (echo_out(c, in, (size_t)r) < 0) return -1;
        if (c->back || (size_t)r < BUF_SIZE) return 0;
    }
}

int main(int argc, char** argv) {
    int bad = argc < 2;
    for (int i = 2; i < argc; ++i) {
        if (strcmp(argv[i], "--unmask") == 0) unmask = 1;
        else if (strcmp(argv[i], "--own-buffers") == 0) own_buffers = 1;
        else bad = 1;
    }
    if (bad) {
        fprintf(stderr, "usage: raw_echo PORT [--unmask] [--own-buffers]\n");
        return 2;
    }
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1]))};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    if (bind(ls, (struct sockaddr*)&sa, sizeof sa) < 0 || listen(ls, 4096) < 0) {
        perror("raw_echo: bind/listen");
        return 1;
    }
    ep = epoll_create1(0);
    struct epoll_event le = {.events = EPOLLIN, .data.ptr = NULL};
    epoll_ctl(ep, EPOLL_CTL_ADD, ls, &le);
    fprintf(stderr, "raw_echo listening on 127.0.0.1:%s\n", argv[1]);
    struct epoll_event evs[256];
    for (;;) {
        int n = epoll_wait(ep, evs, 256, -1);
        for (int i = 0; i < n; ++i) {
            struct conn* c = evs[i].data.ptr;
            if (!c) {
                int fd;
                while ((fd = accept4(ls, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    struct conn* nc = calloc(1, sizeof *nc);
                    if (!nc) { close(fd); continue; }
                    nc->fd = fd;
                    if (own_buffers && !(nc->own = malloc(BUF_SIZE))) { close(fd); free(nc); continue; }
                    watch(nc, EPOLL_CTL_ADD, EPOLLIN);
                }
                continue;
            }
            if (on_event(c, evs[i].events) < 0) drop(c);
        }
    }
}
