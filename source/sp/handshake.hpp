// The 8-byte SP connection header of the tcp and ipc transports (ws has none).
//
// Wire (shared/sp/WIRE.md): `00 53 50 00` ("\0SP\0"), our protocol id as 16-bit big-endian,
// `00 00` reserved. Each side sends its 8 bytes at once without waiting, then reads the peer's.
// On a bad header both nanomsg and NNG close the connection. They differ on the reserved bytes:
// nanomsg 1.1.5 ignores them, NNG 1.5.2 closes unless they are `00 00` (policy ReservedBytes).
//
// Usage (per connection, after connect/accept):
//     uint8_t hello[kHandshakeSize]; write_handshake(Protocol::Req, hello);  // queue for sending
//     HandshakeReader rd(Protocol::Req);
//     on bytes: auto s = rd.feed(p, n); p += s.consumed; n -= s.consumed;
//               Done -> rd.peer() is valid; the remaining bytes are framed messages.
//               Failed -> close; rd.error() says why.
#pragma once
#include <cstddef>
#include <cstdint>

#include "sp/protocol.hpp"

namespace tickwire::detail::sp {

constexpr size_t kHandshakeSize = 8;

enum class HandshakeError : uint8_t {
    None,
    BadMagic,        // the first 4 bytes are not 00 53 50 00: not an SP peer at all
    UnknownProtocol, // the id is no SP protocol we know
    WrongPeer,       // a real SP protocol, but not the peer of ours (e.g. REQ dialing PULL)
    ReservedNotZero, // bytes 6..7 are not 00 00 (only with ReservedBytes::RequireZero)
};

const char* to_string(HandshakeError e) noexcept;

// What to do with non-zero reserved bytes in the peer's header.
enum class ReservedBytes : uint8_t {
    Ignore,      // accept, like nanomsg 1.1.5 (the default: more peers interoperate)
    RequireZero, // reject with ReservedNotZero, like NNG 1.5.2
};

// Writes our 8-byte header into `out`.
void write_handshake(Protocol ours, uint8_t out[kHandshakeSize]) noexcept;

// Checks a complete 8-byte peer header. On None, *peer_id (if non-null) is the peer's id.
// Checked in wire order: magic, protocol id (unknown, then wrong peer), reserved bytes.
HandshakeError check_handshake(Protocol ours, const uint8_t in[kHandshakeSize], ReservedBytes policy,
                               uint16_t* peer_id) noexcept;

// Collects the peer's header from pieces of any size (real peers accept `00 53 50` | `00 ...`
// splits, so must we). Consumes at most the 8 header bytes; what follows belongs to the framing.
// A bad magic byte fails as soon as it arrives. 8 bytes of state.
class HandshakeReader {
public:
    enum class Status : uint8_t { NeedMore, Done, Failed };
    struct Step {
        Status status;
        size_t consumed; // bytes of the input taken by the header (0 after Done or Failed)
    };

    explicit HandshakeReader(Protocol ours, ReservedBytes policy = ReservedBytes::Ignore) noexcept
        : ours_(ours), policy_(policy) {}

    // Feeds `len` bytes at `data` (data may be null when len is 0). Done and Failed are sticky.
    Step feed(const uint8_t* data, size_t len) noexcept;

    Status status() const noexcept { return status_; }
    HandshakeError error() const noexcept { return error_; }
    // The peer's protocol; meaningful once status() is Done.
    Protocol peer() const noexcept { return peer_of(ours_); }
    // The id the peer sent (valid after Done; after Failed it is valid only if 8 bytes arrived).
    uint16_t peer_id() const noexcept { return peer_id_; }

private:
    uint8_t buf_[kHandshakeSize] = {};
    uint8_t have_ = 0;
    Status status_ = Status::NeedMore;
    HandshakeError error_ = HandshakeError::None;
    Protocol ours_;
    ReservedBytes policy_;
    uint16_t peer_id_ = 0;
};

} // namespace tickwire::detail::sp
