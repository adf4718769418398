#!/usr/bin/python3
# WebSocket peer for tickwire's interop tests, built on Debian's python3-websockets (10.4, the
# "legacy" asyncio API). Run it with /usr/bin/python3: that is the interpreter the Debian package
# belongs to.
#
#   py_peer.py client URL [--stream]   talk to ws_echo_server: every message must come back
#                                      byte for byte with its opcode; pings get pongs; the
#                                      close code we send comes back
#   py_peer.py server                  serve one ws_echo_client: send a plan of messages, check
#                                      each echo, ping, then close with 1000; prints "PORT n"
#                                      first and "SENT n" (messages sent) at the end
#   py_peer.py negative URL            invalid UTF-8 in text must be answered with close 1007
#   py_peer.py too-big URL LIMIT       a message over LIMIT bytes must be answered with 1009
#   py_peer.py protocol-errors URL     frames RFC 6455 forbids must be answered with 1002
#
# Each check prints "pass NAME" or "FAIL NAME: why"; the exit status is 0 only when all passed.
# The checks go on after a failure where the connection allows it, so one run names every
# failing check.
import asyncio
import random
import sys
import time

import websockets
from websockets.exceptions import ConnectionClosed

KIB = 1024
MIB = 1024 * 1024
OP_CONT, OP_TEXT, OP_BINARY = 0x0, 0x1, 0x2

# Sizes of the matrix: each length encoding's edges (7-bit, 16-bit, 64-bit), the 64 KiB ring
# block the samples use, and the largest messages each mode takes.
BASE_SIZES = [0, 1, 125, 126, 65535, 65536, MIB, 16 * MIB - KIB]
STREAM_EXTRA = [16 * MIB, 16 * MIB + 1]  # streaming has no message limit
RECV_TIMEOUT = 10.0  # a 16 MiB echo takes ~0.1 s on loopback; a stall must not eat the budget

failures = 0


def report(name, ok, why=""):
    global failures
    if ok:
        print(f"pass {name}", flush=True)
    else:
        failures += 1
        print(f"FAIL {name}: {why}", flush=True)


def binary_payload(n):
    return random.Random(n).randbytes(n)


def text_payload(n):
    # Exactly n bytes of UTF-8 with 1-, 2-, 3- and 4-byte characters all through it, so frame
    # and ring boundaries fall inside characters.
    unit = "a\u00e9\u2713\U0001F600"  # 1 + 2 + 3 + 4 = 10 bytes
    return unit * (n // 10) + "a" * (n % 10)


def describe(got, want):
    if type(got) is not type(want):
        return f"got a {'text' if isinstance(got, str) else 'binary'} message, want {'text' if isinstance(want, str) else 'binary'}"
    g = got.encode() if isinstance(got, str) else got
    w = want.encode() if isinstance(want, str) else want
    if len(g) != len(w):
        return f"got {len(g)} bytes, want {len(w)}"
    first = next(i for i in range(len(w)) if g[i] != w[i])
    return f"bytes differ from offset {first}"


async def expect_echo(ws, name, sent, want=None):
    """Receives one message and compares it with `want` (default: what was sent)."""
    want = sent if want is None else want
    try:
        got = await asyncio.wait_for(ws.recv(), RECV_TIMEOUT)
    except asyncio.TimeoutError:
        report(name, False, f"no echo within {RECV_TIMEOUT:.0f}s")
        return False
    except ConnectionClosed as e:
        report(name, False, f"connection closed instead: {e}")
        return False
    ok = type(got) is type(want) and got == want
    report(name, ok, "" if ok else describe(got, want))
    return ok


async def expect_pong(ws, name, data):
    try:
        waiter = await ws.ping(data)
        await asyncio.wait_for(waiter, RECV_TIMEOUT)
        report(name, True)
        return True
    except asyncio.TimeoutError:
        report(name, False, "no pong")
    except ConnectionClosed as e:
        report(name, False, f"connection closed instead: {e}")
    return False


class connect:
    """`async with connect(url) as ws`: a client connection that ends with a bounded closing
    handshake, or, after an exception or a failed check (the peer may have stopped reading),
    with an abort, so a broken case never hangs the run."""

    def __init__(self, url):
        self.url = url
        self.ws = None

    async def __aenter__(self):
        self.failures_before = failures
        self.ws = await websockets.connect(self.url, max_size=None, ping_interval=None, open_timeout=10,
                                           close_timeout=5)
        return self.ws

    async def __aexit__(self, exc_type, exc, tb):
        if exc_type is None and failures == self.failures_before:
            try:
                await asyncio.wait_for(self.ws.close(), RECV_TIMEOUT)
                return False
            except Exception:  # noqa: BLE001 - fall through to the abort
                pass
        self.ws.transport.abort()
        return False


class SendStalled(Exception):
    pass


async def send(ws, data):
    """ws.send, bounded: a peer that stops reading must not hang the test."""
    try:
        await asyncio.wait_for(ws.send(data), RECV_TIMEOUT)
    except asyncio.TimeoutError:
        raise SendStalled(f"sending did not finish within {RECV_TIMEOUT:.0f}s (the peer stopped reading)") from None


async def send_frame(ws, fin, op, data):
    try:
        await asyncio.wait_for(ws.write_frame(fin, op, data), RECV_TIMEOUT)
    except asyncio.TimeoutError:
        raise SendStalled(f"sending did not finish within {RECV_TIMEOUT:.0f}s (the peer stopped reading)") from None


# --- client: against ws_echo_server ----------------------------------------------------------

async def ping_between_fragments(ws, label):
    part1, part2 = binary_payload(100000), b"tail"
    await send_frame(ws, False, OP_BINARY, part1)
    ok = await expect_pong(ws, f"{label} ping between fragments -> pong", b"mid-message")
    await send_frame(ws, True, OP_CONT, part2)
    return await expect_echo(ws, f"{label} message around the ping", part1 + part2) and ok


async def echo_matrix(ws, sizes, label):
    """Messages of every size and both kinds, fragmented ones, pings: all must come back."""
    for n in sizes:
        for kind, make in (("binary", binary_payload), ("text", text_payload)):
            data = make(n)
            await send(ws, data)
            if not await expect_echo(ws, f"{label} {kind} {n}", data):
                return False
    # Fragmented: websockets sends each item of an iterable as one frame (empty ones included).
    frags = [b"abc", b"", binary_payload(70000), b"x" * 125, b"yz"]
    await send(ws, iter(frags))
    if not await expect_echo(ws, f"{label} fragmented binary", b"".join(frags)):
        return False
    tfrags = ["h\u00e9llo ", "", text_payload(70001), "\u2713"]
    await send(ws, iter(tfrags))
    if not await expect_echo(ws, f"{label} fragmented text", "".join(tfrags)):
        return False
    # A text message split inside characters: each fragment alone is not valid UTF-8, the
    # message is. The receiver must validate across fragment boundaries.
    whole = "caf\u00e9 \U0001F600 \u2713".encode()
    cut1, cut2 = whole.index(b"\xc3") + 1, whole.index(b"\xf0") + 2
    await send_frame(ws, False, OP_TEXT, whole[:cut1])
    await send_frame(ws, False, OP_CONT, whole[cut1:cut2])
    await send_frame(ws, True, OP_CONT, whole[cut2:])
    if not await expect_echo(ws, f"{label} text split inside characters", None, whole.decode()):
        return False
    # A ping between two fragments of one message (RFC 6455 5.4: control frames may be
    # injected in the middle of a fragmented message): the pong comes first, then the echo.
    if not await ping_between_fragments(ws, label):
        return False
    text = "h\u00e9llo w\u00f6rld \u2713 \U0001F600 \u2014 \u03b5\u03bb\u03bb\u03b7\u03bd\u03b9\u03ba\u03ac \u4e2d\u6587"
    await send(ws, text)
    if not await expect_echo(ws, f"{label} non-ASCII text", text):
        return False
    for data in (b"tw-ping", b"", bytes(range(125))):
        if not await expect_pong(ws, f"{label} ping {len(data)} bytes -> pong", data):
            return False
    # Data still flows after the pings.
    await send(ws, b"after-ping")
    return await expect_echo(ws, f"{label} message after pings", b"after-ping")


async def close_with(url, label, code, reason):
    name = f"{label} close {code}{' + reason' if reason else ''}"
    try:
        async with connect(url) as ws:
            await send(ws, "bye")
            await expect_echo(ws, f"{name}: echo before close", "bye")
            await asyncio.wait_for(ws.close(code, reason), RECV_TIMEOUT)
            got = ws.close_code
            report(name, got == code, f"server answered close code {got}")
    except Exception as e:  # noqa: BLE001 - any failure of the peer is a test failure
        report(name, False, f"{type(e).__name__}: {e}")


async def client(url, stream):
    label = "stream" if stream else "whole"
    sizes = BASE_SIZES + (STREAM_EXTRA if stream else [])
    t0 = time.monotonic()
    try:
        async with connect(url) as ws:
            await echo_matrix(ws, sizes, label)
    except Exception as e:  # noqa: BLE001
        report(f"{label} echo matrix", False, f"{type(e).__name__}: {e}")
    await close_with(url, label, 1000, "")
    await close_with(url, label, 4000, "tickwire interop: custom code")
    print(f"time {time.monotonic() - t0:.2f}s", flush=True)


# --- server: for ws_echo_client --------------------------------------------------------------

async def serve_plan(ws, done):
    sent = 0
    try:
        for n in BASE_SIZES:
            for kind, make in (("binary", binary_payload), ("text", text_payload)):
                data = make(n)
                await send(ws, data)
                sent += 1
                if not await expect_echo(ws, f"server {kind} {n}", data):
                    return
        frags = [b"abc", b"", binary_payload(70000), b"yz"]
        await send(ws, iter(frags))
        sent += 1
        if not await expect_echo(ws, "server fragmented binary", b"".join(frags)):
            return
        tfrags = ["h\u00e9llo ", text_payload(70001), "\u2713"]
        await send(ws, iter(tfrags))
        sent += 1
        if not await expect_echo(ws, "server fragmented text", "".join(tfrags)):
            return
        whole = "caf\u00e9 \U0001F600".encode()
        cut = whole.index(b"\xf0") + 1
        await send_frame(ws, False, OP_TEXT, whole[:cut])
        await send_frame(ws, True, OP_CONT, whole[cut:])
        sent += 1
        if not await expect_echo(ws, "server text split inside a character", None, whole.decode()):
            return
        sent += 1
        if not await ping_between_fragments(ws, "server"):
            return
        text = "h\u00e9llo \u2713 \U0001F600 \u4e2d\u6587"
        await send(ws, text)
        sent += 1
        if not await expect_echo(ws, "server non-ASCII text", text):
            return
        if not await expect_pong(ws, "server ping -> client pong", b"from-server"):
            return
        await send(ws, b"after-ping")
        sent += 1
        if not await expect_echo(ws, "server message after ping", b"after-ping"):
            return
        await asyncio.wait_for(ws.close(1000, "done"), RECV_TIMEOUT)
        report("server close 1000 answered", ws.close_code == 1000, f"client answered close code {ws.close_code}")
    except Exception as e:  # noqa: BLE001
        report("server plan", False, f"{type(e).__name__}: {e}")
    finally:
        print(f"SENT {sent}", flush=True)
        if failures:
            ws.transport.abort()  # the client must not wait on a peer that gave up
        if not done.done():
            done.set_result(None)


async def server():
    done = asyncio.get_running_loop().create_future()
    served = False

    async def handler(ws, path=None):
        nonlocal served
        if served:  # one client per run
            await ws.close(1013, "busy")
            return
        served = True
        await serve_plan(ws, done)

    async with websockets.serve(handler, "127.0.0.1", 0, max_size=None, ping_interval=None) as srv:
        port = srv.sockets[0].getsockname()[1]
        print(f"PORT {port}", flush=True)
        await done


# --- negative cases --------------------------------------------------------------------------

async def expect_close(url, name, frames, want_code, also=()):
    """Sends raw frames (fin, opcode, payload) and expects the server to close with want_code
    (or one of `also`)."""
    try:
        async with connect(url) as ws:
            try:
                for fin, op, data in frames:
                    await send_frame(ws, fin, op, data)
                # (A big frame may still be going out when the server, having seen its length,
                # closes: that lands in the except below, the close code is what counts.)
                got = await asyncio.wait_for(ws.recv(), RECV_TIMEOUT)
                report(name, False, f"got a message back ({len(got)} bytes) instead of close {want_code}")
                return
            except ConnectionClosed:
                pass
            await asyncio.wait_for(ws.wait_closed(), RECV_TIMEOUT)
            ok = ws.close_code == want_code or ws.close_code in also
            report(name, ok, f"close code {ws.close_code}, want {want_code}")
    except asyncio.TimeoutError:
        report(name, False, f"no close within {RECV_TIMEOUT:.0f}s")
    except Exception as e:  # noqa: BLE001
        report(name, False, f"{type(e).__name__}: {e}")


async def still_serves(url, name):
    try:
        async with connect(url) as ws:
            await send(ws, "still there?")
            await expect_echo(ws, name, "still there?")
    except Exception as e:  # noqa: BLE001
        report(name, False, f"{type(e).__name__}: {e}")


async def negative(url):
    cases = [
        ("invalid byte 0xff", [(True, OP_TEXT, b"ok \xff")]),
        ("bad continuation byte", [(True, OP_TEXT, b"\xc3\x28")]),
        ("overlong encoding", [(True, OP_TEXT, b"\xc0\xaf")]),
        ("UTF-16 surrogate", [(True, OP_TEXT, b"\xed\xa0\x80")]),
        ("above U+10FFFF", [(True, OP_TEXT, b"\xf4\x90\x80\x80")]),
        ("truncated at message end", [(True, OP_TEXT, b"abc\xe2\x82")]),
        ("invalid in a continuation fragment", [(False, OP_TEXT, b"valid "), (True, OP_CONT, b"\xff")]),
        ("invalid across fragments", [(False, OP_TEXT, b"x\xe2"), (True, OP_CONT, b"\x28\xa1")]),
    ]
    for what, frames in cases:
        await expect_close(url, f"invalid UTF-8 ({what}) -> 1007", frames, 1007)
    # A close frame's reason must be UTF-8 as well (RFC 6455 5.5.1, 7.1.6); Autobahn (7.5.1)
    # accepts 1002 there too.
    await expect_close(url, "close reason invalid UTF-8 -> 1007", [(True, 0x8, b"\x03\xe8\xff")], 1007, (1002,))
    await still_serves(url, "server still echoes after the 1007 cases")


def raw_frame(first_byte, payload, masked=True, length=None):
    """A frame's bytes exactly as given (RSV bits, opcode, masking): what websockets will not
    send by itself."""
    n = len(payload) if length is None else length
    mask_bit = 0x80 if masked else 0
    if n < 126:
        head = bytes([first_byte, mask_bit | n])
    elif n < 65536:
        head = bytes([first_byte, mask_bit | 126]) + n.to_bytes(2, "big")
    else:
        head = bytes([first_byte, mask_bit | 127]) + n.to_bytes(8, "big")
    if not masked:
        return head + payload
    key = b"\x37\xfa\x21\x3d"
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


async def expect_close_raw(url, name, raw, want_code, also=()):
    """Writes raw bytes after the handshake and expects the server to close with want_code."""
    try:
        async with connect(url) as ws:
            ws.transport.write(raw)
            try:
                got = await asyncio.wait_for(ws.recv(), RECV_TIMEOUT)
                report(name, False, f"got a message back ({len(got)} bytes) instead of close {want_code}")
                return
            except ConnectionClosed:
                pass
            await asyncio.wait_for(ws.wait_closed(), RECV_TIMEOUT)
            ok = ws.close_code == want_code or ws.close_code in also
            report(name, ok, f"close code {ws.close_code}, want {want_code}")
    except asyncio.TimeoutError:
        report(name, False, f"no close within {RECV_TIMEOUT:.0f}s")
    except Exception as e:  # noqa: BLE001
        report(name, False, f"{type(e).__name__}: {e}")


async def protocol_errors(url):
    """Frames RFC 6455 forbids: the server must fail the connection with 1002."""
    cases = [
        ("RSV1 set without an extension", raw_frame(0x80 | 0x40 | OP_TEXT, b"hi")),
        ("RSV2 set", raw_frame(0x80 | 0x20 | OP_BINARY, b"hi")),
        ("reserved data opcode 0x3", raw_frame(0x80 | 0x3, b"hi")),
        ("reserved control opcode 0xB", raw_frame(0x80 | 0xB, b"")),
        ("unmasked client frame", raw_frame(0x80 | OP_TEXT, b"hi", masked=False)),
        ("ping longer than 125 bytes", raw_frame(0x80 | 0x9, b"p" * 126)),
        ("fragmented ping", raw_frame(0x9, b"p") + raw_frame(0x80, b"q")),
        ("continuation without a message", raw_frame(0x80 | OP_CONT, b"orphan")),
        ("new message inside a fragmented one", raw_frame(OP_TEXT, b"a") + raw_frame(0x80 | OP_TEXT, b"b")),
        ("non-minimal 16-bit length", bytes([0x80 | OP_BINARY, 0x80 | 126, 0, 5]) + b"\0\0\0\0" + b"hello"),
        ("64-bit length with the top bit set", bytes([0x80 | OP_BINARY, 0x80 | 127, 0x80, 0, 0, 0, 0, 0, 0, 1]) + b"\0\0\0\0x"),
        ("close payload of 1 byte", raw_frame(0x80 | 0x8, b"\x03")),
        ("close code 999", raw_frame(0x80 | 0x8, (999).to_bytes(2, "big"))),
        ("close code 1005 on the wire", raw_frame(0x80 | 0x8, (1005).to_bytes(2, "big"))),
        ("close code 1006 on the wire", raw_frame(0x80 | 0x8, (1006).to_bytes(2, "big"))),
        ("close code 1015 on the wire", raw_frame(0x80 | 0x8, (1015).to_bytes(2, "big"))),
        ("close code 1016 (unassigned)", raw_frame(0x80 | 0x8, (1016).to_bytes(2, "big"))),
        ("close code 5000", raw_frame(0x80 | 0x8, (5000).to_bytes(2, "big"))),
    ]
    for what, raw in cases:
        await expect_close_raw(url, f"{what} -> 1002", raw, 1002)
    # Valid edge cases of the closing handshake: no code at all, and a private-use code.
    await expect_close_raw(url, "close without a code -> empty close (1005)", raw_frame(0x80 | 0x8, b""), 1005)
    await expect_close_raw(url, "close code 4999 -> echoed", raw_frame(0x80 | 0x8, (4999).to_bytes(2, "big")), 4999)
    await expect_close_raw(url, "close code 3000 + reason -> echoed",
                           raw_frame(0x80 | 0x8, (3000).to_bytes(2, "big") + "r\u00e9ason".encode()), 3000)
    await still_serves(url, "server still echoes after the 1002 cases")


async def too_big(url, limit):
    try:
        async with connect(url) as ws:
            data = binary_payload(limit)
            await send(ws, data)
            await expect_echo(ws, f"message of exactly {limit} bytes passes", data)
    except Exception as e:  # noqa: BLE001
        report(f"message of exactly {limit} bytes passes", False, f"{type(e).__name__}: {e}")
    half = limit // 2 + 1
    await expect_close(url, f"binary message of {limit + 1} bytes -> 1009",
                       [(True, OP_BINARY, binary_payload(limit + 1))], 1009)
    await expect_close(url, f"text message of {limit + 1} bytes -> 1009",
                       [(True, OP_TEXT, text_payload(limit + 1).encode())], 1009)
    await expect_close(url, f"fragmented message of {2 * half} bytes -> 1009",
                       [(False, OP_BINARY, b"a" * half), (True, OP_CONT, b"b" * half)], 1009)
    await still_serves(url, "server still echoes after the 1009 cases")


def main(argv):
    if len(argv) >= 2 and argv[1] == "client" and len(argv) in (3, 4):
        asyncio.run(client(argv[2], len(argv) == 4 and argv[3] == "--stream"))
    elif len(argv) == 2 and argv[1] == "server":
        asyncio.run(server())
    elif len(argv) == 3 and argv[1] == "negative":
        asyncio.run(negative(argv[2]))
    elif len(argv) == 3 and argv[1] == "protocol-errors":
        asyncio.run(protocol_errors(argv[2]))
    elif len(argv) == 4 and argv[1] == "too-big":
        asyncio.run(too_big(argv[2], int(argv[3])))
    else:
        print("usage: py_peer.py client URL [--stream] | server | negative URL | protocol-errors URL"
              " | too-big URL LIMIT", file=sys.stderr)
        return 2
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
