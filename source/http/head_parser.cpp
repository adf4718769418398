#include "http/head_parser.hpp"

#include "http/chars.hpp"
#include "http/field_values.hpp"

#include <cstring>

namespace tickwire::detail::http {
namespace {

ParseResult need_more() noexcept { return ParseResult{}; }

ParseResult failure(HeadError error) noexcept {
    ParseResult result;
    result.status = ParseStatus::Error;
    result.error = error;
    return result;
}

ParseResult done(size_t head_size) noexcept {
    ParseResult result;
    result.status = ParseStatus::Done;
    result.head_size = head_size;
    return result;
}

bool at(std::string_view text, size_t i, bool (*is_class)(unsigned char) noexcept) noexcept {
    return i < text.size() && is_class(static_cast<unsigned char>(text[i]));
}

// Takes the line that starts at `pos`: the bytes before the next LF, without a CR right before
// the LF. Moves `pos` past the LF. False when there is no LF yet (the line is incomplete).
// The LF is looked for from `search_from` when that is further on: the bytes before it are
// known to hold none (HeadScan::searched).
bool take_line(std::string_view input, size_t& pos, size_t search_from, std::string_view& line) noexcept {
    const size_t from = search_from > pos ? search_from : pos;
    if (from >= input.size()) return false;
    const void* lf = std::memchr(input.data() + from, '\n', input.size() - from);
    if (lf == nullptr) return false;
    const size_t end = static_cast<size_t>(static_cast<const char*>(lf) - input.data());
    line = input.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = end + 1;
    return true;
}

// "HTTP/1.<digit>" -> minor version. Case-sensitive, as RFC 9112 §2.3 says.
bool parse_version(std::string_view text, int& minor) noexcept {
    constexpr std::string_view prefix = "HTTP/1.";
    if (text.size() != prefix.size() + 1 || text.substr(0, prefix.size()) != prefix) return false;
    const char digit = text.back();
    if (digit < '0' || digit > '9') return false;
    minor = digit - '0';
    return true;
}

// request-line = method SP request-target SP HTTP-version
HeadError parse_request_line(std::string_view line, Request& out, bool empty_target_is_root) noexcept {
    size_t i = 0;
    while (at(line, i, is_tchar)) ++i;
    if (i == line.size()) return HeadError::BadRequestLine;  // no SP: nothing after the method
    if (line[i] != ' ') return HeadError::BadMethod;
    if (i == 0) return HeadError::BadRequestLine;            // the line starts with SP
    out.method = line.substr(0, i);

    const size_t target_begin = ++i;
    while (at(line, i, is_vchar)) ++i;
    if (i == line.size()) return HeadError::BadRequestLine;  // no SP before a version
    if (line[i] != ' ') return HeadError::BadTarget;
    if (i == target_begin && !empty_target_is_root) return HeadError::BadRequestLine;  // two SPs: empty target
    out.target = i == target_begin ? std::string_view("/") : line.substr(target_begin, i - target_begin);

    if (!parse_version(line.substr(i + 1), out.minor_version)) return HeadError::BadVersion;

    const size_t question = out.target.find('?');
    out.path = out.target.substr(0, question);
    out.query = question == std::string_view::npos ? std::string_view{} : out.target.substr(question + 1);
    return HeadError::None;
}

// status-line = HTTP-version SP status-code SP [ reason-phrase ]
// The SP before an empty reason is optional here: many servers omit it.
HeadError parse_status_line(std::string_view line, Response& out) noexcept {
    if (line.empty()) return HeadError::BadStatusLine;
    const size_t space = line.find(' ');
    if (!parse_version(line.substr(0, space), out.minor_version)) return HeadError::BadVersion;
    if (space == std::string_view::npos) return HeadError::BadStatusLine;

    const std::string_view rest = line.substr(space + 1);
    int status = 0;
    for (size_t i = 0; i < 3; ++i) {
        if (i >= rest.size() || rest[i] < '0' || rest[i] > '9') return HeadError::BadStatusCode;
        status = status * 10 + (rest[i] - '0');
    }
    if (status < 100) return HeadError::BadStatusCode;
    out.status = status;
    out.reason = {};
    if (rest.size() == 3) return HeadError::None;
    if (rest[3] != ' ') return HeadError::BadStatusCode;  // "2000", "200x"
    out.reason = rest.substr(4);
    for (char c : out.reason)
        if (!is_field_char(static_cast<unsigned char>(c))) return HeadError::BadStatusLine;
    return HeadError::None;
}

// field-line = field-name ":" OWS field-value OWS
HeadError parse_header_line(std::string_view line, Header& out) noexcept {
    if (is_ows(static_cast<unsigned char>(line[0]))) return HeadError::ObsoleteLineFolding;
    size_t i = 0;
    while (at(line, i, is_tchar)) ++i;
    if (at(line, i, is_ows)) {
        size_t after = i;
        while (at(line, after, is_ows)) ++after;
        return after < line.size() && line[after] == ':' ? HeadError::WhitespaceBeforeColon
                                                         : HeadError::BadHeaderName;
    }
    if (i == 0 || i == line.size() || line[i] != ':') return HeadError::BadHeaderName;
    out.name = line.substr(0, i);
    out.value = trim_ows(line.substr(i + 1));
    for (char c : out.value)
        if (!is_field_char(static_cast<unsigned char>(c))) return HeadError::BadHeaderValue;
    return HeadError::None;
}

// The line loop shared by requests and responses. Resumes after the lines that `scan` says were
// checked, stores headers at their index and records progress in `scan` after each good line.
template <typename ParseStartLine>
ParseResult scan_lines(std::string_view input, const HeadLimits& limits, Header* headers,
                       HeadScan& scan, bool skip_empty_lines_before_start,
                       ParseStartLine&& parse_start_line) noexcept {
    // Bytes past the limit cannot belong to an acceptable head: never look at them.
    const std::string_view window = input.substr(0, limits.max_head_bytes);
    // Progress past the end of this input: the caller broke the feeding contract. Start over.
    if (scan.checked > window.size() || scan.searched > window.size()) scan = HeadScan{};

    size_t pos = scan.checked;
    std::string_view line;
    while (take_line(window, pos, scan.searched, line)) {
        if (!scan.start_line_done) {
            if (!(line.empty() && skip_empty_lines_before_start)) {
                const HeadError error = parse_start_line(line);
                if (error != HeadError::None) return failure(error);
                scan.start_line_done = true;
            }
        } else if (line.empty()) {
            return done(pos);
        } else {
            if (scan.header_count == limits.max_headers) return failure(HeadError::TooManyHeaders);
            Header header;
            const HeadError error = parse_header_line(line, header);
            if (error != HeadError::None) return failure(error);
            headers[scan.header_count++] = header;
        }
        scan.checked = pos;
    }
    // Every complete line is checked; the incomplete one has no LF up to the end of the window.
    scan.searched = window.size();
    if (input.size() >= limits.max_head_bytes) return failure(HeadError::HeadTooLarge);
    return need_more();
}

template <typename Message, typename ParseStartLine>
ParseResult parse_head(std::string_view input, const HeadLimits& limits, Header* headers,
                       Message& out, HeadScan* scan, bool skip_empty_lines_before_start,
                       ParseStartLine&& parse_start_line) noexcept {
    HeadScan local;
    HeadScan& progress = scan != nullptr ? *scan : local;
    const bool resumed = progress.checked > 0;
    ParseResult result = scan_lines(input, limits, headers, progress, skip_empty_lines_before_start,
                                    parse_start_line);
    if (result.done() && resumed) {
        // The start line and the first headers were stored by earlier calls, from an older view
        // of the input (the buffer may have moved since). One full pass makes every view point
        // into this input; it costs one scan per head, not one per call.
        progress = HeadScan{};
        result = scan_lines(input, limits, headers, progress, skip_empty_lines_before_start,
                            parse_start_line);
    }
    if (result.done()) {
        out.headers = HeaderList{headers, progress.header_count};
        progress = HeadScan{};  // ready for the next head on this connection
    }
    return result;
}

} // namespace

const char* to_string(HeadError error) noexcept {
    switch (error) {
    case HeadError::None: return "none";
    case HeadError::BadRequestLine: return "malformed request line";
    case HeadError::BadMethod: return "invalid character in method";
    case HeadError::BadTarget: return "invalid character in request target";
    case HeadError::BadVersion: return "unsupported or malformed HTTP version";
    case HeadError::BadStatusLine: return "malformed status line";
    case HeadError::BadStatusCode: return "malformed status code";
    case HeadError::BadHeaderName: return "malformed header name";
    case HeadError::WhitespaceBeforeColon: return "whitespace between header name and colon";
    case HeadError::ObsoleteLineFolding: return "obsolete header line folding";
    case HeadError::BadHeaderValue: return "invalid character in header value";
    case HeadError::TooManyHeaders: return "too many headers";
    case HeadError::HeadTooLarge: return "message head too large";
    }
    return "unknown head error";
}

const Header* HeaderList::find(std::string_view name) const noexcept {
    for (const Header& header : *this)
        if (iequals(header.name, name)) return &header;
    return nullptr;
}

size_t HeaderList::count_of(std::string_view name) const noexcept {
    size_t n = 0;
    for (const Header& header : *this)
        if (iequals(header.name, name)) ++n;
    return n;
}

bool HeaderList::has_token(std::string_view name, std::string_view token) const noexcept {
    for (const Header& header : *this)
        if (iequals(header.name, name) && contains_token(header.value, token)) return true;
    return false;
}

ParseResult parse_request(std::string_view input, const HeadLimits& limits, Header* headers,
                          Request& out, HeadScan* scan) noexcept {
    return parse_head(input, limits, headers, out, scan, true,
                      [&out, &limits](std::string_view line) { return parse_request_line(line, out, limits.empty_target_is_root); });
}

ParseResult parse_response(std::string_view input, const HeadLimits& limits, Header* headers,
                           Response& out, HeadScan* scan) noexcept {
    return parse_head(input, limits, headers, out, scan, false,
                      [&out](std::string_view line) { return parse_status_line(line, out); });
}

} // namespace tickwire::detail::http
