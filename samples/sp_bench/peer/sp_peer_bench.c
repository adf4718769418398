/*
 * sp_peer_bench: the other side of samples/sp_bench's comparison — the same roles and output
 * as sp_bench, on libnanomsg (default) or libnng (-DPEER_NNG), plus a raw TCP echo pair that
 * gives the loopback latency floor. Built by samples/sp_bench/compare.sh:
 *
 *     cc -O2 sp_peer_bench.c -o sp_peer_bench_nn -lnanomsg -lpthread
 *     cc -O2 -DPEER_NNG sp_peer_bench.c -o sp_peer_bench_nng -lnng -lpthread
 *
 *   pull URL SECS            listens; counts messages for SECS from the first one
 *   push URL SECS SIZE       dials; sends as fast as it can until the puller hangs up (or SECS+3)
 *   rep URL SECS             listens; echoes every request (nanomsg: one thread, one socket;
 *                            NNG: 16 contexts on one socket, one thread each)
 *   req URL SECS SIZE N      N threads, one REQ socket each, one request in flight each
 *   rawecho PORT SECS        plain TCP echo server on 127.0.0.1:PORT (one connection)
 *   rawping PORT SECS SIZE   plain TCP client: SIZE bytes out, SIZE bytes back, one at a time
 * Every role but rawecho prints one line of key=value pairs: the figures, cpu_us_per_msg (user +
 * system CPU time of the whole process per message or round trip) and threads=N (/proc/self/status).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifdef PEER_NNG
#include <nng/nng.h>
#include <nng/protocol/pipeline0/pull.h>
#include <nng/protocol/pipeline0/push.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>
#define LIB "nng"
#else
#include <nanomsg/nn.h>
#include <nanomsg/pipeline.h>
#include <nanomsg/reqrep.h>
#define LIB "nanomsg"
#endif

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds (user + system, all threads) used by this process so far. */
static double cpu_seconds(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static int threads(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    int n = 0;
    if (!f) return 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "Threads: %d", &n) == 1) break;
    fclose(f);
    return n;
}

static void die(const char *what) {
    fprintf(stderr, "sp_peer_bench(%s): %s failed (errno %d)\n", LIB, what, errno);
    exit(1);
}

/* ---- the two libraries behind one small interface ------------------------------------------ */
#ifdef PEER_NNG
typedef nng_socket sock_t;
static sock_t sock_open(const char *role) {
    nng_socket s;
    int rv = !strcmp(role, "push") ? nng_push0_open(&s) : !strcmp(role, "pull") ? nng_pull0_open(&s)
           : !strcmp(role, "req") ? nng_req0_open(&s) : nng_rep0_open(&s);
    if (rv) die("open");
    return s;
}
static void sock_timeouts(sock_t s, int recv_ms, int send_ms) {
    nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, recv_ms);
    nng_socket_set_ms(s, NNG_OPT_SENDTIMEO, send_ms);
    nng_socket_set_size(s, NNG_OPT_RECVMAXSZ, 0);
}
static void sock_listen(sock_t s, const char *url) { if (nng_listen(s, url, NULL, 0)) die("listen"); }
static void sock_dial(sock_t s, const char *url) { if (nng_dial(s, url, NULL, NNG_FLAG_NONBLOCK)) die("dial"); }
static int sock_send(sock_t s, const void *buf, size_t n) { return nng_send(s, (void *)buf, n, 0) ? -1 : 0; }
/* Returns the size, -1 on a timeout. The message goes back with msg_free. */
static long sock_recv(sock_t s, void **buf) {
    size_t n;
    int rv = nng_recv(s, buf, &n, NNG_FLAG_ALLOC);
    if (rv == NNG_ETIMEDOUT) return -1;
    if (rv) die("recv");
    return (long)n;
}
static void msg_free(void *buf, long n) { nng_free(buf, (size_t)n); }
static void sock_close(sock_t s) { nng_close(s); }
#else
typedef int sock_t;
static sock_t sock_open(const char *role) {
    int s = nn_socket(AF_SP, !strcmp(role, "push") ? NN_PUSH : !strcmp(role, "pull") ? NN_PULL
                           : !strcmp(role, "req") ? NN_REQ : NN_REP);
    if (s < 0) die("open");
    return s;
}
static void sock_timeouts(sock_t s, int recv_ms, int send_ms) {
    int unlimited = -1;
    nn_setsockopt(s, NN_SOL_SOCKET, NN_RCVTIMEO, &recv_ms, sizeof recv_ms);
    nn_setsockopt(s, NN_SOL_SOCKET, NN_SNDTIMEO, &send_ms, sizeof send_ms);
    nn_setsockopt(s, NN_SOL_SOCKET, NN_RCVMAXSIZE, &unlimited, sizeof unlimited);
}
static void sock_listen(sock_t s, const char *url) { if (nn_bind(s, url) < 0) die("bind"); }
static void sock_dial(sock_t s, const char *url) { if (nn_connect(s, url) < 0) die("connect"); }
static int sock_send(sock_t s, const void *buf, size_t n) { return nn_send(s, buf, n, 0) < 0 ? -1 : 0; }
static long sock_recv(sock_t s, void **buf) {
    int n = nn_recv(s, buf, NN_MSG, 0);
    if (n < 0 && (errno == ETIMEDOUT || errno == EAGAIN)) return -1;
    if (n < 0) die("recv");
    return n;
}
static void msg_free(void *buf, long n) { (void)n; nn_freemsg(buf); }
static void sock_close(sock_t s) { nn_close(s); }
#endif

/* ---- SP roles ------------------------------------------------------------------------------- */
static int do_pull(const char *url, double secs) {
    sock_t s = sock_open("pull");
    sock_timeouts(s, 10000, 1000);
    sock_listen(s, url);
    void *buf;
    long n = sock_recv(s, &buf);
    if (n < 0) die("first message");
    long size = n;
    msg_free(buf, n);
    uint64_t msgs = 0, bytes = 0;
    double t0 = now(), t = t0, cpu0 = cpu_seconds();
    while (t - t0 < secs) {
        if ((n = sock_recv(s, &buf)) < 0) break;
        msgs++;
        bytes += (uint64_t)n;
        msg_free(buf, n);
        if ((msgs & 63) == 0 || size >= 4096) t = now();
    }
    t = now();
    double cpu = cpu_seconds() - cpu0;
    printf("lib=%s test=pushpull size=%ld secs=%.3f msgs=%llu msgs_per_s=%.0f MB_per_s=%.2f cpu_s=%.3f cpu_us_per_msg=%.3f threads=%d\n",
           LIB, size, t - t0, (unsigned long long)msgs, (double)msgs / (t - t0), (double)bytes / (t - t0) / 1e6, cpu,
           msgs ? cpu * 1e6 / (double)msgs : 0.0, threads());
    fflush(stdout);
    sock_close(s);
    return 0;
}

static int do_push(const char *url, double secs, size_t size) {
    sock_t s = sock_open("push");
    sock_timeouts(s, 1000, 300);
    sock_dial(s, url);
    char *buf = calloc(1, size ? size : 1);
    double start = now(), last_ok = 0, cpu0 = 0;
    uint64_t sent = 0;
    for (uint64_t i = 0;; i++) {
        if (sock_send(s, buf, size) == 0) {
            if (!sent++) cpu0 = cpu_seconds();
            last_ok = now();
        } else if (last_ok && now() - last_ok > 0.5) break;  /* the puller is gone */
        if ((i & 255) == 0 && now() - start > secs + 3) break;
    }
    double cpu = cpu_seconds() - cpu0;
    printf("lib=%s test=push size=%zu sent=%llu cpu_s=%.3f cpu_us_per_msg=%.3f threads=%d\n", LIB, size,
           (unsigned long long)sent, cpu, sent ? cpu * 1e6 / (double)sent : 0.0, threads());
    fflush(stdout);
    sock_close(s);
    free(buf);
    return 0;
}

#ifdef PEER_NNG
struct rep_worker { nng_socket s; double end; atomic_ullong served; };
static void *rep_ctx_thread(void *arg) {
    struct rep_worker *w = arg;
    nng_ctx c;
    nng_aio *aio;
    if (nng_ctx_open(&c, w->s) || nng_aio_alloc(&aio, NULL, NULL)) die("ctx");
    nng_aio_set_timeout(aio, 200);
    while (now() < w->end) {
        nng_ctx_recv(c, aio);
        nng_aio_wait(aio);
        if (nng_aio_result(aio)) continue;
        nng_aio_set_msg(aio, nng_aio_get_msg(aio));  /* echo the request's message */
        nng_ctx_send(c, aio);
        nng_aio_wait(aio);
        if (nng_aio_result(aio)) nng_msg_free(nng_aio_get_msg(aio));
        else atomic_fetch_add(&w->served, 1);
    }
    nng_aio_free(aio);
    nng_ctx_close(c);
    return NULL;
}
#endif

static int do_rep(const char *url, double secs) {
    sock_t s = sock_open("rep");
    sock_timeouts(s, 200, 1000);
    sock_listen(s, url);
    double cpu0 = cpu_seconds();
    unsigned long long served = 0;
#ifdef PEER_NNG
    enum { kWorkers = 16 };
    pthread_t th[kWorkers];
    struct rep_worker w = {s, now() + secs, 0};
    for (int i = 0; i < kWorkers; i++) pthread_create(&th[i], NULL, rep_ctx_thread, &w);
    for (int i = 0; i < kWorkers; i++) pthread_join(th[i], NULL);
    served = atomic_load(&w.served);
#else
    double end = now() + secs;
    while (now() < end) {
        void *buf;
        long n = sock_recv(s, &buf);
        if (n < 0) continue;
        if (nn_send(s, &buf, NN_MSG, 0) < 0) nn_freemsg(buf);  /* zero-copy echo */
        else served++;
    }
#endif
    double cpu = cpu_seconds() - cpu0;
    printf("lib=%s test=rep served=%llu cpu_s=%.3f cpu_us_per_msg=%.3f threads=%d\n", LIB, served, cpu,
           served ? cpu * 1e6 / (double)served : 0.0, threads());
    fflush(stdout);
    sock_close(s);
    return 0;
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

struct client {
    sock_t s;
    size_t size;
    double start, end;
    uint32_t *rtt_ns;
    size_t cap, n;
};

static void *client_thread(void *arg) {
    struct client *c = arg;
    char *out = calloc(1, c->size ? c->size : 1);
    while (now() < c->start) {}
    for (double t0 = now(); t0 < c->end; t0 = now()) {
        void *buf;
        if (sock_send(c->s, out, c->size)) die("send");
        long n = sock_recv(c->s, &buf);
        if (n < 0) die("reply");
        msg_free(buf, n);
        if (c->n < c->cap) c->rtt_ns[c->n] = (uint32_t)((now() - t0) * 1e9);
        c->n++;
    }
    free(out);
    return NULL;
}

/* Sorted round-trip times of every client, and their percentiles. */
static void report(const char *test, int nclients, size_t size, double el, uint32_t **rtts, size_t *counts, uint64_t total,
                   int nthreads, double cpu) {
    size_t all = 0, k = 0;
    for (int i = 0; i < nclients; i++) all += counts[i];
    uint32_t *v = malloc((all ? all : 1) * sizeof *v);
    for (int i = 0; i < nclients; i++) {
        memcpy(v + k, rtts[i], counts[i] * sizeof *v);
        k += counts[i];
    }
    qsort(v, all, sizeof *v, cmp_u32);
    printf("lib=%s test=%s clients=%d size=%zu secs=%.3f roundtrips=%llu rt_per_s=%.0f p50_us=%.1f p99_us=%.1f cpu_s=%.3f "
           "cpu_us_per_msg=%.3f threads=%d\n",
           LIB, test, nclients, size, el, (unsigned long long)total, (double)total / el, all ? v[all / 2] / 1e3 : 0.0,
           all ? v[(size_t)((double)all * 0.99)] / 1e3 : 0.0, cpu, total ? cpu * 1e6 / (double)total : 0.0, nthreads);
    fflush(stdout);
    free(v);
}

static int do_req(const char *url, double secs, size_t size, int n) {
    pthread_t *th = calloc((size_t)n, sizeof *th);
    struct client *c = calloc((size_t)n, sizeof *c);
    uint32_t **rtts = calloc((size_t)n, sizeof *rtts);
    size_t *counts = calloc((size_t)n, sizeof *counts);
    for (int i = 0; i < n; i++) {
        c[i].s = sock_open("req");
        sock_timeouts(c[i].s, 5000, 5000);
        sock_dial(c[i].s, url);
        void *buf;
        if (sock_send(c[i].s, "w", 1)) die("warm-up send");  /* the connection is up after it */
        long got = sock_recv(c[i].s, &buf);
        if (got < 0) die("warm-up reply");
        msg_free(buf, got);
    }
    double start = now() + 0.05, cpu0 = cpu_seconds();
    for (int i = 0; i < n; i++) {
        c[i].size = size;
        c[i].start = start;
        c[i].end = start + secs;
        c[i].cap = 4u << 20;
        c[i].rtt_ns = malloc(c[i].cap * sizeof(uint32_t));
        pthread_create(&th[i], NULL, client_thread, &c[i]);
    }
    while (now() < start + 0.1) usleep(1000);
    const int nthreads = threads();  /* while the clients run */
    uint64_t total = 0;
    for (int i = 0; i < n; i++) {
        pthread_join(th[i], NULL);
        total += c[i].n;
        rtts[i] = c[i].rtt_ns;
        counts[i] = c[i].n < c[i].cap ? c[i].n : c[i].cap;
    }
    report("reqrep", n, size, now() - start, rtts, counts, total, nthreads, cpu_seconds() - cpu0);
    for (int i = 0; i < n; i++) sock_close(c[i].s);
    return 0;
}

/* ---- raw TCP: the floor --------------------------------------------------------------------- */
static int tcp_socket(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    if (fd < 0) die("socket");
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    return fd;
}

static struct sockaddr_in local(int port) {
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

static int do_rawecho(int port, double secs) {
    int l = tcp_socket(), one = 1;
    struct sockaddr_in a = local(port);
    if (bind(l, (struct sockaddr *)&a, sizeof a) || listen(l, 4)) die("bind");
    struct timeval tv = {(time_t)secs, 0};
    setsockopt(l, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    int c = accept(l, NULL, NULL);
    if (c < 0) die("accept");
    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    static char buf[65536];
    for (ssize_t n; (n = read(c, buf, sizeof buf)) > 0;)
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(c, buf + off, (size_t)(n - off));
            if (w <= 0) return 0;
            off += w;
        }
    close(c);
    close(l);
    return 0;
}

static int do_rawping(int port, double secs, size_t size) {
    int fd = tcp_socket();
    struct sockaddr_in a = local(port);
    for (int i = 0; connect(fd, (struct sockaddr *)&a, sizeof a); i++) {
        if (i > 100) die("connect");
        usleep(20000);
        close(fd);
        fd = tcp_socket();
    }
    char *buf = calloc(1, size ? size : 1);
    size_t cap = 4u << 20, n = 0;
    uint32_t *rtt = malloc(cap * sizeof *rtt);
    uint64_t total = 0;
    double start = now(), end = start + secs, cpu0 = cpu_seconds();
    for (double t0 = start; t0 < end; t0 = now()) {
        if (write(fd, buf, size) != (ssize_t)size) die("write");
        for (size_t got = 0; got < size;) {
            ssize_t r = read(fd, buf + got, size - got);
            if (r <= 0) die("read");
            got += (size_t)r;
        }
        if (n < cap) rtt[n++] = (uint32_t)((now() - t0) * 1e9);
        total++;
    }
    report("rawtcp", 1, size, now() - start, &rtt, &n, total, threads(), cpu_seconds() - cpu0);
    close(fd);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: see the comment at the top of sp_peer_bench.c\n");
        return 2;
    }
    const char *mode = argv[1], *where = argv[2];
    double secs = atof(argv[3]);
    if (!strcmp(mode, "pull")) return do_pull(where, secs);
    if (!strcmp(mode, "push") && argc > 4) return do_push(where, secs, (size_t)atol(argv[4]));
    if (!strcmp(mode, "rep")) return do_rep(where, secs);
    if (!strcmp(mode, "req") && argc > 5) return do_req(where, secs, (size_t)atol(argv[4]), atoi(argv[5]));
    if (!strcmp(mode, "rawecho")) return do_rawecho(atoi(where), secs);
    if (!strcmp(mode, "rawping") && argc > 4) return do_rawping(atoi(where), secs, (size_t)atol(argv[4]));
    fprintf(stderr, "sp_peer_bench: bad arguments\n");
    return 2;
}
