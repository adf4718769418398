#include "http/field_values.hpp"

#include "http/chars.hpp"

namespace tickwire::detail::http {

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        if (ascii_lower(static_cast<unsigned char>(a[i])) != ascii_lower(static_cast<unsigned char>(b[i])))
            return false;
    }
    return true;
}

std::string_view trim_ows(std::string_view text) noexcept {
    size_t begin = 0;
    size_t end = text.size();
    while (begin < end && is_ows(static_cast<unsigned char>(text[begin]))) ++begin;
    while (end > begin && is_ows(static_cast<unsigned char>(text[end - 1]))) --end;
    return text.substr(begin, end - begin);
}

bool ListReader::next(std::string_view& item) noexcept {
    while (!rest_.empty()) {
        const size_t comma = rest_.find(',');
        std::string_view element;
        if (comma == std::string_view::npos) {
            element = rest_;
            rest_ = {};
        } else {
            element = rest_.substr(0, comma);
            rest_.remove_prefix(comma + 1);
        }
        element = trim_ows(element);
        if (!element.empty()) {
            item = element;
            return true;
        }
    }
    return false;
}

bool contains_token(std::string_view list, std::string_view token) noexcept {
    ListReader reader(list);
    for (std::string_view item; reader.next(item);)
        if (iequals(item, token)) return true;
    return false;
}

} // namespace tickwire::detail::http
