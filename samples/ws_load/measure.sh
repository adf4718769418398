#!/usr/bin/env bash
# measure.sh: the ws:// vs wss:// and TLS handshake figures of samples/ws_load/README.md, measured
# the same way every time. The server runs pinned to CPU 0, the client to CPU 1; every scenario
# is RUNS runs (default 3) of SECS seconds (default 5, after 1 s of warm-up) and the medians are
# printed. Each run's line, with the load average before it and the CPUs the whole machine was
# busy during it, goes to $OUT/runs.txt.
#
#     samples/ws_load/measure.sh [SCENARIO...]      (from the repository root, after the build)
#
# Scenarios: ws1k wss1k ws1m wss1m hs (all of them when none is given).
# Environment: BIN (build/bin/release), OUT (/tmp/ws_load_figures), RUNS, SECS, PORT (9470),
#              CONNS_1K (100), DEPTH_1K (16), HS_CONCURRENCY ("1 4").
# Needs: taskset, openssl (for the certificates and the OpenSSL reference figures).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${BIN:-$ROOT/build/bin/release}
OUT=${OUT:-/tmp/ws_load_figures}
RUNS=${RUNS:-3}
SECS=${SECS:-5}
PORT=${PORT:-9470}
CONNS_1K=${CONNS_1K:-100}
DEPTH_1K=${DEPTH_1K:-16}
HS_CONCURRENCY=${HS_CONCURRENCY:-"1 4"}
SCENARIOS=${*:-ws1k wss1k ws1m wss1m hs}
HZ=$(getconf CLK_TCK)

mkdir -p "$OUT"
CERTS=$OUT/certs
[ -f "$CERTS/server.pem" ] || sh "$ROOT/tests/interop/make_test_certs.sh" "$CERTS" >/dev/null || exit 1
RUNLOG=$OUT/runs.txt

busy_jiffies() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8; exit }' /proc/stat; }
now() { date +%s.%N; }
field() { tr ' ' '\n' | sed -n "s/^$1=//p" | head -n 1; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "-" }'; }

SRV_PID=
start_server() { # PORT COMMAND... : starts it on CPU 0 and waits until the port answers
    local port=$1
    shift
    taskset -c 0 "$@" >"$OUT/server.log" 2>&1 &
    SRV_PID=$!
    for _ in $(seq 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
        sleep 0.05
    done
    echo "server did not start: $*" >&2
    cat "$OUT/server.log" >&2
    return 1
}
stop_server() {
    [ -n "$SRV_PID" ] && kill "$SRV_PID" 2>/dev/null && wait "$SRV_PID" 2>/dev/null
    SRV_PID=
    sleep 0.5
}

# Runs CLIENT COMMAND... RUNS times on CPU 1; logs each line with the machine's load and busy CPUs.
# Prints the lines (for the medians).
runs() {
    local name=$1
    shift
    local r line load b0 b1 t0 t1
    for r in $(seq "$RUNS"); do
        load=$(cut -d' ' -f1-3 /proc/loadavg)
        b0=$(busy_jiffies); t0=$(now)
        line=$(taskset -c 1 "$@" 2>>"$OUT/client.err" | grep -E '^(RESULT|[0-9]+ connections in)' | tail -n 1)
        b1=$(busy_jiffies); t1=$(now)
        line="$line wall_s=$(echo "$t0 $t1" | awk '{ printf "%.2f", $2 - $1 }')"
        line="$line busy_cpus=$(echo "$b0 $b1 $t0 $t1 $HZ" | awk '{ printf "%.2f", ($2 - $1) / $5 / ($4 - $3) }')"
        echo "$name run $r: load=[$load] $line" >>"$RUNLOG"
        echo "$line"
    done
}

summary_ws() { # NAME LINES
    local name=$1 lines=$2 k
    printf '%-28s' "$name"
    for k in msgs_per_s mb_per_s p50_us p99_us client_cpu server_cpu busy_cpus errors; do
        printf ' %s=%s' "$k" "$(echo "$lines" | while read -r l; do echo "$l" | field $k; done | median)"
    done
    echo
}

ws_scenario() { # NAME SCHEME CONNS DEPTH SIZE
    local name=$1 scheme=$2 conns=$3 depth=$4 size=$5 tlsflags=() url lines
    if [ "$scheme" = wss ]; then
        start_server "$PORT" "$BIN/ws_echo_server" --port "$PORT" --tls-cert "$CERTS/server.pem" --tls-key "$CERTS/server.key" || return 1
        tlsflags=(--tls-ca "$CERTS/ca.pem")
        url="wss://localhost:$PORT/"
    else
        start_server "$PORT" "$BIN/ws_echo_server" --port "$PORT" || return 1
        url="ws://127.0.0.1:$PORT/"
    fi
    lines=$(runs "$name" "$BIN/ws_load" "$url" -c "$conns" -d "$depth" -s "$size" -t "$SECS" -w 1 \
        --server-pid "$SRV_PID" "${tlsflags[@]}")
    stop_server
    summary_ws "$name" "$lines"
}

# s_time prints "N connections in S real seconds" with S in whole seconds: the rate here uses
# the wall time around the command instead.
s_time_rate() { # LINES: "N connections in ..." ... wall_s=W
    echo "$1" | while read -r l; do
        n=$(echo "$l" | awk '{ print $1 }'); w=$(echo "$l" | field wall_s)
        echo "$n $w" | awk '{ printf "%.1f\n", $1 / $2 }'
    done | median
}

hs_scenarios() {
    local c lines
    # tickwire client -> tickwire server (tcp_echo_server over TLS)
    start_server "$PORT" "$BIN/tcp_echo_server" --port "$PORT" --tls-cert "$CERTS/server.pem" --tls-key "$CERTS/server.key" || return 1
    for c in $HS_CONCURRENCY; do
        lines=$(runs "hs tw->tw c=$c verify" "$BIN/tls_handshakes" "tls://localhost:$PORT" -t "$SECS" -c "$c" -q \
            --tls-ca "$CERTS/ca.pem" --server-pid "$SRV_PID")
        echo "hs tw->tw c=$c verify: handshakes_per_s=$(echo "$lines" | while read -r l; do echo "$l" | field handshakes_per_s; done | median) p50_ms=$(echo "$lines" | while read -r l; do echo "$l" | field p50_ms; done | median) server_cpu=$(echo "$lines" | while read -r l; do echo "$l" | field server_cpu; done | median) client_cpu=$(echo "$lines" | while read -r l; do echo "$l" | field client_cpu; done | median)"
    done
    lines=$(runs "hs tw->tw c=1 no-verify" "$BIN/tls_handshakes" "tls://localhost:$PORT" -t "$SECS" -c 1 -q \
        --tls-no-verify --server-pid "$SRV_PID")
    echo "hs tw->tw c=1 no-verify: handshakes_per_s=$(echo "$lines" | while read -r l; do echo "$l" | field handshakes_per_s; done | median)"
    # OpenSSL client -> tickwire server
    lines=$(runs "hs s_time->tw" openssl s_time -connect "127.0.0.1:$PORT" -new -time "$SECS")
    echo "hs s_time->tw: handshakes_per_s=$(s_time_rate "$lines")"
    stop_server

    # OpenSSL -> OpenSSL: as the issue asks (TLS 1.3, X25519), then TLS 1.2 with ECDHE P-256 like ours
    start_server "$PORT" openssl s_server -cert "$CERTS/server.pem" -key "$CERTS/server.key" -accept "$PORT" -www -quiet || return 1
    lines=$(runs "hs s_time->s_server default" openssl s_time -connect "127.0.0.1:$PORT" -new -time "$SECS")
    echo "hs s_time->s_server (default: TLS 1.3, X25519): handshakes_per_s=$(s_time_rate "$lines")"
    # tickwire client -> OpenSSL server
    lines=$(runs "hs tw->s_server" "$BIN/tls_handshakes" "tls://localhost:$PORT" -t "$SECS" -c 1 -q --tls-ca "$CERTS/ca.pem")
    echo "hs tw->s_server c=1 verify: handshakes_per_s=$(echo "$lines" | while read -r l; do echo "$l" | field handshakes_per_s; done | median)"
    stop_server
    start_server "$PORT" openssl s_server -cert "$CERTS/server.pem" -key "$CERTS/server.key" -accept "$PORT" -www -quiet \
        -groups P-256 || return 1
    lines=$(runs "hs s_time->s_server tls1.2 P-256" openssl s_time -connect "127.0.0.1:$PORT" -new -time "$SECS" -tls1_2)
    echo "hs s_time->s_server (TLS 1.2, ECDHE P-256): handshakes_per_s=$(s_time_rate "$lines")"
    stop_server
}

trap stop_server EXIT
echo "=== $(date -u +%FT%TZ) $(uname -r), $(nproc) CPUs, load before: $(cat /proc/loadavg)" | tee -a "$RUNLOG"
for s in $SCENARIOS; do
    case $s in
    ws1k) ws_scenario "ws   1KiB ${CONNS_1K}x${DEPTH_1K}" ws "$CONNS_1K" "$DEPTH_1K" 1024 ;;
    wss1k) ws_scenario "wss  1KiB ${CONNS_1K}x${DEPTH_1K}" wss "$CONNS_1K" "$DEPTH_1K" 1024 ;;
    ws1m) ws_scenario "ws   1MiB 4x2" ws 4 2 1048576 ;;
    wss1m) ws_scenario "wss  1MiB 4x2" wss 4 2 1048576 ;;
    hs) hs_scenarios ;;
    *) echo "unknown scenario $s" >&2; exit 2 ;;
    esac
done
echo "=== done $(date -u +%FT%TZ), load after: $(cat /proc/loadavg)" | tee -a "$RUNLOG"
