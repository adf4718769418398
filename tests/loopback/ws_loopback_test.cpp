// WebSocket over loopback: our client against our server in one context, and hand-made bytes
// (through a plain tcp:// connection) for everything a correct client would never send.
#include <cstdlib>
#include <string>
#include <unistd.h>

#include "tests/framework/temp_dir.hpp"
#include "tests/loopback/harness.hpp"

using namespace tickwire;
using tw_test::EventLog;
using tw_test::pump;

namespace {

Config ws_config() {
    Config cfg;
    cfg.ring_block_size = 64 * 1024;
    cfg.ring_block_count = 64;
    cfg.message_slots = 8;
    cfg.message_slot_size = 2 << 20;
    cfg.handshake_timeout_ms = 300;
    return cfg;
}

struct WsPair {
    Context ctx;
    ListenerId listener;
    Conn client, server;
    EventLog log;
    char url[128];

    bool open(const ListenOptions& lo, const DialOptions& dopt, const char* path = "/chat?room=1") {
        if (ctx.init(ws_config()) != Error::Ok) return false;
        auto l = ctx.listen("ws://127.0.0.1:0", lo);
        if (!l) return false;
        listener = l.value;
        std::snprintf(url, sizeof url, "ws://127.0.0.1:%u%s", ctx.listener_port(listener), path);
        auto d = ctx.dial(url, dopt);
        if (!d) return false;
        client = d.value;
        return pump(ctx, log, 3000, [&] { return server.valid() && log.count_of(EventType::Connected, client) == 1; },
                    [&](const Event& ev) { if (ev.type == EventType::Accepted) server = ev.conn; });
    }
};

// Reads one whole message from `c` within the time limit.
bool read_message(WsPair& p, Conn c, std::string& out, DataKind& kind, int ms = 3000) {
    bool got = false;
    pump(p.ctx, p.log, ms, [&] {
        ReadView v;
        const Read r = c.try_read(v);
        if (r == Read::Message) {
            out.assign(reinterpret_cast<const char*>(v.data), v.size);
            kind = v.kind;
            v.release();
            got = true;
        }
        return got;
    });
    return got;
}

// Bytes a client would send for one frame, built by hand so that a test can put anything in
// the first byte (reserved opcodes, RSV bits): masked with a fixed key unless `mask` is false.
std::string client_frame(uint8_t first_byte, const std::string& payload, bool mask = true) {
    std::string out(1, static_cast<char>(first_byte));
    const uint8_t m = mask ? 0x80 : 0;
    const size_t n = payload.size();
    if (n < 126) {
        out += static_cast<char>(m | n);
    } else if (n < 65536) {
        out += static_cast<char>(m | 126);
        out += static_cast<char>(n >> 8);
        out += static_cast<char>(n & 0xFF);
    } else {
        out += static_cast<char>(m | 127);
        for (int i = 7; i >= 0; --i) out += static_cast<char>((static_cast<uint64_t>(n) >> (8 * i)) & 0xFF);
    }
    const uint8_t key[4] = {0x11, 0x22, 0x33, 0x44};
    if (mask) out.append(reinterpret_cast<const char*>(key), 4);
    for (size_t i = 0; i < n; ++i) out += static_cast<char>(payload[i] ^ (mask ? key[i & 3] : 0));
    return out;
}

// A raw tcp:// connection to the ws listener, for hand-made handshakes and frames.
struct RawPeer {
    Conn conn;
    std::string received;
    bool connect(WsPair& p) {
        char url[64];
        std::snprintf(url, sizeof url, "tcp://127.0.0.1:%u", p.ctx.listener_port(p.listener));
        DialOptions o;
        o.reconnect = false;
        auto d = p.ctx.dial(url, o);
        if (!d) return false;
        conn = d.value;
        return pump(p.ctx, p.log, 2000, [&] { return conn.state() == ConnState::Open; });
    }
    void drain() {
        ReadView v;
        while (conn.try_read(v) == Read::Message) {
            received.append(reinterpret_cast<const char*>(v.data), v.size);
            v.release();
        }
    }
    bool upgrade(WsPair& p) {
        const char* req = "GET /raw HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
        if (conn.send(req, std::strlen(req)) != Error::Ok) return false;
        return pump(p.ctx, p.log, 2000, [&] { drain(); return received.find("\r\n\r\n") != std::string::npos; });
    }
};

} // namespace

TW_TEST(ws_handshake_request_info_subprotocol_and_messages) {
    WsPair p;
    ListenOptions lo;
    lo.ws.subprotocols = "chat, superchat";
    DialOptions dopt;
    dopt.ws.subprotocols = "superchat";
    dopt.ws.origin = "http://example.test";
    bool saw_request = false;
    REQUIRE(p.ctx.init(ws_config()) == Error::Ok);
    auto l = p.ctx.listen("ws://127.0.0.1:0", lo);
    REQUIRE_EQ(l.error, Error::Ok);
    p.listener = l.value;
    std::snprintf(p.url, sizeof p.url, "ws://127.0.0.1:%u/chat?room=1", p.ctx.listener_port(p.listener));
    auto d = p.ctx.dial(p.url, dopt);
    REQUIRE_EQ(d.error, Error::Ok);
    p.client = d.value;
    CHECK(pump(p.ctx, p.log, 3000, [&] { return p.server.valid() && p.log.count_of(EventType::Connected, p.client) == 1; },
               [&](const Event& ev) {
                   if (ev.type != EventType::Accepted) return;
                   p.server = ev.conn;
                   const RequestInfo* info = ev.conn.request();
                   if (!info) return;
                   saw_request = info->path == "/chat" && info->query == "room=1" && info->subprotocol == "superchat" &&
                                 info->origin == "http://example.test" && info->header("host").size() > 0;
               }));
    CHECK(saw_request);
    CHECK(p.server.subprotocol() == "superchat");
    CHECK(p.client.subprotocol() == "superchat");
    REQUIRE_EQ(p.ctx.update(0), Error::Ok);  // the request is lent until the next update only
    CHECK(p.server.request() == nullptr);

    REQUIRE_EQ(p.client.send_text("hello"), Error::Ok);
    std::string msg;
    DataKind kind = DataKind::Bytes;
    REQUIRE(read_message(p, p.server, msg, kind));
    CHECK(msg == "hello");
    CHECK(kind == DataKind::Text);
    std::string blob(60000, '\0');
    for (size_t i = 0; i < blob.size(); ++i) blob[i] = static_cast<char>(i * 7);
    REQUIRE_EQ(p.server.send_binary(blob.data(), blob.size()), Error::Ok);
    REQUIRE(read_message(p, p.client, msg, kind));
    CHECK(msg == blob);
    CHECK(kind == DataKind::Binary);
    // An empty message is a message.
    REQUIRE_EQ(p.client.send_binary(nullptr, 0), Error::Ok);
    REQUIRE(read_message(p, p.server, msg, kind));
    CHECK(msg.empty());
    // Raw bytes would break the framing: refused.
    CHECK_EQ(p.client.send("x", 1), Error::WrongState);
}

TW_TEST(ws_zero_copy_begin_message_and_fragments_reassemble) {
    WsPair p;
    REQUIRE(p.open(ListenOptions{}, DialOptions{}));
    auto span = p.client.begin_message(DataKind::Text, 1000);
    REQUIRE_EQ(span.error, Error::Ok);
    std::memcpy(span.value.data, "zero-copy", 9);
    REQUIRE_EQ(p.client.commit(9), Error::Ok);  // shorter than reserved: the header shrinks
    std::string msg;
    DataKind kind;
    REQUIRE(read_message(p, p.server, msg, kind));
    CHECK(msg == "zero-copy");
    // 1 MiB in 40 KiB fragments, with a ping in between: one whole message arrives.
    std::string big(1 << 20, '\0');
    for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 131 + (i >> 12));
    size_t sent = 0;
    bool pinged = false;
    std::string got;
    CHECK(pump(p.ctx, p.log, 10000, [&] {
        while (sent < big.size()) {
            const size_t n = big.size() - sent < 40000 ? big.size() - sent : 40000;
            if (p.client.send_fragment(DataKind::Binary, big.data() + sent, n, sent + n == big.size()) != Error::Ok) break;
            sent += n;
            if (!pinged && p.client.ping("p", 1) == Error::Ok) pinged = true;
        }
        ReadView v;
        if (p.server.try_read(v) == Read::Message) {
            got.assign(reinterpret_cast<const char*>(v.data), v.size);
            v.release();
        }
        return !got.empty();
    }));
    CHECK(got.size() == big.size());
    CHECK(got == big);
    CHECK(p.log.count_of(EventType::Ping, p.server) == 1);
    CHECK_EQ(p.ctx.stats().message_slots_in_use, 0u);
}

TW_TEST(ws_streaming_hands_out_chunks_with_offsets) {
    WsPair p;
    ListenOptions lo;
    lo.ws.streaming = true;
    REQUIRE(p.open(lo, DialOptions{}));
    std::string big(3 << 20, '\0');  // larger than every buffer of the context
    for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i ^ (i >> 9));
    size_t sent = 0, received = 0, chunks = 0, bad = 0;
    bool saw_first = false, saw_final = false;
    CHECK(pump(p.ctx, p.log, 15000, [&] {
        while (sent < big.size()) {
            const size_t n = big.size() - sent < 30000 ? big.size() - sent : 30000;
            if (p.client.send_fragment(DataKind::Binary, big.data() + sent, n, sent + n == big.size()) != Error::Ok) break;
            sent += n;
        }
        ReadView v;
        for (Read r; (r = p.server.try_read(v)) == Read::Partial || r == Read::Message;) {
            if (v.offset != received) ++bad;
            if (v.size && std::memcmp(v.data, big.data() + received, v.size) != 0) ++bad;
            if (v.first) saw_first = received == 0;
            if (v.final) saw_final = true;
            received += v.size;
            ++chunks;
            v.release();
        }
        return saw_final;
    }));
    CHECK_EQ(received, big.size());
    CHECK_EQ(bad, 0u);
    CHECK(saw_first);
    CHECK(chunks > 10);
    CHECK_EQ(p.ctx.stats().message_slots_in_use, 0u);
}

TW_TEST(ws_close_handshake_carries_code_and_reason_to_both_sides) {
    WsPair p;
    DialOptions dopt;
    dopt.reconnect = false;
    REQUIRE(p.open(ListenOptions{}, dopt));
    REQUIRE_EQ(p.client.close(4001, "bye now"), Error::Ok);
    CHECK_EQ(p.client.send_text("late"), Error::WrongState);
    uint16_t server_code = 0, client_code = 0;
    std::string server_reason;
    CHECK(pump(p.ctx, p.log, 3000, [&] { return server_code && client_code; }, [&](const Event& ev) {
        if (ev.type != EventType::Closed) return;
        if (ev.conn == p.server) {
            server_code = ev.close_code;
            server_reason.assign(ev.close_reason.data(), ev.close_reason.size());
        }
        if (ev.conn == p.client) client_code = ev.close_code;
    }));
    CHECK_EQ(server_code, 4001);
    CHECK(server_reason == "bye now");
    CHECK_EQ(client_code, 4001);
    CHECK_EQ(p.log.count_of(EventType::Error), 0);
}

TW_TEST(ws_protocol_errors_close_one_connection_with_the_right_code) {
    struct Case {
        const char* name;
        std::string frame;
        uint16_t code;
        Error error;
    };
    const Case cases[] = {
        {"unmasked", client_frame(0x81, "hi", false), 1002, Error::ProtocolError},
        {"reserved opcode", client_frame(0x83, "x"), 1002, Error::ProtocolError},
        {"rsv bit", client_frame(0xC1, "x"), 1002, Error::ProtocolError},
        {"bad utf8", client_frame(0x81, std::string("\xC0\xAF", 2)), 1007, Error::InvalidUtf8},
        {"continuation first", client_frame(0x80, "x"), 1002, Error::ProtocolError},
        {"too big", client_frame(0x82, std::string(5000, 'a')), 1009, Error::MessageTooLarge},
    };
    for (const Case& tc : cases) {
        WsPair p;
        ListenOptions lo;
        lo.ws.max_message = 4096;
        REQUIRE(p.open(lo, DialOptions{}));
        RawPeer raw;
        REQUIRE(raw.connect(p));
        REQUIRE(raw.upgrade(p));
        Conn bad_server;
        for (int i = p.log.count - 1; i >= 0; --i)
            if (p.log.events[i].type == EventType::Accepted && p.log.events[i].conn != p.server) { bad_server = p.log.events[i].conn; break; }
        REQUIRE(bad_server.valid());
        raw.received.clear();
        REQUIRE_EQ(raw.conn.send(tc.frame.data(), tc.frame.size()), Error::Ok);
        CHECK(pump(p.ctx, p.log, 3000, [&] {
            ReadView v;
            (void)bad_server.try_read(v);
            raw.drain();
            return p.log.count_of(EventType::Closed, bad_server) == 1 && raw.conn.state() != ConnState::Open;
        }));
        raw.drain();
        const Event* err = p.log.last(EventType::Error, bad_server);
        CHECK(err != nullptr && err->error == tc.error);
        // The raw peer got a Close frame with the code.
        CHECK(raw.received.size() >= 4);
        if (raw.received.size() >= 4) {
            CHECK_EQ(static_cast<uint8_t>(raw.received[0]), 0x88);
            const uint16_t code = static_cast<uint16_t>((static_cast<uint8_t>(raw.received[2]) << 8) | static_cast<uint8_t>(raw.received[3]));
            CHECK_EQ(code, tc.code);
        }
        // The good connection carries on.
        REQUIRE_EQ(p.client.send_text("still here"), Error::Ok);
        std::string msg;
        DataKind kind;
        CHECK(read_message(p, p.server, msg, kind));
        CHECK(msg == "still here");
        if (tw_test::current_failed()) {
            std::printf("    (case: %s) raw got %zu bytes:", tc.name, raw.received.size());
            for (int i = 0; i < p.log.count; ++i) std::printf(" %s", to_string(p.log.events[i].type));
            std::printf("\n");
        }
    }
}

TW_TEST(ws_bad_upgrades_get_http_errors_and_slow_ones_time_out) {
    WsPair p;
    REQUIRE(p.open(ListenOptions{}, DialOptions{}));
    const uint64_t failed_before = p.ctx.stats().handshakes_failed;
    struct Case { const char* request; const char* status; };
    const Case cases[] = {
        {"GET / HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 426"},
        {"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n", "HTTP/1.1 426"},
        {"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Key: short\r\nSec-WebSocket-Version: 13\r\n\r\n", "HTTP/1.1 400"},
        {"BLAH\r\n\r\n", "HTTP/1.1 400"},
    };
    for (const Case& tc : cases) {
        RawPeer raw;
        REQUIRE(raw.connect(p));
        REQUIRE_EQ(raw.conn.send(tc.request, std::strlen(tc.request)), Error::Ok);
        CHECK(pump(p.ctx, p.log, 2000, [&] { raw.drain(); return raw.conn.state() != ConnState::Open; }));
        raw.drain();
        CHECK(raw.received.compare(0, std::strlen(tc.status), tc.status) == 0);
        if (std::strstr(tc.request, "Version: 8")) CHECK(raw.received.find("Sec-WebSocket-Version: 13") != std::string::npos);
    }
    // Slowloris: half a request, then nothing. The handshake timeout (300 ms) ends it.
    RawPeer slow;
    REQUIRE(slow.connect(p));
    REQUIRE_EQ(slow.conn.send("GET / HTTP/1.1\r\nHo", 18), Error::Ok);
    const int64_t t0 = p.ctx.now_us();
    CHECK(pump(p.ctx, p.log, 3000, [&] { slow.drain(); return slow.conn.state() != ConnState::Open; }));
    CHECK(p.ctx.now_us() - t0 >= 250000);
    CHECK(p.ctx.stats().handshakes_failed >= failed_before + 5);
    // None of it disturbed the open connection.
    REQUIRE_EQ(p.client.send_text("ok"), Error::Ok);
    std::string msg;
    DataKind kind;
    CHECK(read_message(p, p.server, msg, kind));
}

TW_TEST(ws_client_rejects_a_wrong_accept_value) {
    Context ctx;
    REQUIRE_EQ(ctx.init(ws_config()), Error::Ok);
    auto l = ctx.listen("tcp://127.0.0.1:0");  // a fake server that answers with a bad Accept
    REQUIRE_EQ(l.error, Error::Ok);
    char url[64];
    std::snprintf(url, sizeof url, "ws://127.0.0.1:%u/", ctx.listener_port(l.value));
    DialOptions o;
    o.reconnect = false;
    auto d = ctx.dial(url, o);
    REQUIRE_EQ(d.error, Error::Ok);
    EventLog log;
    const char* reply = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
    CHECK(pump(ctx, log, 3000, [&] { return log.count_of(EventType::Closed, d.value) == 1; }, [&](const Event& ev) {
        if (ev.type == EventType::Data && ev.conn != d.value) (void)ev.conn.send(reply, std::strlen(reply));
    }));
    const Event* err = log.last(EventType::Error, d.value);
    REQUIRE(err != nullptr);
    CHECK_EQ(err->error, Error::HandshakeFailed);
    CHECK_EQ(log.count_of(EventType::Connected, d.value), 0);
}

TW_TEST(ws_static_files_keep_alive_404_and_no_escape) {
    char dir[] = "/tmp/tickwire-static-XXXXXX";
    REQUIRE(tw_test::make_temp_dir(dir));
    char path[128];
    std::snprintf(path, sizeof path, "%s/index.html", dir);
    FILE* f = std::fopen(path, "w");
    REQUIRE(f != nullptr);
    std::string page(100000, 'p');  // bigger than one ring block: the body streams out
    std::fwrite(page.data(), 1, page.size(), f);
    std::fclose(f);
    WsPair p;
    ListenOptions lo;
    lo.ws.static_root = dir;
    REQUIRE(p.open(lo, DialOptions{}));
    RawPeer raw;
    REQUIRE(raw.connect(p));
    const char* two = "GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /missing.js HTTP/1.1\r\nHost: x\r\n\r\n";
    REQUIRE_EQ(raw.conn.send(two, std::strlen(two)), Error::Ok);
    CHECK(pump(p.ctx, p.log, 3000, [&] { raw.drain(); return raw.received.find("HTTP/1.1 404") != std::string::npos; }));
    CHECK(raw.received.compare(0, 15, "HTTP/1.1 200 OK") == 0);
    CHECK(raw.received.find("Content-Type: text/html") != std::string::npos);
    const size_t body = raw.received.find("\r\n\r\n") + 4;
    CHECK(raw.received.compare(body, page.size(), page) == 0);
    raw.received.clear();
    const char* escape = "GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    REQUIRE_EQ(raw.conn.send(escape, std::strlen(escape)), Error::Ok);
    CHECK(pump(p.ctx, p.log, 3000, [&] { raw.drain(); return raw.conn.state() != ConnState::Open; }));
    raw.drain();
    CHECK(raw.received.compare(0, 12, "HTTP/1.1 404") == 0);
    CHECK(raw.received.find("root:") == std::string::npos);
    CHECK(p.ctx.stats().files_served >= 3);
    std::remove(path);
    rmdir(dir);
}

TW_TEST(ws_broadcast_encodes_once_for_many) {
    Context ctx;
    REQUIRE_EQ(ctx.init(ws_config()), Error::Ok);
    auto l = ctx.listen("ws://127.0.0.1:0");
    REQUIRE_EQ(l.error, Error::Ok);
    char url[64];
    std::snprintf(url, sizeof url, "ws://127.0.0.1:%u/", ctx.listener_port(l.value));
    Conn clients[3], servers[3];
    int nservers = 0;
    for (auto& c : clients) {
        auto d = ctx.dial(url);
        REQUIRE_EQ(d.error, Error::Ok);
        c = d.value;
    }
    EventLog log;
    CHECK(pump(ctx, log, 3000, [&] { return nservers == 3 && log.count_of(EventType::Connected) == 3; },
               [&](const Event& ev) { if (ev.type == EventType::Accepted) servers[nservers++] = ev.conn; }));
    CHECK_EQ(ctx.broadcast(servers, 3, DataKind::Text, "to all", 6), 3u);
    int got = 0;
    CHECK(pump(ctx, log, 3000, [&] {
        for (auto& c : clients) {
            ReadView v;
            if (c.try_read(v) == Read::Message) {
                got += v.size == 6 && std::memcmp(v.data, "to all", 6) == 0;
                v.release();
            }
        }
        return got == 3;
    }));
}

TW_TEST(ws_single_frame_larger_than_a_ring_block_arrives_whole) {
    // One 300 KB frame through 64 KiB rings: the server must keep reading while it assembles
    // (its rx ring fills again and again before the frame ends).
    WsPair p;
    REQUIRE(p.open(ListenOptions{}, DialOptions{}));
    RawPeer raw;
    REQUIRE(raw.connect(p));
    REQUIRE(raw.upgrade(p));
    Conn big_server;
    for (int i = p.log.count - 1; i >= 0; --i)
        if (p.log.events[i].type == EventType::Accepted && p.log.events[i].conn != p.server) { big_server = p.log.events[i].conn; break; }
    REQUIRE(big_server.valid());
    std::string payload(300000, '\0');
    for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>(i * 31 + 7);
    const std::string frame = client_frame(0x82, payload);
    size_t sent = 0;
    std::string got;
    // First the whole frame goes out while the server reads nothing: its rx ring fills and the
    // rest waits in the kernel, with no new readiness edge to come.
    CHECK(pump(p.ctx, p.log, 5000, [&] {
        while (sent < frame.size()) {
            const size_t n = frame.size() - sent < 16000 ? frame.size() - sent : 16000;
            if (raw.conn.send(frame.data() + sent, n) != Error::Ok) break;
            sent += n;
        }
        return sent == frame.size();
    }));
    pump(p.ctx, p.log, 100, [] { return false; });
    CHECK(pump(p.ctx, p.log, 10000, [&] {
        ReadView v;
        for (Read r; (r = big_server.try_read(v)) == Read::Message || r == Read::Partial;) {
            if (r == Read::Partial) break;  // progress only
            got.assign(reinterpret_cast<const char*>(v.data), v.size);
            v.release();
        }
        return !got.empty();
    }));
    CHECK_EQ(got.size(), payload.size());
    CHECK(got == payload);
}

TW_TEST(ws_close_completes_while_the_peer_is_still_sending) {
    // After our Close, what the peer still sends is read and dropped until its Close comes:
    // a peer blocked on a full socket would otherwise never see our Close (until a timeout).
    Config cfg = ws_config();
    cfg.handshake_timeout_ms = 5000;
    Context ctx;
    REQUIRE_EQ(ctx.init(cfg), Error::Ok);
    auto l = ctx.listen("ws://127.0.0.1:0");
    REQUIRE_EQ(l.error, Error::Ok);
    char url[64];
    std::snprintf(url, sizeof url, "ws://127.0.0.1:%u/", ctx.listener_port(l.value));
    DialOptions o;
    o.reconnect = false;
    auto d = ctx.dial(url, o);
    REQUIRE_EQ(d.error, Error::Ok);
    EventLog log;
    Conn server;
    CHECK(pump(ctx, log, 3000, [&] { return server.valid() && d.value.state() == ConnState::Open && log.count_of(EventType::Connected) == 1; },
               [&](const Event& ev) { if (ev.type == EventType::Accepted) server = ev.conn; }));
    std::string chunk(50000, 'x');
    // The client floods; the server reads nothing for a while, so the socket buffers fill up.
    pump(ctx, log, 300, [&] {
        while (d.value.send_binary(chunk.data(), chunk.size()) == Error::Ok) {
        }
        return false;
    });
    REQUIRE_EQ(server.close(1000, "done"), Error::Ok);
    const int64_t t0 = ctx.now_us();
    CHECK(pump(ctx, log, 4000, [&] {
        (void)d.value.send_binary(chunk.data(), chunk.size());  // still sending
        ReadView v;
        while (d.value.try_read(v) == Read::Message) v.release();
        return log.count_of(EventType::Closed, server) == 1;
    }));
    CHECK(ctx.now_us() - t0 < 2000000);  // the closing handshake, not the 5 s timeout
    const Event* closed = log.last(EventType::Closed, server);
    REQUIRE(closed != nullptr);
    CHECK_EQ(closed->close_code, 1000);
    CHECK_EQ(closed->error, Error::Ok);
}

TW_TEST(ws_ping_flood_and_a_peer_that_never_reads_stay_contained) {
    // A raw client floods pings and never reads the pongs; another never reads what the server
    // sends. Both only fill their own buffers: the server's memory stays bounded (blocks come
    // from the fixed pool), sends to them answer WouldBlock, and a third client is served.
    WsPair p;
    REQUIRE(p.open(ListenOptions{}, DialOptions{}));
    RawPeer flood, deaf;
    REQUIRE(flood.connect(p));
    REQUIRE(flood.upgrade(p));
    REQUIRE(deaf.connect(p));
    REQUIRE(deaf.upgrade(p));
    Conn deaf_server;
    for (int i = p.log.count - 1; i >= 0; --i)
        if (p.log.events[i].type == EventType::Accepted && p.log.events[i].conn != p.server) { deaf_server = p.log.events[i].conn; break; }
    REQUIRE(deaf_server.valid());
    const std::string ping = client_frame(0x89, "flood!");
    std::string chunk(30000, 'z');
    uint64_t pings = 0, would_block = 0;
    pump(p.ctx, p.log, 1500, [&] {
        while (flood.conn.send(ping.data(), ping.size()) == Error::Ok) ++pings;  // never reads pongs
        for (int i = 0; i < 8; ++i) {
            const Error e = deaf_server.send_binary(chunk.data(), chunk.size());
            if (e == Error::WouldBlock) ++would_block;
            if (e != Error::Ok) break;
        }
        return false;
    });
    CHECK(pings > 10000);
    CHECK(would_block > 0);  // the deaf peer's buffers are full: backpressure, not growth
    CHECK(p.ctx.stats().ring_blocks_in_use <= 64u);
    // The well-behaved client is served all along.
    REQUIRE_EQ(p.client.send_text("still served"), Error::Ok);
    std::string msg;
    DataKind kind;
    CHECK(read_message(p, p.server, msg, kind));
    CHECK(msg == "still served");
    CHECK_EQ(p.log.count_of(EventType::Error, p.server), 0);
}
