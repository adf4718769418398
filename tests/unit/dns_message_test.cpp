// DNS wire format: query bytes against a hand-assembled golden copy, and the reply reader on
// real dnsmasq replies and hand-made broken ones.
#include "tests/framework/check.hpp"
#include "transport/dns/dns_message.hpp"

#include <cstring>

using namespace tickwire::detail::dns;

namespace {

// Appends bytes to build replies by hand; offsets are the test's to get right.
struct Msg {
    uint8_t b[600];
    size_t n = 0;
    Msg& u8(unsigned v) { b[n++] = static_cast<uint8_t>(v); return *this; }
    Msg& u16(unsigned v) { return u8(v >> 8).u8(v & 0xFF); }
    Msg& u32(uint32_t v) { return u16(v >> 16).u16(v & 0xFFFF); }
    Msg& label(const char* s) {
        size_t l = std::strlen(s);
        u8(static_cast<unsigned>(l));
        std::memcpy(b + n, s, l);
        n += l;
        return *this;
    }
    Msg& name(const char* dotted) {  // "www.example.test" -> labels + root
        char part[64];
        size_t k = 0;
        for (const char* p = dotted;; ++p) {
            if (*p == '.' || *p == '\0') {
                part[k] = '\0';
                if (k) label(part);
                k = 0;
                if (*p == '\0') break;
            } else {
                part[k++] = *p;
            }
        }
        return u8(0);
    }
    Msg& ptr(unsigned offset) { return u16(0xC000 | offset); }
    Msg& header(unsigned id, unsigned flags, unsigned qd, unsigned an) { return u16(id).u16(flags).u16(qd).u16(an).u16(0).u16(0); }
    Msg& rr(unsigned type, uint32_t ttl, unsigned rdlen) { return u16(type).u16(1).u32(ttl).u16(rdlen); }
};

size_t from_hex(const char* hex, uint8_t* out) {
    size_t n = 0;
    for (; hex[0] && hex[1]; hex += 2) {
        auto v = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
        out[n++] = static_cast<uint8_t>(v(hex[0]) * 16 + v(hex[1]));
    }
    return n;
}

AnswerParse parse(const uint8_t* m, size_t n, uint16_t id, const char* name, RecordType t, DnsAddress* out,
                  size_t cap) {
    return parse_answer(m, n, id, name, std::strlen(name), t, out, cap);
}

// Replies captured from dnsmasq 2.90 (see tests/interop/dns_dnsmasq_test.cpp), id 0x1234.
const char* kExampleA =
    "123485800001000100000000076578616d706c6504746573740000010001c00c000100010000000000040a010203";
const char* kAliasA =
    "12348580000100020000000005616c69617304746573740000010001c00c0005000100000000000b046475616c04746573"
    "7400c028000100010000000000040a090807";
const char* kAliasAaaa =
    "12348580000100020000000005616c696173047465737400001c0001c00c0005000100000000000b046475616c04746573"
    "7400c028001c0001000000000010fd000000000000000000000000000005";
const char* kNoSuchA = "123481830001000000000000066e6f7375636804746573740000010001";
const char* kV6A = "12348180000100000000000002763604746573740000010001";

} // namespace

TW_TEST(dns_query_golden_bytes) {
    const uint8_t golden[] = {
        0xAB, 0xCD, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // header, RD
        3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
        0x00, 0x01, 0x00, 0x01,  // A, IN
    };
    uint8_t out[kMaxQuerySize];
    QueryBuild q = build_query("www.example.com", 15, RecordType::A, 0xABCD, out, sizeof out);
    REQUIRE_EQ(q.status, DnsStatus::Ok);
    REQUIRE_EQ(q.size, sizeof golden);
    CHECK(std::memcmp(out, golden, sizeof golden) == 0);

    // AAAA, a trailing dot and upper case give the same name, lowercased.
    q = build_query("WWW.Example.COM.", 16, RecordType::Aaaa, 0xABCD, out, sizeof out);
    REQUIRE_EQ(q.status, DnsStatus::Ok);
    REQUIRE_EQ(q.size, sizeof golden);
    CHECK(std::memcmp(out, golden, sizeof golden - 4) == 0);
    CHECK_EQ(out[q.size - 3], 28);
}

TW_TEST(dns_query_buffer_too_small) {
    uint8_t out[33];
    QueryBuild q = build_query("www.example.com", 15, RecordType::A, 1, out, 32);
    CHECK_EQ(q.status, DnsStatus::BufferTooSmall);
    CHECK_EQ(q.size, 0u);
    q = build_query("www.example.com", 15, RecordType::A, 1, out, 33);
    CHECK_EQ(q.status, DnsStatus::Ok);
}

TW_TEST(dns_validate_name_rules) {
    auto v = [](const char* s) { return validate_name(s, std::strlen(s), nullptr); };
    CHECK_EQ(v("example.com"), DnsStatus::Ok);
    CHECK_EQ(v("a"), DnsStatus::Ok);
    CHECK_EQ(v("_sip._udp.example.com"), DnsStatus::Ok);
    CHECK_EQ(v("xn--bcher-kva.example"), DnsStatus::Ok);
    CHECK_EQ(v("1.2.3.4.5"), DnsStatus::Ok);  // not an address to inet_aton either
    CHECK_EQ(v(""), DnsStatus::BadName);
    CHECK_EQ(v("."), DnsStatus::BadName);
    CHECK_EQ(v("a..b"), DnsStatus::BadName);
    CHECK_EQ(v(".a"), DnsStatus::BadName);
    CHECK_EQ(v("a.."), DnsStatus::BadName);
    CHECK_EQ(v("-a.com"), DnsStatus::BadName);
    CHECK_EQ(v("a-.com"), DnsStatus::BadName);
    CHECK_EQ(v("a b.com"), DnsStatus::BadName);
    CHECK_EQ(v("a*.com"), DnsStatus::BadName);
    CHECK_EQ(v("caf\xc3\xa9.fr"), DnsStatus::BadName);
    CHECK_EQ(validate_name("a\0b", 3, nullptr), DnsStatus::BadName);
    CHECK_EQ(v("1.2.3.4"), DnsStatus::NameIsIpLiteral);
    CHECK_EQ(v("1.2.3.4."), DnsStatus::NameIsIpLiteral);
    CHECK_EQ(v("127.1"), DnsStatus::NameIsIpLiteral);
    CHECK_EQ(v("0x7f000001"), DnsStatus::NameIsIpLiteral);
    CHECK_EQ(v("::1"), DnsStatus::NameIsIpLiteral);
    CHECK_EQ(v("fe80::1%eth0"), DnsStatus::NameIsIpLiteral);

    char name[300];
    std::memset(name, 'a', 63);
    CHECK_EQ(validate_name(name, 63, nullptr), DnsStatus::Ok);
    std::memset(name, 'a', 64);
    CHECK_EQ(validate_name(name, 64, nullptr), DnsStatus::LabelTooLong);
    // 253 characters: 63.63.63.61 is the longest name; one more is too long.
    std::memset(name, 'a', sizeof name);
    name[63] = name[127] = name[191] = '.';
    size_t len = 0;
    CHECK_EQ(validate_name(name, 253, &len), DnsStatus::Ok);
    CHECK_EQ(len, 253u);
    name[253] = '.';
    CHECK_EQ(validate_name(name, 254, &len), DnsStatus::Ok);  // trailing dot is not counted
    CHECK_EQ(len, 253u);
    name[253] = 'a';
    CHECK_EQ(validate_name(name, 254, nullptr), DnsStatus::NameTooLong);
    uint8_t out[kMaxQuerySize];
    QueryBuild q = build_query(name, 253, RecordType::A, 7, out, sizeof out);
    CHECK_EQ(q.status, DnsStatus::Ok);
    CHECK_EQ(q.size, kMaxQuerySize);
}

TW_TEST(dns_parse_compressed_a_from_dnsmasq) {
    uint8_t m[512];
    size_t n = from_hex(kExampleA, m);
    DnsAddress a[4];
    AnswerParse r = parse(m, n, 0x1234, "example.test", RecordType::A, a, 4);
    REQUIRE_EQ(r.status, DnsStatus::Ok);
    REQUIRE_EQ(r.count, 1u);
    CHECK_EQ(r.found, 1u);
    CHECK_EQ(a[0].family, 4);
    CHECK_EQ(a[0].bytes[0], 10);
    CHECK_EQ(a[0].bytes[1], 1);
    CHECK_EQ(a[0].bytes[2], 2);
    CHECK_EQ(a[0].bytes[3], 3);
    // Names compare case-insensitively; the wrong type or name is another question.
    CHECK_EQ(parse(m, n, 0x1234, "EXAMPLE.Test.", RecordType::A, a, 4).status, DnsStatus::Ok);
    CHECK_EQ(parse(m, n, 0x1234, "example.test", RecordType::Aaaa, a, 4).status, DnsStatus::QuestionMismatch);
    CHECK_EQ(parse(m, n, 0x1234, "other.test", RecordType::A, a, 4).status, DnsStatus::QuestionMismatch);
    CHECK_EQ(parse(m, n, 0x1235, "example.test", RecordType::A, a, 4).status, DnsStatus::IdMismatch);
    CHECK_EQ(parse(m, n, 0x1234, "1.2.3.4", RecordType::A, a, 4).status, DnsStatus::NameIsIpLiteral);
}

TW_TEST(dns_parse_cname_chain_from_dnsmasq) {
    uint8_t m[512];
    size_t n = from_hex(kAliasA, m);
    DnsAddress a[4];
    AnswerParse r = parse(m, n, 0x1234, "alias.test", RecordType::A, a, 4);
    REQUIRE_EQ(r.status, DnsStatus::Ok);
    REQUIRE_EQ(r.count, 1u);
    CHECK_EQ(a[0].bytes[0], 10);
    CHECK_EQ(a[0].bytes[3], 7);

    n = from_hex(kAliasAaaa, m);
    r = parse(m, n, 0x1234, "alias.test", RecordType::Aaaa, a, 4);
    REQUIRE_EQ(r.status, DnsStatus::Ok);
    REQUIRE_EQ(r.count, 1u);
    CHECK_EQ(a[0].family, 6);
    CHECK_EQ(a[0].bytes[0], 0xFD);
    CHECK_EQ(a[0].bytes[15], 5);
}

TW_TEST(dns_parse_nxdomain_and_nodata_from_dnsmasq) {
    uint8_t m[512];
    DnsAddress a[4];
    size_t n = from_hex(kNoSuchA, m);
    CHECK_EQ(parse(m, n, 0x1234, "nosuch.test", RecordType::A, a, 4).status, DnsStatus::NxDomain);
    n = from_hex(kV6A, m);
    AnswerParse r = parse(m, n, 0x1234, "v6.test", RecordType::A, a, 4);
    CHECK_EQ(r.status, DnsStatus::NoData);
    CHECK_EQ(r.count, 0u);
}

TW_TEST(dns_parse_every_prefix_is_an_error) {
    uint8_t m[512];
    size_t n = from_hex(kAliasAaaa, m);
    DnsAddress a[4];
    for (size_t len = 0; len < n; ++len) {
        AnswerParse r = parse(m, len, 0x1234, "alias.test", RecordType::Aaaa, a, 4);
        CHECK(r.status != DnsStatus::Ok);
        CHECK_EQ(r.count, 0u);
    }
    CHECK_EQ(parse(m, 11, 0x1234, "alias.test", RecordType::Aaaa, a, 4).status, DnsStatus::Malformed);
    CHECK_EQ(parse(nullptr, 0, 0x1234, "alias.test", RecordType::Aaaa, a, 4).status, DnsStatus::Malformed);
}

TW_TEST(dns_parse_multiple_a_and_capacity) {
    Msg m;
    m.header(7, 0x8180, 1, 4).name("multi.test").u16(1).u16(1);
    for (unsigned i = 1; i <= 3; ++i) m.ptr(12).rr(1, 300 + i, 4).u8(192).u8(0).u8(2).u8(i);
    m.name("unrelated.test").rr(1, 60, 4).u32(0x01020304);  // not our name: ignored
    DnsAddress a[4];
    AnswerParse r = parse(m.b, m.n, 7, "multi.test", RecordType::A, a, 4);
    REQUIRE_EQ(r.status, DnsStatus::Ok);
    REQUIRE_EQ(r.count, 3u);
    CHECK_EQ(r.found, 3u);
    for (unsigned i = 0; i < 3; ++i) {
        CHECK_EQ(a[i].bytes[3], i + 1);
        CHECK_EQ(a[i].ttl_s, 301u + i);
    }
    r = parse(m.b, m.n, 7, "multi.test", RecordType::A, a, 2);
    CHECK_EQ(r.status, DnsStatus::Ok);
    CHECK_EQ(r.count, 2u);
    CHECK_EQ(r.found, 3u);
}

TW_TEST(dns_parse_aaaa) {
    Msg m;
    m.header(9, 0x8180, 1, 1).name("six.test").u16(28).u16(1);
    m.ptr(12).rr(28, 3600, 16).u32(0x20010db8).u32(0).u32(0).u32(0x00000042);
    DnsAddress a[1];
    AnswerParse r = parse(m.b, m.n, 9, "six.test", RecordType::Aaaa, a, 1);
    REQUIRE_EQ(r.status, DnsStatus::Ok);
    CHECK_EQ(a[0].family, 6);
    CHECK_EQ(a[0].bytes[0], 0x20);
    CHECK_EQ(a[0].bytes[1], 0x01);
    CHECK_EQ(a[0].bytes[15], 0x42);
    CHECK_EQ(a[0].ttl_s, 3600u);
}

TW_TEST(dns_parse_cname_out_of_order_with_min_ttl) {
    // Answers: A for c.test, CNAME b->c, CNAME a->b (reverse order), question a.test.
    Msg m;
    m.header(5, 0x8180, 1, 3).name("a.test").u16(1).u16(1);  // "a.test" at 12, "test" at 14
    size_t c_at = m.n;
    m.u8(1).u8('c').ptr(14).rr(1, 500, 4).u32(0x0A000001);
    size_t b_at = m.n;
    m.u8(1).u8('b').ptr(14).rr(5, 100, 2).ptr(static_cast<unsigned>(c_at));
    m.ptr(12).rr(5, 0x80000000u, 2).ptr(static_cast<unsigned>(b_at));  // TTL top bit: reads as 0
    DnsAddress a[2];
    AnswerParse r = parse(m.b, m.n, 5, "a.test", RecordType::A, a, 2);
    REQUIRE_EQ(r.status, DnsStatus::Ok);
    REQUIRE_EQ(r.count, 1u);
    CHECK_EQ(a[0].bytes[0], 10);
    CHECK_EQ(a[0].ttl_s, 0u);
}

TW_TEST(dns_parse_cname_ttl_is_chain_minimum) {
    Msg m;
    m.header(5, 0x8180, 1, 2).name("a.test").u16(1).u16(1);
    m.ptr(12).rr(5, 100, 4).u8(1).u8('z').ptr(14);  // a.test CNAME z.test
    m.u8(1).u8('z').ptr(14).rr(1, 500, 4).u32(0x0A000002);
    DnsAddress a[2];
    AnswerParse r = parse(m.b, m.n, 5, "a.test", RecordType::A, a, 2);
    REQUIRE_EQ(r.status, DnsStatus::Ok);
    CHECK_EQ(a[0].ttl_s, 100u);
}

TW_TEST(dns_parse_cname_without_target_records_is_nodata) {
    Msg m;
    m.header(5, 0x8180, 1, 2).name("a.test").u16(1).u16(1);
    m.ptr(12).rr(5, 100, 4).u8(1).u8('z').ptr(14);
    m.ptr(12).rr(1, 100, 4).u32(0x0A000003);  // an A for the alias itself is not followed
    DnsAddress a[2];
    CHECK_EQ(parse(m.b, m.n, 5, "a.test", RecordType::A, a, 2).status, DnsStatus::NoData);
}

TW_TEST(dns_parse_cname_loop_is_malformed) {
    Msg m;
    m.header(5, 0x8180, 1, 2).name("a.test").u16(1).u16(1);
    m.ptr(12).rr(5, 100, 4).u8(1).u8('b').ptr(14);  // a -> b
    m.u8(1).u8('b').ptr(14).rr(5, 100, 2).ptr(12);   // b -> a
    DnsAddress a[2];
    CHECK_EQ(parse(m.b, m.n, 5, "a.test", RecordType::A, a, 2).status, DnsStatus::Malformed);
}

TW_TEST(dns_parse_header_checks_and_rcodes) {
    auto reply = [](unsigned flags) {
        Msg m;
        m.header(3, flags, 1, 0).name("x.test").u16(1).u16(1);
        return m;
    };
    DnsAddress a[1];
    struct { unsigned flags; DnsStatus want; } cases[] = {
        {0x0100, DnsStatus::NotAResponse},   {0x8980, DnsStatus::BadOpcode},
        {0x8380, DnsStatus::Truncated},      {0x8181, DnsStatus::FormatError},
        {0x8182, DnsStatus::ServerFailure},  {0x8183, DnsStatus::NxDomain},
        {0x8184, DnsStatus::NotImplemented}, {0x8185, DnsStatus::Refused},
        {0x8189, DnsStatus::OtherRcode},     {0x8180, DnsStatus::NoData},
        {0x8383, DnsStatus::Truncated},  // TC wins over the RCODE: the reply is incomplete
    };
    for (const auto& c : cases) {
        Msg m = reply(c.flags);
        CHECK_EQ(parse(m.b, m.n, 3, "x.test", RecordType::A, a, 1).status, c.want);
    }
    Msg none;
    none.header(3, 0x8183, 0, 0);
    CHECK_EQ(parse(none.b, none.n, 3, "x.test", RecordType::A, a, 1).status, DnsStatus::QuestionMismatch);
    Msg other_class;
    other_class.header(3, 0x8180, 1, 0).name("x.test").u16(1).u16(3);
    CHECK_EQ(parse(other_class.b, other_class.n, 3, "x.test", RecordType::A, a, 1).status,
             DnsStatus::QuestionMismatch);
}

TW_TEST(dns_parse_bad_pointers) {
    DnsAddress a[1];
    {   // answer owner points past the end
        Msg m;
        m.header(1, 0x8180, 1, 1).name("x.test").u16(1).u16(1).ptr(0x3FF).rr(1, 1, 4).u32(1);
        CHECK_EQ(parse(m.b, m.n, 1, "x.test", RecordType::A, a, 1).status, DnsStatus::BadPointer);
    }
    {   // pointer into the header
        Msg m;
        m.header(1, 0x8180, 1, 1).name("x.test").u16(1).u16(1).ptr(2).rr(1, 1, 4).u32(1);
        CHECK_EQ(parse(m.b, m.n, 1, "x.test", RecordType::A, a, 1).status, DnsStatus::BadPointer);
    }
    {   // pointer to itself
        Msg m;
        m.header(1, 0x8180, 1, 1).name("x.test").u16(1).u16(1);
        unsigned self = static_cast<unsigned>(m.n);
        m.ptr(self).rr(1, 1, 4).u32(1);
        CHECK_EQ(parse(m.b, m.n, 1, "x.test", RecordType::A, a, 1).status, DnsStatus::PointerLoop);
    }
    {   // label then a pointer back to that label: "a.a.a..." forever without the rule
        Msg m;
        m.header(1, 0x8180, 1, 1).name("x.test").u16(1).u16(1);
        unsigned start = static_cast<unsigned>(m.n);
        m.u8(1).u8('a').ptr(start).rr(1, 1, 4).u32(1);
        CHECK_EQ(parse(m.b, m.n, 1, "x.test", RecordType::A, a, 1).status, DnsStatus::PointerLoop);
    }
    {   // two names pointing at each other: the first one's pointer goes forward
        Msg m;
        m.header(1, 0x8180, 1, 2).name("x.test").u16(1).u16(1);
        unsigned first = static_cast<unsigned>(m.n);
        m.u8(1).u8('p').ptr(first + 4 + 10 + 4).rr(1, 1, 4).u32(1);
        m.u8(1).u8('q').ptr(first).rr(1, 1, 4).u32(1);
        CHECK_EQ(parse(m.b, m.n, 1, "x.test", RecordType::A, a, 1).status, DnsStatus::PointerLoop);
    }
    {   // a pointer cut in half at the end of the message
        Msg m;
        m.header(1, 0x8180, 1, 1).name("x.test").u16(1).u16(1).u8(0xC0);
        CHECK_EQ(parse(m.b, m.n, 1, "x.test", RecordType::A, a, 1).status, DnsStatus::Malformed);
    }
    {   // compressed question pointing into the header
        Msg m;
        m.header(1, 0x8180, 1, 0).ptr(4).u16(1).u16(1);
        CHECK_EQ(parse(m.b, m.n, 1, "x.test", RecordType::A, a, 1).status, DnsStatus::BadPointer);
    }
}

TW_TEST(dns_parse_malformed_records) {
    DnsAddress a[1];
    {   // A record with 5 bytes of data
        Msg m;
        m.header(1, 0x8180, 1, 1).name("x.test").u16(1).u16(1).ptr(12).rr(1, 1, 5).u32(1).u8(0);
        CHECK_EQ(parse(m.b, m.n, 1, "x.test", RecordType::A, a, 1).status, DnsStatus::Malformed);
    }
    {   // RDLENGTH past the end
        Msg m;
        m.header(1, 0x8180, 1, 1).name("x.test").u16(1).u16(1).ptr(12).rr(1, 1, 40).u32(1);
        CHECK_EQ(parse(m.b, m.n, 1, "x.test", RecordType::A, a, 1).status, DnsStatus::Malformed);
    }
    {   // ANCOUNT larger than the records present
        Msg m;
        m.header(1, 0x8180, 1, 2).name("x.test").u16(1).u16(1).ptr(12).rr(1, 1, 4).u32(1);
        CHECK_EQ(parse(m.b, m.n, 1, "x.test", RecordType::A, a, 1).status, DnsStatus::Malformed);
    }
    {   // extended label type 0x40
        Msg m;
        m.header(1, 0x8180, 1, 1).name("x.test").u16(1).u16(1).u8(0x41).u8(0).u8(0).rr(1, 1, 4).u32(1);
        CHECK_EQ(parse(m.b, m.n, 1, "x.test", RecordType::A, a, 1).status, DnsStatus::Malformed);
    }
    {   // a CNAME whose target runs past its RDLENGTH
        Msg m;
        m.header(1, 0x8180, 1, 1).name("x.test").u16(1).u16(1).ptr(12).rr(5, 1, 2).u8(1).u8('y').ptr(14);
        CHECK_EQ(parse(m.b, m.n, 1, "x.test", RecordType::A, a, 1).status, DnsStatus::Malformed);
    }
    {   // an owner name longer than 255 octets, built from backward pointers
        Msg m;
        m.header(1, 0x8180, 1, 0).name("x.test").u16(1).u16(1);
        unsigned prev = 12;
        for (int i = 0; i < 5; ++i) {
            unsigned here = static_cast<unsigned>(m.n);
            m.u8(63);
            for (int k = 0; k < 63; ++k) m.u8('a');
            m.ptr(prev);
            prev = here;
        }
        m.ptr(prev).rr(1, 1, 4).u32(1);
        m.b[7] = 1;  // ANCOUNT = 1
        CHECK_EQ(parse(m.b, m.n, 1, "x.test", RecordType::A, a, 1).status, DnsStatus::Malformed);
    }
}
