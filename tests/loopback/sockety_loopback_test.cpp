// Sockety through the core: a server context and a client context on loopback. Messages,
// responses matched by UUID, fast replies, data/files/streams of any size through small rings,
// channel limits, heartbeats and the idle timeout, Go Away, Abort, TLS, and bad input (each closes
// only its own connection with a clear error).
#include <memory>
#include <string>

#include "platform/socket.hpp"
#include "sockety/packet_encoder.hpp"
#include "tests/interop/tls_test_certs.hpp"
#include "tests/loopback/harness.hpp"

using namespace tickwire;
using tw_test::EventLog;
using tw_test::pattern;

namespace {

// The echo server of the samples, in small: ping -> "pong", echo -> the same data, accept ->
// Accept, files -> the same files, stream -> a stream echoing the message's, noop -> nothing,
// others -> NotImplemented. Content is forwarded chunk by chunk (nothing is held whole).
struct EchoServer {
    SocketyOut by_channel[4096];
    SocketyView held;          // a chunk (or header) not fully forwarded yet
    size_t held_off = 0;
    bool holding = false;
    uint64_t messages = 0, chunks = 0;

    // A new connection: nothing of the last one's is kept.
    void reset() {
        if (holding) held.release();
        holding = false;
        for (auto& o : by_channel) o = SocketyOut();
    }

    // Returns false when the connection is gone.
    bool serve(SocketyConn s) {
        for (;;) {
            if (holding && !forward(s)) return true;  // blocked: go on after the next update
            SocketyView& v = held;
            const Read r = s.try_read(v);
            if (r == Read::Closed) return false;
            if (r == Read::NoData) return true;
            holding = true;
            held_off = 0;
        }
    }

    // Acts on `held`; false when it must wait for room.
    bool forward(SocketyConn s) {
        SocketyView& v = held;
        SocketyOut& out = by_channel[v.channel];
        switch (v.kind) {
        case SocketyKind::Message: {
            out = SocketyOut();  // this channel's previous message is over
            SocketyDraft d;
            Error err = Error::Ok;
            const std::string_view a = v.action;
            if (a == "ping") {
                d.data = "pong";
                d.data_size = 4;
                auto r = s.respond(v.id, d);
                err = r.error;
            } else if (a == "echo" || a == "files" || a == "stream") {
                SocketyFile files[16];
                d.data_size = a == "echo" ? v.data_size : 0;
                if (a == "files") {
                    for (uint32_t i = 0; i < v.files_count && i < 16; ++i) {
                        files[i].name = v.file(i).name;
                        files[i].size = v.file(i).size;
                    }
                    d.files = files;
                    d.files_count = v.files_count;
                }
                d.stream = a == "stream" && v.has_stream;
                auto r = s.respond(v.id, d);
                err = r.error;
                if (r) out = r.value;
            } else if (a == "accept") {
                err = s.fast_reply(v.id, FastReply::Accept);
            } else if (a == "noop") {
            } else if (v.expects_response) {
                err = s.fast_reply(v.id, FastReply::NotImplemented);
            }
            if (err == Error::WouldBlock) return false;
            if (err != Error::Ok) std::printf("    echo server: reply failed: %s\n", to_string(err));
            ++messages;
            break;
        }
        case SocketyKind::Data:
        case SocketyKind::File:
        case SocketyKind::Stream: {
            if (!out.valid() || v.is_response) break;
            while (held_off < v.size) {
                Result<size_t> r = v.kind == SocketyKind::Data ? s.write_data(out, v.data + held_off, v.size - held_off)
                                   : v.kind == SocketyKind::File
                                       ? s.write_file(out, v.file_index, v.data + held_off, v.size - held_off)
                                       : s.write_stream(out, v.data + held_off, v.size - held_off);
                if (r.error == Error::WouldBlock) return false;
                if (!r) {
                    if (s.conn().state() == ConnState::Open)  // (a closed one dropped its units)
                        std::printf("    echo server: write failed: %s\n", to_string(r.error));
                    break;
                }
                held_off += r.value;
            }
            ++chunks;
            break;
        }
        case SocketyKind::StreamEnd:
            if (out.valid() && s.end_stream(out) == Error::WouldBlock) return false;
            break;
        default: break;
        }
        v.release();
        holding = false;
        return true;
    }
};

struct World {
    Context server, client;
    EventLog slog, clog;
    ListenerId listener;
    Conn sconn, cconn;
    EchoServer echo;
    bool echo_on = true;

    bool start(Config s = base_config(), Config c = base_config(), const char* scheme = "sockety") {
        if (std::getenv("TW_TEST_LOG")) {
            s.log.level = LogLevel::Debug;
            s.log.fn = [](LogLevel, const char* m, void*) { std::printf("    [server] %s\n", m); };
            c.log.level = LogLevel::Debug;
            c.log.fn = [](LogLevel, const char* m, void*) { std::printf("    [client] %s\n", m); };
        }
        if (server.init(s) != Error::Ok || client.init(c) != Error::Ok) return false;
        char url[64];
        std::snprintf(url, sizeof url, "%s://127.0.0.1:0", scheme);
        auto l = server.listen(url);
        if (!l) return false;
        listener = l.value;
        return true;
    }
    static Config base_config() {
        Config c;
        c.max_connections = 16;
        c.ring_block_size = 16 * 1024;
        c.ring_block_count = 64;
        c.message_slots = 16;
        c.sockety.max_sessions = 8;
        return c;
    }
    bool connect(const char* host = "127.0.0.1", const char* scheme = "sockety") {
        char url[96];
        std::snprintf(url, sizeof url, "%s://%s:%u", scheme, host, server.listener_port(listener));
        DialOptions o;
        o.reconnect = false;
        auto d = client.dial(url, o);
        if (!d) return false;
        cconn = d.value;
        return pump(3000, [&] { return sconn.valid() && SocketyConn(cconn).peer_channels() > 0 && SocketyConn(sconn).peer_channels() > 0; });
    }
    // A raw TCP peer of the server (no Sockety of its own): false when it cannot connect.
    bool raw_connect(platform::SocketHandle& fd) {
        platform::Address a;
        if (!platform::make_ip_address("127.0.0.1", 9, server.listener_port(listener), false, a)) return false;
        const Error e = platform::connect_stream(a, fd);
        return e == Error::Ok || e == Error::WouldBlock;
    }
    // All of it (the platform layer may cut writes short when the suite runs under injected
    // faults: the raw peer must still say what the test means it to say).
    static void raw_send(platform::SocketHandle fd, const uint8_t* bytes, size_t n) {
        size_t off = 0;
        for (int tries = 0; off < n && tries < 100000; ++tries) {
            platform::Span sp{const_cast<uint8_t*>(bytes + off), n - off};
            const platform::IoResult r = platform::write_stream(fd, &sp, 1);
            if (r.error == Error::Ok) off += r.bytes;
            else if (r.error != Error::WouldBlock) return;
        }
    }

    template <typename Pred>
    bool pump(int ms, Pred pred) {
        const int64_t end = client.now_us() + int64_t{ms} * 1000;
        for (;;) {
            if (server.update(0) != Error::Ok || client.update(0) != Error::Ok) return false;
            Event ev;
            while (server.next_event(ev)) {
                slog.add(ev);
                if (ev.type == EventType::Accepted) {
                    sconn = ev.conn;
                    echo.reset();
                }
            }
            while (client.next_event(ev)) clog.add(ev);
            if (echo_on && sconn.valid()) echo.serve(SocketyConn(sconn));
            if (pred()) return true;
            if (client.now_us() > end) return pred();
        }
    }
};

// Reads every item of a client connection into simple tallies.
struct Collector {
    uint64_t data_bytes = 0, file_bytes = 0, stream_bytes = 0;
    int responses = 0, fast_replies = 0, stream_ends = 0, files_ended = 0, finished = 0, aborted = 0, go_away = 0;
    int mismatches = 0;
    uint16_t last_code = 0;
    uint64_t last_tag = 0;
    bool last_matched = false;
    uint32_t seed = 0;  // content expected: pattern(seed, offset)
    bool check_pattern = false;
    std::string text;   // data of small responses

    void drain(SocketyConn c) {
        SocketyView v;
        for (;;) {
            const Read r = c.try_read(v);
            if (r == Read::NoData || r == Read::Closed) return;
            switch (v.kind) {
            case SocketyKind::Response: ++responses; last_tag = v.tag; last_matched = v.matched; break;
            case SocketyKind::FastReply: ++fast_replies; last_code = v.code; last_tag = v.tag; last_matched = v.matched; break;
            case SocketyKind::Data:
                if (check_pattern)
                    for (size_t i = 0; i < v.size; ++i) mismatches += v.data[i] != pattern(seed, v.offset + i);
                if (v.size < 64) text.append(reinterpret_cast<const char*>(v.data), v.size);
                data_bytes += v.size;
                break;
            case SocketyKind::File:
                if (check_pattern)
                    for (size_t i = 0; i < v.size; ++i) mismatches += v.data[i] != pattern(seed + v.file_index, v.offset + i);
                file_bytes += v.size;
                files_ended += v.last;
                break;
            case SocketyKind::Stream: stream_bytes += v.size; break;
            case SocketyKind::StreamEnd: ++stream_ends; break;
            case SocketyKind::Aborted: ++aborted; break;
            case SocketyKind::GoAway: ++go_away; break;
            default: break;
            }
            finished += v.finished;
            v.release();
        }
    }
};

// Writes `total` pattern bytes of `part` of unit `out`, as room allows; returns bytes written so far.
struct PatternWriter {
    uint64_t done = 0;
    uint8_t buf[8192];
    void step(SocketyConn c, SocketyOut out, int part, uint32_t index, uint32_t seed, uint64_t total) {
        while (done < total) {
            const size_t n = total - done < sizeof buf ? static_cast<size_t>(total - done) : sizeof buf;
            for (size_t i = 0; i < n; ++i) buf[i] = pattern(seed + index, done + i);
            Result<size_t> r = part == 0 ? c.write_data(out, buf, n) : part == 1 ? c.write_file(out, index, buf, n) : c.write_stream(out, buf, n);
            if (!r) return;
            done += r.value;
        }
    }
};

} // namespace

TW_TEST(sockety_ping_gets_pong_matched_by_uuid) {
    auto wp = std::make_unique<World>();
    World& w = *wp;
    REQUIRE(w.start());
    REQUIRE(w.connect());
    SocketyConn c(w.cconn);
    CHECK_EQ(c.peer_channels(), 64u);
    SocketyDraft d;
    d.action = "ping";
    d.tag = 42;
    auto out = c.send(d);
    REQUIRE_EQ(out.error, Error::Ok);
    CHECK(out.value.id.bytes[6] >> 4 == 4);  // a v4 UUID
    Collector col;
    REQUIRE(w.pump(2000, [&] { col.drain(c); return col.responses == 1 && col.finished == 1; }));
    CHECK_EQ(col.last_tag, 42u);
    CHECK(col.last_matched);
    CHECK_EQ(col.text, std::string("pong"));
    CHECK_EQ(c.outgoing(), 0u);  // the reply ended the wait
}

TW_TEST(sockety_fast_replies_pass_and_not_implemented) {
    auto wp = std::make_unique<World>();
    World& w = *wp;
    REQUIRE(w.start());
    REQUIRE(w.connect());
    SocketyConn c(w.cconn);
    SocketyDraft acc;
    acc.action = "accept";
    acc.tag = 7;
    REQUIRE(c.send(acc).ok());
    Collector col;
    REQUIRE(w.pump(2000, [&] { col.drain(c); return col.fast_replies == 1; }));
    CHECK_EQ(col.last_code, 0);
    CHECK_EQ(col.last_tag, 7u);
    SocketyDraft unknown;
    unknown.action = "no such action";
    unknown.tag = 8;
    REQUIRE(c.send(unknown).ok());
    REQUIRE(w.pump(2000, [&] { col.drain(c); return col.fast_replies == 2; }));
    CHECK_EQ(col.last_code, static_cast<uint16_t>(FastReply::NotImplemented));
    CHECK_EQ(col.last_tag, 8u);
    // pass(): no reply is wanted, so nothing waits and nothing comes back.
    SocketyDraft noop;
    noop.action = "noop";
    noop.expects_response = false;
    REQUIRE(c.send(noop).ok());
    CHECK_EQ(c.outgoing(), 0u);
    const uint64_t before = w.echo.messages;
    REQUIRE(w.pump(2000, [&] { col.drain(c); return w.echo.messages == before + 1; }));
    CHECK_EQ(col.fast_replies, 2);
    CHECK_EQ(col.responses, 0);
}

TW_TEST(sockety_echo_data_of_every_size_through_small_rings) {
    auto wp = std::make_unique<World>();
    World& w = *wp;
    REQUIRE(w.start());
    REQUIRE(w.connect());
    SocketyConn c(w.cconn);
    const uint64_t sizes[] = {0, 1, 5, 255, 256, 300, 16 * 1024, 70000, 1 << 20, (4 << 20) + 3};
    uint32_t seed = 1;
    for (uint64_t size : sizes) {
        Collector col;
        col.seed = seed;
        col.check_pattern = true;
        SocketyDraft d;
        d.action = "echo";
        d.data_size = size;  // declared: written below in pieces
        auto out = c.send(d);
        REQUIRE_EQ(out.error, Error::Ok);
        PatternWriter pw;
        const bool ok = w.pump(20000, [&] {
            pw.step(c, out.value, 0, 0, seed, size);
            col.drain(c);
            return col.responses == 1 && col.data_bytes == size && col.finished == 1;
        });
        CHECK(ok);
        CHECK_EQ(col.data_bytes, size);
        CHECK_EQ(col.mismatches, 0);
        if (!ok) std::printf("    size %llu: got %llu\n", static_cast<unsigned long long>(size), static_cast<unsigned long long>(col.data_bytes));
        ++seed;
    }
    // Data given in memory is copied at send.
    uint8_t small[1000];
    for (size_t i = 0; i < sizeof small; ++i) small[i] = pattern(99, i);
    SocketyDraft d;
    d.action = "echo";
    d.data = small;
    d.data_size = sizeof small;
    REQUIRE(c.send(d).ok());
    std::memset(small, 0, sizeof small);  // ours again: the library has its copy
    Collector col;
    col.seed = 99;
    col.check_pattern = true;
    REQUIRE(w.pump(2000, [&] { col.drain(c); return col.data_bytes == 1000 && col.finished == 1; }));
    CHECK_EQ(col.mismatches, 0);
}

TW_TEST(sockety_data_up_to_whole_data_max_is_read_whole) {
    auto wp = std::make_unique<World>();
    World& w = *wp;
    Config cc = World::base_config();
    cc.sockety.whole_data_max = 60000;  // the client wants replies of up to 60000 bytes in one piece
    REQUIRE(w.start(World::base_config(), cc));
    REQUIRE(w.connect());
    SocketyConn c(w.cconn);
    const uint64_t sizes[] = {50000, 70000};  // through 16 KiB rings: many pieces on the wire
    for (uint64_t size : sizes) {
        SocketyDraft d;
        d.action = "echo";
        d.data_size = size;
        auto out = c.send(d);
        REQUIRE_EQ(out.error, Error::Ok);
        PatternWriter pw;
        int items = 0, mismatches = 0;
        uint64_t got = 0;
        bool whole = false;
        REQUIRE(w.pump(5000, [&] {
            pw.step(c, out.value, 0, 0, 77, size);
            SocketyView v;
            for (Read r; (r = c.try_read(v)) == Read::Message || r == Read::Partial; v.release()) {
                if (v.kind != SocketyKind::Data) continue;
                ++items;
                if (v.offset == 0 && v.last && v.size == size && r == Read::Message) whole = true;
                for (size_t i = 0; i < v.size; ++i) mismatches += v.data[i] != pattern(77, v.offset + i);
                got += v.size;
            }
            return got == size;
        }));
        CHECK_EQ(mismatches, 0);
        if (size <= 60000) {
            CHECK(whole);
            CHECK_EQ(items, 1);
        } else {
            CHECK(items > 1);  // over the limit: pieces as they come
        }
    }
}

TW_TEST(sockety_files_in_memory_and_declared_come_back_whole) {
    auto wp = std::make_unique<World>();
    World& w = *wp;
    REQUIRE(w.start());
    REQUIRE(w.connect());
    SocketyConn c(w.cconn);
    static uint8_t f0[3000];
    for (size_t i = 0; i < sizeof f0; ++i) f0[i] = pattern(10, i);
    SocketyFile files[3];
    files[0].name = "a.txt";
    files[0].size = sizeof f0;
    files[0].data = f0;
    files[1].name = "empty";
    files[1].size = 0;
    files[2].name = "big.bin";
    files[2].size = 1 << 20;  // declared: written with write_file
    SocketyDraft d;
    d.action = "files";
    d.files = files;
    d.files_count = 3;
    auto out = c.send(d);
    REQUIRE_EQ(out.error, Error::Ok);
    Collector col;
    col.seed = 10;
    col.check_pattern = true;
    PatternWriter pw;
    const bool ok = w.pump(20000, [&] {
        pw.step(c, out.value, 1, 2, 10, files[2].size);
        col.drain(c);
        return col.finished == 1;
    });
    CHECK(ok);
    CHECK_EQ(col.responses, 1);
    CHECK_EQ(col.file_bytes, uint64_t{3000} + (1 << 20));
    CHECK_EQ(col.files_ended, 3);
    CHECK_EQ(col.mismatches, 0);
    CHECK(!c.in_flight(out.value));
}

TW_TEST(sockety_streams_both_ways_and_header_details) {
    auto wp = std::make_unique<World>();
    World& w = *wp;
    REQUIRE(w.start());
    REQUIRE(w.connect());
    SocketyConn c(w.cconn);
    SocketyDraft d;
    d.action = "stream";
    d.stream = true;
    auto out = c.send(d);
    REQUIRE_EQ(out.error, Error::Ok);
    Collector col;
    uint64_t sent = 0;
    const char* words[] = {"hello ", "world", "!"};
    for (const char* wd : words) {
        auto r = c.write_stream(out.value, wd, std::strlen(wd));
        REQUIRE_EQ(r.error, Error::Ok);
        sent += r.value;
    }
    REQUIRE(w.pump(2000, [&] { col.drain(c); return col.stream_bytes == sent; }));
    CHECK_EQ(col.stream_ends, 0);
    REQUIRE_EQ(c.end_stream(out.value), Error::Ok);
    CHECK(c.end_stream(out.value) != Error::Ok);  // once (InvalidHandle once the reply came)
    REQUIRE(w.pump(2000, [&] { col.drain(c); return col.stream_ends == 1; }));
    CHECK_EQ(col.finished, 1);
    CHECK_EQ(col.responses, 1);
}

TW_TEST(sockety_thousand_concurrent_messages_wait_for_channels_and_match) {
    auto wp = std::make_unique<World>();
    World& w = *wp;
    Config s = World::base_config();
    s.sockety.channels = 4;  // the server receives on 4 channels: the client must respect it
    Config cc = World::base_config();
    cc.sockety.max_in_flight = 1024;
    cc.message_slots = 64;
    REQUIRE(w.start(s, cc));
    REQUIRE(w.connect());
    SocketyConn c(w.cconn);
    CHECK_EQ(c.peer_channels(), 4u);
    // Streams keep channels busy: the fifth waits until one ends.
    SocketyOut streams[6];
    SocketyDraft sd;
    sd.action = "stream";
    sd.stream = true;
    for (auto& o : streams) {
        auto r = c.send(sd);
        REQUIRE_EQ(r.error, Error::Ok);
        o = r.value;
    }
    CHECK_EQ(c.write_stream(streams[5], "x", 1).error, Error::WouldBlock);  // still waits for a channel
    REQUIRE_EQ(c.write_stream(streams[0], "x", 1).error, Error::Ok);
    REQUIRE_EQ(c.end_stream(streams[0]), Error::Ok);
    Collector col;
    REQUIRE(w.pump(2000, [&] { col.drain(c); return c.write_stream(streams[4], "y", 1).ok(); }));
    for (int i = 1; i < 6; ++i) {
        Error e;
        while ((e = c.end_stream(streams[i])) == Error::WouldBlock) REQUIRE(w.pump(100, [] { return true; }));
        CHECK_EQ(e, Error::Ok);
    }
    REQUIRE(w.pump(3000, [&] { col.drain(c); return col.stream_ends == 6; }));
    // 1000 pings at once, each with its own tag: every reply finds its message by UUID.
    static bool seen[1000];
    std::memset(seen, 0, sizeof seen);
    SocketyDraft ping;
    ping.action = "ping";
    int sent = 0, replies = 0, wrong = 0;
    const bool ok = w.pump(10000, [&] {
        while (sent < 1000) {
            ping.tag = static_cast<uint64_t>(sent) + 1000;
            auto r = c.send(ping);
            if (!r) break;
            ++sent;
        }
        SocketyView v;
        for (Read rr; (rr = c.try_read(v)) == Read::Message || rr == Read::Partial;) {
            if (v.kind == SocketyKind::Response) {
                if (!v.matched || v.tag < 1000 || v.tag >= 2000 || seen[v.tag - 1000]) ++wrong;
                else seen[v.tag - 1000] = true;
                ++replies;
            }
            v.release();
        }
        return replies == 1000;
    });
    if (!ok) std::printf("    sent %d replies %d outgoing %u server messages %llu\n", sent, replies, c.outgoing(), (unsigned long long)w.echo.messages);
    REQUIRE(ok);
    CHECK_EQ(wrong, 0);
    CHECK_EQ(c.outgoing(), 0u);
}

TW_TEST(sockety_abort_drops_the_unit_and_frees_its_channel) {
    auto wp = std::make_unique<World>();
    World& w = *wp;
    Config s = World::base_config();
    s.sockety.channels = 1;
    REQUIRE(w.start(s));
    REQUIRE(w.connect());
    w.echo_on = false;
    SocketyConn c(w.cconn), srv(w.sconn);
    SocketyDraft d;
    d.action = "echo";
    d.data_size = 100;
    auto out = c.send(d);
    REQUIRE_EQ(out.error, Error::Ok);
    REQUIRE_EQ(c.write_data(out.value, "12345", 5).error, Error::Ok);
    REQUIRE_EQ(c.abort(out.value), Error::Ok);
    CHECK(!c.in_flight(out.value));
    CHECK_EQ(c.write_data(out.value, "x", 1).error, Error::InvalidHandle);
    // The one channel is free again: a new message goes on it.
    SocketyDraft ping;
    ping.action = "ping";
    REQUIRE(c.send(ping).ok());
    SocketyKind kinds[8];
    SocketyId ids[8];
    int n = 0;
    REQUIRE(w.pump(2000, [&] {
        SocketyView v;
        for (Read rr; n < 8 && ((rr = srv.try_read(v)) == Read::Message || rr == Read::Partial);) {
            ids[n] = v.id;
            kinds[n++] = v.kind;
            v.release();
        }
        return n >= 4;
    }));
    CHECK(ids[2] == out.value.id);  // the aborted unit is named
    CHECK(kinds[0] == SocketyKind::Message);
    CHECK(kinds[1] == SocketyKind::Data);
    CHECK(kinds[2] == SocketyKind::Aborted);
    CHECK(kinds[3] == SocketyKind::Message);
    CHECK(w.sconn.state() == ConnState::Open);
}

TW_TEST(sockety_go_away_finishes_in_flight_then_closes) {
    auto wp = std::make_unique<World>();
    World& w = *wp;
    REQUIRE(w.start());
    REQUIRE(w.connect());
    SocketyConn c(w.cconn);
    SocketyDraft d;
    d.action = "echo";
    d.data_size = 50000;
    auto out = c.send(d);
    REQUIRE_EQ(out.error, Error::Ok);
    REQUIRE_EQ(c.go_away(), Error::Ok);
    SocketyDraft late;
    late.action = "ping";
    CHECK_EQ(c.send(late).error, Error::WrongState);  // no new messages after Go Away
    Collector col;
    col.seed = 5;
    col.check_pattern = true;
    PatternWriter pw;
    REQUIRE(w.pump(5000, [&] {
        pw.step(c, out.value, 0, 0, 5, 50000);
        col.drain(c);
        return w.clog.count_of(EventType::Closed) == 1 && w.slog.count_of(EventType::Closed) == 1;
    }));
    CHECK_EQ(col.data_bytes, 50000u);  // the reply came back before the close
    CHECK_EQ(col.mismatches, 0);
    CHECK_EQ(w.clog.last(EventType::Closed)->error, Error::Ok);
}

TW_TEST(sockety_heartbeats_keep_an_idle_connection_and_silence_times_out) {
    auto wp = std::make_unique<World>();
    World& w = *wp;
    Config s = World::base_config();
    s.sockety.heartbeat_ms = 50;
    s.sockety.idle_timeout_ms = 300;
    Config cc = s;
    REQUIRE(w.start(s, cc));
    REQUIRE(w.connect());
    const uint64_t rx_before = w.client.stats().bytes_received;
    REQUIRE(!w.pump(800, [&] { return w.slog.count_of(EventType::Closed) > 0 || w.clog.count_of(EventType::Closed) > 0; }));
    CHECK(w.client.stats().bytes_received >= rx_before + 8);  // heartbeats came (a0 every 50 ms)
    CHECK(w.sconn.state() == ConnState::Open);
    // A peer that sends its header and then nothing is closed by the idle timeout.
    platform::SocketHandle fd;
    REQUIRE(w.raw_connect(fd));
    const int before = w.slog.count_of(EventType::Closed);
    w.pump(50, [] { return false; });
    const uint8_t hdr = 0xE3;
    World::raw_send(fd, &hdr, 1);
    REQUIRE(w.pump(2000, [&] { return w.slog.count_of(EventType::Closed) > before; }));
    const Event* err = w.slog.last(EventType::Error);
    REQUIRE(err != nullptr);
    CHECK_EQ(err->error, Error::TimedOut);
    platform::close_socket(fd);
}

namespace {
// A raw peer that sends `bytes` to the server; the server must close it with ProtocolError.
void expect_rejected(const char* name, const uint8_t* bytes, size_t n, Error want = Error::ProtocolError) {
    auto wp = std::make_unique<World>();
    World& w = *wp;
    Config s = World::base_config();
    s.sockety.channels = 4;
    s.sockety.max_action_size = 16;
    if (!w.start(s)) { CHECK(false); return; }
    platform::SocketHandle fd;
    if (!w.raw_connect(fd)) { CHECK(false); return; }
    w.pump(100, [&] { return w.sconn.valid(); });
    World::raw_send(fd, bytes, n);
    const bool closed = w.pump(2000, [&] { return w.slog.count_of(EventType::Closed) > 0; });
    CHECK(closed);
    const Event* err = w.slog.last(EventType::Error);
    CHECK(err != nullptr);
    if (err) {
        CHECK_EQ(err->error, want);
        if (err->error != want) std::printf("    %s: got %s\n", name, to_string(err->error));
    }
    platform::close_socket(fd);
}

// A Message header: 21 LL 00 <uuid> <action len> <action>.
size_t message_bytes(uint8_t* out, const char* action, uint8_t flags = 0, const uint8_t* extra = nullptr, size_t extra_n = 0) {
    const size_t alen = std::strlen(action);
    size_t n = 0;
    out[n++] = 0x21;
    out[n++] = static_cast<uint8_t>(1 + 16 + 1 + alen + extra_n);
    out[n++] = flags;
    for (int i = 0; i < 16; ++i) out[n++] = static_cast<uint8_t>(i == 6 ? 0x40 : i == 8 ? 0x80 : i + 1);
    out[n++] = static_cast<uint8_t>(alen);
    std::memcpy(out + n, action, alen);
    n += alen;
    if (extra_n) std::memcpy(out + n, extra, extra_n);
    return n + extra_n;
}
} // namespace

TW_TEST(sockety_bad_input_closes_that_connection_with_a_clear_error) {
    const uint8_t bad_header[] = {0x00};
    expect_rejected("bad connection header", bad_header, sizeof bad_header);
    const uint8_t unknown_type[] = {0xE3, 0xF0};
    expect_rejected("unknown packet type", unknown_type, sizeof unknown_type);
    const uint8_t channel_over[] = {0xE3, 0x05};  // the server announced 4 channels
    expect_rejected("channel over the limit", channel_over, sizeof channel_over);
    uint8_t buf[128];
    size_t n = 0;
    buf[n++] = 0xE3;
    const uint8_t five = 5;
    n += message_bytes(buf + n, "echo", 0x40, &five, 1);  // data size 5
    buf[n++] = 0xE0;
    buf[n++] = 6;  // Data of 6 bytes: more than declared
    std::memcpy(buf + n, "123456", 6);
    n += 6;
    expect_rejected("more data than declared", buf, n);
    n = 0;
    buf[n++] = 0xE3;
    n += message_bytes(buf + n, "echo", 0x40, &five, 1);
    n += message_bytes(buf + n, "echo");  // channel 0 still waits for its data
    expect_rejected("busy channel reused", buf, n);
    n = 0;
    buf[n++] = 0xE3;
    n += message_bytes(buf + n, "an action name that is too long");
    expect_rejected("action over the limit", buf, n, Error::MessageTooLarge);
    n = 0;
    buf[n++] = 0xE3;
    buf[n++] = 0x70;  // Stream with nothing to belong to
    buf[n++] = 1;
    buf[n++] = 'x';
    expect_rejected("stray stream", buf, n);
}

TW_TEST(sockety_bad_input_leaves_other_connections_alone_and_says_why) {
    auto wp = std::make_unique<World>();
    World& w = *wp;
    REQUIRE(w.start());
    REQUIRE(w.connect());
    const Conn good = w.sconn;
    platform::SocketHandle fd;
    REQUIRE(w.raw_connect(fd));
    REQUIRE(w.pump(1000, [&] { return w.sconn != good; }));
    const Conn bad = w.sconn;
    w.sconn = good;
    const uint8_t bytes[] = {0xE3, 0xF0};
    World::raw_send(fd, bytes, sizeof bytes);
    std::string detail;
    REQUIRE(w.pump(2000, [&] {
        SocketyView v;
        while (SocketyConn(bad).try_read(v) == Read::Message) v.release();
        if (bad.state() == ConnState::Closed && detail.empty()) detail = std::string(bad.error_detail());
        return w.slog.count_of(EventType::Closed, bad) == 1;
    }));
    CHECK(detail.find("packet type") != std::string::npos);
    SocketyConn c(w.cconn);
    SocketyDraft d;
    d.action = "accept";
    REQUIRE(c.send(d).ok());
    Collector col;
    REQUIRE(w.pump(2000, [&] { col.drain(c); return col.fast_replies == 1; }));
    CHECK(good.state() == ConnState::Open);
    platform::close_socket(fd);
}

TW_TEST(sockety_over_tls) {
    if (!tw_tls_test::cert_dir()) {
        std::printf("    (no test certificates: skipped)\n");
        return;
    }
    auto wp = std::make_unique<World>();
    World& w = *wp;
    static std::string cert, key, ca;
    cert = tw_tls_test::cert_path("server.pem");
    key = tw_tls_test::cert_path("server.key");
    ca = tw_tls_test::cert_path("ca.pem");
    Config s = World::base_config();
    s.tls.max_sessions = 4;
    s.tls.cert_file = cert.c_str();
    s.tls.key_file = key.c_str();
    Config cc = World::base_config();
    cc.tls.max_sessions = 4;
    cc.tls.ca_file = ca.c_str();
    REQUIRE(w.start(s, cc, "sockety+tls"));
    REQUIRE(w.connect("localhost", "sockety+tls"));
    SocketyConn c(w.cconn);
    SocketyDraft d;
    d.action = "echo";
    d.data_size = 200000;
    auto out = c.send(d);
    REQUIRE_EQ(out.error, Error::Ok);
    Collector col;
    col.seed = 3;
    col.check_pattern = true;
    PatternWriter pw;
    const bool ok = w.pump(10000, [&] {
        pw.step(c, out.value, 0, 0, 3, 200000);
        col.drain(c);
        return col.finished == 1;
    });
    if (!ok)
        std::printf("    written %llu, echoed %llu, server messages %llu chunks %llu\n", (unsigned long long)pw.done,
                    (unsigned long long)col.data_bytes, (unsigned long long)w.echo.messages, (unsigned long long)w.echo.chunks);
    REQUIRE(ok);
    CHECK_EQ(col.data_bytes, 200000u);
    CHECK_EQ(col.mismatches, 0);
}

// A valid client stream (header, messages with data, files and a stream, a fast reply, a
// heartbeat), then many mutations of it: the server closes the bad ones, never crashes, and
// still serves a real client afterwards.
TW_TEST(sockety_mutated_traffic_is_refused_or_served_never_crashes) {
    namespace sk = tickwire::detail::sockety;
    auto wp = std::make_unique<World>();
    World& w = *wp;
    Config sc = World::base_config();
    sc.sockety.channels = 8;
    sc.sockety.max_files = 4;
    sc.sockety.max_action_size = 32;
    sc.sockety.max_names_size = 64;
    REQUIRE(w.start(sc));
    static uint8_t valid[4096];
    size_t n = 0;
    auto put = [&](size_t k) { n += k; };
    valid[n++] = 0xE3;
    sk::MessageDesc m;
    for (int i = 0; i < 16; ++i) m.id.bytes[i] = static_cast<uint8_t>(i * 7 + 1);
    m.action = reinterpret_cast<const uint8_t*>("echo");
    m.action_size = 4;
    m.data_size = 300;
    put(sk::encode_message(valid + n, sizeof valid - n, m));
    static uint8_t body[300];
    put(sk::encode_payload_packet(valid + n, sizeof valid - n, sk::PacketType::Data, body, 100));
    put(sk::encode_payload_packet(valid + n, sizeof valid - n, sk::PacketType::Data, body, 200));
    put(sk::encode_switch_channel(valid + n, sizeof valid - n, 3));
    sk::FileDesc files[2];
    files[0].name = reinterpret_cast<const uint8_t*>("a.txt");
    files[0].name_size = 5;
    files[0].size = 3;
    files[1].name = reinterpret_cast<const uint8_t*>("b");
    files[1].name_size = 1;
    files[1].size = 0;
    m.action = reinterpret_cast<const uint8_t*>("files");
    m.action_size = 5;
    m.data_size = 0;
    m.files = files;
    m.files_count = 2;
    m.id.bytes[0] ^= 1;
    put(sk::encode_message(valid + n, sizeof valid - n, m));
    put(sk::encode_payload_packet(valid + n, sizeof valid - n, sk::PacketType::File, body, 3, 0));
    put(sk::encode_file_end(valid + n, sizeof valid - n, 0));
    put(sk::encode_file_end(valid + n, sizeof valid - n, 1));
    put(sk::encode_switch_channel(valid + n, sizeof valid - n, 0));
    m = sk::MessageDesc();
    m.id.bytes[3] = 9;
    m.action = reinterpret_cast<const uint8_t*>("stream");
    m.action_size = 6;
    m.has_stream = true;
    put(sk::encode_message(valid + n, sizeof valid - n, m));
    put(sk::encode_payload_packet(valid + n, sizeof valid - n, sk::PacketType::Stream, body, 10));
    put(sk::encode_heartbeat(valid + n, sizeof valid - n));
    put(sk::encode_fast_reply(valid + n, sizeof valid - n, m.id, 300));
    put(sk::encode_payload_packet(valid + n, sizeof valid - n, sk::PacketType::Stream, body, 20));
    put(sk::encode_stream_end(valid + n, sizeof valid - n));
    REQUIRE(n > 100);
    uint64_t x = 88172645463325252ull;
    auto rnd = [&] { x ^= x << 13; x ^= x >> 7; x ^= x << 17; return x; };
    static uint8_t buf[4096];
    int closed_by_server = 0, kept = 0;
    for (int iter = 0; iter < 120; ++iter) {
        std::memcpy(buf, valid, n);
        size_t len = n;
        const int edits = 1 + static_cast<int>(rnd() % 4);
        for (int e = 0; e < edits; ++e) {
            const size_t at = static_cast<size_t>(rnd() % len);
            switch (rnd() % 3) {
            case 0: buf[at] = static_cast<uint8_t>(rnd()); break;           // a byte changed
            case 1: buf[at] ^= static_cast<uint8_t>(1u << (rnd() % 8)); break;  // a bit flipped
            default: len = at + 1; break;                                     // cut short
            }
        }
        platform::SocketHandle fd;
        REQUIRE(w.raw_connect(fd));
        const Conn before = w.sconn;
        w.pump(500, [&] { return w.sconn != before && w.sconn.valid(); });
        const Conn mine = w.sconn;
        World::raw_send(fd, buf, len);
        const int closes = w.slog.count_of(EventType::Closed, mine);
        if (w.pump(40, [&] { return w.slog.count_of(EventType::Closed, mine) > closes; })) ++closed_by_server;
        else ++kept;
        platform::close_socket(fd);
    }
    CHECK(closed_by_server >= 3);  // many mutations break the stream (others stay valid or cut short)
    // The server still works.
    REQUIRE(w.connect());
    SocketyConn c(w.cconn);
    SocketyDraft d;
    d.action = "ping";
    REQUIRE(c.send(d).ok());
    Collector col;
    REQUIRE(w.pump(2000, [&] { col.drain(c); return col.responses == 1 && col.finished == 1; }));
    CHECK_EQ(col.text, std::string("pong"));
    std::printf("    %d mutated streams refused, %d kept open\n", closed_by_server, kept);
}

// --- the router ------------------------------------------------------------------------------

namespace {
struct RouterLog {
    int middleware = 0, handled = 0, parts = 0, errors = 0, others = 0;
    uint64_t part_bytes = 0;
};

bool count_and_block_secret(SocketyContext& cx) {
    auto* log = static_cast<RouterLog*>(cx.user);
    ++log->middleware;
    if (cx.item.action == "secret") {  // answered here: the handler never sees it
        (void)cx.conn.fast_reply(cx.item.id, FastReply::Unauthorized);
        return false;
    }
    return true;
}

Error sum_parts(SocketyContext& cx) {
    auto* log = static_cast<RouterLog*>(cx.user);
    if (cx.item.kind == SocketyKind::Message) {
        ++log->handled;
        cx.state = 1234;  // the handler's word, seen again with every part
        return cx.conn.fast_reply(cx.item.id, FastReply::Accept);
    }
    if (cx.state != 1234) return Error::InvalidArgument;
    ++log->parts;
    log->part_bytes += cx.item.size;
    return Error::Ok;
}

Error failing(SocketyContext&) { return Error::InvalidArgument; }

void count_error(SocketyContext& cx, Error e) {
    ++static_cast<RouterLog*>(cx.user)->errors;
    (void)cx.conn.fast_reply(cx.item.id, e == Error::InvalidArgument ? FastReply::BadRequest : FastReply::InternalError);
}

Error count_other(SocketyContext& cx) {
    ++static_cast<RouterLog*>(cx.user)->others;
    return Error::Ok;
}
} // namespace

TW_TEST(sockety_router_middleware_handlers_parts_errors_and_fallback) {
    auto wp = std::make_unique<World>();
    World& w = *wp;
    REQUIRE(w.start());
    REQUIRE(w.connect());
    w.echo_on = false;
    RouterLog log;
    SocketyRouter router;
    REQUIRE_EQ(router.use(count_and_block_secret, &log), Error::Ok);
    REQUIRE_EQ(router.on("sum", sum_parts, &log), Error::Ok);
    REQUIRE_EQ(router.on("fail", failing, &log), Error::Ok);
    router.on_error(count_error, &log);
    router.other(count_other, &log);
    CHECK_EQ(router.on("x", nullptr), Error::InvalidArgument);
    static SocketyCursor<64> cursor;
    SocketyConn c(w.cconn), srv(w.sconn);

    const char* actions[] = {"sum", "secret", "fail", "unknown"};
    for (const char* a : actions) {
        SocketyDraft d;
        d.action = a;
        d.data_size = std::strcmp(a, "sum") == 0 ? 50000 : 0;
        auto out = c.send(d);
        REQUIRE_EQ(out.error, Error::Ok);
        PatternWriter pw;
        REQUIRE(w.pump(2000, [&] {
            pw.step(c, out.value, 0, 0, 1, d.data_size);
            return pw.done == d.data_size;
        }));
    }
    // A fast reply from the server side lands in `other` on the client's router.
    Collector col;
    uint16_t codes[4] = {};
    int ncodes = 0;
    REQUIRE(w.pump(3000, [&] {
        (void)router.dispatch(srv, cursor);
        SocketyView v;
        for (Read r; (r = c.try_read(v)) == Read::Message || r == Read::Partial; v.release())
            if (v.kind == SocketyKind::FastReply && ncodes < 4) codes[ncodes++] = v.code;
        return ncodes == 4 && log.part_bytes == 50000;
    }));
    CHECK_EQ(log.middleware, 4);
    CHECK_EQ(log.handled, 1);
    CHECK(log.parts >= 1);
    CHECK_EQ(log.errors, 1);
    CHECK_EQ(codes[0], static_cast<uint16_t>(FastReply::Accept));
    CHECK_EQ(codes[1], static_cast<uint16_t>(FastReply::Unauthorized));
    CHECK_EQ(codes[2], static_cast<uint16_t>(FastReply::BadRequest));
    CHECK_EQ(codes[3], static_cast<uint16_t>(FastReply::NotImplemented));
    // The server's Go Away is not a message: it goes to `other`.
    REQUIRE_EQ(c.go_away(), Error::Ok);
    REQUIRE(w.pump(2000, [&] { (void)router.dispatch(srv, cursor); return log.others == 1; }));
}

namespace {
Error accept_fast(SocketyContext& cx) {
    return cx.item.kind == SocketyKind::Message ? cx.conn.fast_reply(cx.item.id, FastReply::Accept) : Error::Ok;
}
} // namespace

TW_TEST(sockety_router_writes_replies_every_flush_every_items) {
    auto wp = std::make_unique<World>();
    World& w = *wp;
    REQUIRE(w.start());
    REQUIRE(w.connect());
    w.echo_on = false;
    SocketyRouter router;
    REQUIRE_EQ(router.on("fast", accept_fast), Error::Ok);
    static SocketyCursor<64> cursor;
    SocketyConn c(w.cconn), srv(w.sconn);
    Collector col;
    // 200 requests reach the server unread; one dispatch() answers them all. The writes that
    // happen inside that call (no update runs in it) are the router's own.
    auto round = [&](uint32_t every) -> uint64_t {
        router.flush_every(every);
        for (int i = 0; i < 200; ++i) {
            SocketyDraft d;
            d.action = "fast";
            d.tag = static_cast<uint64_t>(i);
            if (!c.send(d).ok()) return ~uint64_t{0};
        }
        const int64_t settle = w.client.now_us() + 50000;  // the server reads what has arrived
        (void)w.pump(3000, [&] { return c.outgoing() == 0 && w.client.now_us() > settle; });
        const uint64_t before = w.server.stats().write_syscalls;
        CHECK_EQ(router.dispatch(srv, cursor), Error::Ok);
        const uint64_t writes = w.server.stats().write_syscalls - before;
        const int want = col.fast_replies + 200;
        CHECK(w.pump(3000, [&] { (void)router.dispatch(srv, cursor); col.drain(c); return col.fast_replies == want; }));
        return writes;
    };
    CHECK_EQ(round(0), 0u);    // all 200 replies wait for the next update
    CHECK(round(64) >= 3u);    // 200 replies, written after the 64th, 128th and 192nd
    CHECK_EQ(col.fast_replies, 400);
    CHECK_EQ(col.last_code, static_cast<uint16_t>(FastReply::Accept));
}

TW_TEST(sockety_keep_waiting_takes_several_responses_until_stop_waiting) {
    auto wp = std::make_unique<World>();
    World& w = *wp;
    REQUIRE(w.start());
    REQUIRE(w.connect());
    w.echo_on = false;
    SocketyConn c(w.cconn), srv(w.sconn);
    SocketyDraft d;
    d.action = "subscribe";
    d.keep_waiting = true;
    d.tag = 5;
    auto out = c.send(d);
    REQUIRE_EQ(out.error, Error::Ok);
    SocketyId msg_id;
    REQUIRE(w.pump(2000, [&] {
        SocketyView v;
        bool got = false;
        for (Read r; (r = srv.try_read(v)) == Read::Message || r == Read::Partial; v.release())
            if (v.kind == SocketyKind::Message) {
                msg_id = v.id;
                got = true;
            }
        return got;
    }));
    CHECK(msg_id == out.value.id);
    int matched = 0, unmatched = 0;
    auto respond_and_count = [&](int want_matched, int want_unmatched) {
        SocketyDraft r;
        r.data = "tick";
        r.data_size = 4;
        REQUIRE_EQ(srv.respond(msg_id, r).error, Error::Ok);
        REQUIRE(w.pump(2000, [&] {
            SocketyView v;
            for (Read rr; (rr = c.try_read(v)) == Read::Message || rr == Read::Partial; v.release())
                if (v.kind == SocketyKind::Response) {
                    if (v.matched && v.tag == 5) ++matched;
                    else ++unmatched;
                }
            return matched == want_matched && unmatched == want_unmatched;
        }));
    };
    respond_and_count(1, 0);
    respond_and_count(2, 0);      // still waiting: keep_waiting
    CHECK(c.in_flight(out.value));
    REQUIRE_EQ(c.stop_waiting(out.value), Error::Ok);
    CHECK(!c.in_flight(out.value));
    CHECK_EQ(c.outgoing(), 0u);
    respond_and_count(2, 1);      // after stop_waiting a response answers nothing we wait for
}

TW_TEST(sockety_dialer_reconnects_with_a_fresh_session) {
    auto wp = std::make_unique<World>();
    World& w = *wp;
    REQUIRE(w.start());
    char url[96];
    std::snprintf(url, sizeof url, "sockety://127.0.0.1:%u", w.server.listener_port(w.listener));
    auto d = w.client.dial(url);  // reconnect on (the default)
    REQUIRE(d.ok());
    w.cconn = d.value;
    SocketyConn c(w.cconn);
    REQUIRE(w.pump(3000, [&] { return w.sconn.valid() && c.peer_channels() > 0; }));
    SocketyDraft hold;
    hold.action = "echo";
    hold.data_size = 100;  // declared and never written: in flight when the link drops
    auto stale = c.send(hold);
    REQUIRE_EQ(stale.error, Error::Ok);
    const Conn first = w.sconn;
    REQUIRE_EQ(first.abort(), Error::Ok);  // the server drops the link
    REQUIRE(w.pump(5000, [&] { return w.sconn != first && w.sconn.valid() && c.peer_channels() > 0; }));
    CHECK(w.clog.count_of(EventType::Reconnecting) >= 1);
    CHECK_EQ(c.write_data(stale.value, "x", 1).error, Error::InvalidHandle);  // the old unit is gone
    SocketyDraft ping;
    ping.action = "ping";
    REQUIRE(c.send(ping).ok());
    Collector col;
    REQUIRE(w.pump(2000, [&] { col.drain(c); return col.responses == 1 && col.finished == 1; }));
    CHECK_EQ(col.text, std::string("pong"));
}

TW_TEST(sockety_files_sent_from_disk_by_the_library) {
    auto wp = std::make_unique<World>();
    World& w = *wp;
    REQUIRE(w.start());
    REQUIRE(w.connect());
    SocketyConn c(w.cconn);
    char big_path[64], empty_path[64];
    std::snprintf(big_path, sizeof big_path, "/tmp/tickwire-sockety-%d-big", static_cast<int>(getpid()));
    std::snprintf(empty_path, sizeof empty_path, "/tmp/tickwire-sockety-%d-empty", static_cast<int>(getpid()));
    {
        FILE* f = std::fopen(big_path, "wb");
        REQUIRE(f != nullptr);
        static uint8_t content[(1 << 20) + 7];
        for (size_t i = 0; i < sizeof content; ++i) content[i] = pattern(20, i);  // file 0: seed 20 + 0
        REQUIRE_EQ(std::fwrite(content, 1, sizeof content, f), sizeof content);
        std::fclose(f);
        f = std::fopen(empty_path, "wb");
        REQUIRE(f != nullptr);
        std::fclose(f);
    }
    SocketyFile files[3];
    files[0].name = "big.bin";
    files[0].path = big_path;          // size taken from the file
    files[1].name = "typed.txt";
    files[1].size = 5000;              // declared: written by us with write_file
    files[2].name = "empty";
    files[2].path = empty_path;
    SocketyDraft d;
    d.action = "files";
    d.files = files;
    d.files_count = 3;
    auto out = c.send(d);
    REQUIRE_EQ(out.error, Error::Ok);
    CHECK_EQ(c.write_file(out.value, 0, "x", 1).error, Error::InvalidArgument);  // the library reads file 0
    Collector col;
    col.seed = 20;
    col.check_pattern = true;
    PatternWriter pw;
    const bool ok = w.pump(20000, [&] {
        if (c.in_flight(out.value)) {
            // File 1 is ours once file 0 has gone out (files go in order).
            auto probe = c.write_file(out.value, 1, nullptr, 0);
            if (probe.ok()) pw.step(c, out.value, 1, 1, 20, 5000);
        }
        col.drain(c);
        return col.finished == 1;
    });
    CHECK(ok);
    CHECK_EQ(col.file_bytes, uint64_t{(1 << 20) + 7} + 5000);
    CHECK_EQ(col.files_ended, 3);
    CHECK_EQ(col.mismatches, 0);
    // A missing file, or one of another size than given, is refused at send.
    SocketyFile missing;
    missing.name = "missing";
    missing.path = "/nonexistent/tickwire/file";
    d.files = &missing;
    d.files_count = 1;
    CHECK_EQ(c.send(d).error, Error::InvalidArgument);
    SocketyFile wrong;
    wrong.name = "wrong";
    wrong.path = big_path;
    wrong.size = 10;
    d.files = &wrong;
    CHECK_EQ(c.send(d).error, Error::InvalidArgument);
    CHECK_EQ(c.outgoing(), 0u);
    std::remove(big_path);
    std::remove(empty_path);
}
