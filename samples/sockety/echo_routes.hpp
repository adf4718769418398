// The actions of the Sockety sample server (and of the benchmark's server side), as SocketyRouter
// handlers:
//   ping   -> a response with data "pong"
//   echo   -> a response with the same data (forwarded chunk by chunk as it arrives)
//   accept -> FastReply::Accept
//   files  -> a response with the same files (names, sizes, content, chunk by chunk)
//   stream -> a response whose stream echoes the message's stream until it ends
//   noop   -> nothing
//   anything else -> FastReply::NotImplemented (the router's fallback)
// Each handler keeps its response's SocketyOut::value in the message's state word.
#pragma once
#include <tickwire/sockety_router.hpp>

namespace sample {

using namespace tickwire;

inline SocketyOut out_of(uint64_t state) {
    SocketyOut o;
    o.value = state;
    return o;
}

// A part of an echoed message goes into its response: as much as the tx ring takes now; the
// router calls again with the same part (cx.done bytes further) after WouldBlock.
inline Error forward_part(SocketyContext& cx) {
    const SocketyView& v = cx.item;
    const SocketyOut out = out_of(cx.state);
    if (!out.valid()) return Error::Ok;
    switch (v.kind) {
    case SocketyKind::Aborted: return cx.conn.abort(out) == Error::WouldBlock ? Error::WouldBlock : Error::Ok;
    case SocketyKind::StreamEnd: return cx.conn.end_stream(out);
    default: break;
    }
    while (cx.done < v.size) {
        const uint8_t* p = v.data + cx.done;
        const size_t n = v.size - cx.done;
        Result<size_t> r = v.kind == SocketyKind::Data   ? cx.conn.write_data(out, p, n)
                           : v.kind == SocketyKind::File ? cx.conn.write_file(out, v.file_index, p, n)
                                                         : cx.conn.write_stream(out, p, n);
        if (!r) return r.error;
        cx.done += r.value;
    }
    return Error::Ok;
}

inline Error on_ping(SocketyContext& cx) {
    if (cx.item.kind != SocketyKind::Message) return Error::Ok;
    SocketyDraft d;
    d.data = "pong";
    d.data_size = 4;
    return cx.conn.respond(cx.item.id, d).error;
}

inline Error on_accept(SocketyContext& cx) {
    if (cx.item.kind != SocketyKind::Message) return Error::Ok;
    return cx.conn.fast_reply(cx.item.id, FastReply::Accept);
}

inline Error on_noop(SocketyContext&) { return Error::Ok; }

// echo, files and stream: a response declaring the same parts, filled as the message's arrive.
inline Error on_mirror(SocketyContext& cx) {
    const SocketyView& m = cx.item;
    if (m.kind != SocketyKind::Message) return forward_part(cx);
    constexpr uint32_t kMaxFiles = 64;
    SocketyFile files[kMaxFiles];
    if (m.files_count > kMaxFiles) return Error::TooLarge;  // -> InternalError
    for (uint32_t i = 0; i < m.files_count; ++i) {
        files[i].name = m.file(i).name;
        files[i].size = m.file(i).size;
    }
    SocketyDraft d;
    d.data_size = m.data_size;
    d.files = files;
    d.files_count = m.files_count;
    d.stream = m.has_stream;
    auto r = cx.conn.respond(m.id, d);
    if (r) cx.state = r.value.value;
    return r.error;
}

inline void add_echo_routes(SocketyRouter& router) {
    (void)router.on("ping", on_ping);
    (void)router.on("echo", on_mirror);
    (void)router.on("files", on_mirror);
    (void)router.on("stream", on_mirror);
    (void)router.on("accept", on_accept);
    (void)router.on("noop", on_noop);
}

} // namespace sample
