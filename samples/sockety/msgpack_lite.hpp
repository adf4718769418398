// The few MessagePack forms the chat sample's payloads use (sockety-js's chat example sends its
// data as msgpack): strings, arrays of strings, and maps with string keys and values. Writing goes
// into a caller's buffer; reading checks every length against the end. No allocation.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace sample::msgpack {

struct Writer {
    uint8_t* p;
    size_t cap;
    size_t n = 0;
    bool ok = true;

    void raw(const void* d, size_t k) {
        if (!ok || n + k > cap) { ok = false; return; }
        std::memcpy(p + n, d, k);
        n += k;
    }
    void byte(uint8_t b) { raw(&b, 1); }
    void be(uint32_t v, int bytes) {
        for (int i = bytes - 1; i >= 0; --i) byte(static_cast<uint8_t>(v >> (8 * i)));
    }
    void str(std::string_view s) {
        const size_t k = s.size();
        if (k < 32) byte(static_cast<uint8_t>(0xa0 | k));
        else if (k < 256) { byte(0xd9); be(static_cast<uint32_t>(k), 1); }
        else if (k < 65536) { byte(0xda); be(static_cast<uint32_t>(k), 2); }
        else { byte(0xdb); be(static_cast<uint32_t>(k), 4); }
        raw(s.data(), k);
    }
    void array(uint32_t count) {
        if (count < 16) byte(static_cast<uint8_t>(0x90 | count));
        else if (count < 65536) { byte(0xdc); be(count, 2); }
        else { byte(0xdd); be(count, 4); }
    }
    void map(uint32_t count) {
        if (count < 16) byte(static_cast<uint8_t>(0x80 | count));
        else if (count < 65536) { byte(0xde); be(count, 2); }
        else { byte(0xdf); be(count, 4); }
    }
};

struct Reader {
    const uint8_t* p;
    const uint8_t* end;
    bool ok = true;

    bool need(size_t k) {
        if (!ok || static_cast<size_t>(end - p) < k) ok = false;
        return ok;
    }
    uint32_t be(int bytes) {
        if (!need(static_cast<size_t>(bytes))) return 0;
        uint32_t v = 0;
        for (int i = 0; i < bytes; ++i) v = (v << 8) | *p++;
        return v;
    }
    std::string_view str() {
        if (!need(1)) return {};
        const uint8_t t = *p++;
        uint32_t k;
        if ((t & 0xe0) == 0xa0) k = t & 0x1f;
        else if (t == 0xd9) k = be(1);
        else if (t == 0xda) k = be(2);
        else if (t == 0xdb) k = be(4);
        else { ok = false; return {}; }
        if (!need(k)) return {};
        std::string_view s(reinterpret_cast<const char*>(p), k);
        p += k;
        return s;
    }
    // Element / pair count of an array / map, or 0 (and !ok) for anything else.
    uint32_t container(bool is_map) {
        if (!need(1)) return 0;
        const uint8_t t = *p++;
        const uint8_t fix = is_map ? 0x80 : 0x90;
        if ((t & 0xf0) == fix) return t & 0x0f;
        if (t == (is_map ? 0xde : 0xdc)) return be(2);
        if (t == (is_map ? 0xdf : 0xdd)) return be(4);
        ok = false;
        return 0;
    }
    // The string value of `key` in a map of strings (other values are not supported).
    static std::string_view field(const uint8_t* data, size_t size, std::string_view key, bool& ok) {
        Reader r{data, data + size};
        const uint32_t n = r.container(true);
        for (uint32_t i = 0; i < n && r.ok; ++i) {
            const std::string_view k = r.str();
            const std::string_view v = r.str();
            if (r.ok && k == key) return v;
        }
        ok = ok && r.ok;
        return {};
    }
};

} // namespace sample::msgpack
