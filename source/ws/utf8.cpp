// The UTF-8 DFA. States are stored premultiplied by the number of byte classes (12) so that a
// transition is one table load: next = kTransitions[state + class].
#include "ws/utf8.hpp"

#include <cstring>

namespace tickwire::detail::ws {
namespace {

// Byte classes: which lead/continuation role a byte can play (Unicode table 3-7).
enum : uint8_t {
    kAscii = 0,    // 00..7F
    kCont80 = 1,   // 80..8F
    kCont90 = 2,   // 90..9F
    kContA0 = 3,   // A0..BF
    kLead2 = 4,    // C2..DF
    kLeadE0 = 5,   // E0       (second byte A0..BF: excludes overlongs)
    kLead3 = 6,    // E1..EC, EE..EF
    kLeadED = 7,   // ED       (second byte 80..9F: excludes surrogates)
    kLeadF0 = 8,   // F0       (second byte 90..BF: excludes overlongs)
    kLead4 = 9,    // F1..F3
    kLeadF4 = 10,  // F4       (second byte 80..8F: nothing above U+10FFFF)
    kInvalid = 11, // C0, C1, F5..FF
    kClasses = 12,
};

// States, premultiplied by kClasses.
enum : uint8_t {
    kAccept = 0 * kClasses,
    kReject = 1 * kClasses,
    kNeed1 = 2 * kClasses,   // one more 80..BF
    kNeed2 = 3 * kClasses,   // two more 80..BF
    kNeed3 = 4 * kClasses,   // three more 80..BF
    kAfterE0 = 5 * kClasses, // A0..BF, then one more
    kAfterED = 6 * kClasses, // 80..9F, then one more
    kAfterF0 = 7 * kClasses, // 90..BF, then two more
    kAfterF4 = 8 * kClasses, // 80..8F, then two more
    kStates = 9,
};
static_assert(kAccept == kUtf8Accept && kReject == kUtf8Reject, "public constants match the DFA");

constexpr uint8_t byte_class(unsigned b) noexcept {
    if (b < 0x80) return kAscii;
    if (b < 0x90) return kCont80;
    if (b < 0xA0) return kCont90;
    if (b < 0xC0) return kContA0;
    if (b < 0xC2) return kInvalid;
    if (b < 0xE0) return kLead2;
    if (b == 0xE0) return kLeadE0;
    if (b == 0xED) return kLeadED;
    if (b < 0xF0) return kLead3;
    if (b == 0xF0) return kLeadF0;
    if (b < 0xF4) return kLead4;
    if (b == 0xF4) return kLeadF4;
    return kInvalid;
}

constexpr uint8_t transition(uint8_t state, uint8_t cls) noexcept {
    const bool cont = cls == kCont80 || cls == kCont90 || cls == kContA0;
    switch (state) {
    case kAccept:
        switch (cls) {
        case kAscii: return kAccept;
        case kLead2: return kNeed1;
        case kLeadE0: return kAfterE0;
        case kLead3: return kNeed2;
        case kLeadED: return kAfterED;
        case kLeadF0: return kAfterF0;
        case kLead4: return kNeed3;
        case kLeadF4: return kAfterF4;
        default: return kReject;
        }
    case kNeed1: return cont ? kAccept : kReject;
    case kNeed2: return cont ? kNeed1 : kReject;
    case kNeed3: return cont ? kNeed2 : kReject;
    case kAfterE0: return cls == kContA0 ? kNeed1 : kReject;
    case kAfterED: return (cls == kCont80 || cls == kCont90) ? kNeed1 : kReject;
    case kAfterF0: return (cls == kCont90 || cls == kContA0) ? kNeed2 : kReject;
    case kAfterF4: return cls == kCont80 ? kNeed2 : kReject;
    default: return kReject;
    }
}

struct Tables {
    uint8_t cls[256];
    uint8_t next[kStates * kClasses];
};

constexpr Tables make_tables() noexcept {
    Tables t{};
    for (unsigned b = 0; b < 256; ++b) t.cls[b] = byte_class(b);
    for (unsigned s = 0; s < kStates; ++s)
        for (unsigned c = 0; c < kClasses; ++c)
            t.next[s * kClasses + c] =
                transition(static_cast<uint8_t>(s * kClasses), static_cast<uint8_t>(c));
    return t;
}

constexpr Tables kTables = make_tables();

constexpr uint64_t kHighBits = 0x8080808080808080ull;

} // namespace

uint8_t utf8_feed(uint8_t state, const uint8_t* data, size_t len) noexcept {
    if (state >= kStates * kClasses || (state % kClasses) != 0) return kReject; // foreign value
    size_t i = 0;
    while (i < len) {
        if (state == kAccept) {
            // ASCII fast path: whole words without a high bit, then byte by byte to the first
            // non-ASCII byte.
            while (i + 16 <= len) {
                uint64_t a, b;
                std::memcpy(&a, data + i, 8);
                std::memcpy(&b, data + i + 8, 8);
                if ((a | b) & kHighBits) break;
                i += 16;
            }
            if (i + 8 <= len) {
                uint64_t a;
                std::memcpy(&a, data + i, 8);
                if (!(a & kHighBits)) i += 8;
            }
            while (i < len && data[i] < 0x80) ++i;
            if (i == len) break;
        }
        state = kTables.next[state + kTables.cls[data[i]]];
        ++i;
        if (state == kReject) return kReject;
    }
    return state;
}

} // namespace tickwire::detail::ws
