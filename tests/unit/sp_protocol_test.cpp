// SP protocol ids, peers and ws subprotocol names against shared/sp/WIRE.md §2 and §5.
#include "tests/framework/check.hpp"

#include <cstring>

#include "sp/protocol.hpp"

using namespace tickwire::detail::sp;

TW_TEST(sp_protocol_ids_match_wire) {
    CHECK_EQ(protocol_id(Protocol::Pair0), 0x10u);
    CHECK_EQ(protocol_id(Protocol::Pair1), 0x11u);
    CHECK_EQ(protocol_id(Protocol::Pub), 0x20u);
    CHECK_EQ(protocol_id(Protocol::Sub), 0x21u);
    CHECK_EQ(protocol_id(Protocol::Req), 0x30u);
    CHECK_EQ(protocol_id(Protocol::Rep), 0x31u);
    CHECK_EQ(protocol_id(Protocol::Push), 0x50u);
    CHECK_EQ(protocol_id(Protocol::Pull), 0x51u);
    CHECK_EQ(protocol_id(Protocol::Surveyor), 0x62u);
    CHECK_EQ(protocol_id(Protocol::Respondent), 0x63u);
    CHECK_EQ(protocol_id(Protocol::Bus), 0x70u);
}

TW_TEST(sp_protocol_known_ids) {
    int known = 0;
    for (unsigned id = 0; id <= 0xffff; ++id)
        if (is_known_protocol(static_cast<uint16_t>(id))) ++known;
    CHECK_EQ(known, 11);
    // Survey v1 ids and protocol 4 are not SP protocols of these libraries.
    CHECK(!is_known_protocol(0x60));
    CHECK(!is_known_protocol(0x61));
    CHECK(!is_known_protocol(0x40));
    Protocol p = Protocol::Bus;
    CHECK(protocol_from_id(0x63, &p));
    CHECK(p == Protocol::Respondent);
    p = Protocol::Bus;
    CHECK(!protocol_from_id(0x3000, &p)); // little-endian REQ is not REQ
    CHECK(p == Protocol::Bus);
}

TW_TEST(sp_protocol_peers) {
    CHECK(is_valid_peer(Protocol::Req, 0x31));
    CHECK(is_valid_peer(Protocol::Rep, 0x30));
    CHECK(is_valid_peer(Protocol::Pub, 0x21));
    CHECK(is_valid_peer(Protocol::Sub, 0x20));
    CHECK(is_valid_peer(Protocol::Push, 0x51));
    CHECK(is_valid_peer(Protocol::Pull, 0x50));
    CHECK(is_valid_peer(Protocol::Surveyor, 0x63));
    CHECK(is_valid_peer(Protocol::Respondent, 0x62));
    CHECK(is_valid_peer(Protocol::Bus, 0x70));
    CHECK(is_valid_peer(Protocol::Pair0, 0x10));
    CHECK(is_valid_peer(Protocol::Pair1, 0x11));
    // Captured mismatches: REQ vs PULL, pair v1 vs pair v0; and a socket vs its own kind.
    CHECK(!is_valid_peer(Protocol::Req, 0x51));
    CHECK(!is_valid_peer(Protocol::Pair1, 0x10));
    CHECK(!is_valid_peer(Protocol::Pair0, 0x11));
    CHECK(!is_valid_peer(Protocol::Req, 0x30));
    CHECK(!is_valid_peer(Protocol::Pub, 0x20));
    // Exactly one valid peer id per protocol, and the relation is symmetric.
    for (Protocol a : kAllProtocols) {
        int n = 0;
        for (Protocol b : kAllProtocols) {
            if (is_valid_peer(a, protocol_id(b))) {
                ++n;
                CHECK(is_valid_peer(b, protocol_id(a)));
            }
        }
        CHECK_EQ(n, 1);
    }
}

TW_TEST(sp_protocol_header_kinds) {
    CHECK(header_kind(Protocol::Req) == HeaderKind::Backtrace);
    CHECK(header_kind(Protocol::Rep) == HeaderKind::Backtrace);
    CHECK(header_kind(Protocol::Surveyor) == HeaderKind::Backtrace);
    CHECK(header_kind(Protocol::Respondent) == HeaderKind::Backtrace);
    CHECK(header_kind(Protocol::Pair1) == HeaderKind::Pair1Hops);
    CHECK(header_kind(Protocol::Pair0) == HeaderKind::None);
    CHECK(header_kind(Protocol::Pub) == HeaderKind::None);
    CHECK(header_kind(Protocol::Sub) == HeaderKind::None);
    CHECK(header_kind(Protocol::Push) == HeaderKind::None);
    CHECK(header_kind(Protocol::Pull) == HeaderKind::None);
    CHECK(header_kind(Protocol::Bus) == HeaderKind::None);
}

TW_TEST(sp_protocol_names_and_ws_subprotocols) {
    CHECK(std::strcmp(protocol_name(Protocol::Pair0), "pair") == 0);
    CHECK(std::strcmp(protocol_name(Protocol::Pair1), "pair1") == 0);
    CHECK(std::strcmp(protocol_name(Protocol::Respondent), "respondent") == 0);
    CHECK(std::strcmp(ws_subprotocol(Protocol::Pair1), "pair1.sp.nanomsg.org") == 0);
    CHECK(std::strcmp(ws_subprotocol(Protocol::Surveyor), "surveyor.sp.nanomsg.org") == 0);
    // Every ws name is "<name>.sp.nanomsg.org".
    for (Protocol p : kAllProtocols) {
        char expect[64];
        std::snprintf(expect, sizeof expect, "%s.sp.nanomsg.org", protocol_name(p));
        CHECK(std::strcmp(ws_subprotocol(p), expect) == 0);
    }
    // Captured: a REQ dialer sends rep.sp.nanomsg.org, a respondent dialer surveyor.sp...
    CHECK(std::strcmp(ws_subprotocol_to_request(Protocol::Req), "rep.sp.nanomsg.org") == 0);
    CHECK(std::strcmp(ws_subprotocol_to_request(Protocol::Respondent), "surveyor.sp.nanomsg.org") == 0);
    CHECK(std::strcmp(ws_subprotocol_to_accept(Protocol::Rep), "rep.sp.nanomsg.org") == 0);
}

TW_TEST(sp_protocol_ws_lookup) {
    for (Protocol p : kAllProtocols) {
        Protocol got = Protocol::Bus;
        const char* name = ws_subprotocol(p);
        CHECK(protocol_from_ws_subprotocol(name, std::strlen(name), &got));
        CHECK(got == p);
    }
    Protocol got = Protocol::Bus;
    const char* pair1 = "pair1.sp.nanomsg.org";
    // Prefixes and extensions of a valid name are not that name.
    CHECK(!protocol_from_ws_subprotocol(pair1, 19, &got));        // "pair1.sp.nanomsg.or"
    CHECK(!protocol_from_ws_subprotocol("rep.sp.nanomsg.org2", 19, &got));
    CHECK(!protocol_from_ws_subprotocol("REP.sp.nanomsg.org", 18, &got));
    CHECK(!protocol_from_ws_subprotocol("", 0, &got));
    CHECK(!protocol_from_ws_subprotocol(nullptr, 0, &got));
    CHECK(got == Protocol::Bus);
    // Not NUL-terminated input: only `len` bytes are read.
    const char buf[] = {'b', 'u', 's', '.', 's', 'p', '.', 'n', 'a', 'n', 'o', 'm', 's', 'g',
                        '.', 'o', 'r', 'g', 'X'};
    got = Protocol::Req;
    CHECK(protocol_from_ws_subprotocol(buf, 18, &got));
    CHECK(got == Protocol::Bus);
}

// Everything above is usable at compile time (no static initialisation order issues).
static_assert(is_valid_peer(Protocol::Req, 0x31), "constexpr peer check");
static_assert(header_kind(Protocol::Pair1) == HeaderKind::Pair1Hops, "constexpr header kind");
