// Fuzz target for the SP handshake reader (source/sp/handshake.*).
// Input: byte 0 = our protocol (index) and policy, byte 1 = piece seed, the rest = peer bytes.
// Properties (abort() on violation): the incremental reader, fed in pieces, agrees with the
// one-shot check on the first 8 bytes; it never consumes past the header; a bad magic byte
// fails at that byte; Done/Failed are sticky.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "sp/handshake.hpp"

using namespace tickwire::detail::sp;

namespace {
void require(bool ok) {
    if (!ok) std::abort();
}
constexpr size_t kProtocols = sizeof kAllProtocols / sizeof kAllProtocols[0];
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 2) return 0;
    const Protocol ours = kAllProtocols[(data[0] & 0x7f) % kProtocols];
    const ReservedBytes policy = (data[0] & 0x80) ? ReservedBytes::RequireZero : ReservedBytes::Ignore;
    uint32_t seed = data[1] | 0x100u;
    const uint8_t* in = data + 2;
    const size_t len = size - 2;

    HandshakeReader rd(ours, policy);
    size_t off = 0;
    HandshakeReader::Step s{HandshakeReader::Status::NeedMore, 0};
    while (off < len) {
        seed = seed * 1103515245u + 12345u;
        size_t n = 1 + (seed >> 16) % 5;
        if (n > len - off) n = len - off;
        s = rd.feed(in + off, n);
        require(s.consumed <= n);
        off += s.consumed;
        if (s.status != HandshakeReader::Status::NeedMore) break;
        require(s.consumed == n);
    }
    require(off <= kHandshakeSize);

    // Where the one-shot check stands on the same bytes.
    size_t magic_bad_at = 0;
    const uint8_t magic[4] = {0, 'S', 'P', 0};
    while (magic_bad_at < 4 && magic_bad_at < len && in[magic_bad_at] == magic[magic_bad_at])
        ++magic_bad_at;
    if (magic_bad_at < 4 && magic_bad_at < len) {
        require(rd.status() == HandshakeReader::Status::Failed);
        require(rd.error() == HandshakeError::BadMagic && off == magic_bad_at + 1);
    } else if (len < kHandshakeSize) {
        require(rd.status() == HandshakeReader::Status::NeedMore && off == len);
    } else {
        uint16_t peer = 0;
        const HandshakeError e = check_handshake(ours, in, policy, &peer);
        require(rd.error() == e && off == kHandshakeSize);
        require(rd.status() == (e == HandshakeError::None ? HandshakeReader::Status::Done
                                                          : HandshakeReader::Status::Failed));
        require(rd.peer_id() == peer);
        if (e == HandshakeError::None) require(is_valid_peer(ours, peer));
    }
    if (rd.status() != HandshakeReader::Status::NeedMore) {
        const HandshakeReader::Step again = rd.feed(in, len);
        require(again.consumed == 0 && again.status == rd.status());
    }
    return 0;
}
