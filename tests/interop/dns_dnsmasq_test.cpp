// The resolver against a real DNS server: dnsmasq on 127.0.0.1 at a free UDP port, serving
// only local data, driven by a plain non-blocking UDP socket and poll() in this file (the
// core's own socket code is not used, so this test stands alone).
//
// dnsmasq serves (and answers nothing else: --local=/test/ makes unknown *.test NXDOMAIN):
//   example.test and *.example.test  A 10.1.2.3       (--address)
//   dual.test                        A 10.9.8.7, AAAA fd00::5   (--host-record)
//   v6.test                          AAAA fd00::1234  (--host-record)
//   alias.test                       CNAME dual.test  (--cname)
// Needs /usr/sbin/dnsmasq (Debian package dnsmasq-base or dnsmasq). Every wait is bounded.
#include "tests/framework/check.hpp"
#include "tests/interop/dnsmasq_process.hpp"
#include "transport/dns/resolver.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

using namespace tickwire::detail::dns;
using tw_test::Dnsmasq;
using tw_test::free_udp_port;
using tw_test::loopback;

namespace {

uint64_t now_ms() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000u + static_cast<uint64_t>(ts.tv_nsec) / 1000000u;
}

bool os_random(void*, void* out, size_t len) {
    return getrandom(out, len, 0) == static_cast<ssize_t>(len);
}


NameServer server_at(uint16_t port) {
    NameServer s;
    s.family = 4;
    const uint8_t lo[4] = {127, 0, 0, 1};
    std::memcpy(s.addr, lo, 4);
    s.port = port;
    return s;
}

// The client side: one non-blocking socket on an ephemeral port.
struct UdpClient {
    int fd = -1;
    UdpClient() {
        fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
        sockaddr_in a = loopback(0);
        if (fd >= 0 && bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
            close(fd);
            fd = -1;
        }
    }
    ~UdpClient() {
        if (fd >= 0) close(fd);
    }
};

// Sends whatever is due (first sends and retries).
void flush(Resolver& r, UdpClient& sock) {
    uint8_t buf[kMaxQuerySize];
    for (Resolver::Datagram d; (d = r.next_datagram(buf, sizeof buf, now_ms())).size > 0;) {
        sockaddr_in to = loopback(r.server(d.server).port);
        sendto(sock.fd, buf, d.size, 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
    }
}

// One turn of what the core's update will do: send what is due, wait with poll() at most
// until the resolver's next deadline (or until_ms), feed what arrived (dropping datagrams
// from unknown sources), then let next_datagram expire timers and send retries, so that
// poll_result sees every outcome of this turn.
void pump(Resolver& r, UdpClient& sock, uint64_t until_ms) {
    flush(r, sock);
    uint64_t now = now_ms();
    uint64_t wake = r.next_deadline();
    if (wake > until_ms) wake = until_ms;
    pollfd p = {sock.fd, POLLIN, 0};
    poll(&p, 1, wake > now ? static_cast<int>(wake - now) : 0);
    uint8_t buf[kMaxUdpReply];
    for (;;) {
        sockaddr_in from;
        socklen_t len = sizeof from;
        ssize_t n = recvfrom(sock.fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
        if (n < 0) break;
        for (uint8_t i = 0; i < r.server_count(); ++i) {
            if (from.sin_addr.s_addr == htonl(INADDR_LOOPBACK) && ntohs(from.sin_port) == r.server(i).port) {
                r.on_datagram(i, buf, static_cast<size_t>(n));
                break;
            }
        }
    }
    flush(r, sock);
}

struct Outcome {
    Resolver::Result result;
    DnsAddress addrs[kMaxAddressesPerLookup];
    uint64_t elapsed_ms;
};

// Runs one lookup to its end, or gives up (and cancels) after budget_ms.
Outcome resolve(Resolver& r, UdpClient& sock, const char* name, Family family, uint64_t budget_ms = 3000) {
    Outcome o{};
    const uint64_t start = now_ms();
    Resolver::Start s = r.start(name, std::strlen(name), family);
    if (s.status != DnsStatus::Ok) {
        o.result = {LookupState::Failed, s.status, 0};
        return o;
    }
    for (;;) {
        o.result = r.poll_result(s.handle, o.addrs, kMaxAddressesPerLookup);
        o.elapsed_ms = now_ms() - start;
        if (o.result.state != LookupState::Pending) return o;
        if (o.elapsed_ms > budget_ms) {
            r.cancel(s.handle);
            std::printf("    %s: still pending after %llu ms\n", name, static_cast<unsigned long long>(budget_ms));
            return o;
        }
        pump(r, sock, start + budget_ms);
    }
}

bool has_v4(const Outcome& o, uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
    for (size_t i = 0; i < o.result.count; ++i) {
        const uint8_t* x = o.addrs[i].bytes;
        if (o.addrs[i].family == 4 && x[0] == a && x[1] == b && x[2] == c && x[3] == d) return true;
    }
    return false;
}

bool has_v6(const Outcome& o, const char* text) {
    uint8_t want[16];
    if (inet_pton(AF_INET6, text, want) != 1) return false;
    for (size_t i = 0; i < o.result.count; ++i)
        if (o.addrs[i].family == 6 && std::memcmp(o.addrs[i].bytes, want, 16) == 0) return true;
    return false;
}

// Waits (at most 5 s) until dnsmasq answers, using the resolver with short timeouts.
bool wait_until_serving(Dnsmasq& dm, UdpClient& sock) {
    ResolvConf conf;
    conf.add_server(server_at(dm.port));
    conf.timeout_ms = 100;
    conf.attempts = 1;
    DnsLookupSlot slots[1];
    Resolver r;
    if (r.init(conf, nullptr, slots, 1, &os_random, nullptr) != DnsStatus::Ok) return false;
    const uint64_t give_up = now_ms() + 5000;
    while (now_ms() < give_up && dm.running()) {
        Outcome o = resolve(r, sock, "example.test", Family::V4, 1000);
        if (o.result.state == LookupState::Resolved) return true;
    }
    return false;
}

} // namespace

TW_TEST(dns_dnsmasq_answers) {
    Dnsmasq dm;
    REQUIRE(dm.start());
    UdpClient sock;
    REQUIRE(sock.fd >= 0);
    REQUIRE(wait_until_serving(dm, sock));

    ResolvConf conf;
    conf.add_server(server_at(dm.port));
    conf.timeout_ms = 1000;
    conf.attempts = 2;
    DnsLookupSlot slots[4];
    Resolver r;
    REQUIRE_EQ(r.init(conf, nullptr, slots, 4, &os_random, nullptr), DnsStatus::Ok);

    Outcome o = resolve(r, sock, "example.test", Family::V4);
    REQUIRE_EQ(o.result.state, LookupState::Resolved);
    CHECK_EQ(o.result.count, 1u);
    CHECK(has_v4(o, 10, 1, 2, 3));

    o = resolve(r, sock, "WWW.Example.Test", Family::V4);  // a subdomain, mixed case
    REQUIRE_EQ(o.result.state, LookupState::Resolved);
    CHECK(has_v4(o, 10, 1, 2, 3));

    o = resolve(r, sock, "v6.test", Family::V6);
    REQUIRE_EQ(o.result.state, LookupState::Resolved);
    CHECK_EQ(o.result.count, 1u);
    CHECK(has_v6(o, "fd00::1234"));

    o = resolve(r, sock, "alias.test", Family::Any);  // CNAME to dual.test, both families
    REQUIRE_EQ(o.result.state, LookupState::Resolved);
    CHECK_EQ(o.result.count, 2u);
    CHECK_EQ(o.addrs[0].family, 4);
    CHECK(has_v4(o, 10, 9, 8, 7));
    CHECK(has_v6(o, "fd00::5"));

    o = resolve(r, sock, "alias.test", Family::V6);
    REQUIRE_EQ(o.result.state, LookupState::Resolved);
    CHECK(has_v6(o, "fd00::5"));

    o = resolve(r, sock, "nosuch.test", Family::V4);
    CHECK_EQ(o.result.state, LookupState::Failed);
    CHECK_EQ(o.result.reason, DnsStatus::NxDomain);
    CHECK(o.elapsed_ms < 1000);  // answered, not timed out

    o = resolve(r, sock, "nosuch.test", Family::Any);
    CHECK_EQ(o.result.state, LookupState::Failed);
    CHECK_EQ(o.result.reason, DnsStatus::NxDomain);

    o = resolve(r, sock, "v6.test", Family::V4);  // the name exists, without an A record
    CHECK_EQ(o.result.state, LookupState::Failed);
    CHECK_EQ(o.result.reason, DnsStatus::NoData);

    o = resolve(r, sock, "example.test", Family::Any);  // A only: still resolved
    REQUIRE_EQ(o.result.state, LookupState::Resolved);
    CHECK_EQ(o.result.count, 1u);
    CHECK(has_v4(o, 10, 1, 2, 3));

    // Several lookups in flight on one socket at once.
    const char* names[] = {"a.example.test", "dual.test", "v6.test", "nosuch.test"};
    const Family fams[] = {Family::V4, Family::Any, Family::V6, Family::V4};
    LookupHandle h[4];
    for (int i = 0; i < 4; ++i) {
        Resolver::Start s = r.start(names[i], std::strlen(names[i]), fams[i]);
        REQUIRE_EQ(s.status, DnsStatus::Ok);
        h[i] = s.handle;
    }
    CHECK_EQ(r.start("one.too.many", 12, Family::V4).status, DnsStatus::TableFull);
    Resolver::Result res[4];
    DnsAddress addrs[4][kMaxAddressesPerLookup];
    bool done[4] = {};
    const uint64_t give_up = now_ms() + 3000;
    int remaining = 4;
    while (remaining > 0 && now_ms() < give_up) {
        pump(r, sock, give_up);
        for (int i = 0; i < 4; ++i) {
            if (done[i]) continue;
            res[i] = r.poll_result(h[i], addrs[i], kMaxAddressesPerLookup);
            if (res[i].state != LookupState::Pending) {
                done[i] = true;
                --remaining;
            }
        }
    }
    REQUIRE_EQ(remaining, 0);
    CHECK_EQ(res[0].state, LookupState::Resolved);
    CHECK_EQ(addrs[0][0].bytes[3], 3);
    CHECK_EQ(res[1].state, LookupState::Resolved);
    CHECK_EQ(res[1].count, 2u);
    CHECK_EQ(res[2].state, LookupState::Resolved);
    CHECK_EQ(addrs[2][0].bytes[15], 0x34);
    CHECK_EQ(res[3].state, LookupState::Failed);
    CHECK_EQ(res[3].reason, DnsStatus::NxDomain);
}

TW_TEST(dns_dnsmasq_failover_and_timeout) {
    Dnsmasq dm;
    REQUIRE(dm.start());
    UdpClient sock;
    REQUIRE(sock.fd >= 0);
    REQUIRE(wait_until_serving(dm, sock));
    uint16_t dead = free_udp_port();  // nothing listens there
    REQUIRE(dead != 0);
    REQUIRE(dead != dm.port);

    // First server silent: the answer comes from the second after one timeout.
    ResolvConf conf;
    conf.add_server(server_at(dead));
    conf.add_server(server_at(dm.port));
    conf.timeout_ms = 300;
    conf.attempts = 1;
    DnsLookupSlot slots[2];
    Resolver r;
    REQUIRE_EQ(r.init(conf, nullptr, slots, 2, &os_random, nullptr), DnsStatus::Ok);
    Outcome o = resolve(r, sock, "dual.test", Family::V4);
    REQUIRE_EQ(o.result.state, LookupState::Resolved);
    CHECK(has_v4(o, 10, 9, 8, 7));
    CHECK(o.elapsed_ms >= 290);
    CHECK(o.elapsed_ms < 2000);

    // Only the silent server: Timeout after attempts x timeout.
    ResolvConf silent;
    silent.add_server(server_at(dead));
    silent.timeout_ms = 200;
    silent.attempts = 2;
    Resolver r2;
    REQUIRE_EQ(r2.init(silent, nullptr, slots, 2, &os_random, nullptr), DnsStatus::Ok);
    o = resolve(r2, sock, "dual.test", Family::Any);
    CHECK_EQ(o.result.state, LookupState::Failed);
    CHECK_EQ(o.result.reason, DnsStatus::Timeout);
    CHECK(o.elapsed_ms >= 390);
    CHECK(o.elapsed_ms < 2000);

    // localhost never reaches the network, even with only a silent server.
    o = resolve(r2, sock, "localhost", Family::V4);
    REQUIRE_EQ(o.result.state, LookupState::Resolved);
    CHECK(has_v4(o, 127, 0, 0, 1));
    CHECK(o.elapsed_ms < 50);
}
