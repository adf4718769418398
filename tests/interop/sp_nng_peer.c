/*
 * sp_nng_peer: one SP socket on libnng (NNG 1.5), in any pattern role, as a reference peer for
 * tickwire's SP interop tests (tests/interop/sp_matrix/). nngcat covers most roles too; this
 * program adds what nngcat lacks: many requests on one socket with each reply checked, a
 * linger before exiting, waiting for N peers before sending, and pair v1.
 *
 *   sp_nng_peer ROLE listen|dial URL [URL...] [options]
 *   ROLE: req rep pub sub push pull bus surveyor respondent pair pair1, or
 *         device: raw REP listening on the first URL -> raw REQ on the second (listen|dial)
 *   -d DATA   what to send (req: the request prefix; rep/respondent: the answer, else echo)
 *   -n N      send N messages (then stop sending); with -n the bodies are DATA-0 .. DATA-(N-1)
 *   -i MS     send every MS milliseconds (pub, bus, surveyor, pair; default: once)
 *   -s PREFIX subscribe (sub; repeatable; none = everything)
 *   -p PEERS  wait for this many connected pipes before the first send (default 1)
 *   -t SECS   run this long, then exit (default 10)
 *
 * Every message received is printed as one line "BODY" in double quotes (like nngcat -Q, for
 * printable bodies) and flushed. req prints each reply; a reply that is not the request's echo
 * (or DATA... when the peer answers something else) is fine, a missing one is not: req exits 1
 * when a reply did not come within 3 s, 0 when all N came. push lingers 0.5 s after its last
 * send (NNG has no linger: nng_close may drop what is still queued). Exit 2: bad arguments,
 * 3: an NNG call failed.
 */
#define _POSIX_C_SOURCE 200809L
#include <nng/nng.h>
#include <nng/protocol/bus0/bus.h>
#include <nng/protocol/pair0/pair.h>
#include <nng/protocol/pair1/pair.h>
#include <nng/protocol/pipeline0/pull.h>
#include <nng/protocol/pipeline0/push.h>
#include <nng/protocol/pubsub0/pub.h>
#include <nng/protocol/pubsub0/sub.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/protocol/survey0/respond.h>
#include <nng/protocol/survey0/survey.h>

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static atomic_int pipes_up;

static void on_pipe(nng_pipe p, nng_pipe_ev ev, void *arg) {
    (void)p;
    (void)arg;
    if (ev == NNG_PIPE_EV_ADD_POST) atomic_fetch_add(&pipes_up, 1);
    if (ev == NNG_PIPE_EV_REM_POST) atomic_fetch_sub(&pipes_up, 1);
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void die(const char *what, int rv) {
    fprintf(stderr, "sp_nng_peer: %s: %s\n", what, nng_strerror(rv));
    exit(3);
}

static void print_msg(const void *data, size_t size) {
    printf("\"%.*s\"\n", (int)size, (const char *)data);
    fflush(stdout);
}

/* The body of message i: DATA, or DATA-i when a count was given. */
static size_t body_of(const char *data, int counted, int i, char *out, size_t cap) {
    int n = counted ? snprintf(out, cap, "%s-%d", data, i) : snprintf(out, cap, "%s", data);
    return n < 0 ? 0 : ((size_t)n < cap ? (size_t)n : cap - 1);
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: sp_nng_peer ROLE listen|dial URL [URL...] [-d DATA] [-n N] [-i MS] [-s PREFIX] [-p PEERS] [-t SECS]\n");
        return 2;
    }
    const char *role = argv[1];
    const int listen = strcmp(argv[2], "listen") == 0;
    if (!listen && strcmp(argv[2], "dial") != 0) return 2;
    const char *urls[16];
    int nurls = 0, a = 3;
    while (a < argc && argv[a][0] != '-' && nurls < 16) urls[nurls++] = argv[a++];
    const char *data = NULL, *subs[16];
    int nsubs = 0, count = -1, interval_ms = 0, peers = 1;
    double secs = 10;
    for (; a + 1 < argc; a += 2) {
        if (!strcmp(argv[a], "-d")) data = argv[a + 1];
        else if (!strcmp(argv[a], "-n")) count = atoi(argv[a + 1]);
        else if (!strcmp(argv[a], "-i")) interval_ms = atoi(argv[a + 1]);
        else if (!strcmp(argv[a], "-s") && nsubs < 16) subs[nsubs++] = argv[a + 1];
        else if (!strcmp(argv[a], "-p")) peers = atoi(argv[a + 1]);
        else if (!strcmp(argv[a], "-t")) secs = atof(argv[a + 1]);
        else return 2;
    }
    if (a != argc || nurls == 0) return 2;

    int rv;
    if (!strcmp(role, "device")) {
        /* A forwarder as nng's device(3) builds it: raw REP in front (always listening on the
         * first URL), raw REQ behind (listening or dialing the second). Runs until killed. */
        nng_socket front, back;
        if (nurls != 2) return 2;
        if ((rv = nng_rep0_open_raw(&front)) != 0 || (rv = nng_req0_open_raw(&back)) != 0) die("open raw", rv);
        if ((rv = nng_listen(front, urls[0], NULL, 0)) != 0) die("listen front", rv);
        rv = listen ? nng_listen(back, urls[1], NULL, 0) : nng_dial(back, urls[1], NULL, NNG_FLAG_NONBLOCK);
        if (rv != 0) die("back", rv);
        rv = nng_device(front, back);
        die("device", rv);
    }
    nng_socket s;
    int sends = 0, answers = 0;  /* sends: the role sends on its own; answers: rep/respondent */
    if (!strcmp(role, "req")) { rv = nng_req0_open(&s); sends = 1; }
    else if (!strcmp(role, "rep")) { rv = nng_rep0_open(&s); answers = 1; }
    else if (!strcmp(role, "pub")) { rv = nng_pub0_open(&s); sends = 1; }
    else if (!strcmp(role, "sub")) rv = nng_sub0_open(&s);
    else if (!strcmp(role, "push")) { rv = nng_push0_open(&s); sends = 1; }
    else if (!strcmp(role, "pull")) rv = nng_pull0_open(&s);
    else if (!strcmp(role, "bus")) { rv = nng_bus0_open(&s); sends = 1; }
    else if (!strcmp(role, "surveyor")) { rv = nng_surveyor0_open(&s); sends = 1; }
    else if (!strcmp(role, "respondent")) { rv = nng_respondent0_open(&s); answers = 1; }
    else if (!strcmp(role, "pair")) { rv = nng_pair0_open(&s); sends = 1; }
    else if (!strcmp(role, "pair1")) { rv = nng_pair1_open(&s); sends = 1; }
    else return 2;
    if (rv != 0) die("open", rv);
    if (!data) sends = 0;
    const int send_only = !strcmp(role, "pub") || !strcmp(role, "push");
    if ((rv = nng_pipe_notify(s, NNG_PIPE_EV_ADD_POST, on_pipe, NULL)) != 0) die("notify", rv);
    if ((rv = nng_pipe_notify(s, NNG_PIPE_EV_REM_POST, on_pipe, NULL)) != 0) die("notify", rv);
    if (!strcmp(role, "sub")) {
        if (nsubs == 0) subs[nsubs++] = "";
        for (int i = 0; i < nsubs; i++)
            if ((rv = nng_socket_set(s, NNG_OPT_SUB_SUBSCRIBE, subs[i], strlen(subs[i]))) != 0) die("subscribe", rv);
    }
    if (!strcmp(role, "req") && (rv = nng_socket_set_ms(s, NNG_OPT_REQ_RESENDTIME, 1000)) != 0) die("resend", rv);
    if (!strcmp(role, "surveyor") && (rv = nng_socket_set_ms(s, NNG_OPT_SURVEYOR_SURVEYTIME, 2000)) != 0) die("survey time", rv);
    if ((rv = nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, 20)) != 0) die("recv timeout", rv);
    if ((rv = nng_socket_set_ms(s, NNG_OPT_SENDTIMEO, 1000)) != 0) die("send timeout", rv);
    for (int i = 0; i < nurls; i++) {
        rv = listen ? nng_listen(s, urls[i], NULL, 0) : nng_dial(s, urls[i], NULL, NNG_FLAG_NONBLOCK);
        if (rv != 0) die(listen ? "listen" : "dial", rv);
    }

    const double end = now_s() + secs;
    const int counted = count >= 0;
    const int total = counted ? count : (interval_ms > 0 ? -1 : 1);  /* -1: until the end */
    static char buf[1 << 17];  /* DATA may be a big message (argv allows 128 KiB) */
    int sent = 0, status = 0;
    double next_send = 0;

    /* The first send waits for the peers, so that every one of them sees it (push balances). */
    if (sends)
        while (atomic_load(&pipes_up) < peers && now_s() < end) sleep_ms(5);

    if (sends && !strcmp(role, "req")) {  /* synchronous requests, each reply awaited */
        for (int i = 0; i < (total < 0 ? 1 : total); i++) {
            size_t n = body_of(data, counted, i, buf, sizeof buf);
            if ((rv = nng_send(s, buf, n, 0)) != 0) die("send", rv);
            const double give_up = now_s() + 3;
            for (;;) {
                char *reply;
                size_t size;
                rv = nng_recv(s, &reply, &size, NNG_FLAG_ALLOC);
                if (rv == 0) {
                    print_msg(reply, size);
                    nng_free(reply, size);
                    break;
                }
                if (rv != NNG_ETIMEDOUT) die("recv", rv);
                if (now_s() > give_up) {
                    fprintf(stderr, "sp_nng_peer: no reply to request %d\n", i);
                    status = 1;
                    goto out;
                }
            }
        }
        goto out;
    }

    while (now_s() < end) {
        if (sends && (total < 0 || sent < total) && now_s() >= next_send) {
            size_t n = body_of(data, counted, sent, buf, sizeof buf);
            rv = nng_send(s, buf, n, 0);
            if (rv != 0 && rv != NNG_ETIMEDOUT) die("send", rv);
            if (rv == 0) sent++;
            next_send = now_s() + interval_ms / 1000.0;
            if (total >= 0 && sent == total && !strcmp(role, "push")) {
                sleep_ms(500);  /* linger: let the pipes write what is queued */
                goto out;
            }
            if (interval_ms == 0 && (total < 0 || sent < total)) continue;  /* back to back */
        }
        if (send_only) {  /* pub, push: nothing to receive */
            sleep_ms(2);
            continue;
        }
        char *msg;
        size_t size;
        rv = nng_recv(s, &msg, &size, NNG_FLAG_ALLOC);
        if (rv == NNG_ETIMEDOUT || rv == NNG_ESTATE) continue;  /* ESTATE: surveyor between surveys */
        if (rv != 0) die("recv", rv);
        print_msg(msg, size);
        if (answers) {
            if (data) rv = nng_send(s, (void *)data, strlen(data), 0);
            else rv = nng_send(s, msg, size, 0);
            if (rv != 0) die("reply", rv);
        }
        nng_free(msg, size);
    }
out:
    nng_close(s);
    return status;
}
