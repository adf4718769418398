#include "http/percent_decode.hpp"
#include "common/hex_digit.hpp"

namespace tickwire::detail::http {

const char* to_string(PercentError error) noexcept {
    switch (error) {
    case PercentError::None: return "none";
    case PercentError::BadEscape: return "'%' not followed by two hex digits";
    case PercentError::OutputTooSmall: return "decoded path does not fit the buffer";
    }
    return "unknown percent-decoding error";
}

PercentResult percent_decode(std::string_view in, char* out, size_t cap) noexcept {
    PercentResult result;
    size_t i = 0;
    while (i < in.size()) {
        char decoded = in[i];
        size_t used = 1;
        if (decoded == '%') {
            const int high = i + 1 < in.size() ? hex_value(in[i + 1]) : -1;
            const int low = i + 2 < in.size() ? hex_value(in[i + 2]) : -1;
            if (high < 0 || low < 0) {
                result.error = PercentError::BadEscape;
                return result;
            }
            decoded = static_cast<char>(static_cast<unsigned char>(high * 16 + low));
            used = 3;
        }
        if (result.size == cap) {
            result.error = PercentError::OutputTooSmall;
            return result;
        }
        out[result.size++] = decoded;
        i += used;
    }
    return result;
}

} // namespace tickwire::detail::http
