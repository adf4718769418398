// Each pattern's routing rules over inproc:// (no sockets at all): pair, pair1, push/pull
// balancing and WouldBlock, pub/sub prefixes, req/rep with two requesters, bus without echo,
// surveyor with two respondents and its deadline.
#include <cstring>
#include <string>

#include "tests/loopback/harness.hpp"
#include "tickwire/sp.hpp"

using namespace tickwire;

namespace {

Config cfg() {
    Config c;
    c.max_connections = 64;
    c.ring_block_size = 4096;
    c.ring_block_count = 128;
    c.message_slots = 16;
    return c;
}

struct World {
    Context ctx;
    int n = 0;
    bool init() { return ctx.init(cfg()) == Error::Ok; }
    template <typename Pred>
    bool run(int max_ms, Pred pred) {
        const int64_t end = ctx.now_us() + static_cast<int64_t>(max_ms) * 1000;
        for (;;) {
            if (ctx.update(0) != Error::Ok) return false;
            Event ev;
            while (ctx.next_event(ev)) {}
            if (pred()) return true;
            if (ctx.now_us() > end) return pred();
        }
    }
    // Opens `s` listening on a fresh inproc name, written to `url`.
    bool listen(SpSocket& s, char* url, size_t cap) {
        std::snprintf(url, cap, "inproc://patterns-%d", ++n);
        return s.listen(url).ok();
    }
    // Everything `s` receives within ms, as "a|b|c|".
    std::string drain(SpSocket& s, int ms) {
        std::string got;
        (void)run(ms, [&] {
            SpMessage m;
            while (s.try_read(m) == Read::Message) {
                got.append(reinterpret_cast<const char*>(m.data), m.size);
                got += '|';
                m.release();
            }
            return false;
        });
        return got;
    }
};

bool send(SpSocket& s, const char* t) { return s.send(t, std::strlen(t)) == Error::Ok; }

} // namespace

TW_TEST(sp_inproc_pair_and_pair1) {
    World w;
    REQUIRE(w.init());
    for (SpPattern p : {SpPattern::Pair, SpPattern::Pair1}) {
        SpSocket a, b, third;
        REQUIRE_EQ(a.open(w.ctx, p), Error::Ok);
        REQUIRE_EQ(b.open(w.ctx, p), Error::Ok);
        REQUIRE_EQ(third.open(w.ctx, p), Error::Ok);
        char url[64];
        REQUIRE(w.listen(a, url, sizeof url));
        REQUIRE(b.dial(url).ok());
        REQUIRE(w.run(500, [&] { return a.ready_pipes() == 1 && b.ready_pipes() == 1; }));
        REQUIRE(third.dial(url).ok());  // a pair has one peer: refused
        REQUIRE(w.run(500, [&] { return a.pipe_failures() == 1; }));
        REQUIRE(send(a, "to b"));
        REQUIRE(send(b, "to a"));
        CHECK(w.drain(b, 50) == "to b|");
        CHECK(w.drain(a, 50) == "to a|");
    }
}

TW_TEST(sp_inproc_push_pull_balances_and_blocks) {
    World w;
    REQUIRE(w.init());
    SpSocket push, p1, p2;
    REQUIRE_EQ(push.open(w.ctx, SpPattern::Push), Error::Ok);
    REQUIRE_EQ(p1.open(w.ctx, SpPattern::Pull), Error::Ok);
    REQUIRE_EQ(p2.open(w.ctx, SpPattern::Pull), Error::Ok);
    CHECK_EQ(push.send("x", 1), Error::WouldBlock);  // nobody to take it: held back, not dropped
    char url[64];
    REQUIRE(w.listen(push, url, sizeof url));
    REQUIRE(p1.dial(url).ok());
    REQUIRE(p2.dial(url).ok());
    REQUIRE(w.run(500, [&] { return push.ready_pipes() == 2; }));
    for (int i = 0; i < 6; ++i) REQUIRE(send(push, "j"));
    CHECK(w.drain(p1, 50) == "j|j|j|");
    CHECK(w.drain(p2, 50) == "j|j|j|");
    // Nobody reads: the rings fill and PUSH says WouldBlock instead of dropping.
    static char big[1000];
    int sent = 0;
    Error e = Error::Ok;
    while (sent < 100000 && (e = push.send(big, sizeof big)) == Error::Ok) {
        ++sent;
        if (sent % 4 == 0) (void)w.ctx.update(0);
    }
    CHECK_EQ(e, Error::WouldBlock);
    CHECK(sent > 2);
}

TW_TEST(sp_inproc_pub_sub_prefixes) {
    World w;
    REQUIRE(w.init());
    SpSocket pub, s1, s2;
    REQUIRE_EQ(pub.open(w.ctx, SpPattern::Pub), Error::Ok);
    REQUIRE_EQ(s1.open(w.ctx, SpPattern::Sub), Error::Ok);
    REQUIRE_EQ(s2.open(w.ctx, SpPattern::Sub), Error::Ok);
    REQUIRE_EQ(s1.subscribe("a"), Error::Ok);
    REQUIRE_EQ(s1.subscribe("bc"), Error::Ok);
    char url[64];
    REQUIRE(w.listen(pub, url, sizeof url));
    REQUIRE(s1.dial(url).ok());
    REQUIRE(s2.dial(url).ok());
    REQUIRE(w.run(500, [&] { return pub.ready_pipes() == 2; }));
    for (const char* t : {"a1", "b1", "bc1", "c1", "abc"}) REQUIRE(send(pub, t));
    CHECK(w.drain(s1, 50) == "a1|bc1|abc|");
    CHECK(w.drain(s2, 50).empty());  // no subscription: nothing
}

TW_TEST(sp_inproc_req_rep_two_requesters) {
    World w;
    REQUIRE(w.init());
    SpSocket rep, r1, r2;
    REQUIRE_EQ(rep.open(w.ctx, SpPattern::Rep), Error::Ok);
    REQUIRE_EQ(r1.open(w.ctx, SpPattern::Req), Error::Ok);
    REQUIRE_EQ(r2.open(w.ctx, SpPattern::Req), Error::Ok);
    char url[64];
    REQUIRE(w.listen(rep, url, sizeof url));
    REQUIRE(r1.dial(url).ok());
    REQUIRE(r2.dial(url).ok());
    REQUIRE(send(r1, "one"));
    REQUIRE(send(r2, "two"));
    // Take both requests first, then answer the second one first: each reply finds its asker.
    SpMessage q[2];
    int n = 0;
    REQUIRE(w.run(500, [&] {
        SpMessage m;
        while (n < 2 && rep.try_read(m) == Read::Message) {
            q[n].pipe = m.pipe;
            std::memcpy(q[n].backtrace, m.backtrace, m.backtrace_size);
            q[n].backtrace_size = m.backtrace_size;
            q[n].size = m.size;  // remember which: 3 letters either way, so look at the first
            q[n].data = reinterpret_cast<const uint8_t*>(m.data[0] == 'o' ? "one" : "two");
            ++n;
            m.release();
        }
        return n == 2;
    }));
    for (int i = 1; i >= 0; --i) {
        char answer[16];
        std::snprintf(answer, sizeof answer, "re %s", reinterpret_cast<const char*>(q[i].data));
        REQUIRE_EQ(rep.reply(q[i], answer, std::strlen(answer)), Error::Ok);
    }
    CHECK(w.drain(r1, 50) == "re one|");
    CHECK(w.drain(r2, 50) == "re two|");
}

TW_TEST(sp_inproc_bus_no_echo) {
    World w;
    REQUIRE(w.init());
    SpSocket hub, a, b;
    for (SpSocket* s : {&hub, &a, &b}) REQUIRE_EQ(s->open(w.ctx, SpPattern::Bus), Error::Ok);
    char url[64];
    REQUIRE(w.listen(hub, url, sizeof url));
    REQUIRE(a.dial(url).ok());
    REQUIRE(b.dial(url).ok());
    REQUIRE(w.run(500, [&] { return hub.ready_pipes() == 2; }));
    REQUIRE(send(a, "from a"));
    REQUIRE(send(hub, "from hub"));
    CHECK(w.drain(hub, 50) == "from a|");
    CHECK(w.drain(a, 50) == "from hub|");      // not its own message back
    CHECK(w.drain(b, 50) == "from hub|");      // a is not b's direct peer
}

TW_TEST(sp_inproc_surveyor_two_respondents) {
    World w;
    REQUIRE(w.init());
    SpOptions o;
    o.survey_ms = 100;
    SpSocket sv, r1, r2;
    REQUIRE_EQ(sv.open(w.ctx, SpPattern::Surveyor, o), Error::Ok);
    REQUIRE_EQ(r1.open(w.ctx, SpPattern::Respondent), Error::Ok);
    REQUIRE_EQ(r2.open(w.ctx, SpPattern::Respondent), Error::Ok);
    char url[64];
    REQUIRE(w.listen(sv, url, sizeof url));
    REQUIRE(r1.dial(url).ok());
    REQUIRE(r2.dial(url).ok());
    REQUIRE(w.run(500, [&] { return sv.ready_pipes() == 2; }));
    REQUIRE(send(sv, "who?"));
    int answered = 0;
    REQUIRE(w.run(500, [&] {
        SpSocket* rs[2] = {&r1, &r2};
        for (int i = 0; i < 2; ++i) {
            SpMessage m;
            while (rs[i]->try_read(m) == Read::Message) {
                CHECK_EQ(rs[i]->reply(m, i == 0 ? "r1" : "r2", 2), Error::Ok);
                ++answered;
                m.release();
            }
        }
        return answered == 2;
    }));
    const std::string got = w.drain(sv, 50);
    CHECK(got == "r1|r2|" || got == "r2|r1|");
    CHECK(w.run(500, [&] { return sv.survey_status() == Error::TimedOut; }));
}

// SpOptions::max_pipes: a listener keeps at most that many pipes (the extra connection is closed
// and counted), and dial() beyond it says NoConnectionSlot.
TW_TEST(sp_max_pipes_limits_accepted_and_dialed_pipes) {
    World w;
    REQUIRE(w.init());
    SpOptions two;
    two.max_pipes = 2;
    SpSocket pull, a, b, c;
    REQUIRE_EQ(pull.open(w.ctx, SpPattern::Pull, two), Error::Ok);
    char url[64];
    REQUIRE(w.listen(pull, url, sizeof url));
    for (SpSocket* s : {&a, &b, &c}) {
        REQUIRE_EQ(s->open(w.ctx, SpPattern::Push), Error::Ok);
        REQUIRE(s->dial(url).ok());
    }
    CHECK(w.run(2000, [&] { return pull.counters().pipes_refused >= 1 && pull.ready_pipes() == 2; }));
    w.run(100, [] { return false; });
    CHECK_EQ(pull.ready_pipes(), 2u);  // the third pusher redials (SP dialers never give up) and
    CHECK(pull.counters().pipes_refused >= 1);  // is refused again each time
    // The same limit for dialing: a socket with one pipe allowed dials once.
    SpOptions one;
    one.max_pipes = 1;
    SpSocket push;
    REQUIRE_EQ(push.open(w.ctx, SpPattern::Push, one), Error::Ok);
    CHECK(push.dial(url).ok());
    CHECK_EQ(push.dial(url).error, Error::NoConnectionSlot);
}

// SpCounters: what was sent, received, refused and dropped is counted, never silent.
TW_TEST(sp_counters_count_sends_deliveries_and_drops) {
    World w;
    REQUIRE(w.init());
    SpSocket pub, sub;
    REQUIRE_EQ(pub.open(w.ctx, SpPattern::Pub), Error::Ok);
    REQUIRE_EQ(sub.open(w.ctx, SpPattern::Sub), Error::Ok);
    char url[64];
    REQUIRE(w.listen(pub, url, sizeof url));
    REQUIRE(sub.dial(url).ok());
    REQUIRE_EQ(sub.subscribe("a"), Error::Ok);
    REQUIRE(w.run(2000, [&] { return pub.ready_pipes() == 1 && sub.ready_pipes() == 1; }));
    CHECK(send(pub, "a1"));
    CHECK(send(pub, "b1"));  // filtered out by SUB: dropped on arrival
    CHECK(send(pub, "a2"));
    CHECK_EQ(w.drain(sub, 300), std::string("a1|a2|"));
    CHECK_EQ(pub.counters().sent, 3u);
    CHECK_EQ(sub.counters().received, 2u);
    CHECK_EQ(sub.counters().dropped_in, 1u);
    CHECK_EQ(sub.counters().sent, 0u);
    // PUB never waits: with the subscriber not reading, copies it has no room for are dropped
    // and counted, and send() still answers Ok.
    char big[3000] = {};
    big[0] = 'a';
    for (int i = 0; i < 40; ++i) CHECK_EQ(pub.send(big, sizeof big), Error::Ok);
    CHECK(pub.counters().dropped_out > 0);
    // PUSH with nobody to take it: WouldBlock, counted.
    SpSocket push;
    REQUIRE_EQ(push.open(w.ctx, SpPattern::Push), Error::Ok);
    CHECK_EQ(push.send("x", 1), Error::WouldBlock);
    CHECK_EQ(push.counters().would_block, 1u);
}

// try_read says Partial while a message is arriving (here one five ring blocks long, assembled
// in a message slot), then hands it out whole.
TW_TEST(sp_try_read_says_partial_while_a_message_arrives) {
    World w;
    REQUIRE(w.init());
    SpSocket pull, push;
    REQUIRE_EQ(pull.open(w.ctx, SpPattern::Pull), Error::Ok);
    REQUIRE_EQ(push.open(w.ctx, SpPattern::Push), Error::Ok);
    char url[64];
    REQUIRE(w.listen(pull, url, sizeof url));
    REQUIRE(push.dial(url).ok());
    REQUIRE(w.run(2000, [&] { return push.ready_pipes() == 1 && pull.ready_pipes() == 1; }));
    static uint8_t big[20000];
    for (size_t i = 0; i < sizeof big; ++i) big[i] = static_cast<uint8_t>(i * 7);
    SpMessage m;
    CHECK(pull.try_read(m) == Read::NoData);
    REQUIRE_EQ(push.send(big, sizeof big), Error::Ok);
    int partial = 0;
    bool whole = false;
    CHECK(w.run(2000, [&] {
        const Read r = pull.try_read(m);
        if (r == Read::Partial) ++partial;
        if (r == Read::Message) {
            whole = m.size == sizeof big && std::memcmp(m.data, big, sizeof big) == 0;
            m.release();
            return true;
        }
        return false;
    }));
    CHECK(whole);
    CHECK(partial > 0);
    CHECK(pull.try_read(m) == Read::NoData);
}
