// One-line text for a decoded Sockety event, for logs and tests: the event's name and the fields
// meaningful for its type (payload bytes as a count, never their content). No allocation.
#pragma once
#include <cstddef>

#include "sockety/packet_decoder.hpp"

namespace tickwire::detail::sockety {

// Writes a NUL-terminated line into out[0..cap) (cut short if it does not fit) and returns its
// length. Example: "MessageStart ch=0 id=1b4e28ba-2fa1-41d2-883f-0016d3cca427 stream=0 expects=1
// action_size=6".
size_t describe(const Event& event, char* out, size_t cap) noexcept;

} // namespace tickwire::detail::sockety
