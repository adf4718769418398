// Shared vocabulary of the DNS resolver: the status codes every part returns, and the address
// record it produces. Kept apart so that dns_message, hosts_file, resolv_conf and resolver can
// all speak it without including one another.
#pragma once
#include <cstddef>
#include <cstdint>

namespace tickwire::detail::dns {

// One enum for every outcome, so that a failed lookup can carry the exact reason up to the
// user (a DNS server's NXDOMAIN is not a timeout, and neither is a malformed reply).
enum class DnsStatus : uint8_t {
    Ok = 0,
    // Names given by the caller (validate_name / build_query / Resolver::start).
    BadName,          // empty, empty label, character outside [A-Za-z0-9-_], label starts/ends with '-'
    NameTooLong,      // more than 253 characters (without a trailing dot)
    LabelTooLong,     // a label longer than 63 characters
    NameIsIpLiteral,  // "10.0.0.1", "::1", "127.1", "0x7f000001": the caller must parse literals itself
    BufferTooSmall,   // the caller's output buffer cannot hold the query
    // Replies that must be ignored because they are not an answer to our query (spoofing, stale).
    IdMismatch,
    NotAResponse,     // QR bit clear
    QuestionMismatch, // QDCOUNT != 1, or another name/type/class than we asked
    // Replies that are an answer to our query but an unusable one.
    Malformed,        // too short, a record runs past the end, bad label, bad RDLENGTH...
    BadPointer,       // a compression pointer outside the message
    PointerLoop,      // compression pointers that never reach a name's end
    BadOpcode,        // OPCODE in the reply is not QUERY
    Truncated,        // TC bit: the reply did not fit in UDP; we do not fall back to TCP
    FormatError,      // RCODE 1: the server could not read our query
    ServerFailure,    // RCODE 2
    NxDomain,         // RCODE 3: the name does not exist
    NotImplemented,   // RCODE 4
    Refused,          // RCODE 5
    OtherRcode,       // any other RCODE
    NoData,           // NOERROR but no address of the requested type (after CNAMEs)
    // Resolver-level outcomes.
    Timeout,          // every attempt on every name server went unanswered
    TableFull,        // no free lookup slot
    InvalidHandle,    // stale or never-issued handle
    RandomFailed,     // the caller's random source failed: we will not send guessable ids
    NoServers,        // the resolver has no name server to ask
    InvalidArgument,  // init() without slots or random source, or too many slots
};

const char* to_string(DnsStatus s) noexcept;

// An address produced by a lookup. `family` is 4 or 6; an IPv4 address uses bytes[0..4).
// `ttl_s` is the smallest TTL along the CNAME chain (seconds, RFC 2181 clamp applied); hosts
// file and "localhost" answers carry 0.
struct DnsAddress {
    uint8_t family = 0;
    uint8_t bytes[16] = {};
    uint32_t ttl_s = 0;
};

// Record types we query. Values are the wire values.
enum class RecordType : uint16_t { A = 1, Aaaa = 28 };

// What a lookup wants: IPv4 only, IPv6 only, or both (A and AAAA sent together).
enum class Family : uint8_t { V4, V6, Any };

} // namespace tickwire::detail::dns
