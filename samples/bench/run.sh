#!/usr/bin/env bash
# run.sh: benchmarks tickwire against the libraries people would pick instead, in one sitting,
# and writes samples/bench/results/REPORT.md with tables and PNG charts.
#
#     samples/bench/run.sh [--quick] [--out DIR] [--reps N] [--secs S] [--no-build] [--no-install]
#                          [--only FAMILIES] [--no-mbedtls36]
#
# Steps: builds Release (premake4 + make -j2), installs the peers that are missing (apt:
# libwebsockets-dev libnng-dev libnanomsg-dev gnuplot-nox; npm: ws), compiles the neutral tools
# of this folder (echo_load, raw_echo, peers/lws_echo), then runs every scenario for tickwire and
# each peer: the server pinned to CPU 0, the client to CPU 1 (taskset), REPS runs of SECS seconds
# each (default 3 x 5 s, after 1 s of warm-up; --quick: 1 x 1 s and fewer scenarios, about a
# minute). Libraries alternate within each repetition, so a noisy neighbour hurts all alike.
# Families: WebSocket echo (raw loopback, tickwire TCP and WebSocket, libwebsockets, node ws),
# TLS (tickwire ws:// vs wss://, full handshakes/s vs OpenSSL, AEAD speed of mbedTLS), message
# sockets (sp_bench vs nanomsg / NNG), Sockety (sockety_bench), memory (RSS per idle
# connection). --only ws,mem,tls,sp,sockety runs just those families (comma-separated). A family
# whose program is not built is skipped with a "not built" line. Raw result lines go to
# DIR/raw/; samples/bench/report.py turns them into DIR/REPORT.md and DIR/*.png.
# TLS runs twice where mbedTLS matters: with the system's mbedTLS 2.28 (the default build) and
# with mbedTLS 3.6 built from Debian's source package (premake --mbedtls=source, build/mbedtls-3.6/;
# tests/mbedtls_source.sh fetches it from the Debian mirror once). --no-mbedtls36 skips that
# build and its rows; a failed fetch or build only drops them. --quick does not build it (it
# still runs its rows when build/mbedtls-3.6 holds the programs).
# Handshakes, as issue 4 asks: OpenSSL's `s_time -new` (one connection at a time) against
# tcp_echo_server and against `openssl s_server`, same certificate (EC P-256), the client limited
# to the P-256 group (an OPENSSL_CONF with Groups = P-256) so that both servers do ECDHE on P-256;
# the server's CPU per handshake from /proc. And tickwire's own client: tls_handshakes -c 1 and
# -c 32 (concurrent: what one server core sustains).
# Environment: BENCH_PORT (first port, default 9740), SP_BENCH, SOCKETY_BENCH, SP_PEER_SRC
# (override where those programs are found), BENCH_NOTE (a line for the report's machine table).
set -u -o pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=$HERE/results
QUICK=0
REPS=
SECS=
BUILD=1
INSTALL=1
ONLY=
MBEDTLS36=1
while [ $# -gt 0 ]; do
    case $1 in
    --quick) QUICK=1 ;;
    --out) OUT=$2; shift ;;
    --reps) REPS=$2; shift ;;
    --secs) SECS=$2; shift ;;
    --no-build) BUILD=0 ;;
    --no-install) INSTALL=0 ;;
    --only) ONLY=$2; shift ;;
    --no-mbedtls36) MBEDTLS36=0 ;;
    *) echo "usage: $0 [--quick] [--out DIR] [--reps N] [--secs S] [--no-build] [--no-install] [--only ws,mem,tls,sp,sockety] [--no-mbedtls36]" >&2; exit 2 ;;
    esac
    shift
done
for f in ${ONLY//,/ }; do
    case $f in ws | mem | tls | sp | sockety) ;; *) echo "$0: --only takes ws, mem, tls, sp, sockety (not '$f')" >&2; exit 2 ;; esac
done
want() { [ -z "$ONLY" ] || [[ ",$ONLY," == *",$1,"* ]]; }
if [ "$QUICK" = 1 ]; then
    REPS=${REPS:-1}; SECS=${SECS:-1}; WARM=0.3; IDLE_CONNS=1000
    WS_SCENARIOS="lat16 small16 big64k"; TLS_SCENARIOS="ws1k wss1k stime hs hs32 aead"
    SP_SCENARIOS="pushpull-16 reqrep-1"; SOCKETY_FILTER=(-f Heartbeat -f "Regular response")
else
    REPS=${REPS:-3}; SECS=${SECS:-5}; WARM=1; IDLE_CONNS=10000
    WS_SCENARIOS="lat16 small16 msg1k big64k huge1m"; TLS_SCENARIOS="ws1k wss1k ws1m wss1m stime hs hs32 aead"
    SP_SCENARIOS="pushpull-16 pushpull-1024 pushpull-65536 reqrep-1 reqrep-16"; SOCKETY_FILTER=()
fi
mkdir -p "$OUT/raw" || exit 1
OUT=$(cd "$OUT" && pwd)
RAW=$OUT/raw
RESULTS=$RAW/runs.txt
: >"$RESULTS"
TOOLS=$ROOT/build/bench
BIN=$ROOT/build/bin/release
BIN36=$ROOT/build/mbedtls-3.6/bin/release
T0=$(date +%s)
log() { printf '[bench %4ds] %s\n' $(($(date +%s) - T0)) "$*"; }

# --- build and peers ---------------------------------------------------------------------------
cd "$ROOT" || exit 1
if [ "$BUILD" = 1 ]; then
    log "building Release (premake4 + make -C build config=release -j2)"
    { premake4 --file=premake5.lua gmake && make -C build config=release -j2; } >"$RAW/build.log" 2>&1 ||
        { tail -n 20 "$RAW/build.log"; log "build failed (log: $RAW/build.log)"; exit 1; }
    # Not in --quick (a smoke run): building mbedTLS takes longer than the whole run.
    if want tls && [ "$MBEDTLS36" = 1 ] && [ "$QUICK" = 0 ]; then
        log "building the TLS programs with mbedTLS 3.6 from source (tests/mbedtls_source.sh, premake --mbedtls=source)"
        { bash tests/mbedtls_source.sh 3.6 && premake4 --file=premake5.lua --mbedtls=source gmake &&
            make -C build/mbedtls-3.6 config=release -j2 tcp_echo_server ws_echo_server ws_load tls_handshakes tls_cipher_speed; } \
            >"$RAW/build36.log" 2>&1 || log "mbedTLS 3.6 build failed (log: $RAW/build36.log); its rows are skipped"
    fi
fi
installed() { [ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null | cut -c1-2)" = ii ]; }
if [ "$INSTALL" = 1 ]; then
    missing=()
    for p in libwebsockets-dev libnng-dev libnanomsg-dev gnuplot-nox; do installed "$p" || missing+=("$p"); done
    if [ ${#missing[@]} -gt 0 ]; then
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
            log "installing ${missing[*]} (apt-get)"
            DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >"$RAW/apt.log" 2>&1 ||
                log "apt-get failed (log: $RAW/apt.log); the peers it would have brought are skipped"
        else
            log "missing ${missing[*]}: install them as root (apt-get install ${missing[*]}); those peers are skipped"
        fi
    fi
fi
NODE_MODULES=
for d in "$ROOT/tests/interop/node_modules" "$HERE/node_modules"; do
    [ -f "$d/ws/package.json" ] && { NODE_MODULES=$d; break; }
done
if [ -z "$NODE_MODULES" ] && [ "$INSTALL" = 1 ] && command -v npm >/dev/null; then
    log "installing npm ws into $HERE/node_modules"
    (cd "$HERE" && npm install --no-audit --no-fund >"$RAW/npm.log" 2>&1) && NODE_MODULES=$HERE/node_modules
fi

mkdir -p "$TOOLS"
cc -O2 -Wall -Wextra -o "$TOOLS/echo_load" "$HERE/echo_load.c" || exit 1
cc -O2 -Wall -Wextra -o "$TOOLS/raw_echo" "$HERE/raw_echo.c" || exit 1
HAVE_LWS=0
cc -O2 -Wall -o "$TOOLS/lws_echo" "$HERE/peers/lws_echo.c" -lwebsockets 2>"$RAW/lws_build.log" && HAVE_LWS=1
HAVE_NODE=0
[ -n "$NODE_MODULES" ] && command -v node >/dev/null && HAVE_NODE=1
SP_BENCH=${SP_BENCH:-$BIN/sp_bench}
SOCKETY_BENCH=${SOCKETY_BENCH:-$BIN/sockety_bench}
SP_PEER_SRC=${SP_PEER_SRC:-$ROOT/samples/sp_bench/peer/sp_peer_bench.c}
HAVE_NN=0 HAVE_NNG=0
if [ -f "$SP_PEER_SRC" ]; then
    cc -O2 -o "$TOOLS/sp_peer_nanomsg" "$SP_PEER_SRC" -lnanomsg -lpthread 2>"$RAW/sp_peer.log" && HAVE_NN=1
    cc -O2 -DPEER_NNG -o "$TOOLS/sp_peer_nng" "$SP_PEER_SRC" -lnng -lpthread 2>>"$RAW/sp_peer.log" && HAVE_NNG=1
fi
ulimit -n "$(ulimit -Hn)" 2>/dev/null

# --- the machine -----------------------------------------------------------------------------
pkgver() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo "not installed"; }
{
    echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "mode: $([ "$QUICK" = 1 ] && echo quick || echo full) ($REPS x ${SECS} s per scenario, ${WARM} s warm-up)"
    echo "command: samples/bench/run.sh$([ "$QUICK" = 1 ] && echo ' --quick')${ONLY:+ --only $ONLY}$([ "$MBEDTLS36" = 0 ] && echo ' --no-mbedtls36')"
    echo "cpu: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
    echo "cores: $(nproc)"
    echo "kernel: $(uname -sr)"
    echo "compiler: $(c++ --version | head -n 1)"
    echo "tickwire: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)$(git -C "$ROOT" diff --quiet 2>/dev/null || echo ' (with local changes)')"
    echo "libwebsockets: $(pkgver libwebsockets-dev)"
    echo "nanomsg: $(pkgver libnanomsg-dev)"
    echo "nng: $(pkgver libnng-dev)"
    echo "mbedtls: $(pkgver libmbedtls-dev)"
    [ -x "$BIN36/tls_cipher_speed" ] && echo "mbedtls36: $("$BIN36/tls_cipher_speed" -t 0.01 --cipher AES-128-GCM | sed -n 's/^MBEDTLS version=//p') (Debian source package, built with source/crypto/mbedtls_config)"
    echo "openssl: $(openssl version 2>/dev/null)"
    echo "node: $(node --version 2>/dev/null || echo none)"
    echo "ws: $([ -n "$NODE_MODULES" ] && sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' "$NODE_MODULES/ws/package.json" | head -n 1)"
    echo "gnuplot: $(gnuplot --version 2>/dev/null || echo none)"
    echo "load_before: $(cut -d' ' -f1-3 /proc/loadavg)"
    [ -n "${BENCH_NOTE:-}" ] && echo "note: $BENCH_NOTE"
    echo "programs: $BIN/{ws_echo_server,tcp_echo_server,ws_load,tls_handshakes,tls_cipher_speed}, $SP_BENCH, $SOCKETY_BENCH, $SP_PEER_SRC"
} >"$RAW/machine.txt"

# --- plan: every run, so that progress can say "i of n" ------------------------------------------
PLAN=()
ws_libs=(raw raw_unmask raw_own tickwire_tcp tickwire tickwire_cb)
[ "$HAVE_LWS" = 1 ] && ws_libs+=(lws)
[ "$HAVE_NODE" = 1 ] && ws_libs+=(node)
sp_libs=()
[ -x "$SP_BENCH" ] && sp_libs+=(tickwire)
[ "$HAVE_NN" = 1 ] && sp_libs+=(nanomsg)
[ "$HAVE_NNG" = 1 ] && sp_libs+=(nng)
[ "$HAVE_LWS" = 1 ] || log "libwebsockets: not built ($(head -n 1 "$RAW/lws_build.log")); its rows are skipped"
[ "$HAVE_NODE" = 1 ] || log "node ws: not installed; its rows are skipped"
tls_libs=(tickwire)
[ "$MBEDTLS36" = 1 ] && want tls && { [ -x "$BIN36/tcp_echo_server" ] && tls_libs+=(tickwire36) || log "mbedTLS 3.6 build: not built ($BIN36); its rows are skipped"; }
for rep in $(seq "$REPS"); do
    if want ws; then
        for s in $WS_SCENARIOS; do
            for lib in "${ws_libs[@]}"; do PLAN+=("ws $lib $s $rep"); done
        done
    fi
    if want mem; then
        for lib in "${ws_libs[@]}"; do [ "$lib" = tickwire_tcp ] || [ "$lib" = raw_unmask ] || [ "$lib" = raw_own ] || [ "$lib" = tickwire_cb ] || PLAN+=("mem $lib idle $rep"); done
    fi
    if want tls; then
        for s in $TLS_SCENARIOS; do
            for lib in "${tls_libs[@]}"; do
                case $lib/$s in tickwire36/ws1k | tickwire36/ws1m) continue ;; esac # ws:// has no TLS in it
                if [ "$s" = aead ]; then
                    for c in AES-128-GCM AES-256-GCM CHACHA20-POLY1305; do PLAN+=("tls $lib aead-$c $rep"); done
                else
                    PLAN+=("tls $lib $s $rep")
                fi
            done
            [ "$s" = stime ] && PLAN+=("tls openssl stime $rep")
        done
    fi
    if [ -x "$SP_BENCH" ] && want sp; then
        for s in $SP_SCENARIOS; do
            for lib in "${sp_libs[@]}"; do PLAN+=("sp $lib $s $rep"); done
            [ "$s" = reqrep-1 ] && [ "$HAVE_NN" = 1 ] && PLAN+=("sp raw rawtcp-16 $rep")
        done
    fi
    [ -x "$SOCKETY_BENCH" ] && want sockety && PLAN+=("sockety tickwire all $rep")
done
[ -x "$SP_BENCH" ] || { log "message sockets: sp_bench not built ($SP_BENCH); section skipped"; echo "sp_not_built: $SP_BENCH" >>"$RAW/machine.txt"; }
[ -x "$SOCKETY_BENCH" ] || { log "Sockety: sockety_bench not built ($SOCKETY_BENCH); section skipped"; echo "sockety_not_built: $SOCKETY_BENCH" >>"$RAW/machine.txt"; }

# --- running ---------------------------------------------------------------------------------
PORT=${BENCH_PORT:-9740}
SRV=
next_port() { PORT=$((PORT + 1)); [ "$PORT" -gt $((${BENCH_PORT:-9740} + 200)) ] && PORT=${BENCH_PORT:-9740}; }
wait_port() {
    for _ in $(seq 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        kill -0 "$SRV" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}
start_server() { # PORT COMMAND... (pinned to CPU 0; waits for the port)
    local port=$1
    shift
    taskset -c 0 "$@" >"$RAW/server.log" 2>&1 &
    SRV=$!
    wait_port "$port" || { echo "server did not start: $* ($(tail -n 1 "$RAW/server.log"))" >&2; stop_server; return 1; }
}
stop_server() {
    [ -n "$SRV" ] && { kill "$SRV" 2>/dev/null; wait "$SRV" 2>/dev/null; }
    SRV=
}
trap 'stop_server; exit 130' INT TERM
# The whole machine's busy CPUs since the job started (from /proc/stat): minus our client and
# server, what the rest of the machine used while we measured.
busy_jiffies() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8; exit }' /proc/stat; }
HZ=$(getconf CLK_TCK)
record() { # TAGS LINE
    local line busy
    line=$(echo "$2" | tr '\n' ' ')
    [ -n "$line" ] || line="status=failed"
    busy=$(echo "$JOB_B0 $(busy_jiffies) $JOB_T0 $(date +%s.%N) $HZ" | awk '{ printf "%.2f", ($2 - $1) / $5 / ($4 - $3) }')
    echo "$1 load=$(cut -d' ' -f1 /proc/loadavg) busy_cpus=$busy $line" >>"$RESULTS"
}
CERTS=$RAW/certs
[ -f "$CERTS/server.pem" ] || sh "$ROOT/tests/interop/make_test_certs.sh" "$CERTS" >/dev/null 2>&1

ws_server_cmd() { # LIB PORT
    case $1 in
    raw) echo "$TOOLS/raw_echo $2" ;;
    raw_unmask) echo "$TOOLS/raw_echo $2 --unmask" ;;
    raw_own) echo "$TOOLS/raw_echo $2 --unmask --own-buffers" ;;
    tickwire_tcp) echo "$BIN/tcp_echo_server --port $2" ;;
    tickwire) echo "$BIN/ws_echo_server --port $2" ;;
    tickwire_cb) echo "$BIN/ws_echo_server --callbacks --port $2" ;;
    lws) echo "$TOOLS/lws_echo $2" ;;
    node) echo "env NODE_PATH=$NODE_MODULES node $HERE/peers/ws_echo.js $2" ;;
    esac
}
ws_load_args() {
    case $1 in
    lat16) echo "-c 1 -d 1 -s 16" ;;
    small16) echo "-c 100 -d 32 -s 16" ;;
    msg1k) echo "-c 100 -d 16 -s 1024" ;;
    big64k) echo "-c 10 -d 4 -s 65536" ;;
    huge1m) echo "-c 4 -d 2 -s 1048576" ;;
    esac
}

run_ws() { # LIB SCENARIO TAGS
    local mode=
    case $1 in raw | raw_unmask | raw_own | tickwire_tcp) mode=--raw ;; esac
    # shellcheck disable=SC2046
    start_server "$PORT" $(ws_server_cmd "$1" "$PORT") || { record "$3" ""; return; }
    # shellcheck disable=SC2046
    record "$3" "$(taskset -c 1 "$TOOLS/echo_load" --port "$PORT" $mode $(ws_load_args "$2") -t "$SECS" -w "$WARM" \
        --server-pid "$SRV" 2>>"$RAW/client.err" | grep '^RESULT')"
    stop_server
}
run_mem() { # LIB TAGS
    # shellcheck disable=SC2046
    start_server "$PORT" $(ws_server_cmd "$1" "$PORT") || { record "$2" ""; return; }
    sleep 0.3
    local extra= mode=
    [ "$1" = tickwire ] && extra=" $("$BIN/ws_echo_server" --required-memory)"
    [ "$1" = raw ] && mode=--raw
    record "$2" "$(taskset -c 1 "$TOOLS/echo_load" --port "$PORT" --idle $mode -c "$IDLE_CONNS" -t 0.2 --server-pid "$SRV" \
        2>>"$RAW/client.err" | grep '^RESULT')$extra"
    stop_server
}
# An OpenSSL configuration that limits its clients (s_time, s_client) to the P-256 group, so
# that they offer a P-256 key share and every server does its ECDHE on P-256 without a retry.
P256_CONF=$RAW/openssl_p256.cnf
printf '%s\n' 'openssl_conf = default_conf' '[default_conf]' 'ssl_conf = ssl_sect' '[ssl_sect]' \
    'system_default = system_default_sect' '[system_default_sect]' 'Groups = P-256' >"$P256_CONF"
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null; } # PID -> user + system clock ticks
tls_bin() { [ "$1" = tickwire36 ] && echo "$BIN36/$2" || echo "$BIN/$2"; } # LIB PROGRAM
# OpenSSL's s_time -new, one connection at a time, against the server on $PORT (pid $SRV):
# handshakes/s over the wall-clock time, the server's CPU per handshake, and what was negotiated
# (one s_client handshake before the timing).
stime_line() {
    local probe proto cipher group t0 t1 c0 c1 out n
    probe=$(echo | OPENSSL_CONF=$P256_CONF timeout 10 openssl s_client -connect "127.0.0.1:$PORT" 2>/dev/null)
    proto=$(echo "$probe" | sed -n 's/^New, \([^,]*\), Cipher is \(.*\)/\1/p' | head -n 1)
    cipher=$(echo "$probe" | sed -n 's/^New, \([^,]*\), Cipher is \(.*\)/\2/p' | head -n 1)
    group=$(echo "$probe" | sed -n 's/^Server Temp Key: \(.*\)/\1/p' | tr -d ' ' | head -n 1)
    c0=$(cpu_ticks "$SRV")
    t0=$(date +%s.%N)
    out=$(OPENSSL_CONF=$P256_CONF taskset -c 1 openssl s_time -connect "127.0.0.1:$PORT" -new -time "${SECS%.*}" 2>>"$RAW/client.err")
    t1=$(date +%s.%N)
    c1=$(cpu_ticks "$SRV")
    n=$(echo "$out" | sed -n 's/^\([0-9]*\) connections in [0-9.]*s;.*/\1/p' | head -n 1)
    [ -n "$n" ] && [ "$n" -gt 0 ] && [ -n "$c0" ] && [ -n "$c1" ] &&
        echo "$n $t0 $t1 $c0 $c1 $HZ" | awk -v p="${proto:-?}" -v c="${cipher:-?}" -v g="${group:-?}" \
            '{ printf "RESULT handshakes_per_s=%.1f handshakes=%d dur_s=%.2f server_cpu_ms_per_hs=%.3f proto=%s cipher=%s group=%s\n",
                      $1 / ($3 - $2), $1, $3 - $2, ($5 - $4) * 1000 / $6 / $1, p, c, g }'
}
run_tls() { # LIB SCENARIO TAGS
    local line=
    case $1/$2 in
    tickwire*/ws1k | tickwire*/ws1m | tickwire*/wss1k | tickwire*/wss1m)
        local url="ws://127.0.0.1:$PORT/" tls=() size=1024 c=100 d=16
        case $2 in wss*) url="wss://localhost:$PORT/"; tls=(--tls-cert "$CERTS/server.pem" --tls-key "$CERTS/server.key") ;; esac
        case $2 in *1m) size=1048576 c=4 d=2 ;; esac
        start_server "$PORT" "$(tls_bin "$1" ws_echo_server)" --port "$PORT" "${tls[@]}" || { record "$3" ""; return; }
        local ca=()
        [ ${#tls[@]} -gt 0 ] && ca=(--tls-ca "$CERTS/ca.pem")
        line=$(taskset -c 1 "$(tls_bin "$1" ws_load)" "$url" -c $c -d $d -s $size -t "$SECS" -w "$WARM" --server-pid "$SRV" "${ca[@]}" \
            2>>"$RAW/client.err" | grep '^RESULT')
        ;;
    tickwire*/hs | tickwire*/hs32)
        local conc=1
        [ "$2" = hs32 ] && conc=32
        start_server "$PORT" "$(tls_bin "$1" tcp_echo_server)" --port "$PORT" --tls-cert "$CERTS/server.pem" --tls-key "$CERTS/server.key" ||
            { record "$3" ""; return; }
        line=$(taskset -c 1 "$(tls_bin "$1" tls_handshakes)" "tls://localhost:$PORT" -t "$SECS" -c $conc -q --tls-ca "$CERTS/ca.pem" \
            --server-pid "$SRV" 2>>"$RAW/client.err" | grep '^RESULT')
        ;;
    tickwire*/stime)
        start_server "$PORT" "$(tls_bin "$1" tcp_echo_server)" --port "$PORT" --tls-cert "$CERTS/server.pem" --tls-key "$CERTS/server.key" ||
            { record "$3" ""; return; }
        line=$(stime_line)
        ;;
    openssl/stime)
        start_server "$PORT" openssl s_server -cert "$CERTS/server.pem" -key "$CERTS/server.key" -accept "$PORT" -www -quiet -groups P-256 ||
            { record "$3" ""; return; }
        line=$(stime_line)
        ;;
    tickwire*/aead-*) # no server: the cipher alone, on the client's CPU
        line=$(taskset -c 1 "$(tls_bin "$1" tls_cipher_speed)" --cipher "${2#aead-}" -t "$(echo "$SECS" | awk '{ print ($1 > 2) ? 2 : $1 }')" \
            2>>"$RAW/client.err" | grep '^RESULT')
        ;;
    esac
    record "$3" "$line"
    stop_server
}
sp_bin() { case $1 in tickwire) echo "$SP_BENCH" ;; nanomsg | raw) echo "$TOOLS/sp_peer_nanomsg" ;; nng) echo "$TOOLS/sp_peer_nng" ;; esac; }
run_sp() { # LIB SCENARIO TAGS  (the roles and arguments of samples/sp_bench/compare.sh)
    local bin url="tcp://127.0.0.1:$PORT" secs=${SECS%.*} line=
    bin=$(sp_bin "$1")
    [ "$secs" -ge 1 ] 2>/dev/null || secs=1
    case $2 in
    pushpull-*)
        taskset -c 0 timeout -k 1 $((secs * 3 + 15)) "$bin" pull "$url" "$secs" >"$RAW/sp_server.out" 2>>"$RAW/sp.err" &
        SRV=$!
        sleep 0.3
        taskset -c 1 timeout -k 1 $((secs * 3 + 15)) "$bin" push "$url" "$secs" "${2#pushpull-}" >/dev/null 2>>"$RAW/sp.err"
        wait "$SRV"
        SRV=
        line=$(grep -m1 'test=' "$RAW/sp_server.out")
        ;;
    reqrep-*)
        taskset -c 0 timeout -k 1 $((secs * 3 + 15)) "$bin" rep "$url" $((secs + 4)) >/dev/null 2>>"$RAW/sp.err" &
        SRV=$!
        sleep 0.3
        line=$(taskset -c 1 timeout -k 1 $((secs * 3 + 15)) "$bin" req "$url" "$secs" 16 "${2#reqrep-}" 2>>"$RAW/sp.err" | grep -m1 'test=')
        stop_server
        ;;
    rawtcp-16)
        taskset -c 0 timeout -k 1 $((secs * 3 + 15)) "$bin" rawecho "$PORT" $((secs + 4)) >/dev/null 2>>"$RAW/sp.err" &
        SRV=$!
        sleep 0.3
        line=$(taskset -c 1 timeout -k 1 $((secs * 3 + 15)) "$bin" rawping "$PORT" "$secs" 16 2>>"$RAW/sp.err" | grep -m1 'test=')
        stop_server
        ;;
    esac
    record "$3" "$line"
}
run_sockety() { # REP TAGS  (sockety_bench forks its own server and clients: both CPUs, not split)
    local f=$RAW/sockety_rep$1.txt
    taskset -c 0,1 "$SOCKETY_BENCH" -t "$SECS" -w "$WARM" "${SOCKETY_FILTER[@]}" >"$f" 2>>"$RAW/sockety.err"
    record "$2" "status=$? file=$(basename "$f")"
}

N=${#PLAN[@]}
log "$N runs planned${ONLY:+ (--only $ONLY)}: WebSocket [${ws_libs[*]}] x [$WS_SCENARIOS] + idle $IDLE_CONNS conns; TLS [${tls_libs[*]}] x [$TLS_SCENARIOS]; SP [${sp_libs[*]:-not built}]; Sockety [$([ -x "$SOCKETY_BENCH" ] && echo built || echo not built)]; $REPS x ${SECS} s"
i=0
for job in "${PLAN[@]}"; do
    i=$((i + 1))
    read -r fam lib scen rep <<<"$job"
    log "run $i of $N ($((N - i)) left after it): $fam $lib $scen (repetition $rep of $REPS)"
    next_port
    tags="fam=$fam lib=$lib scen=$scen rep=$rep"
    JOB_B0=$(busy_jiffies)
    JOB_T0=$(date +%s.%N)
    case $fam in
    ws) run_ws "$lib" "$scen" "$tags" ;;
    mem) run_mem "$lib" "$tags" ;;
    tls) run_tls "$lib" "$scen" "$tags" ;;
    sp) run_sp "$lib" "$scen" "$tags" ;;
    sockety) run_sockety "$rep" "$tags" ;;
    esac
    tail -n 1 "$RESULTS" | grep -q 'status=failed' && log "  run $i failed (see $RAW/*.err, $RAW/server.log)"
done
echo "load_after: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$RAW/machine.txt"
echo "elapsed_s: $(($(date +%s) - T0))" >>"$RAW/machine.txt"

log "writing $OUT/REPORT.md"
python3 "$HERE/report.py" "$OUT" || { log "report.py failed"; exit 1; }
log "done: $OUT/REPORT.md ($(ls "$OUT"/*.png 2>/dev/null | wc -l) charts)"
