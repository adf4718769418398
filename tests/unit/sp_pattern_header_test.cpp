// SP backtrace / id / pair v1 headers against shared/sp/WIRE.md §6, §7, §9 and the probes.
#include "tests/framework/check.hpp"

#include <cstring>

#include "sp/pattern_header.hpp"
#include "sp/request_id.hpp"

using namespace tickwire::detail::sp;

namespace {
// Captured via an NNG device: pipe id 6324a685, request id ef435389, "ping-via-nng-device".
const uint8_t kDeviceRequest[] = {0x63, 0x24, 0xa6, 0x85, 0xef, 0x43, 0x53, 0x89, 'p', 'i', 'n',
                                  'g', '-', 'v', 'i', 'a', '-', 'n', 'n', 'g', '-', 'd', 'e',
                                  'v', 'i', 'c', 'e'};

// n words: n-1 pipe ids then (if with_id) an id with the top bit.
size_t make_stack(uint8_t* out, size_t n, bool with_id) {
    for (size_t i = 0; i < n; ++i) {
        uint32_t w = 0x100u + static_cast<uint32_t>(i);
        if (with_id && i + 1 == n) w = 0x80000000u | 0x1234u;
        out[4 * i] = static_cast<uint8_t>(w >> 24);
        out[4 * i + 1] = static_cast<uint8_t>(w >> 16);
        out[4 * i + 2] = static_cast<uint8_t>(w >> 8);
        out[4 * i + 3] = static_cast<uint8_t>(w);
    }
    return 4 * n;
}
} // namespace

TW_TEST(sp_header_request_id_golden) {
    // The captured request body: be 11 4b 21 "ping".
    uint8_t out[4];
    write_id_header(0xbe114b21u, out);
    const uint8_t expect[] = {0xbe, 0x11, 0x4b, 0x21};
    CHECK(std::memcmp(out, expect, 4) == 0);
    write_id_header(0x3e114b21u, out); // the top bit is forced on
    CHECK(std::memcmp(out, expect, 4) == 0);

    const uint8_t reply[] = {0xbe, 0x11, 0x4b, 0x21, 'p', 'o', 'n', 'g'};
    IdParse p = read_id_header(reply, sizeof reply);
    CHECK(p.error == HeaderError::None);
    CHECK_EQ(p.id, 0xbe114b21u);
    CHECK(read_id_header(reply, 3).error == HeaderError::PartialWord);
    CHECK(read_id_header(nullptr, 0).error == HeaderError::PartialWord);
    CHECK(read_id_header(kDeviceRequest, sizeof kDeviceRequest).error == HeaderError::MissingId);
}

TW_TEST(sp_header_backtrace_single_id) {
    const uint8_t survey[] = {0xb2, 0x41, 0x6d, 0x7e, 'w', 'h', 'o'}; // captured survey
    Backtrace bt;
    BacktraceParse r = parse_backtrace(survey, sizeof survey, kDefaultMaxHops, &bt);
    CHECK(r.error == HeaderError::None);
    CHECK_EQ(r.header_size, 4u);
    CHECK_EQ(bt.word_count(), 1u);
    CHECK_EQ(bt.id(), 0xb2416d7eu);
    CHECK(std::memcmp(bt.bytes(), survey, 4) == 0);
    // Id alone, no body.
    r = parse_backtrace(survey, 4, kDefaultMaxHops, nullptr);
    CHECK(r.error == HeaderError::None);
    CHECK_EQ(r.header_size, 4u);
}

TW_TEST(sp_header_backtrace_device_hop) {
    Backtrace bt;
    BacktraceParse r = parse_backtrace(kDeviceRequest, sizeof kDeviceRequest, kDefaultMaxHops, &bt);
    CHECK(r.error == HeaderError::None);
    CHECK_EQ(r.header_size, 8u);
    REQUIRE_EQ(bt.word_count(), 2u);
    CHECK_EQ(bt.word(0), 0x6324a685u);
    CHECK_EQ(bt.word(1), 0xef435389u);
    CHECK_EQ(bt.id(), 0xef435389u);
    CHECK_EQ(bt.word(2), 0u); // out of range reads as 0, never past the array
    // The reply carries the same 8 bytes back (captured pong-from-nanomsg-rep).
    CHECK(std::memcmp(bt.bytes(), kDeviceRequest, 8) == 0);
}

TW_TEST(sp_header_backtrace_hop_limit) {
    // Probe: 8 words (7 pipe ids + id) are answered, 9 are dropped.
    uint8_t msg[80];
    size_t n = make_stack(msg, 8, true);
    BacktraceParse r = parse_backtrace(msg, n, kDefaultMaxHops, nullptr);
    CHECK(r.error == HeaderError::None);
    CHECK_EQ(r.header_size, 32u);
    n = make_stack(msg, 9, true);
    CHECK(parse_backtrace(msg, n, kDefaultMaxHops, nullptr).error == HeaderError::TooManyHops);
    // A raised limit admits it; the limit is clamped to kMaxHopsLimit.
    CHECK(parse_backtrace(msg, n, 9, nullptr).error == HeaderError::None);
    n = make_stack(msg, 15, true);
    CHECK(parse_backtrace(msg, n, 1000, nullptr).error == HeaderError::None);
    n = make_stack(msg, 16, true);
    CHECK(parse_backtrace(msg, n, 1000, nullptr).error == HeaderError::TooManyHops);
    // Limit 0 is clamped to 1: just the id.
    n = make_stack(msg, 1, true);
    CHECK(parse_backtrace(msg, n, 0, nullptr).error == HeaderError::None);
    n = make_stack(msg, 2, true);
    CHECK(parse_backtrace(msg, n, 0, nullptr).error == HeaderError::TooManyHops);
}

TW_TEST(sp_header_backtrace_malformed) {
    uint8_t msg[80];
    // Probe: no word with the top bit set.
    size_t n = make_stack(msg, 3, false);
    CHECK(parse_backtrace(msg, n, kDefaultMaxHops, nullptr).error == HeaderError::MissingId);
    // Probe: fewer than 4 bytes.
    CHECK(parse_backtrace(msg, 3, kDefaultMaxHops, nullptr).error == HeaderError::PartialWord);
    CHECK(parse_backtrace(nullptr, 0, kDefaultMaxHops, nullptr).error == HeaderError::MissingId);
    // Ends inside the second word.
    CHECK(parse_backtrace(msg, 6, kDefaultMaxHops, nullptr).error == HeaderError::PartialWord);
    // 8 words without an id hit the hop limit first (NNG's rep0 order: drop, not close).
    n = make_stack(msg, 8, false);
    CHECK(parse_backtrace(msg, n, kDefaultMaxHops, nullptr).error == HeaderError::TooManyHops);
    // Failing parses report no header size.
    CHECK_EQ(parse_backtrace(msg, 6, kDefaultMaxHops, nullptr).header_size, 0u);
}

TW_TEST(sp_header_backtrace_reader_in_pieces) {
    // Fed byte by byte (a ring wrap can fall anywhere): same result, body offset exact.
    for (size_t piece = 1; piece <= sizeof kDeviceRequest; ++piece) {
        BacktraceReader rd;
        size_t off = 0, body_at = 0;
        while (off < sizeof kDeviceRequest) {
            size_t n = sizeof kDeviceRequest - off < piece ? sizeof kDeviceRequest - off : piece;
            BacktraceReader::Step s = rd.feed(kDeviceRequest + off, n);
            if (s.status == BacktraceReader::Status::Done && body_at == 0) body_at = off + s.consumed;
            off += n;
        }
        CHECK(rd.finish() == HeaderError::None);
        CHECK(rd.status() == BacktraceReader::Status::Done);
        CHECK_EQ(body_at, 8u);
        CHECK_EQ(rd.backtrace().word_count(), 2u);
        CHECK_EQ(rd.backtrace().id(), 0xef435389u);
    }
    BacktraceReader rd;
    CHECK(rd.feed(kDeviceRequest, 6).status == BacktraceReader::Status::NeedMore);
    CHECK(rd.finish() == HeaderError::PartialWord); // message ended there
    CHECK(rd.status() == BacktraceReader::Status::Failed);
    CHECK_EQ(rd.feed(kDeviceRequest + 6, 2).consumed, 0u); // sticky
    rd.reset();
    CHECK(rd.feed(kDeviceRequest, sizeof kDeviceRequest).status == BacktraceReader::Status::Done);
}

TW_TEST(sp_header_device_push_pop) {
    // A device's raw REP front receives [id]+body from pipe 0x6324a685 and forwards
    // [pipe][id]+body: exactly the captured back-leg bytes.
    const uint8_t client[] = {0xef, 0x43, 0x53, 0x89};
    Backtrace bt;
    REQUIRE(parse_backtrace(client, 4, kDefaultMaxHops, &bt).error == HeaderError::None);
    CHECK(bt.push_hop(0x6324a685u) == HeaderError::None);
    REQUIRE_EQ(bt.size(), 8u);
    CHECK(std::memcmp(bt.bytes(), kDeviceRequest, 8) == 0);
    // The reply comes back with the same stack: pop routes it to the pipe, leaving the id.
    uint32_t pipe = 0;
    CHECK(bt.pop_hop(&pipe) == HeaderError::None);
    CHECK_EQ(pipe, 0x6324a685u);
    REQUIRE_EQ(bt.size(), 4u);
    CHECK(std::memcmp(bt.bytes(), client, 4) == 0);
    // Only the id is left: nothing to pop.
    pipe = 7;
    CHECK(bt.pop_hop(&pipe) == HeaderError::NotAHop);
    CHECK_EQ(pipe, 7u);
    CHECK_EQ(bt.size(), 4u);
    bt.clear();
    CHECK(bt.pop_hop(&pipe) == HeaderError::MissingId);
    // Pipe ids have the top bit clear.
    CHECK(bt.push_hop(0x80000001u) == HeaderError::BadPipeId);
    CHECK_EQ(bt.size(), 0u);
}

TW_TEST(sp_header_device_push_capacity) {
    // A stack at the hop limit can still take one pipe id (the next hop drops it), no more.
    uint8_t msg[80];
    size_t n = make_stack(msg, kMaxHopsLimit, true);
    Backtrace bt;
    REQUIRE(parse_backtrace(msg, n, kMaxHopsLimit, &bt).error == HeaderError::None);
    CHECK(bt.push_hop(1) == HeaderError::None);
    CHECK_EQ(bt.word_count(), kMaxHopsLimit + 1);
    CHECK(bt.push_hop(2) == HeaderError::TooManyHops);
    CHECK_EQ(bt.word_count(), kMaxHopsLimit + 1);
    CHECK_EQ(bt.word(0), 1u);
    CHECK_EQ(bt.id(), 0x80001234u);
    // The pushed stack is 16 words: a receiver at the limit drops it.
    CHECK(parse_backtrace(bt.bytes(), bt.size(), kMaxHopsLimit, nullptr).error == HeaderError::TooManyHops);
}

TW_TEST(sp_header_pair1) {
    // Captured NNG pair v1 message body: 00 00 00 01 'a'.
    const uint8_t msg[] = {0x00, 0x00, 0x00, 0x01, 'a'};
    uint8_t out[4];
    write_pair1_header(1, out);
    CHECK(std::memcmp(out, msg, 4) == 0);
    Pair1Parse p = read_pair1_header(msg, sizeof msg, kPair1DefaultMaxTtl);
    CHECK(p.error == HeaderError::None);
    CHECK_EQ(p.hops, 1u);
    CHECK(read_pair1_header(msg, 3, kPair1DefaultMaxTtl).error == HeaderError::PartialWord);
    const uint8_t nine[] = {0, 0, 0, 9};
    p = read_pair1_header(nine, 4, kPair1DefaultMaxTtl);
    CHECK(p.error == HeaderError::TtlExceeded);
    CHECK_EQ(p.hops, 9u);
    CHECK(read_pair1_header(nine, 4, 9).error == HeaderError::None);
    const uint8_t big[] = {0, 0, 1, 0}; // 0x100 > 0xff: NNG closes the pipe
    CHECK(read_pair1_header(big, 4, 0xffffffffu).error == HeaderError::BadHopCount);
    const uint8_t edge[] = {0, 0, 0, 0xff};
    CHECK(read_pair1_header(edge, 4, 0xff).error == HeaderError::None);
    uint32_t next = 0;
    CHECK(next_pair1_hops(1, &next) == HeaderError::None);
    CHECK_EQ(next, 2u);
    CHECK(next_pair1_hops(0xfe, &next) == HeaderError::None);
    CHECK_EQ(next, 0xffu);
    next = 5;
    CHECK(next_pair1_hops(0xff, &next) == HeaderError::BadHopCount);
    CHECK_EQ(next, 5u);
}

TW_TEST(sp_header_request_id_generator) {
    // Consecutive, like NNG's captured 9d30b8c6 then 9d30b8c7.
    RequestIdGenerator gen(0x9d30b8c5u);
    CHECK_EQ(gen.next(), 0x9d30b8c6u);
    CHECK_EQ(gen.next(), 0x9d30b8c7u);
    // A random start without the top bit still gives ids with it.
    RequestIdGenerator low(0x00000010u);
    CHECK_EQ(low.next(), 0x80000011u);
    CHECK_EQ(low.next(), 0x80000012u);
    // Wraps within the top-bit range.
    RequestIdGenerator top(0xfffffffeu);
    CHECK_EQ(top.next(), 0xffffffffu);
    CHECK_EQ(top.next(), 0x80000000u);
    CHECK_EQ(top.next(), 0x80000001u);
    // An id the generator makes is always a valid backtrace end.
    uint8_t w[4];
    write_id_header(low.next(), w);
    CHECK(parse_backtrace(w, 4, 1, nullptr).error == HeaderError::None);
}

TW_TEST(sp_header_error_strings_distinct) {
    const HeaderError all[] = {HeaderError::None,        HeaderError::PartialWord,
                               HeaderError::MissingId,   HeaderError::TooManyHops,
                               HeaderError::NotAHop,     HeaderError::BadPipeId,
                               HeaderError::BadHopCount, HeaderError::TtlExceeded};
    for (HeaderError a : all)
        for (HeaderError b : all)
            if (a != b) CHECK(std::strcmp(to_string(a), to_string(b)) != 0);
}
