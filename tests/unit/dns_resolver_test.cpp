// The resolver state machine with a fake clock, a scripted random source and hand-made replies.
#include "tests/framework/check.hpp"
#include "transport/dns/resolver.hpp"

#include <cstring>

using namespace tickwire::detail::dns;

namespace {

// Hands out the scripted 16-bit values in order, then keeps counting up from the last one.
struct ScriptedRandom {
    uint16_t values[8] = {0x1111, 0x2222, 0x3333, 0x4444, 0x5555, 0x6666, 0x7777, 0x8888};
    size_t count = 8;
    size_t next = 0;
    bool fail = false;
    bool stuck = false;  // always the first value
    static bool fill(void* ctx, void* out, size_t len) {
        auto* self = static_cast<ScriptedRandom*>(ctx);
        if (self->fail || len != 2) return false;
        uint16_t v = self->stuck ? self->values[0]
                     : self->next < self->count ? self->values[self->next]
                                                : static_cast<uint16_t>(self->values[self->count - 1] + self->next);
        ++self->next;
        auto* b = static_cast<uint8_t*>(out);
        b[0] = static_cast<uint8_t>(v >> 8);
        b[1] = static_cast<uint8_t>(v & 0xFF);
        return true;
    }
};

NameServer v4_server(uint8_t last) {
    NameServer s;
    s.family = 4;
    s.addr[0] = 10;
    s.addr[3] = last;
    return s;
}

ResolvConf conf_with(int servers, uint32_t timeout_ms, uint8_t attempts) {
    ResolvConf c;
    for (int i = 0; i < servers; ++i) c.add_server(v4_server(static_cast<uint8_t>(i + 1)));
    c.timeout_ms = timeout_ms;
    c.attempts = attempts;
    return c;
}

// A reply to `query` (as sent by the resolver): same id and question, with `rcode`, and
// one address record per given value (A: 4 bytes of v; AAAA: fd00::v).
size_t make_reply(const uint8_t* query, size_t qlen, unsigned rcode, const uint32_t* addrs, size_t naddrs,
                  uint8_t* out) {
    std::memcpy(out, query, qlen);
    out[2] = 0x81;
    out[3] = static_cast<uint8_t>(0x80 | rcode);
    out[7] = static_cast<uint8_t>(naddrs);
    const bool aaaa = query[qlen - 3] == 28;
    size_t n = qlen;
    for (size_t i = 0; i < naddrs; ++i) {
        const uint8_t head[] = {0xC0, 12, 0, static_cast<uint8_t>(aaaa ? 28 : 1), 0, 1, 0, 0, 0x0E, 0x10,
                                0, static_cast<uint8_t>(aaaa ? 16 : 4)};
        std::memcpy(out + n, head, sizeof head);
        n += sizeof head;
        if (aaaa) {
            std::memset(out + n, 0, 16);
            out[n] = 0xFD;
            n += 12;
        }
        out[n++] = static_cast<uint8_t>(addrs[i] >> 24);
        out[n++] = static_cast<uint8_t>(addrs[i] >> 16);
        out[n++] = static_cast<uint8_t>(addrs[i] >> 8);
        out[n++] = static_cast<uint8_t>(addrs[i]);
    }
    return n;
}

uint16_t id_of(const uint8_t* q) { return static_cast<uint16_t>((q[0] << 8) | q[1]); }

struct Fixture {
    DnsLookupSlot slots[4];
    ScriptedRandom rnd;
    Resolver r;
    uint8_t out[kMaxQuerySize];
    size_t out_len = 0;
    uint8_t reply[600];

    DnsStatus init(const ResolvConf& c, const HostsFile* hosts = nullptr, size_t nslots = 4) {
        return r.init(c, hosts, slots, nslots, &ScriptedRandom::fill, &rnd);
    }
    Resolver::Start start(const char* name, Family f = Family::V4) { return r.start(name, std::strlen(name), f); }
    // Takes the next due datagram; returns its server index or -1 when none is due.
    // `out` keeps the last datagram sent, for answer() to reply to.
    int send(uint64_t now) {
        Resolver::Datagram d = r.next_datagram(out, sizeof out, now);
        if (d.size == 0) return -1;
        out_len = d.size;
        return d.server;
    }
    void answer(int server, unsigned rcode, uint32_t addr) {
        size_t n = make_reply(out, out_len, rcode, &addr, rcode == 0 && addr ? 1 : 0, reply);
        r.on_datagram(static_cast<uint8_t>(server), reply, n);
    }
};

} // namespace

TW_TEST(dns_resolver_init_errors) {
    Fixture f;
    ScriptedRandom rnd;
    CHECK_EQ(f.r.init(conf_with(1, 100, 1), nullptr, nullptr, 4, &ScriptedRandom::fill, &rnd),
             DnsStatus::InvalidArgument);
    CHECK_EQ(f.r.init(conf_with(1, 100, 1), nullptr, f.slots, 0, &ScriptedRandom::fill, &rnd),
             DnsStatus::InvalidArgument);
    CHECK_EQ(f.r.init(conf_with(1, 100, 1), nullptr, f.slots, 4, nullptr, &rnd), DnsStatus::InvalidArgument);
    CHECK_EQ(f.init(conf_with(0, 100, 1)), DnsStatus::NoServers);
    CHECK_EQ(f.init(conf_with(1, 100, 1)), DnsStatus::Ok);
}

TW_TEST(dns_resolver_simple_lookup) {
    Fixture f;
    REQUIRE_EQ(f.init(conf_with(1, 1000, 2)), DnsStatus::Ok);
    CHECK_EQ(f.r.next_deadline(), UINT64_MAX);
    Resolver::Start s = f.start("game.example.com");
    REQUIRE_EQ(s.status, DnsStatus::Ok);
    CHECK_EQ(f.r.next_deadline(), 0u);
    REQUIRE_EQ(f.send(100), 0);
    uint8_t expect[kMaxQuerySize];
    QueryBuild q = build_query("game.example.com", 16, RecordType::A, 0x1111, expect, sizeof expect);
    REQUIRE_EQ(f.out_len, q.size);
    CHECK(std::memcmp(f.out, expect, q.size) == 0);
    CHECK_EQ(f.send(100), -1);  // one query only
    CHECK_EQ(f.r.next_deadline(), 1100u);

    DnsAddress a[8];
    Resolver::Result res = f.r.poll_result(s.handle, a, 8);
    CHECK_EQ(res.state, LookupState::Pending);
    f.answer(0, 0, 0xC0000201);
    res = f.r.poll_result(s.handle, a, 8);
    REQUIRE_EQ(res.state, LookupState::Resolved);
    REQUIRE_EQ(res.count, 1u);
    CHECK_EQ(a[0].family, 4);
    CHECK_EQ(a[0].bytes[0], 192);
    CHECK_EQ(a[0].bytes[3], 1);
    CHECK_EQ(a[0].ttl_s, 3600u);
    // The handle died with the result; the table is empty again.
    res = f.r.poll_result(s.handle, a, 8);
    CHECK_EQ(res.state, LookupState::Failed);
    CHECK_EQ(res.reason, DnsStatus::InvalidHandle);
    CHECK_EQ(f.r.next_deadline(), UINT64_MAX);
}

TW_TEST(dns_resolver_ignores_spoofed_and_stray_replies) {
    Fixture f;
    REQUIRE_EQ(f.init(conf_with(2, 1000, 1)), DnsStatus::Ok);
    Resolver::Start s = f.start("game.example.com");
    REQUIRE_EQ(f.send(0), 0);
    uint32_t addr = 0x01020304;
    DnsAddress a[8];

    // From a server that was not asked.
    size_t n = make_reply(f.out, f.out_len, 0, &addr, 1, f.reply);
    f.r.on_datagram(1, f.reply, n);
    CHECK_EQ(f.r.poll_result(s.handle, a, 8).state, LookupState::Pending);
    // Unknown server index.
    f.r.on_datagram(7, f.reply, n);
    CHECK_EQ(f.r.poll_result(s.handle, a, 8).state, LookupState::Pending);
    // Wrong id.
    f.reply[1] ^= 1;
    f.r.on_datagram(0, f.reply, n);
    f.reply[1] ^= 1;
    CHECK_EQ(f.r.poll_result(s.handle, a, 8).state, LookupState::Pending);
    // Right id, other question (a different name of the same length).
    f.reply[13] = 'x';
    f.r.on_datagram(0, f.reply, n);
    f.reply[13] = 'g';
    CHECK_EQ(f.r.poll_result(s.handle, a, 8).state, LookupState::Pending);
    // Our own query echoed back (QR clear), and runts.
    f.r.on_datagram(0, f.out, f.out_len);
    f.r.on_datagram(0, f.reply, 1);
    f.r.on_datagram(0, nullptr, 0);
    CHECK_EQ(f.r.poll_result(s.handle, a, 8).state, LookupState::Pending);
    CHECK_EQ(f.send(10), -1);  // none of that caused a resend
    // The genuine reply still works.
    f.r.on_datagram(0, f.reply, n);
    Resolver::Result res = f.r.poll_result(s.handle, a, 8);
    CHECK_EQ(res.state, LookupState::Resolved);
    CHECK_EQ(res.count, 1u);
}

TW_TEST(dns_resolver_retry_failover_then_timeout) {
    Fixture f;
    REQUIRE_EQ(f.init(conf_with(2, 1000, 2)), DnsStatus::Ok);
    Resolver::Start s = f.start("slow.example");
    DnsAddress a[8];
    CHECK_EQ(f.send(0), 0);
    uint16_t id = id_of(f.out);
    CHECK_EQ(f.send(999), -1);
    CHECK_EQ(f.r.next_deadline(), 1000u);
    CHECK_EQ(f.send(1000), 1);  // timeout: the next server
    CHECK_EQ(id_of(f.out), id);  // same id on every attempt
    CHECK_EQ(f.send(1500), -1);
    CHECK_EQ(f.send(2000), 0);  // second round
    CHECK_EQ(f.send(3000), 1);
    CHECK_EQ(f.r.poll_result(s.handle, a, 8).state, LookupState::Pending);
    CHECK_EQ(f.r.next_deadline(), 4000u);
    CHECK_EQ(f.send(3999), -1);
    CHECK_EQ(f.send(4000), -1);  // 2 attempts x 2 servers spent
    Resolver::Result res = f.r.poll_result(s.handle, a, 8);
    CHECK_EQ(res.state, LookupState::Failed);
    CHECK_EQ(res.reason, DnsStatus::Timeout);
    CHECK_EQ(f.r.next_deadline(), UINT64_MAX);
}

TW_TEST(dns_resolver_late_answer_from_first_server_counts) {
    Fixture f;
    REQUIRE_EQ(f.init(conf_with(2, 1000, 1)), DnsStatus::Ok);
    Resolver::Start s = f.start("late.example");
    CHECK_EQ(f.send(0), 0);
    CHECK_EQ(f.send(1000), 1);
    f.answer(0, 0, 0x0A0B0C0D);  // server 0 answers after we moved on
    DnsAddress a[8];
    Resolver::Result res = f.r.poll_result(s.handle, a, 8);
    REQUIRE_EQ(res.state, LookupState::Resolved);
    CHECK_EQ(a[0].bytes[0], 0x0A);
}

TW_TEST(dns_resolver_late_error_from_first_server_keeps_waiting) {
    Fixture f;
    REQUIRE_EQ(f.init(conf_with(2, 1000, 2)), DnsStatus::Ok);
    Resolver::Start s = f.start("late.example");
    CHECK_EQ(f.send(0), 0);
    CHECK_EQ(f.send(1000), 1);
    f.answer(0, 2, 0);  // server 0's SERVFAIL arrives while we wait on server 1
    CHECK_EQ(f.send(1001), -1);
    CHECK_EQ(f.r.next_deadline(), 2000u);
    f.answer(1, 0, 0x0A000001);
    DnsAddress a[8];
    CHECK_EQ(f.r.poll_result(s.handle, a, 8).state, LookupState::Resolved);
}

TW_TEST(dns_resolver_servfail_moves_on_at_once) {
    Fixture f;
    REQUIRE_EQ(f.init(conf_with(3, 1000, 1)), DnsStatus::Ok);
    Resolver::Start s = f.start("broken.example");
    DnsAddress a[8];
    CHECK_EQ(f.send(0), 0);
    f.answer(0, 2, 0);           // SERVFAIL from the server we wait on
    CHECK_EQ(f.send(10), 1);     // next server right away, not at 1000
    f.answer(1, 5, 0);           // REFUSED
    CHECK_EQ(f.send(20), 2);
    CHECK_EQ(f.r.poll_result(s.handle, a, 8).state, LookupState::Pending);
    f.answer(2, 2, 0);           // the last one fails too: no budget left
    Resolver::Result res = f.r.poll_result(s.handle, a, 8);
    CHECK_EQ(res.state, LookupState::Failed);
    CHECK_EQ(res.reason, DnsStatus::ServerFailure);
    CHECK_EQ(f.send(30), -1);
}

TW_TEST(dns_resolver_error_then_timeout_reports_the_error) {
    Fixture f;
    REQUIRE_EQ(f.init(conf_with(2, 1000, 1)), DnsStatus::Ok);
    Resolver::Start s = f.start("half.example");
    CHECK_EQ(f.send(0), 0);
    f.answer(0, 5, 0);  // REFUSED
    CHECK_EQ(f.send(1), 1);
    CHECK_EQ(f.send(1001), -1);  // server 1 never answers
    DnsAddress a[8];
    Resolver::Result res = f.r.poll_result(s.handle, a, 8);
    CHECK_EQ(res.state, LookupState::Failed);
    CHECK_EQ(res.reason, DnsStatus::Refused);
}

TW_TEST(dns_resolver_nxdomain_and_truncated_are_final) {
    Fixture f;
    REQUIRE_EQ(f.init(conf_with(2, 1000, 2)), DnsStatus::Ok);
    DnsAddress a[8];
    Resolver::Start s = f.start("nosuch.example");
    CHECK_EQ(f.send(0), 0);
    f.answer(0, 3, 0);
    CHECK_EQ(f.send(1), -1);
    Resolver::Result res = f.r.poll_result(s.handle, a, 8);
    CHECK_EQ(res.state, LookupState::Failed);
    CHECK_EQ(res.reason, DnsStatus::NxDomain);

    s = f.start("big.example");
    CHECK_EQ(f.send(0), 0);
    size_t n = make_reply(f.out, f.out_len, 0, nullptr, 0, f.reply);
    f.reply[2] |= 0x02;  // TC
    f.r.on_datagram(0, f.reply, n);
    res = f.r.poll_result(s.handle, a, 8);
    CHECK_EQ(res.state, LookupState::Failed);
    CHECK_EQ(res.reason, DnsStatus::Truncated);

    s = f.start("bad.example");
    CHECK_EQ(f.send(0), 0);
    n = make_reply(f.out, f.out_len, 0, nullptr, 0, f.reply);
    f.reply[7] = 1;  // claims an answer that is not there: malformed, try the next server
    f.r.on_datagram(0, f.reply, n);
    CHECK_EQ(f.send(1), 1);
    f.answer(1, 0, 0x7F000002);
    res = f.r.poll_result(s.handle, a, 8);
    CHECK_EQ(res.state, LookupState::Resolved);
}

TW_TEST(dns_resolver_any_sends_both_and_merges) {
    Fixture f;
    REQUIRE_EQ(f.init(conf_with(1, 1000, 2)), DnsStatus::Ok);
    Resolver::Start s = f.start("dual.example", Family::Any);
    REQUIRE_EQ(s.status, DnsStatus::Ok);
    uint8_t first[kMaxQuerySize];
    CHECK_EQ(f.send(0), 0);
    std::memcpy(first, f.out, f.out_len);
    size_t first_len = f.out_len;
    CHECK_EQ(f.send(0), 0);
    CHECK(id_of(first) != id_of(f.out));
    CHECK_EQ(first[first_len - 3], 1);   // A
    CHECK_EQ(f.out[f.out_len - 3], 28);  // AAAA
    f.answer(0, 0, 0x00000042);          // AAAA first: fd00::42
    DnsAddress a[8];
    CHECK_EQ(f.r.poll_result(s.handle, a, 8).state, LookupState::Pending);
    const uint32_t two[] = {0x0A000001, 0x0A000002};
    size_t n = make_reply(first, first_len, 0, two, 2, f.reply);
    f.r.on_datagram(0, f.reply, n);
    Resolver::Result res = f.r.poll_result(s.handle, a, 8);
    REQUIRE_EQ(res.state, LookupState::Resolved);
    REQUIRE_EQ(res.count, 3u);
    CHECK_EQ(a[0].family, 4);  // IPv4 first
    CHECK_EQ(a[1].bytes[3], 2);
    CHECK_EQ(a[2].family, 6);
    CHECK_EQ(a[2].bytes[15], 0x42);
}

TW_TEST(dns_resolver_any_stops_waiting_once_one_family_answered) {
    Fixture f;
    REQUIRE_EQ(f.init(conf_with(1, 1000, 3)), DnsStatus::Ok);
    Resolver::Start s = f.start("v4only.example", Family::Any);
    CHECK_EQ(f.send(0), 0);  // A
    f.answer(0, 0, 0x0A000009);
    CHECK_EQ(f.send(0), 0);  // AAAA: the server drops it
    DnsAddress a[8];
    CHECK_EQ(f.r.poll_result(s.handle, a, 8).state, LookupState::Pending);
    CHECK_EQ(f.send(1000), -1);  // no AAAA retry
    Resolver::Result res = f.r.poll_result(s.handle, a, 8);
    REQUIRE_EQ(res.state, LookupState::Resolved);
    CHECK_EQ(res.count, 1u);
    CHECK_EQ(a[0].bytes[3], 9);
}

TW_TEST(dns_resolver_any_failure_reasons) {
    Fixture f;
    REQUIRE_EQ(f.init(conf_with(1, 1000, 1)), DnsStatus::Ok);
    DnsAddress a[8];
    Resolver::Start s = f.start("gone.example", Family::Any);
    CHECK_EQ(f.send(0), 0);
    f.answer(0, 3, 0);
    CHECK_EQ(f.send(0), 0);
    f.answer(0, 3, 0);
    Resolver::Result res = f.r.poll_result(s.handle, a, 8);
    CHECK_EQ(res.state, LookupState::Failed);
    CHECK_EQ(res.reason, DnsStatus::NxDomain);

    s = f.start("empty.example", Family::Any);
    CHECK_EQ(f.send(0), 0);
    f.answer(0, 0, 0);  // NODATA for A
    CHECK_EQ(f.send(0), 0);
    CHECK_EQ(f.send(1000), -1);  // AAAA times out
    res = f.r.poll_result(s.handle, a, 8);
    CHECK_EQ(res.state, LookupState::Failed);
    CHECK_EQ(res.reason, DnsStatus::Timeout);  // more telling than NODATA for half the question
}

TW_TEST(dns_resolver_hosts_and_localhost_need_no_network) {
    const char text[] = "10.9.9.9 console.lan\n";
    HostsFile hosts(text, sizeof text - 1);
    Fixture f;
    REQUIRE_EQ(f.init(conf_with(1, 1000, 1), &hosts), DnsStatus::Ok);
    DnsAddress a[8];

    Resolver::Start s = f.start("Console.LAN");
    REQUIRE_EQ(s.status, DnsStatus::Ok);
    CHECK_EQ(f.r.next_deadline(), UINT64_MAX);
    Resolver::Result res = f.r.poll_result(s.handle, a, 8);
    REQUIRE_EQ(res.state, LookupState::Resolved);
    CHECK_EQ(a[0].bytes[0], 10);
    CHECK_EQ(a[0].bytes[3], 9);

    s = f.start("localhost", Family::Any);
    res = f.r.poll_result(s.handle, a, 8);
    REQUIRE_EQ(res.state, LookupState::Resolved);
    REQUIRE_EQ(res.count, 2u);
    CHECK_EQ(a[0].family, 4);
    CHECK_EQ(a[0].bytes[0], 127);
    CHECK_EQ(a[1].family, 6);
    CHECK_EQ(a[1].bytes[15], 1);
    s = f.start("LOCALHOST.", Family::V6);
    res = f.r.poll_result(s.handle, a, 8);
    REQUIRE_EQ(res.count, 1u);
    CHECK_EQ(a[0].family, 6);

    // In the hosts file for IPv4 only: an IPv6 lookup goes to DNS.
    s = f.start("console.lan", Family::V6);
    CHECK_EQ(f.r.poll_result(s.handle, a, 8).state, LookupState::Pending);
    CHECK_EQ(f.send(0), 0);
    CHECK_EQ(f.out_len, 12u + 13u + 4u);
    CHECK_EQ(f.out[f.out_len - 3], 28);
    CHECK_EQ(f.send(0), -1);
}

TW_TEST(dns_resolver_start_errors) {
    Fixture f;
    REQUIRE_EQ(f.init(conf_with(1, 1000, 1)), DnsStatus::Ok);
    CHECK_EQ(f.start("10.0.0.1").status, DnsStatus::NameIsIpLiteral);
    CHECK_EQ(f.start("::1", Family::V6).status, DnsStatus::NameIsIpLiteral);
    CHECK_EQ(f.start("bad..name").status, DnsStatus::BadName);
    CHECK_EQ(f.start("").status, DnsStatus::BadName);
    CHECK_EQ(f.send(0), -1);
    Resolver fresh;
    CHECK_EQ(fresh.start("a.b", 3, Family::V4).status, DnsStatus::InvalidArgument);
    uint8_t buf[kMaxQuerySize];
    CHECK_EQ(fresh.next_datagram(buf, sizeof buf, 0).size, 0u);
    CHECK_EQ(fresh.next_deadline(), UINT64_MAX);
}

TW_TEST(dns_resolver_table_full_cancel_and_stale_handles) {
    Fixture f;
    REQUIRE_EQ(f.init(conf_with(1, 1000, 1), nullptr, 2), DnsStatus::Ok);
    Resolver::Start a = f.start("one.example");
    Resolver::Start b = f.start("two.example");
    REQUIRE_EQ(a.status, DnsStatus::Ok);
    REQUIRE_EQ(b.status, DnsStatus::Ok);
    CHECK_EQ(f.start("three.example").status, DnsStatus::TableFull);
    CHECK_EQ(f.send(0), 0);  // one.example
    f.r.cancel(a.handle);
    f.answer(0, 0, 0x01010101);  // a reply to the cancelled lookup: ignored
    Resolver::Start c = f.start("three.example");  // reuses slot 0
    REQUIRE_EQ(c.status, DnsStatus::Ok);
    CHECK(c.handle.value != a.handle.value);
    DnsAddress out[8];
    CHECK_EQ(f.r.poll_result(a.handle, out, 8).reason, DnsStatus::InvalidHandle);
    f.r.cancel(a.handle);  // stale: must not touch three.example
    CHECK_EQ(f.r.poll_result(c.handle, out, 8).state, LookupState::Pending);
    CHECK_EQ(f.r.poll_result(LookupHandle{}, out, 8).reason, DnsStatus::InvalidHandle);
    CHECK_EQ(f.r.poll_result(LookupHandle{0xFFFF0001u}, out, 8).reason, DnsStatus::InvalidHandle);
    // Due order follows slot order: three.example (slot 0), then two.example.
    CHECK_EQ(f.send(0), 0);
    CHECK_EQ(f.out[12], 5);
    CHECK_EQ(f.send(0), 0);
    CHECK_EQ(f.out[12], 3);
    CHECK_EQ(f.send(0), -1);
}

TW_TEST(dns_resolver_rotate_spreads_lookups) {
    Fixture f;
    ResolvConf c = conf_with(3, 1000, 1);
    c.rotate = true;
    REQUIRE_EQ(f.init(c), DnsStatus::Ok);
    f.start("a.example");
    CHECK_EQ(f.send(0), 0);
    f.start("b.example");
    CHECK_EQ(f.send(0), 1);
    f.start("c.example");
    CHECK_EQ(f.send(0), 2);
    CHECK_EQ(f.send(1000), 1);  // a.example moves on from server 0
}

TW_TEST(dns_resolver_ids_are_unique_and_random_failure_is_reported) {
    Fixture f;
    f.rnd.values[0] = f.rnd.values[1] = f.rnd.values[2] = 0xBEEF;
    f.rnd.values[3] = 0xCAFE;
    REQUIRE_EQ(f.init(conf_with(1, 1000, 1)), DnsStatus::Ok);
    REQUIRE_EQ(f.start("a.example").status, DnsStatus::Ok);
    REQUIRE_EQ(f.start("b.example").status, DnsStatus::Ok);  // 0xBEEF twice more, then 0xCAFE
    CHECK_EQ(f.send(0), 0);
    CHECK_EQ(id_of(f.out), 0xBEEF);
    CHECK_EQ(f.send(0), 0);
    CHECK_EQ(id_of(f.out), 0xCAFE);

    f.rnd.stuck = true;  // a source stuck on 0xBEEF cannot give a fresh id
    CHECK_EQ(f.start("c.example").status, DnsStatus::RandomFailed);
    f.rnd.stuck = false;
    f.rnd.fail = true;
    CHECK_EQ(f.start("c.example").status, DnsStatus::RandomFailed);
    f.rnd.fail = false;
    CHECK_EQ(f.start("c.example").status, DnsStatus::Ok);  // the failed starts freed their slot
    CHECK_EQ(f.start("d.example").status, DnsStatus::Ok);
    CHECK_EQ(f.start("e.example").status, DnsStatus::TableFull);
}

TW_TEST(dns_resolver_small_buffer_consumes_nothing) {
    Fixture f;
    REQUIRE_EQ(f.init(conf_with(1, 1000, 1)), DnsStatus::Ok);
    f.start("a.example");
    uint8_t small[64];
    Resolver::Datagram d = f.r.next_datagram(small, sizeof small, 0);
    CHECK_EQ(d.status, DnsStatus::BufferTooSmall);
    CHECK_EQ(d.size, 0u);
    CHECK_EQ(f.r.next_deadline(), 0u);
    CHECK_EQ(f.send(0), 0);
}
