// Running out of what the OS or the Config gives, between a server Context and a client Context:
// descriptors at accept (EMFILE, injected) and TLS sessions. Each is a refusal or a wait that the
// others do not feel, counted in stats, and over once the resource is back.
#include <string>

#include "platform/fault_injection.hpp"
#include "tests/interop/tls_test_certs.hpp"
#include "tests/loopback/harness.hpp"

using namespace tickwire;
using tw_test::EventLog;

namespace {

struct TwoContexts {
    Context server, client;
    EventLog slog, clog;
    Conn accepted[16];
    int naccepted = 0;

    template <typename Pred>
    bool pump(int max_ms, Pred pred) {
        const int64_t end = client.now_us() + int64_t{max_ms} * 1000;
        for (;;) {
            if (server.update(0) != Error::Ok || client.update(1) != Error::Ok) return false;
            Event ev;
            while (server.next_event(ev)) {
                slog.add(ev);
                if (ev.type == EventType::Accepted && naccepted < 16) accepted[naccepted++] = ev.conn;
            }
            while (client.next_event(ev)) clog.add(ev);
            if (pred()) return true;
            if (client.now_us() > end) return pred();
        }
    }
};

// Echoes whatever the accepted connections received.
void echo_all(TwoContexts& w) {
    for (int i = 0; i < w.naccepted; ++i) {
        ReadView v;
        while (w.accepted[i].try_read(v) == Read::Message)
            if (w.accepted[i].send_view(v) != Error::Ok) break;
    }
}

bool got_echo(Conn c, const char* text, size_t& have) {
    ReadView v;
    while (c.try_read(v) == Read::Message) {
        have += v.size;
        v.release();
    }
    return have == std::strlen(text);
}

} // namespace

TW_TEST(exhaustion_accept_failing_with_emfile_waits_and_then_serves_everyone) {
    TwoContexts w;
    REQUIRE_EQ(w.server.init(Config{}), Error::Ok);
    REQUIRE_EQ(w.client.init(Config{}), Error::Ok);
    auto l = w.server.listen("tcp://127.0.0.1:0");
    REQUIRE_EQ(l.error, Error::Ok);
    char url[64];
    std::snprintf(url, sizeof url, "tcp://127.0.0.1:%u", w.server.listener_port(l.value));
    platform::fault::Plan plan;
    plan.accept_emfile = 1000;  // the process is out of descriptors: every accept fails
    platform::fault::enable(plan);
    Conn clients[3];
    for (Conn& c : clients) {
        auto d = w.client.dial(url);
        REQUIRE_EQ(d.error, Error::Ok);
        c = d.value;
    }
    // The clients' connects complete in the kernel's backlog; nothing is accepted, nothing fails.
    w.pump(400, [] { return false; });
    const uint64_t injected = platform::fault::injected_count();
    platform::fault::disable();
    CHECK(injected >= 2);  // tried, rested, tried again
    CHECK_EQ(w.naccepted, 0);
    CHECK_EQ(w.slog.count_of(EventType::Error), 0);
    CHECK_EQ(w.clog.count_of(EventType::Closed), 0);
    // Descriptors are back: all three are accepted and served.
    size_t have[3] = {};
    CHECK(w.pump(3000, [&] {
        for (Conn& c : clients)
            if (c.state() == ConnState::Open && c.send_capacity() > 0 && c.user() == nullptr) {
                CHECK_EQ(c.send("ping", 4), Error::Ok);
                c.set_user(&w);  // sent
            }
        echo_all(w);
        bool all = true;
        for (int i = 0; i < 3; ++i) all = got_echo(clients[i], "ping", have[i]) && all;
        return all;
    }));
    CHECK_EQ(w.naccepted, 3);
}

TW_TEST(exhaustion_tls_sessions_refuse_the_extra_connection_and_come_back) {
    if (!tw_tls_test::cert_dir()) {
        CHECK(!"test certificates could not be made");
        return;
    }
    const std::string cert = tw_tls_test::cert_path("server.pem"), key = tw_tls_test::cert_path("server.key"),
                      ca = tw_tls_test::cert_path("ca.pem");
    TwoContexts w;
    Config s;
    s.tls.max_sessions = 2;
    s.tls.cert_file = cert.c_str();
    s.tls.key_file = key.c_str();
    REQUIRE_EQ(w.server.init(s), Error::Ok);
    Config c;
    c.tls.max_sessions = 8;
    c.tls.ca_file = ca.c_str();
    REQUIRE_EQ(w.client.init(c), Error::Ok);
    auto l = w.server.listen("tls+tcp://127.0.0.1:0");
    REQUIRE_EQ(l.error, Error::Ok);
    char url[64];
    std::snprintf(url, sizeof url, "tls+tcp://localhost:%u", w.server.listener_port(l.value));
    DialOptions once;
    once.reconnect = false;
    Conn clients[3];
    for (Conn& conn : clients) {
        auto d = w.client.dial(url, once);
        REQUIRE_EQ(d.error, Error::Ok);
        conn = d.value;
        // One at a time, so that which one is refused is known: the third.
        w.pump(3000, [&] { return conn.state() == ConnState::Open || conn.state() == ConnState::Closed ||
                                  conn.state() == ConnState::Invalid; });
    }
    CHECK_EQ(clients[0].state(), ConnState::Open);
    CHECK_EQ(clients[1].state(), ConnState::Open);
    CHECK(clients[2].state() != ConnState::Open);
    CHECK(w.server.stats().connections_refused >= 1);
    // The two that got a session are served as if nothing happened.
    size_t have[2] = {};
    for (int i = 0; i < 2; ++i) CHECK_EQ(clients[i].send("hello", 5), Error::Ok);
    CHECK(w.pump(3000, [&] {
        echo_all(w);
        return got_echo(clients[0], "hello", have[0]) && got_echo(clients[1], "hello", have[1]);
    }));
    // One closes: its session is free again, and a new connection gets it.
    CHECK_EQ(clients[0].close(), Error::Ok);
    w.pump(500, [&] { return !clients[0].valid(); });
    auto d = w.client.dial(url, once);
    REQUIRE_EQ(d.error, Error::Ok);
    size_t again = 0;
    bool sent = false;
    CHECK(w.pump(3000, [&] {
        if (!sent && d.value.state() == ConnState::Open) sent = d.value.send("again", 5) == Error::Ok;
        echo_all(w);
        return got_echo(d.value, "again", again);
    }));
}
