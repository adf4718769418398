#!/usr/bin/python3
"""A plaintext client on a TLS port must be dropped, and TLS clients around it must not notice.

    /usr/bin/python3 plaintext_probe.py PORT CA_FILE

Against a TLS echo server (tcp_echo_server --tls-cert ... --tls-key ...) on 127.0.0.1:PORT:
  1. a TLS client A (Python's ssl, i.e. OpenSSL, verifying the chain with CA_FILE and the name
     "localhost") connects and gets 8 KiB echoed;
  2. while A stays open, a raw TCP client B sends "GET / HTTP/1.1 ..." as plaintext; the server
     must close B within 5 s and must not echo the request back (a TLS alert record is fine);
  3. A gets another 8 KiB echoed on the same connection, and a fresh TLS client C too.
Prints one line per step; exit 0 when all held, 1 otherwise (the last line says why).
"""
import os
import socket
import ssl
import sys
import time

TIMEOUT = 5.0


def echo(sock, data):
    sock.sendall(data)
    got = b""
    deadline = time.monotonic() + TIMEOUT
    while len(got) < len(data):
        if time.monotonic() > deadline:
            raise RuntimeError("only %d of %d bytes echoed within %.0f s" % (len(got), len(data), TIMEOUT))
        chunk = sock.recv(65536)
        if not chunk:
            raise RuntimeError("the connection closed after %d of %d echoed bytes" % (len(got), len(data)))
        got += chunk
    if got != data:
        raise RuntimeError("the echo differs from what was sent")


def tls_client(port, ctx):
    raw = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    return ctx.wrap_socket(raw, server_hostname="localhost")


def main():
    port, ca = int(sys.argv[1]), sys.argv[2]
    ctx = ssl.create_default_context(cafile=ca)   # verifies the chain and the host name

    a = tls_client(port, ctx)
    echo(a, os.urandom(8192))
    print("A: TLS (%s) echo ok" % a.version())

    b = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    request = b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n"
    b.sendall(request)
    got = b""
    deadline = time.monotonic() + TIMEOUT
    how = None
    while how is None:
        b.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            chunk = b.recv(65536)
        except socket.timeout:
            raise RuntimeError("the plaintext client was not dropped within %.0f s (got %r)" % (TIMEOUT, got[:64]))
        except ConnectionResetError:
            how = "reset"
            break
        if not chunk:
            how = "closed"
        got += chunk
    if request[:16] in got:
        raise RuntimeError("the server echoed the plaintext request: %r" % got[:64])
    if got and got[0] != 0x15:
        raise RuntimeError("the server answered plaintext with non-alert bytes: %r" % got[:16])
    print("B: plaintext client dropped (%s, %d bytes before: %s)" % (how, len(got), got[:7].hex() or "none"))
    b.close()

    echo(a, os.urandom(8192))
    print("A: still echoes after B was dropped")
    c = tls_client(port, ctx)
    echo(c, os.urandom(8192))
    print("C: a new TLS client echoes too")
    a.close()
    c.close()


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # noqa: BLE001 - any failure is the test's answer
        print("plaintext_probe: %s: %s" % (type(e).__name__, e))
        sys.exit(1)
