#include "transport/dns/dns_types.hpp"

namespace tickwire::detail::dns {

const char* to_string(DnsStatus s) noexcept {
    switch (s) {
    case DnsStatus::Ok: return "ok";
    case DnsStatus::BadName: return "bad host name";
    case DnsStatus::NameTooLong: return "host name longer than 253 characters";
    case DnsStatus::LabelTooLong: return "host name label longer than 63 characters";
    case DnsStatus::NameIsIpLiteral: return "host name is an IP address literal";
    case DnsStatus::BufferTooSmall: return "buffer too small for DNS query";
    case DnsStatus::IdMismatch: return "DNS reply id does not match";
    case DnsStatus::NotAResponse: return "DNS message is not a response";
    case DnsStatus::QuestionMismatch: return "DNS reply question does not match";
    case DnsStatus::Malformed: return "malformed DNS reply";
    case DnsStatus::BadPointer: return "DNS name compression pointer out of bounds";
    case DnsStatus::PointerLoop: return "DNS name compression pointer loop";
    case DnsStatus::BadOpcode: return "DNS reply has an unexpected opcode";
    case DnsStatus::Truncated: return "DNS reply truncated (TCP fallback not supported)";
    case DnsStatus::FormatError: return "DNS server reported a format error";
    case DnsStatus::ServerFailure: return "DNS server failure";
    case DnsStatus::NxDomain: return "host name does not exist (NXDOMAIN)";
    case DnsStatus::NotImplemented: return "DNS server does not implement the query";
    case DnsStatus::Refused: return "DNS server refused the query";
    case DnsStatus::OtherRcode: return "DNS server returned an unknown error code";
    case DnsStatus::NoData: return "host name has no address of the requested family";
    case DnsStatus::Timeout: return "DNS lookup timed out";
    case DnsStatus::TableFull: return "too many DNS lookups in progress";
    case DnsStatus::InvalidHandle: return "invalid DNS lookup handle";
    case DnsStatus::RandomFailed: return "random source failed";
    case DnsStatus::NoServers: return "no DNS server configured";
    case DnsStatus::InvalidArgument: return "invalid resolver argument";
    }
    return "unknown DNS status";
}

} // namespace tickwire::detail::dns
