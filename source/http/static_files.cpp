#include "http/static_files.hpp"

#include "http/field_values.hpp"
#include "http/percent_decode.hpp"

namespace tickwire::detail::http {
namespace {

constexpr std::string_view kIndexFile = "index.html";

PathResult path_failure(PathError error) noexcept {
    PathResult result;
    result.error = error;
    return result;
}

// Checks one decoded segment byte by byte; the first offending byte decides the error.
PathError check_segment_bytes(std::string_view segment) noexcept {
    for (char c : segment) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte == '/') return PathError::EncodedSlash;
        if (byte == '\\') return PathError::Backslash;
        if (byte == 0) return PathError::NulByte;
        if (byte < 0x20 || byte == 0x7f || byte == ':') return PathError::BadCharacter;
    }
    return PathError::None;
}

// Appends `text` at `size`, keeping one byte for the terminator.
bool append(char* out, size_t cap, size_t& size, std::string_view text) noexcept {
    if (text.size() >= cap - size) return false;
    for (char c : text) out[size++] = c;
    return true;
}

struct MimeEntry {
    std::string_view extension;
    std::string_view type;
};

constexpr MimeEntry kMimeTypes[] = {
    {"html", "text/html; charset=utf-8"},
    {"htm", "text/html; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},  // RFC 9239
    {"mjs", "text/javascript; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"json", "application/json"},
    {"map", "application/json"},               // source maps are JSON
    {"txt", "text/plain; charset=utf-8"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"svg", "image/svg+xml"},
    {"ico", "image/x-icon"},
    {"wasm", "application/wasm"},              // required by WebAssembly.instantiateStreaming
    {"woff2", "font/woff2"},
};

} // namespace

const char* to_string(PathError error) noexcept {
    switch (error) {
    case PathError::None: return "none";
    case PathError::NotOriginForm: return "target is not an absolute path";
    case PathError::BadEscape: return "malformed percent escape";
    case PathError::EncodedSlash: return "encoded slash in path";
    case PathError::Backslash: return "backslash in path";
    case PathError::NulByte: return "NUL byte in path";
    case PathError::BadCharacter: return "control character or ':' in path";
    case PathError::DotDotSegment: return "'..' segment in path";
    case PathError::HiddenSegment: return "path segment starting with '.'";
    case PathError::TooLong: return "path too long";
    }
    return "unknown path error";
}

PathResult map_target_to_path(std::string_view target, char* out, size_t cap) noexcept {
    const std::string_view path = target.substr(0, target.find('?'));
    if (path.empty() || path.front() != '/') return path_failure(PathError::NotOriginForm);
    if (cap == 0) return path_failure(PathError::TooLong);

    size_t size = 0;
    bool names_directory = true;  // "/" itself, or a last segment that is empty or "."
    std::string_view rest = path.substr(1);
    while (true) {
        const size_t slash = rest.find('/');
        const std::string_view raw = rest.substr(0, slash);
        names_directory = raw.empty();
        if (!raw.empty()) {
            // Decode after the separator, straight into the output; keep a byte for the NUL.
            const size_t segment_start = size == 0 ? 0 : size + 1;
            if (segment_start >= cap - 1) return path_failure(PathError::TooLong);
            const PercentResult decoded =
                percent_decode(raw, out + segment_start, cap - 1 - segment_start);
            if (decoded.error == PercentError::BadEscape) return path_failure(PathError::BadEscape);
            if (decoded.error == PercentError::OutputTooSmall) return path_failure(PathError::TooLong);

            const std::string_view segment(out + segment_start, decoded.size);
            const PathError bad_byte = check_segment_bytes(segment);
            if (bad_byte != PathError::None) return path_failure(bad_byte);
            if (segment == ".") {
                names_directory = true;  // dropped: the output is left as it was
            } else if (segment == "..") {
                return path_failure(PathError::DotDotSegment);
            } else if (segment.front() == '.') {
                return path_failure(PathError::HiddenSegment);
            } else {
                if (size != 0) out[size] = '/';
                size = segment_start + decoded.size;
            }
        }
        if (slash == std::string_view::npos) break;
        rest.remove_prefix(slash + 1);
    }

    if (names_directory) {
        if (size != 0 && !append(out, cap, size, "/")) return path_failure(PathError::TooLong);
        if (!append(out, cap, size, kIndexFile)) return path_failure(PathError::TooLong);
    }
    out[size] = '\0';
    PathResult result;
    result.size = size;
    return result;
}

std::string_view mime_type_for(std::string_view path) noexcept {
    const size_t dot = path.rfind('.');
    const size_t slash = path.rfind('/');
    if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash))
        return "application/octet-stream";
    const std::string_view extension = path.substr(dot + 1);
    for (const MimeEntry& entry : kMimeTypes)
        if (iequals(extension, entry.extension)) return entry.type;
    return "application/octet-stream";
}

StaticRequest classify_static_request(const Request& request) noexcept {
    StaticRequest how;
    how.head_only = request.method == "HEAD";
    how.method_allowed = how.head_only || request.method == "GET";

    if (request.minor_version >= 1)
        how.keep_alive = !request.headers.has_token("Connection", "close");
    else
        how.keep_alive = request.headers.has_token("Connection", "keep-alive") &&
                         !request.headers.has_token("Connection", "close");

    const Header* length = request.headers.find("Content-Length");
    const bool announces_body = request.headers.find("Transfer-Encoding") != nullptr ||
                                (length != nullptr && length->value != "0");
    if (announces_body) how.keep_alive = false;
    return how;
}

WriteResult write_file_head(char* out, size_t cap, const StaticRequest& request,
                            std::string_view content_type, uint64_t content_length) noexcept {
    HeadWriter w(out, cap);
    w.status_line(200);
    w.header("Content-Type", content_type);
    w.header("Content-Length", content_length);
    w.header("Connection", request.keep_alive ? "keep-alive" : "close");
    w.end_head();
    return w.finish();
}

WriteResult write_static_error(char* out, size_t cap, const StaticRequest& request,
                               int status) noexcept {
    // The body repeats the status in words, "404 Not Found\n", for a person looking at it.
    char body[48];
    HeadWriter body_text(body, sizeof body);
    body_text.decimal(static_cast<uint64_t>(status));
    body_text.raw(" ");
    body_text.raw(reason_phrase(status));
    body_text.raw("\n");
    const WriteResult text = body_text.finish();
    if (!text.ok()) return text;

    const Header allow{"Allow", "GET, HEAD"};
    TextResponse response;
    response.status = status;
    response.body = std::string_view(body, text.size);
    response.keep_alive = request.keep_alive;
    response.head_only = request.head_only;
    response.extra_headers = status == 405 ? &allow : nullptr;
    response.extra_count = status == 405 ? 1 : 0;
    return write_text_response(out, cap, response);
}

} // namespace tickwire::detail::http
