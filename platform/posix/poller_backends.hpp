// The two POSIX poller back ends, as free functions over the memory the Poller owns.
#pragma once
#include "../poller.hpp"

namespace tickwire::platform::backends {

bool epoll_available() noexcept;
size_t epoll_memory(uint32_t capacity) noexcept;
Error epoll_init(intptr_t& handle) noexcept;
void epoll_destroy(intptr_t handle) noexcept;
Error epoll_add(intptr_t handle, SocketHandle s, uint32_t token) noexcept;
void epoll_remove(intptr_t handle, SocketHandle s) noexcept;
int epoll_wait_ready(intptr_t handle, void* memory, uint32_t capacity, int timeout_ms, Readiness* out, int max) noexcept;

size_t poll_memory(uint32_t capacity) noexcept;
void poll_init(void* memory, uint32_t capacity) noexcept;
Error poll_add(void* memory, uint32_t capacity, uint32_t& count, SocketHandle s, uint32_t token, uint8_t interest) noexcept;
void poll_set_interest(void* memory, uint32_t capacity, SocketHandle s, uint32_t token, uint8_t interest) noexcept;
void poll_remove(void* memory, uint32_t capacity, uint32_t& count, uint32_t token) noexcept;
int poll_wait_ready(void* memory, uint32_t capacity, uint32_t count, int timeout_ms, Readiness* out, int max) noexcept;

} // namespace tickwire::platform::backends
