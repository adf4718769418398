#!/usr/bin/env bash
# WebSocket interop: tickwire's ws_echo_server / ws_echo_client against real peers, Debian's
# python3-websockets (10.4) and Node's `ws` (tests/interop/node_modules).
#
#     bash tests/interop/run_ws_interop.sh        (tests/run.sh runs it as an extra test)
#
# Binaries come from $TW_BIN_DIR (default build/bin/release; TW_BIN_DIR=$PWD/build/bin/sanitize
# runs the same cases under ASan + UBSan). Every case prints "ok NAME (seconds)" or "FAIL NAME:
# why"; the last line is "N passed, M failed" and the exit status is 1 on any failure. Each peer run is bounded by a timeout, every process started here is killed and
# reaped on the way out (also on failure or Ctrl-C), and the peers' full output is kept in
# build/logs/ws_interop/<release|sanitize|...>/.
#
# Cases:
#   py-client-whole     python client -> ws_echo_server: sizes 0 B .. 16 MiB - 1 KiB, text and
#                       binary, fragmented, text split inside characters, ping/pong, close codes
#   py-client-stream    the same against ws_echo_server --stream, up to 16 MiB + 1
#   node-client-whole   node ws client -> ws_echo_server, the same matrix
#   node-client-stream  node ws client -> ws_echo_server --stream, up to 16 MiB + 1
#   py-client-callbacks python client -> ws_echo_server --callbacks (the echo runs inside
#                       update()), the whole-message matrix
#   node-client-stream-callbacks  node ws client -> ws_echo_server --stream --callbacks
#   py-server           python server <- ws_echo_client: it sends, checks every echo, pings, closes
#   node-server         node ws server <- ws_echo_client, the same
#   invalid-utf8-whole  invalid UTF-8 in text (and in a close reason) -> close 1007
#   invalid-utf8-stream the same against --stream (UTF-8 checked piece by piece)
#   protocol-errors-whole / -stream   frames RFC 6455 forbids (RSV bits, reserved opcodes, an
#                       unmasked frame, bad control frames, bad fragmentation, non-minimal
#                       lengths, invalid close codes) -> close 1002; valid close edge cases
#                       (no code -> empty close, 3000-4999 echoed)
#   too-big-1000        ws_echo_server --max-message 1000: 1000 B passes, 1001 B -> close 1009
#   too-big-default     the default limit: 16 MiB passes, 16 MiB + 1 -> close 1009
set -u -o pipefail
cd "$(dirname "$0")/../.." || exit 1
ROOT=$PWD
BIN=${TW_BIN_DIR:-$ROOT/build/bin/release}
PY=/usr/bin/python3                      # Debian's python, the one python3-websockets belongs to
PEERS=$ROOT/tests/interop/ws_peers
NODE_MODULES=$ROOT/tests/interop/node_modules
LOGS=$ROOT/build/logs/ws_interop/$(basename "$BIN")  # per build: release and sanitize may run at once
CASE_TIMEOUT=${WS_INTEROP_CASE_TIMEOUT:-60}  # seconds per peer run
mkdir -p "$LOGS"

passed=0
failed=0
started=()   # pids of everything started in the background

# shellcheck source=processes.sh
. "$ROOT/tests/interop/processes.sh"   # running, forget, stop
cleanup() {
    local pid
    for pid in "${started[@]}"; do stop "$pid"; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ok() { echo "ok $1 ($2s)"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }

# The peer's failed checks, on one line (the first three).
why_from() {
    local log=$1 lines n
    lines=$(grep '^FAIL ' "$log" | head -n 3 | sed 's/^FAIL //' | paste -sd '|' - | sed 's/|/; /g')
    n=$(grep -c '^FAIL ' "$log")
    if [ -n "$lines" ]; then
        if [ "$n" -gt 3 ]; then lines="$lines; ... ($n failed checks)"; fi
        echo "$lines"
    fi
}

# Prints the first ASan / UBSan / LSan report line of a log; false when there is none (UBSan
# goes on after printing, so a report does not always end the process).
sanitizer_report() {
    grep -m 1 -E 'runtime error:|ERROR: (Address|Leak|Undefined)Sanitizer' "$1"
}

free_port() {
    "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

elapsed() { # seconds since $1 (date +%s.%N), one decimal
    "$PY" -c "import sys, time; print(f'{time.time() - float(sys.argv[1]):.1f}')" "$1"
}

# start_echo_server LOG ARGS...: starts ws_echo_server on a free port; sets SERVER_PID and
# SERVER_PORT. Retries with another port if the one picked was taken in the meantime.
start_echo_server() {
    local log=$1 _
    shift
    SERVER_PID=
    for _ in 1 2 3; do
        SERVER_PORT=$(free_port)
        timeout -k 5 $((CASE_TIMEOUT * 3)) "$BIN/ws_echo_server" --port "$SERVER_PORT" "$@" >"$log" 2>&1 &
        SERVER_PID=$!
        started+=("$SERVER_PID")
        for _ in $(seq 1 50); do
            if grep -q 'listening on' "$log"; then return 0; fi
            running "$SERVER_PID" || break
            sleep 0.1
        done
        stop "$SERVER_PID"
    done
    SERVER_PID=
    return 1
}

# start_peer_server LOG COMMAND...: starts a peer server that prints "PORT n"; sets PEER_PID
# and PEER_PORT.
start_peer_server() {
    local log=$1 _
    shift
    timeout -k 5 "$CASE_TIMEOUT" "$@" >"$log" 2>&1 &
    PEER_PID=$!
    started+=("$PEER_PID")
    PEER_PORT=
    for _ in $(seq 1 100); do
        PEER_PORT=$(awk '/^PORT /{print $2; exit}' "$log")
        if [ -n "$PEER_PORT" ]; then return 0; fi
        running "$PEER_PID" || break
        sleep 0.1
    done
    return 1
}

# client_case NAME SERVER_ARGS PEER_COMMAND...: a peer client against a fresh ws_echo_server
# started with SERVER_ARGS; @URL@ in the command becomes the server's ws:// URL.
client_case() {
    local name=$1 server_args=$2 t0 log=$LOGS/$1.log slog=$LOGS/$1.server.log rc why arg
    shift 2
    t0=$(date +%s.%N)
    # shellcheck disable=SC2086 # server_args is a list of flags
    if ! start_echo_server "$slog" $server_args; then
        fail "$name" "ws_echo_server did not start: $(tail -n 2 "$slog" | paste -sd ' ' -)"
        return
    fi
    local cmd=()
    for arg in "$@"; do cmd+=("${arg//@URL@/ws://127.0.0.1:$SERVER_PORT/interop/$name}"); done
    timeout -k 5 "$CASE_TIMEOUT" "${cmd[@]}" >"$log" 2>&1
    rc=$?
    local alive=1
    running "$SERVER_PID" || alive=0
    stop "$SERVER_PID"
    why=$(why_from "$log")
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
        fail "$name" "peer timed out after ${CASE_TIMEOUT}s${why:+ ($why)}; log $log"
    elif [ "$alive" -eq 0 ]; then
        fail "$name" "ws_echo_server died: $(tail -n 3 "$slog" | paste -sd ' ' -)"
    elif sanitizer_report "$slog"; then
        fail "$name" "ws_echo_server: $(sanitizer_report "$slog"); log $slog"
    elif [ "$rc" -ne 0 ]; then
        fail "$name" "${why:-peer exit status $rc: $(tail -n 3 "$log" | paste -sd ' ' -)}; log $log"
    elif ! grep -q '^pass ' "$log"; then
        fail "$name" "the peer checked nothing; log $log"
    else
        ok "$name" "$(elapsed "$t0")"
    fi
}

# server_case NAME PEER_COMMAND...: ws_echo_client against a peer server.
server_case() {
    local name=$1 t0 log=$LOGS/$1.log clog=$LOGS/$1.client.log rc prc sent echoed why _
    shift
    t0=$(date +%s.%N)
    if ! start_peer_server "$log" "$@"; then
        stop "$PEER_PID"
        fail "$name" "peer server did not start: $(tail -n 3 "$log" | paste -sd ' ' -)"
        return
    fi
    timeout -k 5 "$CASE_TIMEOUT" "$BIN/ws_echo_client" "ws://127.0.0.1:$PEER_PORT/interop/$name" >"$clog" 2>&1
    rc=$?
    # The peer ends by itself once the client is gone (a few seconds at most, even when the
    # client never got in touch); past that it is stopped and counts as failed.
    for _ in $(seq 1 150); do
        running "$PEER_PID" || break
        sleep 0.1
    done
    if running "$PEER_PID"; then
        stop "$PEER_PID"
        prc=124
    else
        wait "$PEER_PID" 2>/dev/null
        prc=$?
        forget "$PEER_PID"
    fi
    sent=$(awk '/^SENT /{print $2; exit}' "$log")
    echoed=$(sed -n 's/.*closed with [0-9]* after \([0-9]*\) messages.*/\1/p' "$clog" | head -n 1)
    why=$(why_from "$log")
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
        fail "$name" "ws_echo_client timed out after ${CASE_TIMEOUT}s${why:+ ($why)}; logs $log $clog"
    elif [ "$prc" -eq 124 ]; then
        fail "$name" "the peer server did not finish${why:+ ($why)}; ws_echo_client: $(tail -n 2 "$clog" | paste -sd ' ' -)"
    elif [ "$prc" -ne 0 ]; then
        fail "$name" "${why:-peer exit status $prc}; ws_echo_client: $(tail -n 2 "$clog" | paste -sd ' ' -)"
    elif sanitizer_report "$clog"; then
        fail "$name" "ws_echo_client: $(sanitizer_report "$clog"); log $clog"
    elif [ "$rc" -ne 0 ]; then
        fail "$name" "ws_echo_client exit status $rc: $(tail -n 2 "$clog" | paste -sd ' ' -)"
    elif [ -z "$sent" ] || [ "$sent" != "$echoed" ]; then
        fail "$name" "the server sent ${sent:-?} messages, ws_echo_client says it echoed ${echoed:-?}"
    else
        ok "$name" "$(elapsed "$t0")"
    fi
}

# --- prerequisites ----------------------------------------------------------------------------
t_all=$(date +%s)
missing=""
for b in ws_echo_server ws_echo_client; do [ -x "$BIN/$b" ] || missing="$missing $BIN/$b"; done
have_py=1
if ! "$PY" -c 'import websockets' 2>/dev/null; then have_py=0; fi
have_node=1
if ! command -v node >/dev/null 2>&1; then
    have_node=0
elif [ ! -f "$NODE_MODULES/ws/package.json" ] && command -v npm >/dev/null 2>&1; then
    # tests/setup.sh installs it; a bare checkout gets it here, exactly as locked.
    (cd "$ROOT/tests/interop" && timeout 120 npm ci --no-audit --no-fund --loglevel=error </dev/null) >"$LOGS/npm.log" 2>&1
fi
[ -f "$NODE_MODULES/ws/package.json" ] || have_node=0

PY_CASES="py-client-whole py-client-stream py-client-callbacks py-server invalid-utf8-whole invalid-utf8-stream protocol-errors-whole
          protocol-errors-stream too-big-1000 too-big-default"
NODE_CASES="node-client-whole node-client-stream node-client-stream-callbacks node-server"
if [ -n "$missing" ]; then
    for c in $PY_CASES $NODE_CASES; do fail "$c" "not built:$missing"; done
    echo "$passed passed, $failed failed"
    exit 1
fi

# --- cases ------------------------------------------------------------------------------------
if [ "$have_py" -eq 1 ]; then
    client_case py-client-whole "" "$PY" "$PEERS/py_peer.py" client @URL@
    client_case py-client-stream "--stream" "$PY" "$PEERS/py_peer.py" client @URL@ --stream
    client_case py-client-callbacks "--callbacks" "$PY" "$PEERS/py_peer.py" client @URL@
else
    for c in py-client-whole py-client-stream py-client-callbacks; do fail "$c" "$PY has no websockets module (apt-get install python3-websockets)"; done
fi

if [ "$have_node" -eq 1 ]; then
    client_case node-client-whole "" node "$PEERS/node_peer.js" client @URL@
    client_case node-client-stream "--stream" node "$PEERS/node_peer.js" client @URL@ --stream
    client_case node-client-stream-callbacks "--stream --callbacks" node "$PEERS/node_peer.js" client @URL@ --stream
else
    for c in node-client-whole node-client-stream node-client-stream-callbacks; do fail "$c" "node or $NODE_MODULES/ws missing (run tests/setup.sh)"; done
fi

if [ "$have_py" -eq 1 ]; then
    server_case py-server "$PY" "$PEERS/py_peer.py" server
else
    fail py-server "$PY has no websockets module"
fi
if [ "$have_node" -eq 1 ]; then
    server_case node-server node "$PEERS/node_peer.js" server
else
    fail node-server "node or $NODE_MODULES/ws missing (run tests/setup.sh)"
fi

if [ "$have_py" -eq 1 ]; then
    client_case invalid-utf8-whole "" "$PY" "$PEERS/py_peer.py" negative @URL@
    client_case invalid-utf8-stream "--stream" "$PY" "$PEERS/py_peer.py" negative @URL@
    client_case protocol-errors-whole "" "$PY" "$PEERS/py_peer.py" protocol-errors @URL@
    client_case protocol-errors-stream "--stream" "$PY" "$PEERS/py_peer.py" protocol-errors @URL@
    client_case too-big-1000 "--max-message 1000" "$PY" "$PEERS/py_peer.py" too-big @URL@ 1000
    client_case too-big-default "" "$PY" "$PEERS/py_peer.py" too-big @URL@ $((16 * 1024 * 1024))
else
    for c in invalid-utf8-whole invalid-utf8-stream protocol-errors-whole protocol-errors-stream too-big-1000 too-big-default; do fail "$c" "$PY has no websockets module"; done
fi

echo "ws interop: $(($(date +%s) - t_all))s; logs in $LOGS/"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
