// How an injected fault looks on Windows: WSA error codes, WSABUFs cut short, a connect that hangs.
#include "fault_injection.hpp"

namespace tickwire::platform::fault {

#ifndef TICKWIRE_NO_FAULT_INJECTION

bool before_io_slow(SocketHandle s, bool write, WSABUF* bufs, int count, size_t want, int& injected_error) noexcept {
    if (want == 0) return false;
    const Plan& p = plan();
    if (roll(p.would_block) && add_spurious(s, write ? kWritable : kReadable)) {
        injected_error = WSAEWOULDBLOCK;
        return true;
    }
    if (roll(p.reset)) {
        injected_error = write ? WSAESHUTDOWN : WSAECONNRESET;
        return true;
    }
    if (roll(p.short_io) && add_spurious(s, write ? kWritable : kReadable)) {
        bool kept = false;
        for (int i = 0; i < count; ++i) {
            if (!kept && bufs[i].len) { bufs[i].len = 1; kept = true; }
            else bufs[i].len = 0;
        }
    }
    return false;
}

bool should_fail_accept_slow() noexcept { return roll(plan().accept_emfile); }

// A listening socket nobody connects to is never readable and never writable: a connect that
// never completes.
bool should_drop_connect_slow(SocketHandle& out) noexcept {
    if (!roll(plan().connect_drop)) return false;
    SOCKET s = WSASocketW(AF_INET, SOCK_STREAM, IPPROTO_TCP, nullptr, 0, WSA_FLAG_NO_HANDLE_INHERIT);
    if (s == INVALID_SOCKET) return false;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    u_long one = 1;
    if (ioctlsocket(s, FIONBIO, &one) != 0 || bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        listen(s, 1) != 0) {
        closesocket(s);
        return false;
    }
    out = static_cast<SocketHandle>(s);
    return true;
}

#endif

} // namespace tickwire::platform::fault
