// DNS wire format (RFC 1035) for a client-side resolver: build one A or AAAA query, and read the
// reply to it. Sans-I/O: bytes in, bytes or addresses out, into caller buffers.
//
// What the reply reader checks, in order, and what it returns:
//   length >= 12, else Malformed;  ID == ours, else IdMismatch;  QR set, else NotAResponse;
//   OPCODE == QUERY, else BadOpcode;  exactly one question equal to ours (name compared
//   case-insensitively, type, class IN), else QuestionMismatch (or Malformed/BadPointer/... if the
//   question cannot be read);  TC clear, else Truncated (no TCP fallback: RFC 2181 §9 says a
//   truncated reply must not be used, and a client asking for one A/AAAA set rarely needs >512 B);
//   RCODE 0, else FormatError / ServerFailure / NxDomain / NotImplemented / Refused / OtherRcode.
// Then every answer record is walked and bounds-checked; CNAMEs are followed from the question
// name (up to 8 links, all inside this reply), and the A/AAAA records owned by the end of the
// chain are collected. None found: NoData. Authority and additional sections are not read.
//
// Name compression: a pointer must land inside the message after the header (else BadPointer)
// and strictly before the start of the label run it interrupts (else PointerLoop). Every
// conforming compressor points back to an earlier name, and the rule makes each name's
// decoding visit ever-smaller offsets, so it always ends: no hop counter to tune.
#pragma once
#include <cstddef>
#include <cstdint>

#include "transport/dns/dns_types.hpp"

namespace tickwire::detail::dns {

constexpr size_t kMaxNameLength = 253;  // presentation form, no trailing dot
constexpr size_t kMaxWireName = 255;    // RFC 1035 §3.1, length octets included
constexpr size_t kHeaderSize = 12;
// The largest query build_query can produce: header + name + QTYPE + QCLASS.
constexpr size_t kMaxQuerySize = kHeaderSize + kMaxWireName + 4;
// We send no EDNS0 OPT record, so a conforming server's UDP reply fits in 512 bytes.
constexpr size_t kMaxUdpReply = 512;

// Checks a host name as the caller gave it: labels of 1..63 characters from [A-Za-z0-9-_]
// (underscore for service names; a label may not start or end with '-'), at most 253
// characters, an optional single trailing dot. IP literals are refused (NameIsIpLiteral).
// On Ok, *out_len (if not null) receives the length without the trailing dot.
DnsStatus validate_name(const char* name, size_t len, size_t* out_len) noexcept;

struct QueryBuild {
    DnsStatus status;
    size_t size;  // bytes written to `out` when status is Ok, else 0
};

// Writes a standard recursive query (RD=1, one question, class IN) for `name` with the given
// id. Errors: those of validate_name, BufferTooSmall. `out` is untouched on error.
QueryBuild build_query(const char* name, size_t len, RecordType type, uint16_t id,
                       uint8_t* out, size_t cap) noexcept;

struct AnswerParse {
    DnsStatus status;
    size_t count;  // addresses written to `out` (only when status is Ok; <= cap)
    size_t found;  // addresses the reply held for the name; may exceed `count`
};

// Reads `msg` as the reply to the query (id, name, type). On Ok, writes up to `cap`
// addresses in reply order; each one's TTL is the smallest along its CNAME chain, with
// TTLs >= 2^31 read as 0 (RFC 2181 §8). A `name` that fails validate_name gives BadName.
AnswerParse parse_answer(const uint8_t* msg, size_t len, uint16_t id, const char* name,
                         size_t name_len, RecordType type, DnsAddress* out, size_t cap) noexcept;

} // namespace tickwire::detail::dns
