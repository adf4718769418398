// The 8-byte SP handshake: golden bytes from shared/sp/WIRE.md §2, §10 and the probes.
#include "tests/framework/check.hpp"

#include <cstring>

#include "sp/handshake.hpp"

using namespace tickwire::detail::sp;

namespace {
const uint8_t kReqHello[8] = {0x00, 0x53, 0x50, 0x00, 0x00, 0x30, 0x00, 0x00};
const uint8_t kRepHello[8] = {0x00, 0x53, 0x50, 0x00, 0x00, 0x31, 0x00, 0x00};
} // namespace

TW_TEST(sp_handshake_write_golden) {
    uint8_t out[kHandshakeSize];
    write_handshake(Protocol::Req, out);
    CHECK(std::memcmp(out, kReqHello, 8) == 0);
    write_handshake(Protocol::Rep, out);
    CHECK(std::memcmp(out, kRepHello, 8) == 0);
    const uint8_t surveyor[8] = {0x00, 0x53, 0x50, 0x00, 0x00, 0x62, 0x00, 0x00};
    write_handshake(Protocol::Surveyor, out);
    CHECK(std::memcmp(out, surveyor, 8) == 0);
    for (Protocol p : kAllProtocols) {
        write_handshake(p, out);
        CHECK_EQ(out[4], 0);
        CHECK_EQ(out[5], protocol_id(p));
        CHECK_EQ(out[6], 0);
        CHECK_EQ(out[7], 0);
    }
}

TW_TEST(sp_handshake_check_valid) {
    uint16_t peer = 0;
    CHECK(check_handshake(Protocol::Req, kRepHello, ReservedBytes::Ignore, &peer) == HandshakeError::None);
    CHECK_EQ(peer, 0x31u);
    CHECK(check_handshake(Protocol::Rep, kReqHello, ReservedBytes::RequireZero, &peer) == HandshakeError::None);
    CHECK_EQ(peer, 0x30u);
    // Every protocol accepts its peer's header as we write it.
    for (Protocol p : kAllProtocols) {
        uint8_t h[8];
        write_handshake(peer_of(p), h);
        CHECK(check_handshake(p, h, ReservedBytes::RequireZero, nullptr) == HandshakeError::None);
    }
}

TW_TEST(sp_handshake_check_errors) {
    uint8_t h[8];
    std::memcpy(h, kRepHello, 8);
    h[2] = 'Q'; // probe: magic 00 'S' 'Q' 00
    CHECK(check_handshake(Protocol::Req, h, ReservedBytes::Ignore, nullptr) == HandshakeError::BadMagic);

    // REQ against PULL (captured x-mismatch): a real protocol, the wrong one.
    const uint8_t pull[8] = {0x00, 0x53, 0x50, 0x00, 0x00, 0x51, 0x00, 0x00};
    uint16_t peer = 0;
    CHECK(check_handshake(Protocol::Req, pull, ReservedBytes::Ignore, &peer) == HandshakeError::WrongPeer);
    CHECK_EQ(peer, 0x51u);
    // Pair v1 against pair v0 (captured x-pair1-vs-pair0).
    const uint8_t pair0[8] = {0x00, 0x53, 0x50, 0x00, 0x00, 0x10, 0x00, 0x00};
    CHECK(check_handshake(Protocol::Pair1, pair0, ReservedBytes::Ignore, nullptr) == HandshakeError::WrongPeer);
    // A REQ talking to a REQ.
    CHECK(check_handshake(Protocol::Req, kReqHello, ReservedBytes::Ignore, nullptr) == HandshakeError::WrongPeer);

    // An id that is no SP protocol (byte-swapped REP, survey v1).
    std::memcpy(h, kRepHello, 8);
    h[4] = 0x31;
    h[5] = 0x00;
    CHECK(check_handshake(Protocol::Req, h, ReservedBytes::Ignore, &peer) == HandshakeError::UnknownProtocol);
    CHECK_EQ(peer, 0x3100u);
    h[4] = 0x00;
    h[5] = 0x61;
    CHECK(check_handshake(Protocol::Surveyor, h, ReservedBytes::Ignore, nullptr) == HandshakeError::UnknownProtocol);
}

TW_TEST(sp_handshake_reserved_policy) {
    // Probe: reserved bytes 01 02. nanomsg accepts (ignores), NNG closes.
    uint8_t h[8];
    std::memcpy(h, kReqHello, 8);
    h[6] = 0x01;
    h[7] = 0x02;
    CHECK(check_handshake(Protocol::Rep, h, ReservedBytes::Ignore, nullptr) == HandshakeError::None);
    CHECK(check_handshake(Protocol::Rep, h, ReservedBytes::RequireZero, nullptr) == HandshakeError::ReservedNotZero);
    h[6] = 0;
    CHECK(check_handshake(Protocol::Rep, h, ReservedBytes::RequireZero, nullptr) == HandshakeError::ReservedNotZero);
    // Wrong peer is reported before the reserved bytes.
    h[5] = 0x51;
    CHECK(check_handshake(Protocol::Rep, h, ReservedBytes::RequireZero, nullptr) == HandshakeError::WrongPeer);
}

TW_TEST(sp_handshake_reader_whole_and_rest) {
    // REQ handshake followed by the captured ping request in one read.
    const uint8_t wire[] = {0x00, 0x53, 0x50, 0x00, 0x00, 0x30, 0x00, 0x00, // handshake
                            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0xbe, 0x11};
    HandshakeReader rd(Protocol::Rep);
    auto s = rd.feed(wire, sizeof wire);
    CHECK(s.status == HandshakeReader::Status::Done);
    CHECK_EQ(s.consumed, 8u); // the rest belongs to the framing
    CHECK(rd.peer() == Protocol::Req);
    CHECK_EQ(rd.peer_id(), 0x30u);
    // Done is sticky and consumes nothing more.
    s = rd.feed(wire + 8, sizeof wire - 8);
    CHECK(s.status == HandshakeReader::Status::Done);
    CHECK_EQ(s.consumed, 0u);
}

TW_TEST(sp_handshake_reader_byte_by_byte) {
    HandshakeReader rd(Protocol::Req, ReservedBytes::RequireZero);
    for (size_t i = 0; i < 7; ++i) {
        auto s = rd.feed(kRepHello + i, 1);
        CHECK(s.status == HandshakeReader::Status::NeedMore);
        CHECK_EQ(s.consumed, 1u);
    }
    auto s = rd.feed(nullptr, 0);
    CHECK(s.status == HandshakeReader::Status::NeedMore);
    CHECK_EQ(s.consumed, 0u);
    s = rd.feed(kRepHello + 7, 1);
    CHECK(s.status == HandshakeReader::Status::Done);
    CHECK(rd.error() == HandshakeError::None);
}

TW_TEST(sp_handshake_reader_probe_split) {
    // Probe: header split 00 53 50 | 00 00 50 00 00 (a PUSH), accepted by both libraries.
    const uint8_t a[] = {0x00, 0x53, 0x50};
    const uint8_t b[] = {0x00, 0x00, 0x50, 0x00, 0x00, 0xaa};
    HandshakeReader rd(Protocol::Pull);
    CHECK(rd.feed(a, sizeof a).status == HandshakeReader::Status::NeedMore);
    auto s = rd.feed(b, sizeof b);
    CHECK(s.status == HandshakeReader::Status::Done);
    CHECK_EQ(s.consumed, 5u);
}

TW_TEST(sp_handshake_reader_fails_early_on_magic) {
    // An HTTP client talking to an SP port: fails on the first byte, not after 8.
    const uint8_t http[] = {'G', 'E', 'T', ' ', '/', ' ', 'H', 'T', 'T', 'P'};
    HandshakeReader rd(Protocol::Rep);
    auto s = rd.feed(http, sizeof http);
    CHECK(s.status == HandshakeReader::Status::Failed);
    CHECK_EQ(s.consumed, 1u);
    CHECK(rd.error() == HandshakeError::BadMagic);
    // Failed is sticky.
    s = rd.feed(kReqHello, 8);
    CHECK(s.status == HandshakeReader::Status::Failed);
    CHECK_EQ(s.consumed, 0u);

    HandshakeReader rd2(Protocol::Rep);
    const uint8_t bad4[] = {0x00, 0x53, 0x50, 0x01};
    CHECK(rd2.feed(bad4, 3).status == HandshakeReader::Status::NeedMore);
    s = rd2.feed(bad4 + 3, 1);
    CHECK(s.status == HandshakeReader::Status::Failed);
    CHECK(rd2.error() == HandshakeError::BadMagic);
}

TW_TEST(sp_handshake_reader_wrong_peer_and_reserved) {
    HandshakeReader rd(Protocol::Req);
    CHECK(rd.feed(kReqHello, 8).status == HandshakeReader::Status::Failed);
    CHECK(rd.error() == HandshakeError::WrongPeer);
    CHECK_EQ(rd.peer_id(), 0x30u);

    uint8_t h[8];
    std::memcpy(h, kRepHello, 8);
    h[7] = 1;
    HandshakeReader lax(Protocol::Req);
    CHECK(lax.feed(h, 8).status == HandshakeReader::Status::Done);
    HandshakeReader strict(Protocol::Req, ReservedBytes::RequireZero);
    CHECK(strict.feed(h, 8).status == HandshakeReader::Status::Failed);
    CHECK(strict.error() == HandshakeError::ReservedNotZero);
}

TW_TEST(sp_handshake_error_strings_distinct) {
    const HandshakeError all[] = {HandshakeError::None, HandshakeError::BadMagic,
                                  HandshakeError::UnknownProtocol, HandshakeError::WrongPeer,
                                  HandshakeError::ReservedNotZero};
    for (HandshakeError a : all)
        for (HandshakeError b : all)
            if (a != b) CHECK(std::strcmp(to_string(a), to_string(b)) != 0);
}
