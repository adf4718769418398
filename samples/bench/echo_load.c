/*
 * echo_load.c - the benchmark's load generator: a closed-loop WebSocket (or raw TCP) echo client.
 * Plain C, one thread, epoll, no tickwire inside, so that every server is measured by the same
 * neutral client.
 *
 *   cc -O2 -o echo_load echo_load.c
 *   echo_load --port P [-c CONNS] [-d DEPTH] [-s SIZE] [-t SECS] [-w WARMUP]
 *             [--raw] [--idle] [--server-pid PID]
 *
 * Each connection keeps DEPTH binary messages of SIZE bytes in flight; every echo is checked
 * (opcode, length, every payload byte) and its arrival sends the next message. Messages that
 * complete in the SECS-second window after WARMUP seconds are counted. Latency runs from the
 * moment a message is queued until its echo is read whole (a round trip for DEPTH 1; with more
 * in flight it includes queueing). --raw: plain TCP, a "message" is SIZE echoed bytes.
 * --idle: open CONNS WebSocket connections (at most 256 handshakes at once; with --raw plain TCP
 * connections), wait 1 s, and report the server's RSS growth per connection.
 *
 * Output, one line:  RESULT mode=ws conns=.. msgs_per_s=.. mb_per_s=.. p50_us=.. p99_us=..
 *   p999_us=.. errors=.. client_cpu=.. server_cpu=.. server_rss_kb=.. msgs=.. machine_busy_cpus=..
 *   client_sleeps=..
 * (machine_busy_cpus: CPUs the whole machine kept busy in the window, softirq included; minus the
 * client and the server, what other work took. client_sleeps: how often this client found nothing
 * to read and slept (voluntary context switches in the window). Each time, the server's next send
 * has to wake it, which the server pays for, and dearly in a VM, where waking an idle virtual CPU
 * is a trip through the hypervisor.)
 * (idle: RESULT mode=idle open=.. failed=.. rss_before_kb=.. rss_after_kb=.. bytes_per_conn=..)
 * Exit status: 0 ok, 1 errors, 2 usage, 3 could not connect.
 *
 * The handshake uses RFC 6455's example key, so the expected Sec-WebSocket-Accept is a constant
 * (no SHA-1 here); frames are masked with a fixed key and pre-built once, so masking costs the
 * client nothing per message.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define RX_BUF (256 * 1024)
#define TAPE_BYTES (64 * 1024)
#define MAX_DEPTH 1024

static const char kKey[] = "dGhlIHNhbXBsZSBub25jZQ==";
static const char kAccept[] = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";
static const uint8_t kMask[4] = {0x37, 0xfa, 0x21, 0x3d};

struct conn {
    int fd;
    int open;               /* handshake done */
    size_t hs_len;          /* bytes of the handshake response read so far */
    char hs[1024];
    uint64_t owed;          /* frames queued but not completely written */
    size_t pos;             /* bytes of the first owed frame already written */
    int want_out;           /* EPOLLOUT armed */
    /* reader: state of the current server frame and message */
    uint8_t hdr[14];
    size_t hdr_len, hdr_need;
    uint64_t frame_left;    /* payload bytes left in the current frame */
    int frame_control, frame_fin;
    uint64_t msg_off;       /* payload bytes of the current message so far */
    int64_t sent_at[MAX_DEPTH]; /* FIFO of send times */
    unsigned head, count;
};

static int g_raw, g_depth = 1;
static size_t g_size = 16, g_flen;
static uint8_t* g_payload;
static uint8_t* g_tape;     /* consecutive copies of the frame as it goes on the wire */
static size_t g_tape_len;
static uint64_t g_errors;

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Log-linear latency histogram: 64 sub-buckets per power of two (<1.6% error). */
static uint64_t g_hist[64 * 64];
static uint64_t g_hist_n;
static void hist_add(int64_t ns) {
    uint64_t v = ns > 0 ? (uint64_t)ns : 1;
    int e = 63 - __builtin_clzll(v);
    unsigned idx = e < 6 ? (unsigned)v : (unsigned)((e - 5) * 64 + ((v >> (e - 6)) & 63));
    if (idx >= 64 * 64) idx = 64 * 64 - 1;
    g_hist[idx]++;
    g_hist_n++;
}
static double hist_value(unsigned idx) {
    if (idx < 64) return idx;
    unsigned e = idx / 64 + 5, m = idx % 64;
    return (double)((64ull + m) << (e - 6)) + (double)(1ull << (e - 6)) / 2;
}
static double hist_pct(double p) {
    if (!g_hist_n) return 0;
    uint64_t want = (uint64_t)(p * (double)g_hist_n), seen = 0;
    if (want >= g_hist_n) want = g_hist_n - 1;
    for (unsigned i = 0; i < 64 * 64; ++i) {
        seen += g_hist[i];
        if (seen > want) return hist_value(i) / 1000.0;
    }
    return 0;
}

static int proc_stat(long pid, double* cpu_s, long* rss_kb) {
    char path[64], buf[2048];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE* f = fopen(path, "r");
    if (!f) return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char* p = strrchr(buf, ')'); /* the command name may hold spaces */
    if (!p) return -1;
    unsigned long ut = 0, st = 0;
    long rss = 0;
    /* fields after ')': state(3) ... utime(14) stime(15) ... rss(24) */
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu %*d %*d %*d %*d %*d %*d %*u %*u %ld",
               &ut, &st, &rss) != 3)
        return -1;
    *cpu_s = (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
    *rss_kb = rss * (sysconf(_SC_PAGESIZE) / 1024);
    return 0;
}

/* CPU-seconds the whole machine spent busy so far (/proc/stat: user nice system irq softirq). */
static double machine_busy(void) {
    unsigned long long u = 0, n = 0, sy = 0, idle = 0, io = 0, irq = 0, sirq = 0;
    FILE* f = fopen("/proc/stat", "r");
    if (!f) return 0;
    int k = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu", &u, &n, &sy, &idle, &io, &irq, &sirq);
    fclose(f);
    return k == 7 ? (double)(u + n + sy + irq + sirq) / (double)sysconf(_SC_CLK_TCK) : 0;
}

static double self_cpu(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static long self_sleeps(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_nvcsw;
}

static void build_tape(void) {
    g_payload = malloc(g_size ? g_size : 1);
    for (size_t i = 0; i < g_size; ++i) g_payload[i] = (uint8_t)(i * 7 + (i >> 8) + 1);
    uint8_t hdr[14];
    size_t h = 0;
    if (!g_raw) {
        hdr[h++] = 0x82; /* FIN, binary */
        if (g_size < 126) {
            hdr[h++] = (uint8_t)(0x80 | g_size);
        } else if (g_size < 65536) {
            hdr[h++] = 0x80 | 126;
            hdr[h++] = (uint8_t)(g_size >> 8);
            hdr[h++] = (uint8_t)g_size;
        } else {
            hdr[h++] = 0x80 | 127;
            for (int i = 7; i >= 0; --i) hdr[h++] = (uint8_t)((uint64_t)g_size >> (8 * i));
        }
        memcpy(hdr + h, kMask, 4);
        h += 4;
    }
    g_flen = h + g_size;
    size_t copies = TAPE_BYTES / g_flen;
    if (copies < 1) copies = 1;
    if (copies > (size_t)g_depth) copies = (size_t)g_depth;
    g_tape_len = copies * g_flen;
    g_tape = malloc(g_tape_len);
    for (size_t c = 0; c < copies; ++c) {
        uint8_t* f = g_tape + c * g_flen;
        memcpy(f, hdr, h);
        for (size_t i = 0; i < g_size; ++i) f[h + i] = g_raw ? g_payload[i] : g_payload[i] ^ kMask[i & 3];
    }
}

static int g_ep;
static void arm(struct conn* c, int out) {
    if (c->want_out == out) return;
    struct epoll_event e = {.events = EPOLLIN | (out ? EPOLLOUT : 0), .data.ptr = c};
    epoll_ctl(g_ep, EPOLL_CTL_MOD, c->fd, &e);
    c->want_out = out;
}

/* Writes what it can of the owed frames; -1 when the connection failed. */
static int flush(struct conn* c) {
    while (c->owed) {
        uint64_t left = c->owed * g_flen - c->pos;
        size_t n = g_tape_len - c->pos;
        if (n > left) n = (size_t)left;
        ssize_t w = send(c->fd, g_tape + c->pos, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EAGAIN || errno == EINTR) break;
            return -1;
        }
        size_t total = c->pos + (size_t)w;
        c->owed -= total / g_flen;
        c->pos = total % g_flen;
    }
    arm(c, c->owed != 0);
    return 0;
}

static void queue_msg(struct conn* c) {
    c->sent_at[(c->head + c->count) % MAX_DEPTH] = now_ns();
    c->count++;
    c->owed++;
}

static int64_t g_win_start, g_win_end;
static uint64_t g_msgs;

static void message_done(struct conn* c) {
    int64_t t = now_ns();
    if (!c->count) { g_errors++; return; }
    int64_t sent = c->sent_at[c->head];
    c->head = (c->head + 1) % MAX_DEPTH;
    c->count--;
    if (t >= g_win_start && t < g_win_end) {
        g_msgs++;
        hist_add(t - sent);
    }
    queue_msg(c);
}

/* Feeds echoed bytes through the frame parser; -1 on a protocol or payload error. */
static int consume(struct conn* c, const uint8_t* p, size_t n) {
    if (g_raw) {
        while (n) {
            size_t k = g_size - c->msg_off;
            if (k > n) k = n;
            if (memcmp(p, g_payload + c->msg_off, k)) return -1;
            c->msg_off += k; p += k; n -= k;
            if (c->msg_off == g_size) { c->msg_off = 0; message_done(c); }
        }
        return 0;
    }
    while (n) {
        if (c->hdr_need) { /* collecting a header */
            while (n && c->hdr_len < c->hdr_need) {
                c->hdr[c->hdr_len++] = *p++;
                --n;
                if (c->hdr_len == 2) {
                    if (c->hdr[1] & 0x80) return -1; /* servers do not mask */
                    unsigned l7 = c->hdr[1] & 0x7f;
                    c->hdr_need = 2 + (l7 == 126 ? 2 : l7 == 127 ? 8 : 0);
                }
            }
            if (c->hdr_len < c->hdr_need) return 0;
            unsigned op = c->hdr[0] & 0x0f, l7 = c->hdr[1] & 0x7f;
            uint64_t len = l7;
            if (l7 == 126) len = (uint64_t)c->hdr[2] << 8 | c->hdr[3];
            if (l7 == 127) { len = 0; for (int i = 2; i < 10; ++i) len = len << 8 | c->hdr[i]; }
            c->frame_fin = c->hdr[0] & 0x80;
            c->frame_control = op >= 8;
            if (op == 8) return -1; /* the server closed */
            if (!c->frame_control) {
                if (op != (c->msg_off ? 0u : 2u)) return -1; /* binary, or its continuation */
                if (c->msg_off + len > g_size) return -1;
            }
            c->frame_left = len;
            c->hdr_need = 0;
        }
        size_t k = c->frame_left < n ? (size_t)c->frame_left : n;
        if (!c->frame_control) {
            if (memcmp(p, g_payload + c->msg_off, k)) return -1;
            c->msg_off += k;
        }
        p += k; n -= k;
        c->frame_left -= k;
        if (c->frame_left == 0) {
            if (!c->frame_control && c->frame_fin) {
                if (c->msg_off != g_size) return -1;
                c->msg_off = 0;
                message_done(c);
            }
            c->hdr_need = 2;
            c->hdr_len = 0;
        }
    }
    return 0;
}

static int start_conn(struct conn* c, const struct sockaddr_in* sa, int port) {
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (c->fd < 0) return -1;
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(c->fd, (const struct sockaddr*)sa, sizeof *sa) < 0 && errno != EINPROGRESS) return -1;
    c->hdr_need = 2;
    if (!g_raw) {
        char req[256];
        int n = snprintf(req, sizeof req,
                         "GET / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                         "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n", port, kKey);
        /* the request fits an empty socket buffer once connected: queue it on the first EPOLLOUT */
        memcpy(c->hs, req, (size_t)n);
        c->hs_len = (size_t)n;
    }
    struct epoll_event e = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};
    c->want_out = 1;
    return epoll_ctl(g_ep, EPOLL_CTL_ADD, c->fd, &e);
}

/* Reads the 101 response; returns 1 when open (leftover bytes fed to the parser), 0 not yet, -1 bad. */
static int read_handshake(struct conn* c) {
    ssize_t r = recv(c->fd, c->hs + c->hs_len, sizeof c->hs - 1 - c->hs_len, 0);
    if (r == 0) return -1;
    if (r < 0) return errno == EAGAIN ? 0 : -1;
    c->hs_len += (size_t)r;
    c->hs[c->hs_len] = 0;
    char* end = strstr(c->hs, "\r\n\r\n");
    if (!end) return c->hs_len < sizeof c->hs - 1 ? 0 : -1;
    if (strncmp(c->hs, "HTTP/1.1 101", 12) || !strcasestr(c->hs, kAccept)) return -1;
    c->open = 1;
    size_t used = (size_t)(end + 4 - c->hs);
    return consume(c, (uint8_t*)c->hs + used, c->hs_len - used) < 0 ? -1 : 1;
}

static int usage(void) {
    fprintf(stderr, "usage: echo_load --port P [-c CONNS] [-d DEPTH] [-s SIZE] [-t SECS] [-w WARMUP] [--raw] [--idle]"
                    " [--server-pid PID]\n");
    return 2;
}

int main(int argc, char** argv) {
    int port = 0, conns = 1, idle = 0;
    double secs = 5, warmup = 1;
    long server_pid = 0;
    for (int i = 1; i < argc; ++i) {
        const char* a = argv[i];
        int v = i + 1 < argc;
        if (!strcmp(a, "--port") && v) port = atoi(argv[++i]);
        else if (!strcmp(a, "-c") && v) conns = atoi(argv[++i]);
        else if (!strcmp(a, "-d") && v) g_depth = atoi(argv[++i]);
        else if (!strcmp(a, "-s") && v) g_size = (size_t)strtoull(argv[++i], NULL, 10);
        else if (!strcmp(a, "-t") && v) secs = atof(argv[++i]);
        else if (!strcmp(a, "-w") && v) warmup = atof(argv[++i]);
        else if (!strcmp(a, "--server-pid") && v) server_pid = atol(argv[++i]);
        else if (!strcmp(a, "--raw")) g_raw = 1;
        else if (!strcmp(a, "--idle")) idle = 1;
        else return usage();
    }
    if (port <= 0 || conns < 1 || g_depth < 1 || g_depth > MAX_DEPTH || g_size < 1 || secs <= 0)
        return usage();
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    build_tape();
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    g_ep = epoll_create1(0);
    struct conn* cs = calloc((size_t)conns, sizeof *cs);
    if (!cs) return 1;
    double srv_cpu0 = 0, srv_cpu1 = 0;
    long rss0 = 0, rss1 = 0;
    if (server_pid) proc_stat(server_pid, &srv_cpu0, &rss0);

    /* Connect phase: at most 256 handshakes in progress; 10 s at most. */
    int started = 0, opened = 0, failed = 0, pending = 0;
    struct epoll_event evs[512];
    int64_t deadline = now_ns() + 10000000000LL;
    while (opened + failed < conns && now_ns() < deadline) {
        while (started < conns && pending < 256) {
            if (start_conn(&cs[started], &sa, port) < 0) { failed++; if (cs[started].fd >= 0) close(cs[started].fd); cs[started].fd = -1; }
            else pending++;
            started++;
        }
        int n = epoll_wait(g_ep, evs, 512, 100);
        for (int i = 0; i < n; ++i) {
            struct conn* c = evs[i].data.ptr;
            if (c->open) continue;
            int r = 0;
            if (evs[i].events & (EPOLLERR | EPOLLHUP)) r = -1;
            else if ((evs[i].events & EPOLLOUT) && c->want_out) {
                arm(c, 0);
                if (g_raw) {
                    c->open = 1; /* connected: nothing more to do */
                    r = 1;
                } else {
                    if (send(c->fd, c->hs, c->hs_len, MSG_NOSIGNAL) != (ssize_t)c->hs_len) r = -1;
                    c->hs_len = 0;
                }
            }
            if (r == 0 && (evs[i].events & EPOLLIN)) r = read_handshake(c);
            if (r != 0) {
                pending--;
                if (r > 0) opened++;
                else { failed++; epoll_ctl(g_ep, EPOLL_CTL_DEL, c->fd, NULL); close(c->fd); c->fd = -1; }
            }
        }
    }
    if (idle) {
        usleep(1000000);
        if (server_pid) proc_stat(server_pid, &srv_cpu1, &rss1);
        usleep((useconds_t)(secs * 1e6));
        printf("RESULT mode=idle conns=%d open=%d failed=%d rss_before_kb=%ld rss_after_kb=%ld bytes_per_conn=%.0f\n", conns,
               opened, conns - opened, rss0, rss1, opened ? (double)(rss1 - rss0) * 1024.0 / opened : 0.0);
        return opened == conns ? 0 : 3;
    }
    if (opened < conns) {
        fprintf(stderr, "echo_load: %d of %d connections failed\n", conns - opened, conns);
        return 3;
    }

    /* Load phase. */
    for (int i = 0; i < conns; ++i) {
        for (int d = 0; d < g_depth; ++d) queue_msg(&cs[i]);
        if (flush(&cs[i]) < 0) g_errors++;
    }
    int64_t t0 = now_ns();
    g_win_start = t0 + (int64_t)(warmup * 1e9);
    g_win_end = g_win_start + (int64_t)(secs * 1e9);
    int in_window = 0;
    double cli_cpu0 = 0, cli_cpu1 = 0, busy0 = 0;
    long sleeps0 = 0;
    static uint8_t buf[RX_BUF];
    while (!g_errors) {
        int64_t t = now_ns();
        if (!in_window && t >= g_win_start) {
            in_window = 1;
            cli_cpu0 = self_cpu();
            sleeps0 = self_sleeps();
            busy0 = machine_busy();
            if (server_pid) proc_stat(server_pid, &srv_cpu0, &rss0);
        }
        if (t >= g_win_end) break;
        int n = epoll_wait(g_ep, evs, 512, 50);
        for (int i = 0; i < n && !g_errors; ++i) {
            struct conn* c = evs[i].data.ptr;
            if (evs[i].events & (EPOLLERR | EPOLLHUP)) { g_errors++; break; }
            if (evs[i].events & EPOLLIN) {
                ssize_t r = recv(c->fd, buf, sizeof buf, 0);
                if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) { g_errors++; break; }
                if (r > 0 && consume(c, buf, (size_t)r) < 0) { g_errors++; break; }
            }
            if (c->owed && flush(c) < 0) g_errors++;
        }
    }
    double wall = (double)(now_ns() - g_win_start) / 1e9;
    if (wall > secs) wall = secs;
    cli_cpu1 = self_cpu();
    const long sleeps = self_sleeps() - sleeps0;
    double busy = wall > 0 ? (machine_busy() - busy0) / wall : 0;
    if (server_pid) proc_stat(server_pid, &srv_cpu1, &rss1);
    double rate = wall > 0 ? (double)g_msgs / wall : 0;
    printf("RESULT mode=%s conns=%d depth=%d size=%zu msgs_per_s=%.0f mb_per_s=%.2f p50_us=%.1f p99_us=%.1f p999_us=%.1f"
           " errors=%llu client_cpu=%.2f server_cpu=%.2f server_rss_kb=%ld msgs=%llu machine_busy_cpus=%.2f"
           " client_sleeps=%ld\n",
           g_raw ? "raw" : "ws", conns, g_depth, g_size, rate, rate * (double)g_size / 1e6, hist_pct(0.50), hist_pct(0.99),
           hist_pct(0.999), (unsigned long long)g_errors, wall > 0 ? (cli_cpu1 - cli_cpu0) / wall : 0,
           server_pid && wall > 0 ? (srv_cpu1 - srv_cpu0) / wall : 0, rss1, (unsigned long long)g_msgs, busy, sleeps);
    return g_errors ? 1 : 0;
}
