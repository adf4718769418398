#include "sp/handshake.hpp"

#include "sp/big_endian.hpp"

namespace tickwire::detail::sp {

namespace {
constexpr uint8_t kMagic[4] = {0x00, 0x53, 0x50, 0x00}; // "\0SP\0"
} // namespace

const char* to_string(HandshakeError e) noexcept {
    switch (e) {
    case HandshakeError::None: return "none";
    case HandshakeError::BadMagic: return "SP handshake: bad magic (not an SP peer)";
    case HandshakeError::UnknownProtocol: return "SP handshake: unknown protocol id";
    case HandshakeError::WrongPeer: return "SP handshake: peer protocol incompatible with ours";
    case HandshakeError::ReservedNotZero: return "SP handshake: reserved bytes not zero";
    }
    return "SP handshake: ?";
}

void write_handshake(Protocol ours, uint8_t out[kHandshakeSize]) noexcept {
    for (size_t i = 0; i < 4; ++i) out[i] = kMagic[i];
    store_be16(protocol_id(ours), out + 4);
    out[6] = 0;
    out[7] = 0;
}

HandshakeError check_handshake(Protocol ours, const uint8_t in[kHandshakeSize], ReservedBytes policy,
                               uint16_t* peer_id) noexcept {
    for (size_t i = 0; i < 4; ++i)
        if (in[i] != kMagic[i]) return HandshakeError::BadMagic;
    const uint16_t id = load_be16(in + 4);
    if (peer_id) *peer_id = id;
    if (!is_known_protocol(id)) return HandshakeError::UnknownProtocol;
    if (!is_valid_peer(ours, id)) return HandshakeError::WrongPeer;
    if (policy == ReservedBytes::RequireZero && (in[6] != 0 || in[7] != 0))
        return HandshakeError::ReservedNotZero;
    return HandshakeError::None;
}

HandshakeReader::Step HandshakeReader::feed(const uint8_t* data, size_t len) noexcept {
    if (status_ != Status::NeedMore) return {status_, 0};
    size_t used = 0;
    while (used < len && have_ < kHandshakeSize) {
        const uint8_t b = data[used++];
        // Fail on the first wrong magic byte: no point waiting for the rest of a non-SP peer's
        // bytes (an HTTP client, a TLS hello, ...).
        if (have_ < 4 && b != kMagic[have_]) {
            status_ = Status::Failed;
            error_ = HandshakeError::BadMagic;
            return {status_, used};
        }
        buf_[have_++] = b;
    }
    if (have_ < kHandshakeSize) return {status_, used};
    error_ = check_handshake(ours_, buf_, policy_, &peer_id_);
    status_ = error_ == HandshakeError::None ? Status::Done : Status::Failed;
    return {status_, used};
}

} // namespace tickwire::detail::sp
