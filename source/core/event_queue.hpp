// The event queue: a fixed ring of Events between update() and next_event().
#pragma once
#include "core/fixed_queue.hpp"
#include "tickwire/context.hpp"

namespace tickwire::detail {
using EventQueue = FixedQueue<Event>;
} // namespace tickwire::detail
