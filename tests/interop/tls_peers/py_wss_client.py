#!/usr/bin/python3
"""python3-websockets (Debian's, on OpenSSL) as a wss:// client of an echo server.

    /usr/bin/python3 py_wss_client.py wss://localhost:PORT/ CA_FILE

Trusts only CA_FILE and checks the host name. Sends text and binary messages of 0 B .. 1 MiB
(around the 7-bit / 16-bit / 64-bit frame length boundaries), one at a time, and checks that each
comes back identical and of the same kind; then a ping (its pong must carry the same payload) and
a closing handshake that must end with 1000. The client offers permessage-deflate (websockets'
default): the server may decline it, but what it accepts must work. Prints one line per group;
exit 0 when everything held, 1 otherwise (the last line says why).
"""
import asyncio
import os
import random
import ssl
import sys

import websockets

SIZES = [0, 1, 125, 126, 127, 65535, 65536, 65537, 1 << 20]
TIMEOUT = 10.0


def utf8_text(size, rng):
    """A str whose UTF-8 encoding is exactly `size` bytes, mixing 1- to 4-byte characters."""
    chars, left = [], size
    pool = ["a", "Z", "~", "é", "✓", "😀"]
    while left > 0:
        c = rng.choice(pool)
        if len(c.encode()) > left:
            c = "x"
        chars.append(c)
        left -= len(c.encode())
    return "".join(chars)


async def run(uri, ca):
    ctx = ssl.create_default_context(cafile=ca)
    rng = random.Random(6455)
    async with websockets.connect(uri, ssl=ctx, max_size=2 << 20, open_timeout=TIMEOUT,
                                  close_timeout=TIMEOUT, ping_interval=None) as ws:
        print("connected: %s, extensions: %s" % (ws.transport.get_extra_info("ssl_object").version(),
                                                 [e.name for e in ws.extensions] or "none"))
        for kind in ("text", "binary"):
            for size in SIZES:
                msg = utf8_text(size, rng) if kind == "text" else os.urandom(size)
                await ws.send(msg)
                try:
                    back = await asyncio.wait_for(ws.recv(), TIMEOUT)
                except asyncio.TimeoutError:
                    raise RuntimeError("%s %d B: no echo within %.0f s" % (kind, size, TIMEOUT)) from None
                if type(back) is not type(msg):
                    raise RuntimeError("%s %d B came back as %s" % (kind, size, type(back).__name__))
                if back != msg:
                    raise RuntimeError("%s %d B came back different (%d units)" % (kind, size, len(back)))
            print("%s echoes ok: %s bytes" % (kind, ", ".join(map(str, SIZES))))
        pong = await ws.ping(b"tickwire-ping")
        try:
            await asyncio.wait_for(pong, TIMEOUT)
        except asyncio.TimeoutError:
            raise RuntimeError("no pong within %.0f s" % TIMEOUT) from None
        print("ping answered")
        await ws.close(1000, "done")
        if ws.close_code != 1000:
            raise RuntimeError("the server closed with %r, not 1000" % ws.close_code)
        print("closed with 1000")


def main():
    try:
        asyncio.run(run(sys.argv[1], sys.argv[2]))
    except Exception as e:  # noqa: BLE001 - any failure is the test's answer
        print("py_wss_client: %s: %s" % (type(e).__name__, e))
        sys.exit(1)


if __name__ == "__main__":
    main()
