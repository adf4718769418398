// Context::update(timeout, callbacks): the callbacks run inside update(), right after each
// connection's I/O, and what they send to that connection leaves in the same update(). Checked
// with a server context that runs callbacks and a client context of its own, pumped separately,
// so that what the client receives shows what the server's updates did.
#include <cstring>
#include <string>
#include <vector>

#include "platform/fault_injection.hpp"
#include "tests/framework/check.hpp"
#include "tests/loopback/harness.hpp"
#include "tickwire/tickwire.hpp"

using namespace tickwire;
using tw_test::pattern;

namespace {

struct Server {
    Context ctx;
    Conn conn;                          // the accepted connection
    std::vector<std::string> seen;      // every message on_data saw, in order
    ReadView kept;                      // a view kept past its callback
    bool keep_first = false;
    bool echo = false;
    Error nested = Error::Ok;           // what update() answered from inside a callback
    int writable = 0;
    Callbacks cb;

    Server() {
        cb.user = this;
        cb.on_open = [](void* u, Conn c, const Event& e) {
            if (e.type == EventType::Accepted) static_cast<Server*>(u)->conn = c;
        };
        cb.on_data = [](void* u, Conn c, ReadView& v) {
            auto* s = static_cast<Server*>(u);
            s->seen.emplace_back(reinterpret_cast<const char*>(v.data), v.size);
            if (s->seen.size() == 1) {
                s->nested = s->ctx.update(0);
                s->ctx.shutdown();  // does nothing inside update()
            }
            if (s->keep_first && s->seen.size() == 1) {
                s->kept = v;
                v.clear();
                return;
            }
            if (s->echo) (void)c.send_view(v);
        };
        cb.on_writable = [](void* u, Conn) { ++static_cast<Server*>(u)->writable; };
    }
    bool update() { return ctx.update(0, cb) == Error::Ok; }
};

struct Client {
    Context ctx;
    Conn conn;
    bool connected = false;
    std::vector<std::string> received;

    // Waits up to 1 ms for something to happen: the loops below need no other sleep.
    bool update() {
        if (ctx.update(1) != Error::Ok) return false;
        Event ev;
        while (ctx.next_event(ev)) {
            if (ev.type == EventType::Connected) connected = true;
            if (ev.type != EventType::Data) continue;
            ReadView v;
            while (conn.try_read(v) == Read::Message) {
                received.emplace_back(reinterpret_cast<const char*>(v.data), v.size);
                v.release();
            }
        }
        return true;
    }
};

Config small_config() {
    Config cfg;
    cfg.ring_block_size = 128 * 1024;
    cfg.ring_block_count = 16;
    cfg.message_slots = 4;
    cfg.message_slot_size = 256 * 1024;
    return cfg;
}

// Both sides up: the server has its accepted connection, the client its Connected event.
bool connect(Server& s, Client& c, bool streaming = false) {
    if (s.ctx.init(small_config()) != Error::Ok || c.ctx.init(small_config()) != Error::Ok) return false;
    ListenOptions lo;
    lo.ws.streaming = streaming;
    auto l = s.ctx.listen("ws://127.0.0.1:0", lo);
    if (!l) return false;
    char url[64];
    std::snprintf(url, sizeof url, "ws://127.0.0.1:%u/", s.ctx.listener_port(l.value));
    auto d = c.ctx.dial(url);
    if (!d) return false;
    c.conn = d.value;
    for (int i = 0; i < 3000 && !(c.connected && s.conn.valid()); ++i) {
        if (!s.update() || !c.update()) return false;
    }
    return c.connected && s.conn.valid();
}

std::string payload(uint32_t seed, size_t n) {
    std::string out(n, '\0');
    for (size_t i = 0; i < n; ++i) out[i] = static_cast<char>(pattern(seed, i));
    return out;
}

// Runs both sides until `done` or about 3 s.
template <typename Pred>
bool run(Server& s, Client& c, Pred done) {
    for (int i = 0; i < 3000 && !done(); ++i) {
        if (!s.update() || !c.update()) return false;
    }
    return done();
}

// One binary message of `part` twice, sent as two fragments: the server assembles it in a
// message slot.
bool send_twice_as_fragments(Client& c, const std::string& part) {
    return c.conn.send_fragment(DataKind::Binary, part.data(), part.size(), false) == Error::Ok &&
           c.conn.send_fragment(DataKind::Binary, part.data(), part.size(), true) == Error::Ok;
}

// After the first message was kept: 50 more turns of both sides, time for the second message
// to arrive, and on_data still saw only the first.
bool still_paused(Server& s, Client& c) {
    for (int i = 0; i < 50; ++i)
        if (!s.update() || !c.update()) return false;
    return s.seen.size() == 1;
}

} // namespace

TW_TEST(callbacks_in_update_echo_leaves_in_the_same_update) {
    // A write the OS cuts short or refuses waits for a later update, by design: this case needs
    // sockets that take what they are given (no TW_FAULT_SEED faults).
    platform::fault::disable();
    Server s;
    Client c;
    REQUIRE(connect(s, c));
    s.echo = true;
    const std::string m[3] = {payload(1, 10), payload(2, 5000), payload(3, 60000)};
    for (const std::string& x : m) REQUIRE_EQ(c.conn.send_binary(x.data(), x.size()), Error::Ok);
    // The client sends; the server runs until its callbacks have seen all three, no further.
    REQUIRE(run(s, c, [&] { return s.seen.size() == 3; }));
    // From here only the client moves: an echo queued for a later server update never comes.
    for (int i = 0; i < 3000 && c.received.size() < 3; ++i) {
        REQUIRE(c.update());
    }
    REQUIRE_EQ(c.received.size(), 3u);
    for (int i = 0; i < 3; ++i) CHECK(c.received[i] == m[i]);
    CHECK_EQ(s.ctx.stats().message_slots_in_use, 0u);
}

// What a callback sends to another connection (a relay) leaves in the same update as well.
TW_TEST(callbacks_in_update_relay_leaves_in_the_same_update) {
    platform::fault::disable();  // as above: sockets that take what they are given
    struct Relay {
        Context ctx;
        Conn conns[2];
        int accepted = 0;
        int relayed = 0;
        Callbacks cb;
    } r;
    r.cb.user = &r;
    r.cb.on_open = [](void* u, Conn c, const Event& e) {
        auto* x = static_cast<Relay*>(u);
        if (e.type == EventType::Accepted && x->accepted < 2) x->conns[x->accepted++] = c;
    };
    r.cb.on_data = [](void* u, Conn c, ReadView& v) {
        auto* x = static_cast<Relay*>(u);
        const Conn to = c == x->conns[0] ? x->conns[1] : x->conns[0];
        if (to.send_binary(v.data, v.size) == Error::Ok) ++x->relayed;
    };
    REQUIRE_EQ(r.ctx.init(small_config()), Error::Ok);
    auto l = r.ctx.listen("ws://127.0.0.1:0");
    REQUIRE(l);
    char url[64];
    std::snprintf(url, sizeof url, "ws://127.0.0.1:%u/", r.ctx.listener_port(l.value));
    Client a, b;
    REQUIRE_EQ(a.ctx.init(small_config()), Error::Ok);
    REQUIRE_EQ(b.ctx.init(small_config()), Error::Ok);
    // One client dials and is accepted before the next dials, so that conns[0] is a's.
    auto dial_accepted = [&](Client& c, int accepted) {
        auto d = c.ctx.dial(url);
        if (!d) return false;
        c.conn = d.value;
        for (int i = 0; i < 3000 && !(c.connected && r.accepted == accepted); ++i)
            if (r.ctx.update(0, r.cb) != Error::Ok || !c.update()) return false;
        return c.connected && r.accepted == accepted;
    };
    REQUIRE(dial_accepted(a, 1));
    REQUIRE(dial_accepted(b, 2));
    const std::string m = payload(9, 20000);
    REQUIRE_EQ(a.conn.send_binary(m.data(), m.size()), Error::Ok);
    for (int i = 0; i < 3000 && r.relayed == 0; ++i) {
        REQUIRE_EQ(r.ctx.update(0, r.cb), Error::Ok);
        REQUIRE(a.update());
    }
    REQUIRE_EQ(r.relayed, 1);
    // From here only b moves.
    for (int i = 0; i < 3000 && b.received.empty(); ++i) REQUIRE(b.update());
    REQUIRE_EQ(b.received.size(), 1u);
    CHECK(b.received[0] == m);
}

TW_TEST(callbacks_in_update_may_not_call_update_or_shutdown) {
    Server s;
    Client c;
    REQUIRE(connect(s, c));
    REQUIRE_EQ(c.conn.send_text("hello"), Error::Ok);
    REQUIRE(run(s, c, [&] { return s.seen.size() == 1; }));
    CHECK_EQ(s.nested, Error::WrongState);
    CHECK(s.ctx.initialized());
    // The context goes on as before.
    REQUIRE_EQ(c.conn.send_text("again"), Error::Ok);
    REQUIRE(run(s, c, [&] { return s.seen.size() == 2; }));
    CHECK(s.seen[1] == "again");
}

// A view kept past its callback holds its bytes in rx: the connection's next message waits
// (on_data is not called for it) until the view is released, then comes in order.
TW_TEST(callbacks_a_kept_view_pauses_the_connection_until_released) {
    Server s;
    Client c;
    REQUIRE(connect(s, c));
    s.keep_first = true;
    REQUIRE_EQ(c.conn.send_text("first"), Error::Ok);
    REQUIRE_EQ(c.conn.send_text("second"), Error::Ok);
    REQUIRE(run(s, c, [&] { return s.seen.size() == 1; }));
    REQUIRE(still_paused(s, c));
    CHECK(std::string(reinterpret_cast<const char*>(s.kept.data), s.kept.size) == "first");
    s.kept.release();
    REQUIRE_EQ(c.conn.send_text("third"), Error::Ok);  // its Data event reads on
    REQUIRE(run(s, c, [&] { return s.seen.size() == 3; }));
    CHECK(s.seen[1] == "second");
    CHECK(s.seen[2] == "third");
}

// The same for a message assembled from fragments, which lies in a message slot: the connection
// waits until the kept view is sent on (here, back to the client from its slot).
TW_TEST(callbacks_a_kept_slot_view_pauses_the_connection_until_sent_on) {
    Server s;
    Client c;
    REQUIRE(connect(s, c));
    s.keep_first = true;
    const std::string part = payload(5, 3000);
    REQUIRE(send_twice_as_fragments(c, part));
    REQUIRE_EQ(c.conn.send_text("second"), Error::Ok);
    REQUIRE(run(s, c, [&] { return s.seen.size() == 1; }));
    REQUIRE(still_paused(s, c));
    CHECK_EQ(s.ctx.stats().message_slots_in_use, 1u);
    REQUIRE_EQ(s.conn.send_view(s.kept), Error::Ok);
    REQUIRE_EQ(c.conn.send_text("third"), Error::Ok);
    REQUIRE(run(s, c, [&] { return s.seen.size() == 3 && c.received.size() == 1; }));
    CHECK(c.received[0] == part + part);
    CHECK(s.seen[1] == "second");
    CHECK(s.seen[2] == "third");
    REQUIRE(run(s, c, [&] { return s.ctx.stats().message_slots_in_use == 0; }));
}

// Streaming: every piece already received is handed out, not only the first one of a Data
// event (the client sends nothing more that could bring another).
TW_TEST(callbacks_hand_out_every_streamed_piece_that_has_arrived) {
    Server s;
    Client c;
    REQUIRE(connect(s, c, true));
    const std::string part[3] = {payload(6, 100), payload(7, 2000), payload(8, 30)};
    for (int i = 0; i < 3; ++i)
        REQUIRE_EQ(c.conn.send_fragment(DataKind::Binary, part[i].data(), part[i].size(), i == 2), Error::Ok);
    REQUIRE_EQ(c.conn.send_text("whole"), Error::Ok);
    REQUIRE(run(s, c, [&] { return !s.seen.empty() && s.seen.back() == "whole"; }));
    std::string joined;
    for (size_t i = 0; i + 1 < s.seen.size(); ++i) joined += s.seen[i];
    CHECK(joined == part[0] + part[1] + part[2]);
}

// A message assembled from fragments lies in a message slot; the callback neither keeps nor
// releases it, so the dispatcher gives the slot back.
TW_TEST(callbacks_release_a_message_slot_the_callback_left) {
    Server s;
    Client c;
    REQUIRE(connect(s, c));
    const std::string part = payload(4, 3000);
    REQUIRE(send_twice_as_fragments(c, part));
    REQUIRE(run(s, c, [&] { return s.seen.size() == 1; }));
    CHECK(s.seen[0] == part + part);
    CHECK_EQ(s.ctx.stats().message_slots_in_use, 0u);
}

// Context::dispatch() after a plain update() is the same layer: data and close reach the
// callbacks (inproc, both ends in one context).
TW_TEST(callbacks_dispatch_after_update_sees_open_data_and_close) {
    Context ctx;
    Config cfg;
    REQUIRE_EQ(ctx.init(cfg), Error::Ok);
    auto l = ctx.listen("inproc://callbacks");
    REQUIRE_EQ(l.error, Error::Ok);
    auto d = ctx.dial("inproc://callbacks");
    REQUIRE_EQ(d.error, Error::Ok);
    struct State {
        int opens = 0, closes = 0;
        size_t bytes = 0;
    } st;
    Callbacks cb;
    cb.user = &st;
    cb.on_open = [](void* u, Conn, const Event&) { ++static_cast<State*>(u)->opens; };
    cb.on_data = [](void* u, Conn, ReadView& v) { static_cast<State*>(u)->bytes += v.size; };
    cb.on_close = [](void* u, Conn, const Event&) { ++static_cast<State*>(u)->closes; };
    for (int i = 0; i < 50 && st.opens < 2; ++i) {
        REQUIRE_EQ(ctx.update(0), Error::Ok);
        ctx.dispatch(cb);
    }
    CHECK_EQ(st.opens, 2);
    REQUIRE_EQ(d.value.send("0123456789", 10), Error::Ok);
    REQUIRE_EQ(d.value.close(), Error::Ok);
    for (int i = 0; i < 50 && st.closes < 2; ++i) {
        REQUIRE_EQ(ctx.update(0), Error::Ok);
        ctx.dispatch(cb);
    }
    CHECK_EQ(st.bytes, 10u);
    CHECK_EQ(st.closes, 2);
}
