#include "transport/dns/dns_message.hpp"

#include <cstring>

#include "transport/dns/ip_literal.hpp"

namespace tickwire::detail::dns {
namespace {

constexpr uint16_t kTypeCname = 5;
constexpr uint16_t kClassIn = 1;
constexpr size_t kMaxCnameLinks = 8;
constexpr size_t kMaxLabel = 63;
constexpr size_t kRecordFixedSize = 10;  // TYPE, CLASS, TTL, RDLENGTH

// A name in wire form (length-prefixed labels, ending in a zero octet), lowercased so that two
// names compare with memcmp (DNS names compare case-insensitively, RFC 4343).
struct WireName {
    uint8_t bytes[kMaxWireName];
    size_t len;
};

bool same_name(const WireName& a, const WireName& b) noexcept {
    return a.len == b.len && std::memcmp(a.bytes, b.bytes, a.len) == 0;
}

uint8_t lower(uint8_t c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<uint8_t>(c + 32) : c; }

bool label_char(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

uint16_t get16(const uint8_t* p) noexcept { return static_cast<uint16_t>((p[0] << 8) | p[1]); }

uint32_t get32(const uint8_t* p) noexcept {
    return (static_cast<uint32_t>(p[0]) << 24) | (static_cast<uint32_t>(p[1]) << 16) |
           (static_cast<uint32_t>(p[2]) << 8) | p[3];
}

void put16(uint8_t* p, uint16_t v) noexcept {
    p[0] = static_cast<uint8_t>(v >> 8);
    p[1] = static_cast<uint8_t>(v & 0xFF);
}

DnsStatus encode_name(const char* name, size_t len, WireName& out) noexcept {
    size_t n = 0;
    DnsStatus s = validate_name(name, len, &n);
    if (s != DnsStatus::Ok) return s;
    size_t w = 0;
    size_t label_start = 0;
    for (size_t i = 0; i <= n; ++i) {
        if (i < n && name[i] != '.') continue;
        out.bytes[w++] = static_cast<uint8_t>(i - label_start);
        for (size_t j = label_start; j < i; ++j) out.bytes[w++] = lower(static_cast<uint8_t>(name[j]));
        label_start = i + 1;
    }
    out.bytes[w++] = 0;
    out.len = w;
    return DnsStatus::Ok;
}

// Decodes the (possibly compressed) name at `pos`. *next receives the offset just after the
// name where it is stored at `pos` (after the first pointer if there is one).
DnsStatus read_name(const uint8_t* msg, size_t len, size_t pos, WireName& out, size_t* next) noexcept {
    size_t p = pos;
    size_t segment = pos;  // start of the label run being read; pointers must go below it
    size_t w = 0;
    bool jumped = false;
    for (;;) {
        if (p >= len) return DnsStatus::Malformed;
        uint8_t b = msg[p];
        if ((b & 0xC0) == 0xC0) {
            if (p + 1 >= len) return DnsStatus::Malformed;
            size_t target = (static_cast<size_t>(b & 0x3F) << 8) | msg[p + 1];
            if (target < kHeaderSize || target >= len) return DnsStatus::BadPointer;
            if (target >= segment) return DnsStatus::PointerLoop;
            if (!jumped) *next = p + 2;
            jumped = true;
            p = segment = target;
            continue;
        }
        if ((b & 0xC0) != 0) return DnsStatus::Malformed;  // extended label types (RFC 6891 §5)
        if (b == 0) {
            out.bytes[w++] = 0;
            out.len = w;
            if (!jumped) *next = p + 1;
            return DnsStatus::Ok;
        }
        if (b > len - p - 1) return DnsStatus::Malformed;
        if (w + 1 + b + 1 > kMaxWireName) return DnsStatus::Malformed;
        out.bytes[w++] = b;
        for (size_t k = 0; k < b; ++k) out.bytes[w++] = lower(msg[p + 1 + k]);
        p += 1 + b;
    }
}

struct Record {
    WireName owner;
    uint16_t type;
    uint16_t cls;
    uint32_t ttl;
    size_t rdata;
    size_t rdlen;
};

// Walks the answer section one record at a time, checking each one's bounds.
struct AnswerWalk {
    const uint8_t* msg;
    size_t len;
    size_t pos;
    size_t left;

    DnsStatus next(Record& r) noexcept {
        size_t p = 0;
        DnsStatus s = read_name(msg, len, pos, r.owner, &p);
        if (s != DnsStatus::Ok) return s;
        if (len - p < kRecordFixedSize) return DnsStatus::Malformed;
        r.type = get16(msg + p);
        r.cls = get16(msg + p + 2);
        uint32_t ttl = get32(msg + p + 4);
        r.ttl = ttl > 0x7FFFFFFFu ? 0 : ttl;
        r.rdlen = get16(msg + p + 8);
        p += kRecordFixedSize;
        if (r.rdlen > len - p) return DnsStatus::Malformed;
        r.rdata = p;
        pos = p + r.rdlen;
        --left;
        return DnsStatus::Ok;
    }
};

DnsStatus rcode_status(unsigned rcode) noexcept {
    switch (rcode) {
    case 0: return DnsStatus::Ok;
    case 1: return DnsStatus::FormatError;
    case 2: return DnsStatus::ServerFailure;
    case 3: return DnsStatus::NxDomain;
    case 4: return DnsStatus::NotImplemented;
    case 5: return DnsStatus::Refused;
    default: return DnsStatus::OtherRcode;
    }
}

} // namespace

DnsStatus validate_name(const char* name, size_t len, size_t* out_len) noexcept {
    if (name == nullptr) return DnsStatus::BadName;
    if (len > 0 && name[len - 1] == '.') --len;
    if (len == 0) return DnsStatus::BadName;
    if (looks_like_ip_literal(name, len)) return DnsStatus::NameIsIpLiteral;
    if (len > kMaxNameLength) return DnsStatus::NameTooLong;
    size_t label_len = 0;
    for (size_t i = 0; i < len; ++i) {
        char c = name[i];
        if (c == '.') {
            if (label_len == 0 || name[i - 1] == '-') return DnsStatus::BadName;
            label_len = 0;
            continue;
        }
        if (!label_char(c)) return DnsStatus::BadName;
        if (label_len == 0 && c == '-') return DnsStatus::BadName;
        if (++label_len > kMaxLabel) return DnsStatus::LabelTooLong;
    }
    if (label_len == 0 || name[len - 1] == '-') return DnsStatus::BadName;
    if (out_len) *out_len = len;
    return DnsStatus::Ok;
}

QueryBuild build_query(const char* name, size_t len, RecordType type, uint16_t id, uint8_t* out,
                       size_t cap) noexcept {
    WireName wire;
    DnsStatus s = encode_name(name, len, wire);
    if (s != DnsStatus::Ok) return {s, 0};
    size_t size = kHeaderSize + wire.len + 4;
    if (out == nullptr || cap < size) return {DnsStatus::BufferTooSmall, 0};
    put16(out, id);
    put16(out + 2, 0x0100);  // QR=0, OPCODE=QUERY, RD=1
    put16(out + 4, 1);       // QDCOUNT
    put16(out + 6, 0);       // ANCOUNT
    put16(out + 8, 0);       // NSCOUNT
    put16(out + 10, 0);      // ARCOUNT
    std::memcpy(out + kHeaderSize, wire.bytes, wire.len);
    put16(out + kHeaderSize + wire.len, static_cast<uint16_t>(type));
    put16(out + kHeaderSize + wire.len + 2, kClassIn);
    return {DnsStatus::Ok, size};
}

AnswerParse parse_answer(const uint8_t* msg, size_t len, uint16_t id, const char* name,
                         size_t name_len, RecordType type, DnsAddress* out, size_t cap) noexcept {
    WireName question;
    DnsStatus s = encode_name(name, name_len, question);
    if (s != DnsStatus::Ok) return {s, 0, 0};
    if (msg == nullptr || len < kHeaderSize) return {DnsStatus::Malformed, 0, 0};
    if (get16(msg) != id) return {DnsStatus::IdMismatch, 0, 0};
    uint16_t flags = get16(msg + 2);
    if ((flags & 0x8000) == 0) return {DnsStatus::NotAResponse, 0, 0};
    if (((flags >> 11) & 0xF) != 0) return {DnsStatus::BadOpcode, 0, 0};
    if (get16(msg + 4) != 1) return {DnsStatus::QuestionMismatch, 0, 0};

    WireName qname;
    size_t pos = 0;
    s = read_name(msg, len, kHeaderSize, qname, &pos);
    if (s != DnsStatus::Ok) return {s, 0, 0};
    if (len - pos < 4) return {DnsStatus::Malformed, 0, 0};
    if (!same_name(qname, question) || get16(msg + pos) != static_cast<uint16_t>(type) ||
        get16(msg + pos + 2) != kClassIn)
        return {DnsStatus::QuestionMismatch, 0, 0};
    pos += 4;

    if (flags & 0x0200) return {DnsStatus::Truncated, 0, 0};
    s = rcode_status(flags & 0xF);
    if (s != DnsStatus::Ok) return {s, 0, 0};

    const AnswerWalk answers = {msg, len, pos, get16(msg + 6)};
    Record r;

    // Follow the CNAME chain from the question name. Records may come in any order, so each
    // link restarts the walk; the last walk finds no link and so checks every record's bounds.
    WireName current = question;
    uint32_t chain_ttl = 0x7FFFFFFFu;
    for (size_t links = 0;; ++links) {
        bool advanced = false;
        for (AnswerWalk w = answers; w.left > 0 && !advanced;) {
            s = w.next(r);
            if (s != DnsStatus::Ok) return {s, 0, 0};
            if (r.cls != kClassIn || r.type != kTypeCname || !same_name(r.owner, current)) continue;
            size_t end = 0;
            s = read_name(msg, len, r.rdata, current, &end);
            if (s != DnsStatus::Ok) return {s, 0, 0};
            if (end != r.rdata + r.rdlen) return {DnsStatus::Malformed, 0, 0};
            if (r.ttl < chain_ttl) chain_ttl = r.ttl;
            advanced = true;
        }
        if (!advanced) break;
        if (links == kMaxCnameLinks) return {DnsStatus::Malformed, 0, 0};  // a CNAME loop
    }

    const size_t addr_len = type == RecordType::A ? 4 : 16;
    size_t count = 0;
    size_t found = 0;
    for (AnswerWalk w = answers; w.left > 0;) {
        s = w.next(r);
        if (s != DnsStatus::Ok) return {s, 0, 0};
        if (r.cls != kClassIn || r.type != static_cast<uint16_t>(type) || !same_name(r.owner, current))
            continue;
        if (r.rdlen != addr_len) return {DnsStatus::Malformed, 0, 0};
        ++found;
        if (out == nullptr || count >= cap) continue;
        DnsAddress& a = out[count++];
        a = DnsAddress{};
        a.family = type == RecordType::A ? 4 : 6;
        std::memcpy(a.bytes, msg + r.rdata, addr_len);
        a.ttl_s = r.ttl < chain_ttl ? r.ttl : chain_ttl;
    }
    if (found == 0) return {DnsStatus::NoData, 0, 0};
    return {DnsStatus::Ok, count, found};
}

} // namespace tickwire::detail::dns
