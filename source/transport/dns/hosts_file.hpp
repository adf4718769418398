// /etc/hosts lookups on text the core loaded at start-up (this code opens no file).
//
// Each line: ADDRESS NAME [ALIAS...] [# comment]. Names compare case-insensitively, a single
// trailing dot ignored on either side. Every matching line counts (glibc's "multi on"), in file
// order. Lines whose address does not parse, or carries a zone ("fe80::1%lo0": our addresses
// have no scope), are skipped. There is no index: a lookup scans the text, which is cheap for
// the few-line files devices have and keeps the state at two words.
#pragma once
#include <cstddef>

#include "transport/dns/dns_types.hpp"

namespace tickwire::detail::dns {

// Host names compare ASCII-case-insensitively, a single trailing dot ignored; empty never matches.
bool same_host_name(const char* a, size_t alen, const char* b, size_t blen) noexcept;

class HostsFile {
public:
    HostsFile() noexcept = default;
    // `text` is borrowed: it must outlive this object and every Resolver using it.
    HostsFile(const char* text, size_t len) noexcept : text_(text), len_(text ? len : 0) {}

    // Writes up to `cap` addresses of `family` (Any: both) listed for `name`; returns how many.
    // TTLs are 0. 0 means "not in the file for that family": the caller asks DNS.
    size_t lookup(const char* name, size_t len, Family family, DnsAddress* out, size_t cap) const noexcept;

private:
    const char* text_ = nullptr;
    size_t len_ = 0;
};

} // namespace tickwire::detail::dns
