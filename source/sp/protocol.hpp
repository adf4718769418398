// SP (scalability protocols: nanomsg / NNG) protocol ids, names, peer rules and WebSocket
// subprotocol names. Pure constants, no state; everything here is constexpr.
//
// Facts (shared/sp/WIRE.md, captured from nanomsg 1.1.5 and NNG 1.5.2):
//  * id = protocol number * 16 + role; both libraries put the same 16-bit ids on the wire.
//  * survey is "version 2" (0x62 / 0x63), protocol 4 is unused, pair v1 (0x11) is NNG only and
//    does not talk to pair v0 (0x10).
//  * ws subprotocol = "<name>.sp.nanomsg.org"; the DIALER asks for its PEER's name (a REQ dialer
//    sends "rep.sp.nanomsg.org") and the listener echoes it back.
#pragma once
#include <cstddef>
#include <cstdint>

namespace tickwire::detail::sp {

// The id a socket puts in its 8-byte handshake.
enum class Protocol : uint16_t {
    Pair0 = 0x10,
    Pair1 = 0x11,
    Pub = 0x20,
    Sub = 0x21,
    Req = 0x30,
    Rep = 0x31,
    Push = 0x50,
    Pull = 0x51,
    Surveyor = 0x62,
    Respondent = 0x63,
    Bus = 0x70,
};

// Every protocol, for iteration in tests and lookups.
constexpr Protocol kAllProtocols[] = {
    Protocol::Pair0, Protocol::Pair1, Protocol::Pub,      Protocol::Sub,
    Protocol::Req,   Protocol::Rep,   Protocol::Push,     Protocol::Pull,
    Protocol::Surveyor, Protocol::Respondent, Protocol::Bus,
};

constexpr uint16_t protocol_id(Protocol p) noexcept { return static_cast<uint16_t>(p); }

// Converts a wire id. Returns false (and leaves *out alone) for an id that is no SP protocol.
constexpr bool protocol_from_id(uint16_t id, Protocol* out) noexcept {
    for (Protocol p : kAllProtocols) {
        if (protocol_id(p) == id) {
            *out = p;
            return true;
        }
    }
    return false;
}

constexpr bool is_known_protocol(uint16_t id) noexcept {
    Protocol ignored = Protocol::Pair0;
    return protocol_from_id(id, &ignored);
}

// The one protocol a socket of protocol `p` connects to. Pair, pair v1 and bus talk to themselves.
constexpr Protocol peer_of(Protocol p) noexcept {
    switch (p) {
    case Protocol::Pub: return Protocol::Sub;
    case Protocol::Sub: return Protocol::Pub;
    case Protocol::Req: return Protocol::Rep;
    case Protocol::Rep: return Protocol::Req;
    case Protocol::Push: return Protocol::Pull;
    case Protocol::Pull: return Protocol::Push;
    case Protocol::Surveyor: return Protocol::Respondent;
    case Protocol::Respondent: return Protocol::Surveyor;
    case Protocol::Pair0:
    case Protocol::Pair1:
    case Protocol::Bus: break;
    }
    return p;
}

// True when a peer announcing `peer_id` in its handshake may talk to a socket of protocol `ours`.
// Both libraries close the connection otherwise (and their dialers then reconnect in a loop).
constexpr bool is_valid_peer(Protocol ours, uint16_t peer_id) noexcept {
    return peer_id == protocol_id(peer_of(ours));
}

// The short name both libraries use ("pair", "pair1", "pub", ..., "respondent", "bus").
constexpr const char* protocol_name(Protocol p) noexcept {
    switch (p) {
    case Protocol::Pair0: return "pair";
    case Protocol::Pair1: return "pair1";
    case Protocol::Pub: return "pub";
    case Protocol::Sub: return "sub";
    case Protocol::Req: return "req";
    case Protocol::Rep: return "rep";
    case Protocol::Push: return "push";
    case Protocol::Pull: return "pull";
    case Protocol::Surveyor: return "surveyor";
    case Protocol::Respondent: return "respondent";
    case Protocol::Bus: return "bus";
    }
    return "?";
}

// The WebSocket subprotocol that names protocol `p`: "<name>.sp.nanomsg.org".
constexpr const char* ws_subprotocol(Protocol p) noexcept {
    switch (p) {
    case Protocol::Pair0: return "pair.sp.nanomsg.org";
    case Protocol::Pair1: return "pair1.sp.nanomsg.org";
    case Protocol::Pub: return "pub.sp.nanomsg.org";
    case Protocol::Sub: return "sub.sp.nanomsg.org";
    case Protocol::Req: return "req.sp.nanomsg.org";
    case Protocol::Rep: return "rep.sp.nanomsg.org";
    case Protocol::Push: return "push.sp.nanomsg.org";
    case Protocol::Pull: return "pull.sp.nanomsg.org";
    case Protocol::Surveyor: return "surveyor.sp.nanomsg.org";
    case Protocol::Respondent: return "respondent.sp.nanomsg.org";
    case Protocol::Bus: return "bus.sp.nanomsg.org";
    }
    return "?";
}

// What a ws DIALER of protocol `ours` sends in Sec-WebSocket-Protocol: its peer's name.
constexpr const char* ws_subprotocol_to_request(Protocol ours) noexcept {
    return ws_subprotocol(peer_of(ours));
}

// What a ws LISTENER of protocol `ours` accepts in Sec-WebSocket-Protocol (and echoes): its own
// name. (nanomsg also lets a pair listener accept a request with no such header; that choice
// belongs to the ws session, not here.)
constexpr const char* ws_subprotocol_to_accept(Protocol ours) noexcept {
    return ws_subprotocol(ours);
}

// Looks up one subprotocol token (exact bytes, `len` of them, no terminator needed). Returns
// false for a name that is not one of ours; a listener answers 400 then (both libraries do).
constexpr bool protocol_from_ws_subprotocol(const char* name, size_t len, Protocol* out) noexcept {
    for (Protocol p : kAllProtocols) {
        const char* s = ws_subprotocol(p);
        size_t i = 0;
        while (i < len && s[i] != '\0' && s[i] == name[i]) ++i;
        if (i == len && s[i] == '\0') {
            *out = p;
            return true;
        }
    }
    return false;
}

// Which SP header precedes the body of every message of a protocol.
enum class HeaderKind : uint8_t {
    None,      // pair v0, pub, sub, push, pull, bus: the payload is the body
    Backtrace, // req, rep, surveyor, respondent: 32-bit words, last one has the top bit set
    Pair1Hops, // pair v1: one 32-bit hop count
};

constexpr HeaderKind header_kind(Protocol p) noexcept {
    switch (p) {
    case Protocol::Req:
    case Protocol::Rep:
    case Protocol::Surveyor:
    case Protocol::Respondent: return HeaderKind::Backtrace;
    case Protocol::Pair1: return HeaderKind::Pair1Hops;
    case Protocol::Pair0:
    case Protocol::Pub:
    case Protocol::Sub:
    case Protocol::Push:
    case Protocol::Pull:
    case Protocol::Bus: break;
    }
    return HeaderKind::None;
}

} // namespace tickwire::detail::sp
