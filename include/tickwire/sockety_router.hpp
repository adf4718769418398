// SocketyRouter: sockety-js's MessageHandler for tickwire — middleware, a handler per action, an
// error handler and a fallback (NotImplemented by default) — in fixed tables, without allocation.
//
//     Error ping(SocketyContext& cx) {                // a handler: answer from the message
//         SocketyDraft d; d.data = "pong"; d.data_size = 4;
//         return cx.conn.respond(cx.item.id, d).error;
//     }
//     SocketyRouter router;
//     router.on("ping", ping);
//     router.use(check_token);                        // runs before every handler; false stops
//     ...
//     SocketyCursor<> cursor;                         // one per connection (its reading state)
//     while (ctx.update(16) == Error::Ok)
//         for (each Sockety connection c) router.dispatch(SocketyConn(c), cursor_of(c));
//
// The parts of a message (Data, File, Stream chunks, StreamEnd, Aborted) go to the handler that
// took the message: cx.item says which part; cx.state is a word the handler may keep per message
// (a SocketyOut::value, an index into its own table...); cx.done counts bytes of the part already
// handled, so that a handler that could forward only part of a chunk (write_data took less)
// returns WouldBlock and is called again with the same part after the next update. Items that
// are not messages of the peer (responses and fast replies to our messages, their parts, GoAway)
// go to the `other` handler when set, else they are released.
//
// A handler's error: WouldBlock means "call me again later with the same item" (dispatch returns
// WouldBlock and keeps the item in the cursor); any other error goes to the error handler, whose
// default answers a message that expects a response with FastReply::InternalError.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tickwire/sockety.hpp"

namespace tickwire {

struct SocketyContext {
    SocketyConn conn;
    const SocketyView& item;    // the Message, or one of its parts
    uint64_t& state;            // the handler's word for this message (0 at its Message)
    size_t& done;               // parts: bytes of `item` already handled (0 at first call)
    void* user;                 // the route's user pointer
};

using SocketyHandler = Error (*)(SocketyContext& cx);
using SocketyMiddleware = bool (*)(SocketyContext& cx);       // false: stop here (answered or dropped)
using SocketyErrorHandler = void (*)(SocketyContext& cx, Error error);

// A connection's reading state for dispatch(): the item being handled and, per receiving channel
// (up to `Channels`, i.e. Config::sockety.channels), the route and word of the message there.
struct SocketyCursorBase {
    SocketyView view;
    size_t done = 0;
    bool holding = false;        // `view` is handed out and not finished
    bool middleware_done = false;
    uint32_t channels = 0;
    uint8_t* routes = nullptr;   // route index + 1, 0: none
    uint64_t* states = nullptr;
};

template <uint32_t Channels = 64>
struct SocketyCursor : SocketyCursorBase {
    SocketyCursor() noexcept {
        channels = Channels;
        routes = route_table;
        states = state_table;
    }
    SocketyCursor(const SocketyCursor&) = delete;
    SocketyCursor& operator=(const SocketyCursor&) = delete;
    // Forget everything (a new connection uses the cursor).
    void reset() noexcept {
        view.release();
        done = 0;
        holding = middleware_done = false;
        for (uint32_t i = 0; i < Channels; ++i) route_table[i] = 0, state_table[i] = 0;
    }
    uint8_t route_table[Channels] = {};
    uint64_t state_table[Channels] = {};
};

class SocketyRouter {
public:
    static constexpr size_t kMaxRoutes = 64;
    static constexpr size_t kMaxMiddleware = 8;

    // Handlers for `action` (the text is not copied: it must outlive the router). Errors:
    // NoMessageSlot (kMaxRoutes reached), InvalidArgument (null handler).
    TW_NODISCARD Error on(std::string_view action, SocketyHandler handler, void* user = nullptr) noexcept;
    // Runs before each message's handler, in the order added. Errors: NoMessageSlot, InvalidArgument.
    TW_NODISCARD Error use(SocketyMiddleware middleware, void* user = nullptr) noexcept;
    // Messages with no handler (default: FastReply::NotImplemented when a response is expected).
    void fallback(SocketyHandler handler, void* user = nullptr) noexcept;
    // Handler errors other than WouldBlock (default: FastReply::InternalError when expected).
    void on_error(SocketyErrorHandler handler, void* user = nullptr) noexcept;
    // Everything that is not a peer's message or a part of one (replies to us, GoAway).
    void other(SocketyHandler handler, void* user = nullptr) noexcept;

    // Reads and routes items of `conn` until none is left. Ok: all read (NoData);
    // WouldBlock: a handler waits for room (call again after the next update); Closed.
    Error dispatch(SocketyConn conn, SocketyCursorBase& cursor) noexcept;
    // dispatch() writes the replies so far after every `n` items it handled (0: they all wait
    // for the next update). A peer with a burst of requests in flight then starts on the first
    // replies while the rest are handled, and both sides work at once (sockety_bench, 300 in
    // flight on 2 cores: about twice the request rate). Default 64.
    void flush_every(uint32_t n) noexcept { flush_every_ = n; }
    // Routes one Message item (for callers that read themselves); same results as a handler.
    Error route(SocketyConn conn, const SocketyView& message, uint64_t& state) noexcept;

private:
    struct Route {
        std::string_view action;
        SocketyHandler handler = nullptr;
        void* user = nullptr;
    };
    struct Middleware {
        SocketyMiddleware fn = nullptr;
        void* user = nullptr;
    };
    Error handle(SocketyConn conn, SocketyCursorBase& cur) noexcept;
    Error call(const Route& r, SocketyConn conn, const SocketyView& item, uint64_t& state, size_t& done) noexcept;
    uint32_t find(std::string_view action) const noexcept;  // index, or kMaxRoutes for the fallback

    Route routes_[kMaxRoutes];
    size_t route_count_ = 0;
    Middleware middleware_[kMaxMiddleware];
    size_t middleware_count_ = 0;
    Route fallback_{};
    Route other_{};
    SocketyErrorHandler error_ = nullptr;
    void* error_user_ = nullptr;
    uint32_t flush_every_ = 64;
};

} // namespace tickwire
