#!/usr/bin/env bash
# The Sockety samples against each other: sockety_server, and sockety_client running every
# feature against it (0 B to 4 MiB, files, streams, 1000 concurrent messages, Go Away).
#
#     bash tests/interop/run_sockety_samples.sh      (tests/run.sh runs it as an extra test)
#
# Binaries come from $TW_BIN_DIR (default build/bin/release). Each case prints "ok NAME" or
# "FAIL NAME: why"; the last line is "N passed, M failed", and the exit status is 1 on any
# failure. Every process runs under `timeout`, the server is killed and reaped on the way out,
# ports are picked free by the kernel, and output is kept in build/logs/sockety_samples/<config>/.
#
# Cases:
#   client-plain        sockety_client against sockety_server over sockety://: exit 0
#   client-twice        a second client on the same server (sessions are reused): exit 0
#   client-tls          the same over sockety+tls:// (test PKI from make_test_certs.sh): exit 0
#   client-no-server    sockety_client against a port nobody listens on: exit 1, not 0
#   server-bad-usage    sockety_server with a bad flag: exit 2
#   chat                sockety_chat --server and two terminal clients fed by pipes: a rename is
#                       announced, a line reaches the other client, a bad name is refused
#                       (BadRequest), both clients end cleanly at the end of their input
# About 15 s.
set -u -o pipefail
cd "$(dirname "$0")/../.." || exit 1
ROOT=$PWD
BIN=${TW_BIN_DIR:-$ROOT/build/bin/release}
LOGS=$ROOT/build/logs/sockety_samples/$(basename "$BIN")
WORK=$(mktemp -d /tmp/sockety_samples.XXXXXX)
mkdir -p "$LOGS"

passed=0
failed=0
started=()

# shellcheck source=processes.sh
. "$ROOT/tests/interop/processes.sh"   # running, forget, stop
cleanup() {
    local pid
    for pid in "${started[@]}"; do stop "$pid"; done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ok() { echo "ok $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
last_line() { tail -n 1 "$1" 2>/dev/null; }

# Starts sockety_server on a free port ($port, $server); false when it did not come up.
start_server() {
    local log=$1; shift
    port=$(free_port)
    timeout 120 "$BIN/sockety_server" --port "$port" "$@" >"$log" 2>&1 &
    server=$!
    started+=("$server")
    local i
    for i in $(seq 1 50); do
        grep -q "listening on" "$log" 2>/dev/null && return 0
        running "$server" || return 1
        sleep 0.1
    done
    return 1
}

# Runs the client; its exit status in $status.
run_client() {
    local log=$1; shift
    timeout 120 "$BIN/sockety_client" "$@" >"$log" 2>&1
    status=$?
}

for b in sockety_server sockety_client sockety_chat; do
    if [ ! -x "$BIN/$b" ]; then
        fail setup "$BIN/$b is missing (build the samples first)"
        echo "$passed passed, $failed failed"
        exit 1
    fi
done

if start_server "$LOGS/server-plain.log"; then
    run_client "$LOGS/client-plain.log" 127.0.0.1 "$port"
    if [ "$status" -eq 0 ]; then ok client-plain; else fail client-plain "exit $status: $(last_line "$LOGS/client-plain.log")"; fi
    run_client "$LOGS/client-twice.log" 127.0.0.1 "$port"
    if [ "$status" -eq 0 ]; then ok client-twice; else fail client-twice "exit $status: $(last_line "$LOGS/client-twice.log")"; fi
    if running "$server"; then stop "$server"; else fail server-plain "the server died: $(last_line "$LOGS/server-plain.log")"; fi
else
    fail client-plain "the server did not start: $(last_line "$LOGS/server-plain.log")"
fi

CERTS=$WORK/certs
if command -v openssl >/dev/null && sh tests/interop/make_test_certs.sh "$CERTS" >"$LOGS/make_test_certs.log" 2>&1; then
    if start_server "$LOGS/server-tls.log" --tls-cert "$CERTS/server.pem" --tls-key "$CERTS/server.key"; then
        run_client "$LOGS/client-tls.log" localhost "$port" --tls-ca "$CERTS/ca.pem"
        if [ "$status" -eq 0 ]; then ok client-tls; else fail client-tls "exit $status: $(last_line "$LOGS/client-tls.log")"; fi
        stop "$server"
    else
        fail client-tls "the TLS server did not start: $(last_line "$LOGS/server-tls.log")"
    fi
else
    fail client-tls "could not make test certificates (openssl)"
fi

port=$(free_port)
run_client "$LOGS/client-no-server.log" 127.0.0.1 "$port"
if [ "$status" -eq 1 ]; then ok client-no-server; else fail client-no-server "exit $status, wanted 1"; fi

timeout 10 "$BIN/sockety_server" --no-such-flag >"$LOGS/server-bad-usage.log" 2>&1
status=$?
if [ "$status" -eq 2 ]; then ok server-bad-usage; else fail server-bad-usage "exit $status, wanted 2"; fi

# The chat: bob joins, alice joins, renames, talks; "/name x" is too short.
port=$(free_port)
timeout 60 "$BIN/sockety_chat" --server --port "$port" >"$LOGS/chat-server.log" 2>&1 &
chat_server=$!
started+=("$chat_server")
for _ in $(seq 1 50); do grep -q "Server started" "$LOGS/chat-server.log" 2>/dev/null && break; sleep 0.1; done
( sleep 0.5; echo "/name bob"; sleep 3 ) | timeout 20 "$BIN/sockety_chat" 127.0.0.1 "$port" >"$LOGS/chat-bob.log" 2>&1 &
bob=$!
started+=("$bob")
( sleep 1.2; echo "/name alice"; sleep 0.8; echo "hello from alice"; echo "/name x"; sleep 1.5 ) |
    timeout 20 "$BIN/sockety_chat" 127.0.0.1 "$port" >"$LOGS/chat-alice.log" 2>&1
alice_status=$?
wait "$bob"; bob_status=$?; forget "$bob"
why=""
[ "$alice_status" -eq 0 ] || why="alice exited $alice_status"
[ "$bob_status" -eq 0 ] || why="$why bob exited $bob_status"
grep -q 'has renamed to "alice"' "$LOGS/chat-bob.log" || why="$why; bob did not see the rename"
grep -q 'alice: hello from alice' "$LOGS/chat-bob.log" || why="$why; bob did not get alice's line"
grep -q 'alice: hello from alice' "$LOGS/chat-alice.log" || why="$why; alice did not get her own line back"
grep -q 'fast reply 4' "$LOGS/chat-alice.log" || why="$why; the bad name was not refused"
if [ -z "$why" ]; then ok chat; else fail chat "$why"; fi
stop "$chat_server"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
