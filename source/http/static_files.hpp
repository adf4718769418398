// Sans-I/O helpers for serving files from a root directory. The caller does the I/O (open the
// file under its root, stat it, send it); these functions decide everything that can be decided
// from bytes alone: which relative path a request target names (safely), the MIME type, whether
// the connection stays open, and the response head.
//
// Typical use, after parse_request() returned Done:
//
//     StaticRequest how = classify_static_request(request);
//     if (!how.method_allowed) return send(write_static_error(buf, cap, how, 405));
//     char rel[256];
//     PathResult p = map_target_to_path(request.target, rel, sizeof rel);
//     if (!p.ok() || !open_under_root(rel, &file)) return send(write_static_error(buf, cap, how, 404));
//     send(write_file_head(buf, cap, how, mime_type_for(rel), file.size));
//     if (!how.head_only) send_file_body(file);
//     if (!how.keep_alive) close_after_sending();
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "http/head_parser.hpp"
#include "http/head_writer.hpp"

namespace tickwire::detail::http {

enum class PathError : uint8_t {
    None,
    NotOriginForm,  // the target does not start with '/' (absolute-form, authority-form, '*')
    BadEscape,      // '%' not followed by two hex digits
    EncodedSlash,   // %2F: a segment that would reach into another directory
    Backslash,      // '\' raw or as %5C: a separator on Windows
    NulByte,        // %00: would cut the name short in C file APIs
    BadCharacter,   // a control character, or ':' (Windows drive letters and NTFS streams)
    DotDotSegment,  // ".." raw or encoded ("%2e%2e"): would climb above the root
    HiddenSegment,  // a segment starting with '.' (".git", ".env"): never served
    TooLong,        // the relative path does not fit the caller's buffer
};

const char* to_string(PathError error) noexcept;

struct PathResult {
    size_t size = 0;               // length of the relative path written (terminator excluded)
    PathError error = PathError::None;
    bool ok() const noexcept { return error == PathError::None; }
};

// Maps a request target (origin-form, query ignored) to a path relative to the served root and
// writes it, NUL-terminated, into `out` (room for `cap` bytes, terminator included).
// Segments are percent-decoded one by one, so an encoded '/' can never form a separator.
// Empty and "." segments are dropped; a target naming a directory ("/", "/docs/", "/a/.") gets
// "index.html" appended. The result never starts with '/', never contains "..", a backslash, a
// NUL, a control character or ':'. It does not follow or check symbolic links: that is the
// caller's business when it opens the file.
//   "/"                      -> "index.html"
//   "/js/app.js?v=3"         -> "js/app.js"
//   "/a%20b//c/"             -> "a b/c/index.html"
//   "/../etc/passwd"         -> DotDotSegment
//   "/a%2fb"                 -> EncodedSlash
PathResult map_target_to_path(std::string_view target, char* out, size_t cap) noexcept;

// MIME type for a file name, by its extension (ASCII case-insensitive). Text types carry
// "; charset=utf-8". Unknown or missing extension: "application/octet-stream".
std::string_view mime_type_for(std::string_view path) noexcept;

// How to answer a request for a static file, decided from its head alone.
struct StaticRequest {
    bool method_allowed = false;  // GET or HEAD; anything else gets 405
    bool head_only = false;       // HEAD: send the head (with the real Content-Length), no body
    bool keep_alive = false;      // the connection stays open after this response
};

// keep_alive follows RFC 9112 §9.3: HTTP/1.1 stays open unless `Connection: close`; HTTP/1.0
// closes unless `Connection: keep-alive`. A request that announces a body (Content-Length other
// than 0, or any Transfer-Encoding) is always answered with close: these helpers never read
// bodies, and the unread bytes must not be taken for the next request.
StaticRequest classify_static_request(const Request& request) noexcept;

// "200 OK" head: Content-Type, Content-Length, Connection. The body (content_length bytes) is
// the caller's to send, unless request.head_only.
WriteResult write_file_head(char* out, size_t cap, const StaticRequest& request,
                            std::string_view content_type, uint64_t content_length) noexcept;

// A complete error response with a short text body ("404 Not Found\n"), body omitted for HEAD.
// 405 carries `Allow: GET, HEAD`. Meant for 400, 403, 404 and 405.
WriteResult write_static_error(char* out, size_t cap, const StaticRequest& request,
                               int status) noexcept;

} // namespace tickwire::detail::http
