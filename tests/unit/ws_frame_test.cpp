// Tests of the WebSocket frame header codec, masking, the fragmenter and close payloads
// (source/ws/frame.*, source/ws/close_code.*), with the examples of RFC 6455 §5.7.
#include "tests/framework/check.hpp"
#include "ws/close_code.hpp"
#include "ws/frame.hpp"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

using namespace tickwire::detail::ws;

namespace {

const MaskKey kRfcKey = {{0x37, 0xfa, 0x21, 0x3d}};

bool bytes_eq(const uint8_t* a, std::initializer_list<int> b) {
    size_t i = 0;
    for (int v : b)
        if (a[i++] != static_cast<uint8_t>(v)) return false;
    return true;
}

const uint8_t* u8(const char* s) { return reinterpret_cast<const uint8_t*>(s); }

} // namespace

// ---- RFC 6455 §5.7 examples ----------------------------------------------------------------

TW_TEST(ws_frame_rfc_unmasked_hello) {
    uint8_t h[kMaxHeaderSize];
    REQUIRE_EQ(encode_header(h, true, Opcode::Text, 5, nullptr), size_t{2});
    CHECK(bytes_eq(h, {0x81, 0x05}));
}

TW_TEST(ws_frame_rfc_masked_hello) {
    uint8_t h[kMaxHeaderSize];
    REQUIRE_EQ(encode_header(h, true, Opcode::Text, 5, &kRfcKey), size_t{6});
    CHECK(bytes_eq(h, {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d}));
    uint8_t payload[5] = {'H', 'e', 'l', 'l', 'o'};
    apply_mask(payload, 5, kRfcKey, 0);
    CHECK(bytes_eq(payload, {0x7f, 0x9f, 0x4d, 0x51, 0x58}));
    apply_mask(payload, 5, kRfcKey, 0);
    CHECK(std::memcmp(payload, "Hello", 5) == 0);
}

TW_TEST(ws_frame_rfc_fragmented_hello) {
    // "Hel" (Text, no FIN) then "lo" (Continuation, FIN).
    uint8_t h[kMaxHeaderSize];
    REQUIRE_EQ(encode_header(h, false, Opcode::Text, 3, nullptr), size_t{2});
    CHECK(bytes_eq(h, {0x01, 0x03}));
    REQUIRE_EQ(encode_header(h, true, Opcode::Continuation, 2, nullptr), size_t{2});
    CHECK(bytes_eq(h, {0x80, 0x02}));
}

TW_TEST(ws_frame_rfc_ping_pong) {
    uint8_t h[kMaxHeaderSize];
    REQUIRE_EQ(encode_header(h, true, Opcode::Ping, 5, nullptr), size_t{2});
    CHECK(bytes_eq(h, {0x89, 0x05}));
    REQUIRE_EQ(encode_header(h, true, Opcode::Pong, 5, &kRfcKey), size_t{6});
    CHECK(bytes_eq(h, {0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d}));
}

TW_TEST(ws_frame_rfc_256_and_64k_binary) {
    uint8_t h[kMaxHeaderSize];
    REQUIRE_EQ(encode_header(h, true, Opcode::Binary, 256, nullptr), size_t{4});
    CHECK(bytes_eq(h, {0x82, 0x7E, 0x01, 0x00}));
    REQUIRE_EQ(encode_header(h, true, Opcode::Binary, 65536, nullptr), size_t{10});
    CHECK(bytes_eq(h, {0x82, 0x7F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00}));
}

// ---- header sizes and the encoder's limits ------------------------------------------------

TW_TEST(ws_frame_length_encoding_boundaries) {
    struct Case {
        uint64_t len;
        size_t size;
    };
    const Case cases[] = {{0, 2},
                          {125, 2},
                          {126, 4},
                          {65535, 4},
                          {65536, 10},
                          {0xFFFFFFFFull, 10},
                          {kMaxPayloadLength, 10}};
    for (const Case& c : cases) {
        uint8_t h[kMaxHeaderSize];
        CHECK_EQ(header_size(c.len, false), c.size);
        CHECK_EQ(header_size(c.len, true), c.size + 4);
        CHECK_EQ(encode_header(h, true, Opcode::Binary, c.len, nullptr), c.size);
        CHECK_EQ(header_size_from_byte1(h[1]), c.size);
        FrameHeader f{};
        REQUIRE_EQ(decode_header(h, c.size, f), c.size);
        CHECK_EQ(f.payload_len, c.len);
        CHECK(f.minimal_length);
        MaskKey k = {{1, 2, 3, 4}};
        CHECK_EQ(encode_header(h, true, Opcode::Binary, c.len, &k), c.size + 4);
        REQUIRE_EQ(decode_header(h, c.size + 4, f), c.size + 4);
        CHECK_EQ(f.payload_len, c.len);
        CHECK(f.masked);
        CHECK(std::memcmp(f.mask.bytes, k.bytes, 4) == 0);
    }
}

TW_TEST(ws_frame_encoder_refuses_invalid_frames) {
    uint8_t h[kMaxHeaderSize];
    std::memset(h, 0xEE, sizeof h);
    CHECK_EQ(encode_header(h, true, Opcode::Ping, 126, nullptr), size_t{0});
    CHECK_EQ(encode_header(h, false, Opcode::Ping, 1, nullptr), size_t{0});
    CHECK_EQ(encode_header(h, false, Opcode::Close, 2, nullptr), size_t{0});
    CHECK_EQ(encode_header(h, true, Opcode::Binary, kMaxPayloadLength + 1, nullptr), size_t{0});
    for (int op : {3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF, 0x10, 0xFF})
        CHECK_EQ(encode_header(h, true, static_cast<Opcode>(op), 0, nullptr), size_t{0});
    CHECK_EQ(h[0], 0xEE); // nothing written
    CHECK_EQ(encode_header(h, true, Opcode::Close, 125, nullptr), size_t{2});
    CHECK_EQ(encode_header(h, false, Opcode::Continuation, 10, nullptr), size_t{2});
    CHECK(bytes_eq(h, {0x00, 0x0A}));
}

TW_TEST(ws_frame_opcode_classes) {
    for (int op = 0; op < 16; ++op) {
        const bool reserved = (op >= 3 && op <= 7) || op >= 0xB;
        CHECK_EQ(is_reserved_opcode(static_cast<uint8_t>(op)), reserved);
        CHECK_EQ(is_control_opcode(static_cast<uint8_t>(op)), op >= 8);
    }
}

// ---- decoder --------------------------------------------------------------------------------

TW_TEST(ws_frame_decode_needs_whole_header) {
    const uint8_t masked64[] = {0x82, 0xFF, 0, 0, 0, 0, 0, 1, 0, 0, 9, 8, 7, 6};
    FrameHeader f{};
    f.size = 99;
    CHECK_EQ(decode_header(masked64, 0, f), size_t{0});
    CHECK_EQ(decode_header(masked64, 1, f), size_t{0});
    for (size_t n = 2; n < 14; ++n) CHECK_EQ(decode_header(masked64, n, f), size_t{0});
    CHECK_EQ(header_size_from_byte1(masked64[1]), size_t{14});
    CHECK_EQ(f.size, 99); // untouched while incomplete
    REQUIRE_EQ(decode_header(masked64, 14, f), size_t{14});
    CHECK_EQ(f.payload_len, uint64_t{65536});
    CHECK(f.fin);
    CHECK(f.masked);
    CHECK_EQ(f.opcode, 2);
    CHECK_EQ(f.rsv, 0);
    CHECK(bytes_eq(f.mask.bytes, {9, 8, 7, 6}));
    const uint8_t masked16[] = {0x01, 0xFE, 0x01, 0x00, 1, 2, 3, 4};
    CHECK_EQ(decode_header(masked16, 7, f), size_t{0});
    REQUIRE_EQ(decode_header(masked16, 8, f), size_t{8});
    CHECK_EQ(f.payload_len, uint64_t{256});
    CHECK(!f.fin);
}

TW_TEST(ws_frame_decode_reports_raw_fields) {
    // RSV bits, reserved opcodes and the 64-bit top bit are reported as is; rules are the reader's.
    const uint8_t rsv[] = {0xF3, 0x00};
    FrameHeader f{};
    REQUIRE_EQ(decode_header(rsv, 2, f), size_t{2});
    CHECK_EQ(f.rsv, 7);
    CHECK_EQ(f.opcode, 3);
    const uint8_t top[] = {0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 1};
    REQUIRE_EQ(decode_header(top, sizeof top, f), size_t{10});
    CHECK_EQ(f.payload_len, 0x8000000000000001ull);
    const uint8_t nonmin16[] = {0x82, 0x7E, 0x00, 0x7C};
    REQUIRE_EQ(decode_header(nonmin16, 4, f), size_t{4});
    CHECK_EQ(f.payload_len, uint64_t{124});
    CHECK(!f.minimal_length);
    const uint8_t nonmin64[] = {0x82, 0x7F, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
    REQUIRE_EQ(decode_header(nonmin64, 10, f), size_t{10});
    CHECK_EQ(f.payload_len, uint64_t{65535});
    CHECK(!f.minimal_length);
    const uint8_t min16[] = {0x82, 0x7E, 0x00, 0x7E};
    REQUIRE_EQ(decode_header(min16, 4, f), size_t{4});
    CHECK(f.minimal_length);
}

// ---- masking ----------------------------------------------------------------------------------

TW_TEST(ws_frame_mask_matches_bytewise_reference) {
    const MaskKey key = {{0xA1, 0x02, 0xF3, 0x5C}};
    for (size_t len = 0; len < 140; ++len) {
        for (uint64_t offset = 0; offset < 9; ++offset) {
            std::vector<uint8_t> data(len + 2), want(len + 2);
            for (size_t i = 0; i < data.size(); ++i)
                data[i] = want[i] = static_cast<uint8_t>(i * 31 + 7);
            for (size_t i = 0; i < len; ++i) want[1 + i] ^= key.bytes[(offset + i) % 4];
            apply_mask(data.data() + 1, len, key, offset); // unaligned on purpose
            CHECK(data == want);                           // also: guard bytes untouched
        }
    }
}

TW_TEST(ws_frame_mask_in_pieces_equals_whole) {
    const MaskKey key = {{0x11, 0x22, 0x33, 0x44}};
    std::vector<uint8_t> whole(300), pieces(300);
    for (size_t i = 0; i < whole.size(); ++i) whole[i] = pieces[i] = static_cast<uint8_t>(i);
    apply_mask(whole.data(), whole.size(), key, 0);
    size_t pos = 0, step = 1;
    while (pos < pieces.size()) {
        const size_t n = std::min(step, pieces.size() - pos);
        apply_mask(pieces.data() + pos, n, key, pos);
        pos += n;
        step = step * 3 % 37 + 1;
    }
    CHECK(whole == pieces);
    // The same with a rotated key carried between pieces, as the reader does.
    std::vector<uint8_t> rotated(300);
    for (size_t i = 0; i < rotated.size(); ++i) rotated[i] = static_cast<uint8_t>(i);
    MaskKey k = key;
    for (size_t p = 0; p < rotated.size(); p += 7) {
        const size_t n = std::min<size_t>(7, rotated.size() - p);
        apply_mask(rotated.data() + p, n, k, 0);
        k = rotate_mask(k, n);
    }
    CHECK(whole == rotated);
}

TW_TEST(ws_frame_rotate_mask) {
    const MaskKey k = {{1, 2, 3, 4}};
    CHECK(bytes_eq(rotate_mask(k, 0).bytes, {1, 2, 3, 4}));
    CHECK(bytes_eq(rotate_mask(k, 1).bytes, {2, 3, 4, 1}));
    CHECK(bytes_eq(rotate_mask(k, 3).bytes, {4, 1, 2, 3}));
    CHECK(bytes_eq(rotate_mask(k, 6).bytes, {3, 4, 1, 2}));
}

// ---- fragmenter -------------------------------------------------------------------------------

TW_TEST(ws_frame_fragmenter_splits) {
    Fragmenter f(Opcode::Text, 10, 4);
    REQUIRE(f.valid());
    uint8_t h[kMaxHeaderSize];
    Fragment a = f.next(h, nullptr);
    CHECK_EQ(a.header_size, 2);
    CHECK(bytes_eq(h, {0x01, 0x04}));
    CHECK_EQ(a.offset, uint64_t{0});
    CHECK_EQ(a.size, uint64_t{4});
    CHECK(!a.last);
    Fragment b = f.next(h, nullptr);
    CHECK(bytes_eq(h, {0x00, 0x04}));
    CHECK_EQ(b.offset, uint64_t{4});
    CHECK(!b.last);
    CHECK(!f.done());
    Fragment c = f.next(h, nullptr);
    CHECK(bytes_eq(h, {0x80, 0x02}));
    CHECK_EQ(c.offset, uint64_t{8});
    CHECK_EQ(c.size, uint64_t{2});
    CHECK(c.last);
    CHECK(f.done());
    CHECK_EQ(f.next(h, nullptr).header_size, 0); // nothing after the last
}

TW_TEST(ws_frame_fragmenter_exact_multiple_and_masked) {
    Fragmenter f(Opcode::Binary, 8, 4);
    uint8_t h[kMaxHeaderSize];
    const MaskKey k = {{9, 9, 9, 9}};
    Fragment a = f.next(h, &k);
    CHECK_EQ(a.header_size, 6);
    CHECK(bytes_eq(h, {0x02, 0x84, 9, 9, 9, 9}));
    Fragment b = f.next(h, &k);
    CHECK(bytes_eq(h, {0x80, 0x84, 9, 9, 9, 9}));
    CHECK(b.last);
    CHECK(f.done());
}

TW_TEST(ws_frame_fragmenter_single_and_empty) {
    uint8_t h[kMaxHeaderSize];
    Fragmenter empty(Opcode::Text, 0, 4);
    Fragment e = empty.next(h, nullptr);
    CHECK_EQ(e.header_size, 2);
    CHECK(bytes_eq(h, {0x81, 0x00}));
    CHECK(e.last);
    CHECK(empty.done());
    Fragmenter unlimited(Opcode::Binary, 100000, 0);
    Fragment u = unlimited.next(h, nullptr);
    CHECK_EQ(u.header_size, 10);
    CHECK_EQ(u.size, uint64_t{100000});
    CHECK(u.last);
    Fragmenter ping(Opcode::Ping, 100, 10); // control frames are never split
    CHECK(ping.valid());
    Fragment p = ping.next(h, nullptr);
    CHECK(bytes_eq(h, {0x89, 100}));
    CHECK(p.last);
}

TW_TEST(ws_frame_fragmenter_refuses) {
    uint8_t h[kMaxHeaderSize];
    Fragmenter big_ping(Opcode::Ping, 126, 0);
    CHECK(!big_ping.valid());
    CHECK_EQ(big_ping.next(h, nullptr).header_size, 0);
    CHECK(!Fragmenter(Opcode::Continuation, 1, 0).valid());
    CHECK(!Fragmenter(static_cast<Opcode>(3), 1, 0).valid());
    CHECK(!Fragmenter(Opcode::Binary, kMaxPayloadLength + 1, 0).valid());
}

// ---- close codes and payloads -----------------------------------------------------------------

TW_TEST(ws_frame_close_code_validity) {
    for (int c : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000,
                  3999, 4000, 4999})
        CHECK(is_valid_close_code(static_cast<uint16_t>(c)));
    for (int c : {0, 1, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535})
        CHECK(!is_valid_close_code(static_cast<uint16_t>(c)));
    int valid = 0;
    for (uint32_t c = 0; c <= 0xFFFF; ++c) valid += is_valid_close_code(static_cast<uint16_t>(c));
    CHECK_EQ(valid, 4 + 8 + 2000);
    CHECK(std::strcmp(close_code_name(1000), "normal") == 0);
    CHECK(std::strcmp(close_code_name(4001), "application") == 0);
    CHECK(std::strcmp(close_code_name(2000), "invalid") == 0);
}

TW_TEST(ws_frame_close_payload_encoding) {
    uint8_t out[kMaxClosePayload];
    CloseEncodeResult r = encode_close_payload(1000, u8("bye"), 3, out, sizeof out);
    CHECK(r.error == CloseEncodeError::None);
    REQUIRE_EQ(r.size, size_t{5});
    CHECK(bytes_eq(out, {0x03, 0xE8, 'b', 'y', 'e'}));
    r = encode_close_payload(4999, nullptr, 0, out, sizeof out);
    CHECK_EQ(r.size, size_t{2});
    CHECK(bytes_eq(out, {0x13, 0x87}));
    r = encode_close_payload(close_code::kNoStatus, nullptr, 0, out, sizeof out);
    CHECK(r.error == CloseEncodeError::None);
    CHECK_EQ(r.size, size_t{0});
    const std::string longest(kMaxCloseReason, 'r');
    r = encode_close_payload(1001, u8(longest.c_str()), longest.size(), out, sizeof out);
    CHECK_EQ(r.size, kMaxClosePayload);
}

TW_TEST(ws_frame_close_payload_errors) {
    uint8_t out[kMaxClosePayload];
    std::memset(out, 0xEE, sizeof out);
    CHECK(encode_close_payload(1005, u8("x"), 1, out, sizeof out).error ==
          CloseEncodeError::ReasonWithoutCode);
    CHECK(encode_close_payload(1006, nullptr, 0, out, sizeof out).error ==
          CloseEncodeError::InvalidCode);
    CHECK(encode_close_payload(999, nullptr, 0, out, sizeof out).error ==
          CloseEncodeError::InvalidCode);
    CHECK(encode_close_payload(1015, nullptr, 0, out, sizeof out).error ==
          CloseEncodeError::InvalidCode);
    const std::string too_long(kMaxCloseReason + 1, 'r');
    CHECK(
        encode_close_payload(1000, u8(too_long.c_str()), too_long.size(), out, sizeof out).error ==
        CloseEncodeError::ReasonTooLong);
    CHECK(encode_close_payload(1000, u8("\xC0\x80"), 2, out, sizeof out).error ==
          CloseEncodeError::ReasonNotUtf8);
    CHECK(encode_close_payload(1000, u8("abc"), 3, out, 4).error ==
          CloseEncodeError::BufferTooSmall);
    CHECK_EQ(out[0], 0xEE); // nothing written on error
    CHECK(std::strcmp(to_string(CloseEncodeError::ReasonTooLong),
                      "close reason longer than 123 bytes") == 0);
}
