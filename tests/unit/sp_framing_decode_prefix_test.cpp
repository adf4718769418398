// sp::decode_prefix (the read path's whole-prefix decoder) against the captured frames of
// shared/sp/WIRE.md and against FrameDecoder on the same bytes.
#include "tests/framework/check.hpp"

#include "sp/framing.hpp"

using namespace tickwire::detail::sp;

TW_TEST(sp_decode_prefix_tcp_and_ipc_golden) {
    const uint8_t tcp[] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x11, 0x70};  // 70000 (nn-bigmsg-tcp)
    const uint8_t ipc[] = {0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08};
    uint64_t len = 0;
    CHECK_EQ(decode_prefix(Framing::Tcp, tcp, 1u << 20, len), FrameError::None);
    CHECK_EQ(len, 70000u);
    CHECK_EQ(decode_prefix(Framing::Ipc, ipc, 1u << 20, len), FrameError::None);
    CHECK_EQ(len, 8u);
}

TW_TEST(sp_decode_prefix_errors_match_frame_decoder) {
    const uint8_t bad_type[] = {0x02, 0, 0, 0, 0, 0, 0, 0, 3};
    uint64_t len = 0;
    CHECK_EQ(decode_prefix(Framing::Ipc, bad_type, 100, len), FrameError::BadIpcType);
    FrameDecoder d(Framing::Ipc, 100);
    CHECK_EQ(d.next(bad_type, sizeof bad_type).error, FrameError::BadIpcType);

    const uint8_t big[] = {0, 0, 0, 0, 0, 0, 0, 101};
    CHECK_EQ(decode_prefix(Framing::Tcp, big, 100, len), FrameError::TooLarge);
    FrameDecoder t(Framing::Tcp, 100);
    CHECK_EQ(t.next(big, sizeof big).error, FrameError::TooLarge);
    const uint8_t edge[] = {0, 0, 0, 0, 0, 0, 0, 100};  // exactly the limit is fine
    CHECK_EQ(decode_prefix(Framing::Tcp, edge, 100, len), FrameError::None);
    CHECK_EQ(len, 100u);
    const uint8_t huge[] = {0x80, 0, 0, 0, 0, 0, 0, 0};  // no overflow games with the top bit
    CHECK_EQ(decode_prefix(Framing::Tcp, huge, (1ull << 63) - 1, len), FrameError::TooLarge);
}
