// REQ with several requests in flight (request() ids), answered out of order by two REP servers;
// cancel(); per-request resend; and the surveyor's deadline as NNG reports it (survey_status).
#include <cstring>
#include <string>

#include "tests/loopback/harness.hpp"
#include "tickwire/sp.hpp"

using namespace tickwire;

namespace {

Config cfg() {
    Config c;
    c.max_connections = 64;
    c.ring_block_count = 128;
    c.message_slots = 32;
    return c;
}

template <typename Pred>
bool run(Context& ctx, int max_ms, Pred pred) { return tw_test::run_until(ctx, max_ms, pred, 1); }

std::string listen_tcp(Context& ctx, SpSocket& s) {
    auto l = s.listen("tcp://127.0.0.1:0");
    if (!l) return "";
    char url[64];
    std::snprintf(url, sizeof url, "tcp://127.0.0.1:%u", ctx.listener_port(l.value));
    return url;
}

// A REP server that keeps what it received (to answer later, in any order).
struct HeldRequest {
    SpMessage m;       // pipe + backtrace only (the body is copied out)
    char body[16] = {};
    SpSocket* from = nullptr;
};

} // namespace

TW_TEST(sp_req_several_requests_in_flight) {
    Context ctx;
    REQUIRE_EQ(ctx.init(cfg()), Error::Ok);
    SpOptions slow;
    slow.resend_ms = 200;
    SpSocket req, rep1, rep2;
    REQUIRE_EQ(req.open(ctx, SpPattern::Req, slow), Error::Ok);
    REQUIRE_EQ(rep1.open(ctx, SpPattern::Rep), Error::Ok);
    REQUIRE_EQ(rep2.open(ctx, SpPattern::Rep), Error::Ok);
    REQUIRE(req.dial(listen_tcp(ctx, rep1).c_str()).ok());
    REQUIRE(req.dial(listen_tcp(ctx, rep2).c_str()).ok());
    REQUIRE(run(ctx, 2000, [&] { return req.ready_pipes() == 2; }));
    uint32_t ids[kSpMaxRequests] = {};
    for (size_t i = 0; i < kSpMaxRequests; ++i) {
        char body[8];
        std::snprintf(body, sizeof body, "q%u", static_cast<unsigned>(i));
        auto r = req.request(body, std::strlen(body));
        REQUIRE(r.ok());
        ids[i] = r.value;
        CHECK((ids[i] & 0x80000000u) != 0);
    }
    CHECK_EQ(req.requests_in_flight(), kSpMaxRequests);
    CHECK_EQ(req.request("x", 1).error, Error::NoMessageSlot);  // the table is full
    // Both servers take their share, hold them, and answer in reverse order.
    HeldRequest held[kSpMaxRequests];
    int n = 0, on1 = 0, on2 = 0;
    REQUIRE(run(ctx, 2000, [&] {
        SpSocket* reps[2] = {&rep1, &rep2};
        for (int k = 0; k < 2; ++k) {
            SpMessage m;
            while (reps[k]->try_read(m) == Read::Message) {
                if (n < static_cast<int>(kSpMaxRequests)) {
                    held[n].m.pipe = m.pipe;
                    std::memcpy(held[n].m.backtrace, m.backtrace, m.backtrace_size);
                    held[n].m.backtrace_size = m.backtrace_size;
                    std::memcpy(held[n].body, m.data, m.size < 15 ? m.size : 15);
                    held[n].from = reps[k];
                    (k == 0 ? on1 : on2)++;
                    ++n;
                }
                m.release();
            }
        }
        return n == static_cast<int>(kSpMaxRequests);
    }));
    CHECK_EQ(on1, 4);  // spread over the pipes in turn
    CHECK_EQ(on2, 4);
    CHECK_EQ(req.cancel(ids[0]), Error::Ok);  // its reply will be dropped
    CHECK_EQ(req.cancel(ids[0]), Error::InvalidArgument);
    for (int i = n - 1; i >= 0; --i) {
        char answer[24];
        std::snprintf(answer, sizeof answer, "re %s", held[i].body);
        CHECK_EQ(held[i].from->reply(held[i].m, answer, std::strlen(answer)), Error::Ok);
    }
    int answered = 0;
    bool matched = true, got_cancelled = false;
    CHECK(run(ctx, 2000, [&] {
        SpMessage m;
        while (req.try_read(m) == Read::Message) {
            // "re q<i>" must carry ids[i]
            const int i = m.data[4] - '0';
            matched = matched && i >= 0 && i < static_cast<int>(kSpMaxRequests) && m.request_id == ids[i];
            got_cancelled = got_cancelled || i == 0;
            ++answered;
            m.release();
        }
        return answered == static_cast<int>(kSpMaxRequests) - 1;
    }));
    CHECK(matched);
    CHECK(!got_cancelled);
    CHECK_EQ(req.requests_in_flight(), 0u);
    // send() still means "one request, cancelling the others".
    REQUIRE(req.request("a", 1).ok());
    REQUIRE_EQ(req.send("b", 1), Error::Ok);
    CHECK_EQ(req.requests_in_flight(), 1u);
}

TW_TEST(sp_req_each_request_resent_on_its_own) {
    Context ctx;
    REQUIRE_EQ(ctx.init(cfg()), Error::Ok);
    SpOptions fast;
    fast.resend_ms = 100;
    SpSocket req, rep;
    REQUIRE_EQ(req.open(ctx, SpPattern::Req, fast), Error::Ok);
    REQUIRE_EQ(rep.open(ctx, SpPattern::Rep), Error::Ok);
    REQUIRE(req.dial(listen_tcp(ctx, rep).c_str()).ok());
    REQUIRE(run(ctx, 2000, [&] { return req.ready_pipes() == 1; }));
    REQUIRE(req.request("one", 3).ok());
    REQUIRE(req.request("two", 3).ok());
    int ones = 0, twos = 0;
    (void)run(ctx, 450, [&] {
        SpMessage m;
        while (rep.try_read(m) == Read::Message) {
            ones += m.size == 3 && std::memcmp(m.data, "one", 3) == 0;
            twos += m.size == 3 && std::memcmp(m.data, "two", 3) == 0;
            m.release();
        }
        (void)req.try_read(m);  // resends happen inside try_read/send
        return false;
    });
    CHECK(ones >= 3);  // sent, then resent about every 100 ms
    CHECK(twos >= 3);
    CHECK(ones - twos <= 1 && twos - ones <= 1);
}

TW_TEST(sp_surveyor_deadline_status) {
    Context ctx;
    REQUIRE_EQ(ctx.init(cfg()), Error::Ok);
    SpOptions quick;
    quick.survey_ms = 150;
    SpSocket sv, r1;
    REQUIRE_EQ(sv.open(ctx, SpPattern::Surveyor, quick), Error::Ok);
    REQUIRE_EQ(r1.open(ctx, SpPattern::Respondent), Error::Ok);
    CHECK_EQ(sv.survey_status(), Error::WrongState);  // no survey yet
    CHECK_EQ(r1.survey_status(), Error::WrongState);
    REQUIRE(r1.dial(listen_tcp(ctx, sv).c_str()).ok());
    REQUIRE(run(ctx, 2000, [&] { return sv.ready_pipes() == 1; }));
    REQUIRE_EQ(sv.send("who", 3), Error::Ok);
    CHECK_EQ(sv.survey_status(), Error::Ok);
    SpMessage held;
    bool asked = false;
    REQUIRE(run(ctx, 1000, [&] {
        SpMessage m;
        if (r1.try_read(m) != Read::Message) return false;
        held.pipe = m.pipe;
        std::memcpy(held.backtrace, m.backtrace, m.backtrace_size);
        held.backtrace_size = m.backtrace_size;
        m.release();
        asked = true;
        return true;
    }));
    REQUIRE(asked);
    REQUIRE(run(ctx, 1000, [&] { return sv.survey_status() == Error::TimedOut; }));
    REQUIRE_EQ(r1.reply(held, "late", 4), Error::Ok);  // after the deadline: dropped
    bool late = false;
    (void)run(ctx, 150, [&] {
        SpMessage m;
        while (sv.try_read(m) == Read::Message) { late = true; m.release(); }
        return false;
    });
    CHECK(!late);
    REQUIRE_EQ(sv.send("again", 5), Error::Ok);  // a new survey: collecting again
    CHECK_EQ(sv.survey_status(), Error::Ok);
}
