/*
 * lws_echo.c - benchmark peer: a WebSocket echo server on libwebsockets (Debian's
 * libwebsockets-dev, its default poll() loop, one service thread, no extensions, no TLS).
 *
 *   cc -O2 -o lws_echo lws_echo.c -lwebsockets
 *   lws_echo PORT
 *
 * lws hands a message over in pieces and allows one lws_write per WRITEABLE callback, so each
 * session assembles the message, queues it whole, and writes the queue back one message per
 * callback, with the opcode it came with. This is the usual way to write an lws echo server.
 */
#include <libwebsockets.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct msg {
    struct msg* next;
    size_t len;
    int binary;
    unsigned char data[]; /* LWS_PRE bytes of headroom, then the payload */
};

struct session {
    struct msg *head, *tail, *rx; /* rx: the message being assembled (capacity in rx_cap) */
    size_t rx_cap;
};

static volatile int g_stop;
static void on_signal(int sig) { (void)sig; g_stop = 1; }

static int echo_cb(struct lws* wsi, enum lws_callback_reasons reason, void* user, void* in, size_t len) {
    struct session* s = user;
    switch (reason) {
    case LWS_CALLBACK_ESTABLISHED:
        memset(s, 0, sizeof *s);
        break;
    case LWS_CALLBACK_RECEIVE: {
        if (lws_is_first_fragment(wsi) && s->rx) s->rx->len = 0;
        size_t have = s->rx ? s->rx->len : 0;
        if (!s->rx || have + len > s->rx_cap) {
            size_t cap = s->rx_cap ? s->rx_cap : 256;
            while (cap < have + len) cap *= 2;
            struct msg* m = realloc(s->rx, sizeof *m + LWS_PRE + cap);
            if (!m) return -1;
            if (!s->rx) m->len = 0;
            s->rx = m;
            s->rx_cap = cap;
        }
        if (lws_is_first_fragment(wsi)) s->rx->binary = lws_frame_is_binary(wsi);
        memcpy(s->rx->data + LWS_PRE + s->rx->len, in, len);
        s->rx->len += len;
        if (lws_is_final_fragment(wsi) && lws_remaining_packet_payload(wsi) == 0) {
            struct msg* m = s->rx; /* the whole message joins the queue; a new buffer comes next time */
            m->next = NULL;
            if (s->tail) s->tail->next = m;
            else s->head = m;
            s->tail = m;
            s->rx = NULL;
            s->rx_cap = 0;
            lws_callback_on_writable(wsi);
        }
        break;
    }
    case LWS_CALLBACK_SERVER_WRITEABLE: {
        struct msg* m = s->head;
        if (!m) break;
        if (lws_write(wsi, m->data + LWS_PRE, m->len, m->binary ? LWS_WRITE_BINARY : LWS_WRITE_TEXT) < (int)m->len)
            return -1;
        s->head = m->next;
        if (!s->head) s->tail = NULL;
        free(m);
        if (s->head) lws_callback_on_writable(wsi);
        break;
    }
    case LWS_CALLBACK_CLOSED:
        while (s->head) {
            struct msg* m = s->head;
            s->head = m->next;
            free(m);
        }
        free(s->rx);
        memset(s, 0, sizeof *s);
        break;
    default:
        break;
    }
    return 0;
}

int main(int argc, char** argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: lws_echo PORT\n");
        return 2;
    }
    static struct lws_protocols protocols[] = {
        {"echo", echo_cb, sizeof(struct session), 0, 0, NULL, 0},
        {NULL, NULL, 0, 0, 0, NULL, 0},
    };
    lws_set_log_level(LLL_ERR, NULL);
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = atoi(argv[1]);
    info.iface = "127.0.0.1";
    info.protocols = protocols;
    info.options = LWS_SERVER_OPTION_DISABLE_IPV6;
    info.count_threads = 1;
    struct lws_context* ctx = lws_create_context(&info);
    if (!ctx) {
        fprintf(stderr, "lws_echo: lws_create_context failed\n");
        return 1;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    fprintf(stderr, "lws_echo (libwebsockets %s) listening on 127.0.0.1:%d\n", lws_get_library_version(), info.port);
    while (!g_stop && lws_service(ctx, 0) >= 0) {
    }
    lws_context_destroy(ctx);
    return 0;
}
