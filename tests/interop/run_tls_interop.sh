#!/usr/bin/env bash
# TLS interop through the samples: tickwire's sample programs against real TLS peers.
#
#   bash tests/interop/run_tls_interop.sh
#
# Cases (one line each: "ok NAME", "FAIL NAME: why" or "skip NAME: why"):
#   s_client_tls12_to_tcp_echo_server   openssl s_client -tls1_2 -> tcp_echo_server (tls://): 16 KiB
#                                       of random bytes echoed exactly; s_client verifies chain + name
#   s_client_tls13_to_tcp_echo_server   the same with -tls1_3; skipped (printed, counted neither way)
#                                       when the mbedTLS the samples use has no TLS 1.3 (2.28) and
#                                       the server refused the handshake for that reason
#   tcp_echo_client_to_s_server         tcp_echo_client tls://localhost -> openssl s_server -rev:
#                                       every line comes back reversed, both exit 0
#   python_websockets_to_ws_echo_server python3-websockets (wss://, trusting ca.pem) -> ws_echo_server:
#                                       text and binary, 0 B .. 1 MiB, ping, close 1000
#   node_ws_client_to_ws_echo_server    node `ws` (ca: ca.pem) -> ws_echo_server: the same
#   ws_echo_client_to_node_ws_server    node `ws` on https.createServer -> ws_echo_client wss://:
#                                       the server sends 0 B .. 1 MiB, checks the echoes, closes
#                                       with 1000; the client must exit 0
#   expired_certificate_rejected        tcp_echo_client against a server with expired.pem: exit
#                                       non-zero, stderr says the certificate expired
#   unknown_ca_rejected                 tcp_echo_client --tls-ca other_ca.pem: exit non-zero, stderr
#                                       names the unknown CA (and, as a control, --tls-ca ca.pem works)
#   plaintext_client_dropped            "GET / HTTP/1.1" in plaintext to the TLS port is dropped
#                                       while a TLS client on the same server keeps echoing
#   chromium_chat_https                 tests/browser/chat_https_test.js: headless Chromium on
#                                       https:// + wss:// served by `chat --tls-cert --tls-key`
# Ends with "N passed, M failed" (a "K skipped" line before it when something was skipped);
# exit 1 when anything failed.
#
# Needs: the samples in $TW_BIN_DIR (default build/bin/release), openssl, /usr/bin/python3 with
# python3-websockets, node with tests/interop/node_modules (ws, playwright-core), /usr/bin/chromium
# (tests/setup.sh installs all of them). Certificates are generated at run time into a temporary
# folder (tests/interop/make_test_certs.sh). Every process is bounded by `timeout`, every process
# started here is stopped and reaped at the end (on failure and on a signal too). Logs of every
# case stay in build/logs/tls_interop/. Takes about 5 s when everything passes (a failing echo
# case waits 10 s for what does not come).
set -u -o pipefail
# A relative TW_BIN_DIR means relative to where this was started from.
if [ -n "${TW_BIN_DIR:-}" ] && [ -d "$TW_BIN_DIR" ]; then TW_BIN_DIR=$(cd "$TW_BIN_DIR" && pwd); fi
cd "$(dirname "$0")/../.." || exit 1
ROOT=$PWD
BIN=${TW_BIN_DIR:-$ROOT/build/bin/release}
PY=/usr/bin/python3     # Debian's, with python3-websockets (a pyenv python3 on PATH may lack it)
PEERS=$ROOT/tests/interop/tls_peers
LOGS=$ROOT/build/logs/tls_interop
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tickwire-tls-interop.XXXXXX")
CERTS=$WORK/certs
rm -rf "$LOGS"
mkdir -p "$LOGS"

passed=0 failed=0 skipped=0
pids=()     # every background process started here (each one a `timeout` around the real one)

ok()   { echo "ok $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
skip() { echo "skip $1: $2"; skipped=$((skipped + 1)); }

cleanup() {
    local p
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
    # `timeout -k 2` forwards TERM to its command and sends KILL 2 s later: each wait is bounded.
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

# run_bg SECONDS LOG CMD...: starts CMD in the background (stdin /dev/null, stdout+stderr to LOG),
# killed after SECONDS at the latest. Its pid (the timeout's) is in $BG.
run_bg() {
    local secs=$1 log=$2
    shift 2
    timeout -k 2 "$secs" "$@" </dev/null >"$log" 2>&1 &
    BG=$!
    pids+=("$BG")
}

# stop PID: ends a background process and reaps it; returns its exit status.
stop() {
    kill -TERM "$1" 2>/dev/null
    wait "$1" 2>/dev/null
}

# run_fg SECONDS IN OUT ERR CMD...: runs CMD, bounded, and returns its status (124: timed out).
# OUT and ERR may be the same file.
# Run in the background and waited for, so that a signal to this script is handled at once.
run_fg() {
    local secs=$1 in=$2 out=$3 err=$4
    shift 4
    if [ "$out" = "$err" ]; then
        timeout -k 2 "$secs" "$@" <"$in" >"$out" 2>&1 &
    else
        timeout -k 2 "$secs" "$@" <"$in" >"$out" 2>"$err" &
    fi
    local p=$!
    pids+=("$p")
    wait "$p"
}

# wait_for LOG REGEX PID SECONDS: until LOG has a line matching REGEX; false when PID ended first
# or the time ran out.
wait_for() {
    local log=$1 re=$2 pid=$3 deadline=$((SECONDS + $4))
    while [ $SECONDS -lt $deadline ]; do
        grep -Eq "$re" "$log" 2>/dev/null && return 0
        kill -0 "$pid" 2>/dev/null || { grep -Eq "$re" "$log" 2>/dev/null; return; }
        sleep 0.05
    done
    return 1
}

# A port below Linux's ephemeral range (32768+), so that no client connection of this test holds
# it as its local port while a server binds it.
pick_port() {
    "$PY" - <<'PYEOF'
import random, socket
for _ in range(100):
    p = random.randint(20000, 32000)
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(("127.0.0.1", p))
        print(p)
        break
    except OSError:
        pass
    finally:
        s.close()
PYEOF
}

# server LOG READY_REGEX CMD... : starts a server whose arguments name the port as @PORT@, waits
# for READY_REGEX in its output (10 s), tries another port when the first was taken. Sets SRV (pid)
# and PORT; false (the log says why) when it did not come up.
server() {
    local log=$1 re=$2 arg args _
    shift 2
    for _ in 1 2 3; do
        PORT=$(pick_port)
        args=()
        for arg in "$@"; do args+=("${arg//@PORT@/$PORT}"); done
        run_bg 60 "$log" "${args[@]}"
        SRV=$BG
        wait_for "$log" "$re" "$SRV" 10 && return 0
        stop "$SRV"
        grep -qi "in use" "$log" || return 1
    done
    return 1
}

# Last non-empty line of a file (for FAIL messages), or "(no output)".
last_line() {
    local l
    l=$(grep -v '^[[:space:]]*$' "$1" 2>/dev/null | tail -n 1)
    echo "${l:-(no output)}"
}

# --- prerequisites ----------------------------------------------------------------------------

missing=()
for b in tcp_echo_server tcp_echo_client ws_echo_server ws_echo_client chat; do
    [ -x "$BIN/$b" ] || missing+=("$BIN/$b")
done
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
if [ ${#missing[@]} -gt 0 ] || ! sh tests/interop/make_test_certs.sh "$CERTS" >"$LOGS/make_test_certs.log" 2>&1; then
    [ ${#missing[@]} -gt 0 ] && echo "FAIL setup: missing ${missing[*]} (build: make -C build config=release; tools: bash tests/setup.sh)"
    [ ${#missing[@]} -eq 0 ] && echo "FAIL setup: make_test_certs.sh failed: $(last_line "$LOGS/make_test_certs.log")"
    echo "0 passed, 1 failed"
    exit 1
fi
have_py_websockets=no
"$PY" -c 'import websockets' >/dev/null 2>&1 && have_py_websockets=yes
have_node=no
command -v node >/dev/null 2>&1 && [ -d tests/interop/node_modules/ws ] && have_node=yes
NODE_MISSING="node or tests/interop/node_modules/ws is missing (run: bash tests/setup.sh)"

# Which mbedTLS the samples run on, and whether it has TLS 1.3 at all (tickwire uses TLS 1.3
# only on mbedTLS 3.x built with MBEDTLS_SSL_PROTO_TLS1_3). Prints "VERSION yes|no|unknown".
mbedtls_info() {
    local bin=$1 crypto tls ver=unknown t13=unknown
    crypto=$(ldd "$bin" 2>/dev/null | awk '/libmbedcrypto\.so/ {print $3; exit}')
    tls=$(ldd "$bin" 2>/dev/null | awk '/libmbedtls\.so/ {print $3; exit}')
    if [ -n "$crypto" ]; then
        ver=$("$PY" -c 'import ctypes, sys
n = ctypes.CDLL(sys.argv[1]).mbedtls_version_get_number()
print("%d.%d.%d" % (n >> 24, (n >> 16) & 255, (n >> 8) & 255))' "$crypto" 2>/dev/null) || ver=unknown
    fi
    if [ -n "$tls" ]; then
        if [ "${ver%%.*}" != unknown ] && [ "${ver%%.*}" -lt 3 ] 2>/dev/null; then t13=no
        elif nm -D "$tls" 2>/dev/null | grep -q ' T mbedtls_ssl_tls13_'; then t13=yes
        else t13=no; fi
    fi
    echo "$ver $t13"
}

# --- 1. openssl s_client -> tcp_echo_server -----------------------------------------------------

# s_client_case NAME VERSION_FLAG
s_client_case() {
    local name=$1 flag=$2 d=$LOGS/$1 rc size
    mkdir -p "$d"
    if ! server "$d/server.log" "listening on tls://" "$BIN/tcp_echo_server" --port @PORT@ \
            --tls-cert "$CERTS/server.pem" --tls-key "$CERTS/server.key"; then
        fail "$name" "tcp_echo_server did not start: $(last_line "$d/server.log")"
        return
    fi
    head -c 16384 /dev/urandom >"$WORK/$name.data"
    size=16384
    # stdin through a FIFO: the data, then held open until all of it is back (10 s at most) or
    # s_client has gone; closing it then ends s_client (-no_ign_eof), which sends close_notify.
    # Opened read-write, so that opening never blocks and the 16 KiB fit in the pipe's buffer.
    local fifo=$WORK/$name.fifo
    mkfifo "$fifo"
    exec 3<>"$fifo"
    timeout -k 2 20 openssl s_client "$flag" -connect "127.0.0.1:$PORT" -servername localhost \
        -CAfile "$CERTS/ca.pem" -verify_return_error -verify_hostname localhost \
        -brief -no_ign_eof -nocommands <"$fifo" >"$d/received" 2>"$d/s_client.err" 3>&- &
    local sc=$!
    pids+=("$sc")
    cat "$WORK/$name.data" >&3
    local deadline=$((SECONDS + 10))
    while kill -0 "$sc" 2>/dev/null && [ $SECONDS -lt $deadline ] &&
          [ "$(stat -c %s "$d/received" 2>/dev/null || echo 0)" -lt $size ]; do
        sleep 0.05
    done
    exec 3>&-
    wait "$sc"
    rc=$?
    stop "$SRV"
    if [ $rc -eq 0 ] && cmp -s "$WORK/$name.data" "$d/received"; then
        ok "$name"
        return
    fi
    local why
    if [ $rc -ne 0 ]; then why="s_client exited $rc: $(grep -m1 -E 'error|alert' "$d/s_client.err" || last_line "$d/s_client.err")"
    else why="the echo differs: $(stat -c %s "$d/received") bytes back of $size ($(cmp "$WORK/$name.data" "$d/received" 2>&1 | head -n 1))"; fi
    if [ "$flag" = -tls1_3 ] && [ $rc -ne 0 ]; then
        read -r mbed_ver mbed_t13 < <(mbedtls_info "$BIN/tcp_echo_server")
        if [ "$mbed_t13" = no ] && grep -Eq 'alert handshake failure|alert protocol version|unsupported protocol|no protocols available' "$d/s_client.err"; then
            skip "$name" "mbedTLS $mbed_ver (as linked by tcp_echo_server) has no TLS 1.3; the server refused -tls1_3 ($(grep -m1 -oE 'alert [a-z ]+' "$d/s_client.err" | head -n 1 | sed 's/ *$//'))"
            return
        fi
    fi
    fail "$name" "$why"
}

s_client_case s_client_tls12_to_tcp_echo_server -tls1_2
s_client_case s_client_tls13_to_tcp_echo_server -tls1_3

# --- 2. tcp_echo_client -> openssl s_server -rev ------------------------------------------------

case_s_server() {
    local name=tcp_echo_client_to_s_server d=$LOGS/tcp_echo_client_to_s_server rc src
    mkdir -p "$d"
    if ! server "$d/s_server.log" "^ACCEPT" openssl s_server -accept @PORT@ -cert "$CERTS/server.pem" \
            -key "$CERTS/server.key" -rev -naccept 1; then
        fail "$name" "openssl s_server did not start: $(last_line "$d/s_server.log")"
        return
    fi
    # Lines of base64 (never "CLOSE", which -rev would take as a command).
    head -c 6000 /dev/urandom | base64 -w 76 >"$d/sent"
    run_fg 20 "$d/sent" "$d/received" "$d/client.err" "$BIN/tcp_echo_client" "tls://localhost:$PORT" --tls-ca "$CERTS/ca.pem"
    rc=$?
    # -naccept 1: s_server ends by itself once the client has gone.
    local deadline=$((SECONDS + 5))
    while kill -0 "$SRV" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.05; done
    stop "$SRV"
    src=$?
    if [ $rc -ne 0 ]; then fail "$name" "tcp_echo_client exited $rc: $(last_line "$d/client.err")"
    elif ! rev "$d/sent" | cmp -s - "$d/received"; then fail "$name" "the reversed lines differ ($(wc -l <"$d/received") of $(wc -l <"$d/sent") lines back)"
    elif [ $src -ne 0 ]; then fail "$name" "s_server exited $src: $(last_line "$d/s_server.log")"
    else ok "$name"; fi
}
case_s_server

# --- 3 and 4a. python3-websockets and node ws -> ws_echo_server -------------------------------------

# wss_client_case NAME CLIENT...   (the client gets wss://localhost:PORT/ and ca.pem as arguments)
wss_client_case() {
    local name=$1 d=$LOGS/$1 rc
    shift
    mkdir -p "$d"
    if ! server "$d/server.log" "listening on wss://" "$BIN/ws_echo_server" --port @PORT@ \
            --tls-cert "$CERTS/server.pem" --tls-key "$CERTS/server.key"; then
        fail "$name" "ws_echo_server did not start: $(last_line "$d/server.log")"
        return
    fi
    run_fg 60 /dev/null "$d/client.log" "$d/client.log" "$@" "wss://localhost:$PORT/" "$CERTS/ca.pem"
    rc=$?
    stop "$SRV"
    if [ $rc -eq 0 ]; then ok "$name"
    elif [ $rc -eq 124 ]; then fail "$name" "the client did not finish in 60 s: $(last_line "$d/client.log")"
    else fail "$name" "$(last_line "$d/client.log")"; fi
}

if [ $have_py_websockets = yes ]; then
    wss_client_case python_websockets_to_ws_echo_server "$PY" "$PEERS/py_wss_client.py"
else
    fail python_websockets_to_ws_echo_server "$PY cannot import websockets (apt-get install python3-websockets)"
fi
if [ $have_node = yes ]; then
    wss_client_case node_ws_client_to_ws_echo_server node "$PEERS/node_wss_client.js"
else
    fail node_ws_client_to_ws_echo_server "$NODE_MISSING"
fi

# --- 4b. ws_echo_client -> node ws server ---------------------------------------------------------

case_node_server() {
    local name=ws_echo_client_to_node_ws_server d=$LOGS/ws_echo_client_to_node_ws_server rc nrc port
    mkdir -p "$d"
    if [ $have_node != yes ]; then fail "$name" "$NODE_MISSING"; return; fi
    run_bg 70 "$d/node_server.log" node "$PEERS/node_wss_server.js" "$CERTS/server.pem" "$CERTS/server.key"
    local node=$BG
    if ! wait_for "$d/node_server.log" "^listening [0-9]+" "$node" 10; then
        stop "$node"
        fail "$name" "the node server did not start: $(last_line "$d/node_server.log")"
        return
    fi
    port=$(awk '/^listening/ {print $2; exit}' "$d/node_server.log")
    run_fg 60 /dev/null "$d/client.log" "$d/client.log" "$BIN/ws_echo_client" "wss://localhost:$port/" --tls-ca "$CERTS/ca.pem"
    rc=$?
    # The node server exits by itself once the closing handshake is done (or it gave up).
    local deadline=$((SECONDS + 5))
    while kill -0 "$node" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.05; done
    stop "$node"
    nrc=$?
    if [ $nrc -ne 0 ]; then fail "$name" "node server: $(last_line "$d/node_server.log"); ws_echo_client exited $rc: $(last_line "$d/client.log")"
    elif [ $rc -ne 0 ]; then fail "$name" "ws_echo_client exited $rc: $(last_line "$d/client.log")"
    else ok "$name"; fi
}
case_node_server

# --- 5. negative cases --------------------------------------------------------------------------

# reject_case NAME SERVER_CERT SERVER_KEY CLIENT_CA STDERR_REGEX
reject_case() {
    local name=$1 cert=$2 key=$3 ca=$4 re=$5 d=$LOGS/$1 rc
    mkdir -p "$d"
    if ! server "$d/server.log" "listening on tls://" "$BIN/tcp_echo_server" --port @PORT@ \
            --tls-cert "$cert" --tls-key "$key"; then
        fail "$name" "tcp_echo_server did not start: $(last_line "$d/server.log")"
        return
    fi
    echo "must not arrive" >"$d/sent"
    if [ "$name" = unknown_ca_rejected ]; then
        # Control: the same client and server work with the right CA, so a failure below is the CA's.
        run_fg 15 "$d/sent" "$d/control.out" "$d/control.err" "$BIN/tcp_echo_client" "tls://localhost:$PORT" --tls-ca "$CERTS/ca.pem"
        rc=$?
        if [ $rc -ne 0 ] || ! cmp -s "$d/sent" "$d/control.out"; then
            stop "$SRV"
            fail "$name" "control with ca.pem failed (exit $rc): $(last_line "$d/control.err")"
            return
        fi
    fi
    run_fg 15 "$d/sent" "$d/client.out" "$d/client.err" "$BIN/tcp_echo_client" "tls://localhost:$PORT" --tls-ca "$ca"
    rc=$?
    stop "$SRV"
    if [ $rc -eq 0 ]; then fail "$name" "tcp_echo_client exited 0 (it trusted the server)"
    elif [ $rc -eq 124 ] || [ $rc -eq 137 ]; then fail "$name" "tcp_echo_client hung (killed after 15 s) instead of failing"
    elif grep -q "must not arrive" "$d/client.out"; then fail "$name" "data went through: $(last_line "$d/client.out")"
    elif ! grep -Eiq "$re" "$d/client.err"; then fail "$name" "exit $rc, but stderr does not match /$re/: $(last_line "$d/client.err")"
    else ok "$name"; fi
}
reject_case expired_certificate_rejected "$CERTS/expired.pem" "$CERTS/expired.key" "$CERTS/ca.pem" "certificate.*expired"
reject_case unknown_ca_rejected "$CERTS/server.pem" "$CERTS/server.key" "$CERTS/other_ca.pem" "certificate.*unknown CA|unknown CA.*certificate"

case_plaintext() {
    local name=plaintext_client_dropped d=$LOGS/plaintext_client_dropped rc
    mkdir -p "$d"
    if ! server "$d/server.log" "listening on tls://" "$BIN/tcp_echo_server" --port @PORT@ \
            --tls-cert "$CERTS/server.pem" --tls-key "$CERTS/server.key"; then
        fail "$name" "tcp_echo_server did not start: $(last_line "$d/server.log")"
        return
    fi
    run_fg 30 /dev/null "$d/probe.log" "$d/probe.log" "$PY" "$PEERS/plaintext_probe.py" "$PORT" "$CERTS/ca.pem"
    rc=$?
    if ! kill -0 "$SRV" 2>/dev/null; then fail "$name" "tcp_echo_server died: $(last_line "$d/server.log")"; stop "$SRV"; return; fi
    stop "$SRV"
    if [ $rc -eq 0 ]; then ok "$name"; else fail "$name" "$(last_line "$d/probe.log")"; fi
}
case_plaintext

# --- 6. headless Chromium over https:// and wss:// -------------------------------------------------

case_chromium() {
    local name=chromium_chat_https d=$LOGS/chromium_chat_https rc
    mkdir -p "$d"
    if [ $have_node != yes ] || [ ! -d tests/interop/node_modules/playwright-core ]; then
        fail "$name" "node or tests/interop/node_modules/playwright-core is missing (run: bash tests/setup.sh)"; return
    fi
    if [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]; then fail "$name" "no ${CHROMIUM:-/usr/bin/chromium} (run: bash tests/setup.sh)"; return; fi
    TW_TLS_DIR=$CERTS TW_BIN_DIR=$BIN run_fg 100 /dev/null "$d/test.log" "$d/test.log" node tests/browser/chat_https_test.js
    rc=$?
    if [ $rc -eq 0 ]; then ok "$name"
    elif [ $rc -eq 124 ]; then fail "$name" "chat_https_test.js did not finish in 100 s"
    else fail "$name" "$(grep -m1 '^FAIL' "$d/test.log" || last_line "$d/test.log")"; fi
}
case_chromium

[ $skipped -gt 0 ] && echo "$skipped skipped (see the skip lines above)"
[ $failed -gt 0 ] && echo "logs: ${LOGS#"$ROOT"/}/"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
