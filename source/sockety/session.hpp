// The Sockety session of one connection (Protocol::Sockety): the packet decoder and its channel
// table (receiving), the units we send (messages and responses, in flight until their body is
// written and, when they expect one, until a reply came), our sending channels, and the header of
// the Message/Response being received. Sessions come from a pool laid out once in the engine's
// arena (session_layout below); a connection holds one from open to close.
//
// session.cpp: the engine's hooks and the receiving side (try_read); sender.cpp: the sending side.
#pragma once
#include <cstdint>

#include "core/engine.hpp"
#include "sockety/packet_decoder.hpp"
#include "sockety/packet_encoder.hpp"
#include "tickwire/sockety.hpp"

namespace tickwire::detail {

// One unit we send: a Message or a Response.
struct SocketyUnit {
    enum State : uint8_t {
        Free,      // in the free stack
        Queued,    // waits in the FIFO for a channel (and for the tx ring); its start is in `slot`
        Open,      // owns `channel`: pending bytes and declared parts are being written
        Awaiting,  // body complete, channel free again; kept for the reply (in the hash)
    };
    sockety::Uuid id;
    uint64_t tag = 0;
    uint64_t slot = 0;          // message slot: [file sizes][pending packet bytes], or 0
    uint64_t data_left = 0;     // declared data not written yet
    uint64_t file_left = 0;     // bytes left of file `cur_file`
    uint32_t gen = 1;
    uint32_t next = kNone;      // FIFO link
    uint32_t files_count = 0;
    uint32_t cur_file = 0;      // the first file not ended yet
    uint32_t pend_off = 0;      // pending bytes: slot[pend_off, pend_end)
    uint32_t pend_end = 0;
    uint16_t channel = 0;
    State state = Free;
    uint8_t flags = 0;          // kUnit* below
};
enum : uint8_t {
    kUnitStream = 1 << 0,       // our stream is open: end_stream() pending
    kUnitExpects = 1 << 1,      // a message that waits for a reply (it is in the hash)
    kUnitKeepWaiting = 1 << 2,  // several responses: stays hashed until stop_waiting()
    kUnitReplied = 1 << 3,      // the reply came while the body was still being written
    kUnitResponse = 1 << 4,
    kUnitSizes = 1 << 5,        // the slot starts with the declared file sizes (8 bytes each),
                                // then as many file handles (files read from disk; -1 others)
    kUnitDisk = 1 << 6,         // some of its files come from disk: the pump writes them
};

// What we track per receiving channel, beside the decoder's own ChannelState.
struct SocketyInChannel {
    sockety::Uuid id;            // of the unit in progress (the decoder forgets it when it ends)
    uint64_t data_size = 0;
    uint64_t files_size = 0;
    uint64_t data_off = 0;
    uint64_t stream_off = 0;
    uint64_t file_off = 0;       // bytes of file `file_index` received
    uint64_t slot = 0;           // message slot assembling the data whole (whole_data_max)
    uint32_t files_count = 0;
    uint32_t file_index = 0;     // the file being received
    bool file_open = false;      // a chunk of `file_index` came and its File End did not
    bool active = false;         // a unit is in progress here (counted in in_active)
    bool is_response = false;
    bool expects_response = false;
    bool has_stream = false;
};

// One file entry of the header being received.
struct SocketyFileRec {
    uint64_t size = 0;
    uint32_t name_off = 0;
    uint32_t name_len = 0;
};

struct SocketySession {
    // --- receiving ---
    sockety::PacketDecoder decoder;
    sockety::ChannelState* decoder_channels = nullptr;  // [channels]
    SocketyInChannel* in = nullptr;                     // [channels]
    uint64_t* in_file_sizes = nullptr;                  // [channels x max_files]
    char* action = nullptr;                             // [max_action_size]
    SocketyFileRec* files = nullptr;                    // [max_files]: the header being received
    char* names = nullptr;                              // [max_names_size]
    uint32_t action_len = 0;
    uint32_t files_len = 0;
    uint32_t names_len = 0;
    uint16_t header_channel = 0;
    bool header_open = false;                           // between Message/ResponseStart and HeaderEnd
    bool header_response = false;
    sockety::Uuid header_parent;
    uint32_t in_active = 0;                             // receiving channels with a unit in progress
    uint32_t peer_channels = 0;                         // 0 until the peer's connection header came
    const char* detail = nullptr;                       // why the session failed (static text)

    // --- sending ---
    SocketyUnit* units = nullptr;                       // [max_in_flight]
    uint32_t* unit_free = nullptr;                      // [max_in_flight]
    uint32_t unit_free_count = 0;
    uint32_t* hash = nullptr;                           // [hash_mask + 1]: unit index or kNone
    uint32_t hash_mask = 0;
    uint32_t* out_owner = nullptr;                      // [send_channels]: unit index or kNone
    uint16_t* chan_free = nullptr;                      // [send_channels]: free channel stack
    uint32_t chan_free_count = 0;
    uint32_t fifo_head = kNone;                         // units waiting for a channel, in order
    uint32_t fifo_tail = kNone;
    uint32_t lock = kNone;                              // a unit whose pending bytes are half in tx
    uint32_t tx_channel = 0;                            // our current channel on the wire
    uint32_t unsettled = 0;                             // units owing a File End that found no room
    uint32_t disk_units = 0;                            // units with files still read from disk
    int64_t last_tx_us = 0;
    bool go_away_sent = false;
    bool go_away_received = false;
    bool in_use = false;
};

// Lays out one session's tables at `base` (nullptr: measures). Returns the bytes it takes.
size_t sockety_session_bytes(const SocketyConfig& cfg) noexcept;
void sockety_session_layout(const SocketyConfig& cfg, uint8_t* base, SocketySession& s) noexcept;

// Internal calls shared by session.cpp and sender.cpp (and the public API in api.cpp).
SocketySession* sockety_session(Engine& e, ConnSlot& s) noexcept;
// Writes what waits (a unit's pending bytes, queued units that can get a channel) into tx.
void sockety_pump(Engine& e, ConnSlot& s) noexcept;
// Closes the connection once Go Away was sent or received and nothing is in flight.
void sockety_check_drained(Engine& e, ConnSlot& s) noexcept;
// A reply to our message `parent`: its tag, and whether a waiting unit matched (consumed once).
bool sockety_match_reply(Engine& e, SocketySession& ss, const sockety::Uuid& parent, uint64_t& tag) noexcept;
// The application's calls (api.cpp validates the handles and calls these).
Read sockety_try_read(Engine& e, ConnSlot& s, uint64_t handle, SocketyView& out) noexcept;
Result<SocketyOut> sockety_send(Engine& e, ConnSlot& s, const SocketyDraft& d, const sockety::Uuid* parent) noexcept;
Error sockety_fast_reply(Engine& e, ConnSlot& s, const sockety::Uuid& to, uint16_t code) noexcept;
Error sockety_signal(Engine& e, ConnSlot& s, uint8_t byte) noexcept;  // 0xA0 heartbeat, 0xB0 go away
enum class Part : uint8_t { Data, File, Stream };
Result<size_t> sockety_write(Engine& e, ConnSlot& s, uint64_t out, Part part, uint32_t index, const void* data,
                             size_t size) noexcept;
Error sockety_end_stream(Engine& e, ConnSlot& s, uint64_t out) noexcept;
Error sockety_abort(Engine& e, ConnSlot& s, uint64_t out) noexcept;
Error sockety_stop_waiting(Engine& e, ConnSlot& s, uint64_t out) noexcept;
bool sockety_in_flight(Engine& e, ConnSlot& s, uint64_t out) noexcept;
// Closes the disk files a unit still has open (before its slot goes).
void sockety_close_unit_files(Engine& e, SocketyUnit& u) noexcept;
// Fails the connection with a protocol error; `detail` (static text) is kept for error_detail().
void sockety_fail(Engine& e, ConnSlot& s, Error err, const char* detail) noexcept;

} // namespace tickwire::detail
