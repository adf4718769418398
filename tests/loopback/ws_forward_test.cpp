// Conn::send_view on WebSocket connections: a received message or streamed piece goes out again
// as a frame, in place (its ring block changes sides) when it can, copied when it cannot. Either
// way the peer must see exactly the messages that were sent, in order, with their kinds.
#include <cstring>
#include <string>
#include <vector>

#include "platform/fault_injection.hpp"
#include "tests/framework/check.hpp"
#include "tests/loopback/harness.hpp"
#include "tickwire/tickwire.hpp"

using namespace tickwire;
using tw_test::EventLog;
using tw_test::pump;

namespace {

Config forward_config() {
    Config cfg;
    cfg.ring_block_size = 128 * 1024;
    cfg.ring_block_count = 64;
    cfg.message_slots = 8;
    cfg.message_slot_size = 256 * 1024;
    return cfg;
}

struct Pair {
    Context ctx;
    Conn client, server;
    EventLog log;

    bool open(const ListenOptions& lo, const DialOptions& dopt, const Config& cfg = forward_config()) {
        if (ctx.init(cfg) != Error::Ok) return false;
        auto l = ctx.listen("ws://127.0.0.1:0", lo);
        if (!l) return false;
        char url[64];
        std::snprintf(url, sizeof url, "ws://127.0.0.1:%u/", ctx.listener_port(l.value));
        auto d = ctx.dial(url, dopt);
        if (!d) return false;
        client = d.value;
        return pump(ctx, log, 3000, [&] { return server.valid() && log.count_of(EventType::Connected, client) == 1; },
                    [&](const Event& ev) { if (ev.type == EventType::Accepted) server = ev.conn; });
    }
};

// Forwards what `conn` reads back to it with send_view, holding a view the ring has no room for.
struct Forwarder {
    Conn conn;
    ReadView held;
    bool holding = false;
    size_t pieces = 0;
    bool on_events_only = false;  // as an application does: only after a Data or Writable event
    int seen = 0;                 // events of the log looked at

    // Steps when the log has a Data or Writable event for `conn` it has not seen (or always).
    void step_after(const EventLog& log) {
        bool due = !on_events_only;
        for (; seen < log.count; ++seen) {
            const Event& ev = log.events[seen];
            due |= ev.conn == conn && (ev.type == EventType::Data || ev.type == EventType::Writable);
        }
        if (due) step();
    }

    void step() {
        for (;;) {
            if (!holding) {
                const Read r = conn.try_read(held);
                if (r != Read::Message && r != Read::Partial) return;
                if (r == Read::Partial && held.size == 0 && !held.final) return;  // progress only
                holding = true;
            }
            if (conn.send_view(held) != Error::Ok) return;  // WouldBlock: a Writable event follows
            holding = false;
            ++pieces;
        }
    }
};

std::string pattern(size_t n, uint32_t seed) {
    std::string s(n, '\0');
    for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 31 + seed * 7 + (i >> 8)) & 0xFF);
    return s;
}

// Sends `msgs` from `from`, at most `window` ahead of the answers, forwards them with `fwd`,
// and reads them back whole on `from`. In `bursts`, a window's worth goes out only once the
// last one has all come back.
void round_trip(Pair& p, Conn from, Forwarder& fwd, const std::vector<std::string>& msgs, size_t window,
                bool bursts = false) {
    size_t sent = 0, got = 0, bad = 0, part = 0;  // part: bytes of msgs[sent] sent as fragments
    constexpr size_t kPiece = 60000;              // larger messages go in fragments of this size
    CHECK(pump(p.ctx, p.log, 15000, [&] {
        while (sent < msgs.size() && sent - got < window && (!bursts || sent == got || sent % window != 0)) {
            const DataKind kind = sent % 5 == 4 ? DataKind::Text : DataKind::Binary;
            const std::string& m = msgs[sent];
            if (m.size() <= kPiece) {
                if (from.send_message(kind, m.data(), m.size()) != Error::Ok) break;
            } else {
                const size_t n = m.size() - part < kPiece ? m.size() - part : kPiece;
                if (from.send_fragment(kind, m.data() + part, n, part + n == m.size()) != Error::Ok) break;
                part += n;
                if (part < m.size()) continue;
                part = 0;
            }
            ++sent;
        }
        fwd.step_after(p.log);
        ReadView v;
        while (from.try_read(v) == Read::Message) {
            const DataKind want = got % 5 == 4 ? DataKind::Text : DataKind::Binary;
            if (got >= msgs.size() || v.kind != want || v.size != msgs[got].size() ||
                (v.size && std::memcmp(v.data, msgs[got].data(), v.size) != 0))
                ++bad;
            ++got;
            v.release();
        }
        return got >= msgs.size();
    }));
    CHECK_EQ(got, msgs.size());
    CHECK_EQ(bad, 0u);
}

// Messages of 4 KiB and more go out in place; smaller ones are copied.
size_t large_ones(const std::vector<std::string>& msgs) {
    size_t n = 0;
    for (const std::string& m : msgs) n += m.size() >= 4096;
    return n;
}

// Every large message went out in place, unless faults were injected (TW_FAULT_SEED): a short
// write can leave the tx ring busy when the next frame arrives, and that one is copied.
void check_in_place(const Context& ctx, size_t large, uint64_t faults_before) {
    const uint64_t in_place = ctx.stats().views_forwarded_in_place;
    if (tickwire::platform::fault::injected_count() == faults_before) CHECK_EQ(in_place, large);
    else CHECK(in_place * 2 >= large);
}

std::vector<std::string> mixed_messages(uint32_t count) {
    std::vector<std::string> msgs;
    for (uint32_t i = 0; i < count; ++i) {
        // Text messages are valid UTF-8 (ASCII); binary ones large and small, 0 bytes included.
        if (i % 5 == 4) msgs.push_back(std::string(100 + i, static_cast<char>('a' + i % 26)));
        else msgs.push_back(pattern(i % 3 == 0 ? 40000 + i * 97 : i * 13, i));
    }
    return msgs;
}

} // namespace

TW_TEST(ws_send_view_forwards_large_frames_in_place_and_small_ones_by_copy) {
    Pair p;
    REQUIRE(p.open(ListenOptions{}, DialOptions{}));
    Forwarder fwd;
    fwd.conn = p.server;
    const std::vector<std::string> msgs = mixed_messages(60);
    // One at a time: each frame is alone in the server's ring and nothing waits to be sent, so
    // every large one must change sides.
    const uint64_t faults = tickwire::platform::fault::injected_count();
    round_trip(p, p.client, fwd, msgs, 1);
    check_in_place(p.ctx, large_ones(msgs), faults);
    CHECK_EQ(p.ctx.stats().message_slots_in_use, 0u);
    CHECK_EQ(p.ctx.stats().connections_failed, 0u);
}

TW_TEST(ws_send_view_keeps_order_when_frames_queue_up) {
    Pair p;
    REQUIRE(p.open(ListenOptions{}, DialOptions{}));
    Forwarder fwd;
    fwd.conn = p.server;
    // Many in flight: frames share the ring and the tx ring is busy; in place or copied, the
    // peer must get every message in order.
    round_trip(p, p.client, fwd, mixed_messages(120), 16);
    CHECK_EQ(p.ctx.stats().message_slots_in_use, 0u);
    CHECK_EQ(p.ctx.stats().connections_failed, 0u);
}

TW_TEST(ws_send_view_on_a_client_masks_the_forwarded_payload) {
    Pair p;
    REQUIRE(p.open(ListenOptions{}, DialOptions{}));
    Forwarder fwd;  // the client forwards: its frames must be masked, in place too
    fwd.conn = p.client;
    std::vector<std::string> msgs;
    for (uint32_t i = 0; i < 30; ++i) msgs.push_back(i % 5 == 4 ? std::string(50, 'x') : pattern(30000 + i, i));
    const uint64_t faults = tickwire::platform::fault::injected_count();
    round_trip(p, p.server, fwd, msgs, 1);  // the server closes on an unmasked frame: it must not
    check_in_place(p.ctx, large_ones(msgs), faults);
    CHECK_EQ(p.log.count_of(EventType::Closed), 0);
}

TW_TEST(ws_send_view_streams_a_message_larger_than_every_buffer_through) {
    Pair p;
    ListenOptions lo;
    lo.ws.streaming = true;
    DialOptions dopt;
    dopt.ws.streaming = true;  // the client reads the echo in pieces too
    REQUIRE(p.open(lo, dopt));
    Forwarder fwd;
    fwd.conn = p.server;
    const std::string big = pattern(3 << 20, 9);  // twelve times what a message slot holds
    size_t sent = 0, received = 0, bad = 0, messages = 0;
    bool done = false;
    CHECK(pump(p.ctx, p.log, 20000, [&] {
        while (sent < big.size()) {
            const size_t n = big.size() - sent < 50000 ? big.size() - sent : 50000;
            if (p.client.send_fragment(DataKind::Binary, big.data() + sent, n, sent + n == big.size()) != Error::Ok) break;
            sent += n;
        }
        fwd.step();
        ReadView v;
        for (Read r; (r = p.client.try_read(v)) == Read::Partial || r == Read::Message;) {
            if (v.size == 0 && !v.final) break;  // progress only
            if (v.offset != received || v.kind != DataKind::Binary) ++bad;
            if (v.size && std::memcmp(v.data, big.data() + received, v.size) != 0) ++bad;
            if (v.first != (received == 0)) ++bad;
            received += v.size;
            if (v.final) {
                ++messages;
                done = true;
            }
            v.release();
        }
        return done;
    }));
    CHECK_EQ(received, big.size());
    CHECK_EQ(messages, 1u);  // the pieces went out as one fragmented message
    CHECK_EQ(bad, 0u);
    CHECK(fwd.pieces > 10);
}

TW_TEST(ws_send_view_of_a_whole_message_waits_for_open_fragments) {
    Pair p;
    REQUIRE(p.open(ListenOptions{}, DialOptions{}));
    const std::string m = pattern(20000, 3);
    REQUIRE_EQ(p.client.send_binary(m.data(), m.size()), Error::Ok);
    ReadView v;
    CHECK(pump(p.ctx, p.log, 3000, [&] { return p.server.try_read(v) == Read::Message; }));
    REQUIRE_EQ(v.size, m.size());
    REQUIRE_EQ(p.server.send_fragment(DataKind::Text, "ab", 2, false), Error::Ok);
    CHECK_EQ(p.server.send_view(v), Error::WrongState);  // a whole message inside a fragmented one
    CHECK(v.data != nullptr);                           // ... leaves the view with its owner
    CHECK_EQ(v.size, m.size());
    REQUIRE_EQ(p.server.send_fragment(DataKind::Text, "c", 1, true), Error::Ok);
    CHECK_EQ(p.server.send_view(v), Error::Ok);
    std::string text, bin;
    size_t got = 0;
    CHECK(pump(p.ctx, p.log, 3000, [&] {
        ReadView r;
        while (p.client.try_read(r) == Read::Message) {
            (got == 0 ? text : bin).assign(reinterpret_cast<const char*>(r.data), r.size);
            ++got;
            r.release();
        }
        return got == 2;
    }));
    CHECK(text == "abc");
    CHECK(bin == m);
}

TW_TEST(ws_send_view_lends_frames_that_queue_behind_others_from_rx) {
    Pair p;
    REQUIRE(p.open(ListenOptions{}, DialOptions{}));
    Forwarder fwd;
    fwd.conn = p.server;
    // Bursts of three: the second and third frame of a burst find the first still waiting to be
    // sent (or sharing their block). They go out from rx where they lie, after it.
    std::vector<std::string> msgs;
    for (uint32_t i = 0; i < 45; ++i) msgs.push_back(i % 5 == 4 ? std::string(30000 + i, 't') : pattern(30000 + i * 7, i));
    const uint64_t faults = tickwire::platform::fault::injected_count();
    round_trip(p, p.client, fwd, msgs, 3, true);
    check_in_place(p.ctx, msgs.size(), faults);
    CHECK_EQ(p.ctx.stats().connections_failed, 0u);
    CHECK(pump(p.ctx, p.log, 2000, [&] { return p.ctx.stats().ring_blocks_in_use == 0; }));  // no pin left behind
}

TW_TEST(ws_send_view_lends_a_whole_message_from_its_slot_both_ways) {
    Pair p;
    REQUIRE(p.open(ListenOptions{}, DialOptions{}));
    // Larger than a ring block: assembled in a message slot; the slot is sent from, behind a
    // header in the tx ring, and freed when its last byte is out.
    std::vector<std::string> msgs;
    for (uint32_t i = 0; i < 12; ++i) msgs.push_back(i % 5 == 4 ? std::string(150000 + i, 'u') : pattern(200000 + i * 11, i));
    Forwarder server_fwd;
    server_fwd.conn = p.server;
    uint64_t faults = tickwire::platform::fault::injected_count();
    round_trip(p, p.client, server_fwd, msgs, 2);
    check_in_place(p.ctx, msgs.size(), faults);
    Forwarder client_fwd;  // the client's frames are masked: the slot's payload is masked in place
    client_fwd.conn = p.client;
    const uint64_t before = p.ctx.stats().views_forwarded_in_place;
    faults = tickwire::platform::fault::injected_count();
    round_trip(p, p.server, client_fwd, msgs, 2);
    const uint64_t in_place = p.ctx.stats().views_forwarded_in_place - before;
    if (tickwire::platform::fault::injected_count() == faults) CHECK_EQ(in_place, msgs.size());
    CHECK_EQ(p.log.count_of(EventType::Closed), 0);  // the server accepted every masked frame
    CHECK(pump(p.ctx, p.log, 2000, [&] { return p.ctx.stats().message_slots_in_use == 0; }));
}

TW_TEST(ws_send_view_loans_end_with_their_connection_and_are_counted_unsent) {
    Pair p;
    REQUIRE(p.open(ListenOptions{}, DialOptions{}));
    const std::string big = pattern(200000, 5);   // in a message slot
    const std::string frame = pattern(20000, 6);  // in rx
    REQUIRE_EQ(p.client.send_fragment(DataKind::Binary, big.data(), 100000, false), Error::Ok);
    CHECK(pump(p.ctx, p.log, 3000, [&] {
        return p.client.send_fragment(DataKind::Binary, big.data() + 100000, big.size() - 100000, true) == Error::Ok;
    }));
    CHECK(pump(p.ctx, p.log, 3000, [&] { return p.client.send_binary(frame.data(), frame.size()) == Error::Ok; }));
    ReadView a, b;
    CHECK(pump(p.ctx, p.log, 3000, [&] {
        if (!a.data) (void)p.server.try_read(a);
        return a.data && p.server.try_read(b) == Read::Message;
    }));
    REQUIRE_EQ(a.size, big.size());
    REQUIRE_EQ(b.size, frame.size());
    const uint64_t in_place = p.ctx.stats().views_forwarded_in_place;
    REQUIRE_EQ(p.server.send_text("first"), Error::Ok);  // queued: both views must be lent
    REQUIRE_EQ(p.server.send_view(a), Error::Ok);
    REQUIRE_EQ(p.server.send_view(b), Error::Ok);
    CHECK_EQ(p.ctx.stats().views_forwarded_in_place, in_place + 2);
    REQUIRE_EQ(p.server.abort(), Error::Ok);  // before any of it was written
    CHECK(pump(p.ctx, p.log, 2000, [&] { return p.log.count_of(EventType::Closed, p.server) == 1; }));
    uint64_t unsent = 0;
    for (int i = 0; i < p.log.count; ++i)
        if (p.log.events[i].type == EventType::Closed && p.log.events[i].conn == p.server) unsent = p.log.events[i].unsent;
    CHECK(unsent >= big.size() + frame.size() + 7);
    CHECK(pump(p.ctx, p.log, 3000, [&] { return p.ctx.stats().message_slots_in_use == 0; }));  // the lent slot
}

TW_TEST(ws_send_view_slot_loans_go_on_when_message_slots_run_short) {
    // Two slots for two connections' worth of large messages in flight: a message waits for a
    // slot that a loan holds until its last byte is out, and must go on when it is freed.
    Config cfg = forward_config();
    cfg.message_slots = 2;
    Pair p;
    REQUIRE(p.open(ListenOptions{}, DialOptions{}, cfg));
    Forwarder fwd;
    fwd.conn = p.server;
    fwd.on_events_only = true;  // a message that waited for a slot must be announced again
    std::vector<std::string> msgs;
    for (uint32_t i = 0; i < 20; ++i) msgs.push_back(i % 5 == 4 ? std::string(150000 + i, 'v') : pattern(150000 + i * 11, i));
    round_trip(p, p.client, fwd, msgs, 3);
    CHECK_EQ(p.ctx.stats().connections_failed, 0u);
    // Whether the slots ran short depends on the scheduling (here they do; under wine they may
    // not): said, so that a run that did not test the shortage shows it.
    std::printf("    message slot misses: %llu\n", static_cast<unsigned long long>(p.ctx.stats().message_slot_misses));
}

TW_TEST(ws_a_message_waiting_for_the_slot_a_loan_holds_is_announced_when_it_frees) {
    // One message slot. A is read (in the slot), B arrives and finds no slot; A is sent on from
    // its slot. When A's last byte is out the slot is free, and B, whose bytes all arrived long
    // before, must be announced by a Data event: no more bytes come to announce it.
    Config cfg = forward_config();
    cfg.message_slots = 1;
    Pair p;
    REQUIRE(p.open(ListenOptions{}, DialOptions{}, cfg));
    // A in fragments larger than a ring block, B in two fragments that fit one: both need the slot.
    const std::string a = pattern(150000, 1), b = pattern(100000, 2);
    auto send_big = [&](const std::string& m) {
        size_t sent = 0;
        return pump(p.ctx, p.log, 3000, [&] {
            while (sent < m.size()) {
                const size_t n = m.size() - sent < 60000 ? m.size() - sent : 60000;
                if (p.client.send_fragment(DataKind::Binary, m.data() + sent, n, sent + n == m.size()) != Error::Ok) break;
                sent += n;
            }
            return sent == m.size();
        });
    };
    REQUIRE(send_big(a));
    ReadView va;
    CHECK(pump(p.ctx, p.log, 3000, [&] { return p.server.try_read(va) == Read::Message; }));
    REQUIRE_EQ(va.size, a.size());
    const uint64_t received = p.ctx.stats().bytes_received;
    REQUIRE(send_big(b));
    CHECK(pump(p.ctx, p.log, 3000, [&] { return p.ctx.stats().bytes_received >= received + b.size(); }));
    ReadView vb;
    CHECK_EQ(p.server.try_read(vb), Read::NoData);  // B is all here, but the slot is A's
    CHECK(p.ctx.stats().message_slot_misses > 0);
    REQUIRE_EQ(p.server.send_view(va), Error::Ok);  // A goes out from the slot
    const int seen = p.log.count;
    bool announced = false, got_b = false;
    std::string echoed, got;
    CHECK(pump(p.ctx, p.log, 3000, [&] {
        ReadView r;
        while (p.client.try_read(r) == Read::Message) {  // the client reads A's echo as it comes
            echoed.assign(reinterpret_cast<const char*>(r.data), r.size);
            r.release();
        }
        for (int i = seen; i < p.log.count; ++i)
            announced |= p.log.events[i].type == EventType::Data && p.log.events[i].conn == p.server;
        if (announced && !got_b && p.server.try_read(vb) == Read::Message) {
            got_b = true;
            got.assign(reinterpret_cast<const char*>(vb.data), vb.size);
            vb.release();  // the one slot: the client needs it for A's echo
        }
        return got_b && echoed.size() == a.size();
    }));
    CHECK(announced);
    CHECK(got_b);
    CHECK(echoed == a);
    CHECK(got == b);
}
