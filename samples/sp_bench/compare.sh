#!/usr/bin/env bash
# Runs the SP benchmark scenarios on tickwire (sp_bench), nanomsg and NNG (peer/sp_peer_bench.c)
# in one sitting, plus raw TCP echo (the loopback floor), and prints a table of medians.
#
#     bash samples/sp_bench/compare.sh [--quick] [--secs S] [--reps N] [--libs "tickwire nanomsg nng"]
#
# Scenarios (tcp loopback; receiver / server pinned to CPU 0, sender / client to CPU 1):
#   push/pull 16 B, 1 KiB, 64 KiB      msgs/s and MB/s at the receiver
#   req/rep 16 B, 1 requester          round trips/s, p50 and p99 round trip
#   req/rep 16 B, 16 requesters        round trips/s (tickwire: 16 REQ sockets in one thread;
#                                      nanomsg / NNG: 16 threads, one REQ socket each)
#   raw TCP echo 16 B, one in flight   p50 round trip: the target for req/rep with 1 requester
# Each scenario runs --reps times (default 3) for --secs seconds (default 5); the runs of the
# libraries alternate, so that a noisy neighbour hurts all of them alike. --quick = 2 s x 1.
# Needs: cc, libnanomsg-dev, libnng-dev (tests/setup.sh installs them), taskset, and sp_bench
# built (make -C build config=release sp_bench). Raw results go to build/sp_bench/results.txt.
set -u -o pipefail
cd "$(dirname "$0")/../.." || exit 1
ROOT=$PWD
SECS=5
REPS=3
LIBS="tickwire nanomsg nng"
while [ $# -gt 0 ]; do
    case $1 in
    --quick) SECS=2; REPS=1 ;;
    --secs) SECS=$2; shift ;;
    --reps) REPS=$2; shift ;;
    --libs) LIBS=$2; shift ;;
    *) echo "usage: $0 [--quick] [--secs S] [--reps N] [--libs LIST]" >&2; exit 2 ;;
    esac
    shift
done

OUT=$ROOT/build/sp_bench
mkdir -p "$OUT"
TW=${TW_BIN_DIR:-$ROOT/build/bin/release}/sp_bench
if [ -f build/Makefile ]; then make --no-print-directory -C build config=release -j2 sp_bench >/dev/null || exit 1; fi
[ -x "$TW" ] || { echo "compare: $TW not built" >&2; exit 1; }
cc -O2 -Wall -Wextra samples/sp_bench/peer/sp_peer_bench.c -o "$OUT/sp_peer_bench_nn" -lnanomsg -lpthread || exit 1
cc -O2 -Wall -Wextra -DPEER_NNG samples/sp_bench/peer/sp_peer_bench.c -o "$OUT/sp_peer_bench_nng" -lnng -lpthread || exit 1

bin_of() {
    case $1 in
    tickwire) echo "$TW" ;;
    nanomsg) echo "$OUT/sp_peer_bench_nn" ;;
    nng) echo "$OUT/sp_peer_bench_nng" ;;
    raw) echo "$OUT/sp_peer_bench_nn" ;;  # rawecho / rawping need no SP library
    esac
}
port=$((9600 + RANDOM % 300))
next_port() { port=$((port + 1)); }

RESULTS=$OUT/results.txt
: >"$RESULTS"
# run LIB SCENARIO SERVER-ARGS -- CLIENT-ARGS: the line printed by either side, tagged.
run() {
    local lib=$1 scen=$2 bin server_pid line
    shift 2
    bin=$(bin_of "$lib")
    local sargs=() cargs=()
    while [ "$1" != -- ]; do sargs+=("$1"); shift; done
    shift
    cargs=("$@")
    taskset -c 0 timeout -k 1 $((SECS * 3 + 15)) "$bin" "${sargs[@]}" >"$OUT/server.out" 2>"$OUT/server.err" &
    server_pid=$!
    sleep 0.3
    taskset -c 1 timeout -k 1 $((SECS * 3 + 15)) "$bin" "${cargs[@]}" >"$OUT/client.out" 2>"$OUT/client.err"
    wait "$server_pid"
    line=$(cat "$OUT/server.out" "$OUT/client.out" | grep -m1 'test=')
    echo "scenario=$scen lib=$lib $line" | tee -a "$RESULTS"
}

for rep in $(seq "$REPS"); do
    echo "--- run $rep of $REPS ($(date -u +%H:%M:%S), load: $(cut -d' ' -f1-3 /proc/loadavg))"
    for size in 16 1024 65536; do
        for lib in $LIBS; do
            next_port
            run "$lib" "pushpull-$size" pull "tcp://127.0.0.1:$port" "$SECS" -- push "tcp://127.0.0.1:$port" "$SECS" "$size"
        done
    done
    for n in 1 16; do
        for lib in $LIBS; do
            next_port
            run "$lib" "reqrep-$n" rep "tcp://127.0.0.1:$port" $((SECS + 4)) -- req "tcp://127.0.0.1:$port" "$SECS" 16 "$n"
        done
    done
    next_port
    run raw rawtcp-16 rawecho "$port" $((SECS + 4)) -- rawping "$port" "$SECS" 16 2>/dev/null ||
        true
done

# Medians per (scenario, lib) of one key.
median() {  # scenario lib key
    grep "^scenario=$1 lib=$2 " "$RESULTS" | tr ' ' '\n' | grep "^$3=" | cut -d= -f2 | sort -g |
        awk '{v[NR]=$1} END {if (NR==0) print "-"; else if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'
}
field() { grep -m1 "^scenario=$1 lib=$2 " "$RESULTS" | tr ' ' '\n' | grep "^$3=" | cut -d= -f2; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a=="-"||b=="-"||b==0) print "-"; else printf "%.2fx", a/b }'; }
fmt() { awk -v v="$1" 'BEGIN { if (v=="-") print "-"; else if (v>=1000) { s=sprintf("%.0f", v); n=""; while (length(s)>3) { n="," substr(s,length(s)-2) n; s=substr(s,1,length(s)-3) } print s n } else printf "%.1f", v }'; }

echo
echo "SP benchmark, medians of $REPS x ${SECS}s, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, load now: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
printf '| %-18s | %-8s | %14s | %14s | %14s | %9s |\n' scenario unit tickwire nanomsg nng tw/nanomsg
printf '|%s|%s|%s|%s|%s|%s|\n' -------------------- ---------- ---------------- ---------------- ---------------- -----------
row() {  # scenario key unit
    local t n g
    t=$(median "$1" tickwire "$2"); n=$(median "$1" nanomsg "$2"); g=$(median "$1" nng "$2")
    printf '| %-18s | %-8s | %14s | %14s | %14s | %9s |\n' "$1" "$3" "$(fmt "$t")" "$(fmt "$n")" "$(fmt "$g")" "$(ratio "$t" "$n")"
}
for size in 16 1024 65536; do
    row "pushpull-$size" msgs_per_s msgs/s
    row "pushpull-$size" MB_per_s MB/s
done
row reqrep-1 rt_per_s rt/s
row reqrep-1 p50_us "p50 us"
row reqrep-1 p99_us "p99 us"
row reqrep-16 rt_per_s rt/s
row reqrep-16 p50_us "p50 us"
raw=$(median rawtcp-16 raw p50_us)
echo
echo "raw TCP echo, 16 B, one in flight: p50 $(fmt "$raw") us (p99 $(fmt "$(median rawtcp-16 raw p99_us)") us)"
echo "threads: tickwire $(field pushpull-16 tickwire threads) (pull), $(field reqrep-16 tickwire threads) (16 requesters);" \
     "nanomsg $(field pushpull-16 nanomsg threads) / $(field reqrep-16 nanomsg threads); nng $(field pushpull-16 nng threads) / $(field reqrep-16 nng threads)"
echo
echo "issue 5 targets (tickwire vs nanomsg, this sitting):"
check() {  # label value op target
    awk -v l="$1" -v v="$2" -v op="$3" -v t="$4" 'BEGIN {
        if (v=="-"||t=="-") { printf "  %-48s n/a\n", l; exit }
        ok = (op==">=") ? (v+0 >= t+0) : (v+0 <= t+0)
        printf "  %-48s %s (%.4g %s %.4g)\n", l, ok ? "met" : "NOT met", v, op, t }'
}
n16=$(median pushpull-16 nanomsg msgs_per_s); n1k=$(median pushpull-1024 nanomsg msgs_per_s)
n64=$(median pushpull-65536 nanomsg MB_per_s); nrr=$(median reqrep-16 nanomsg rt_per_s)
mul() { awk -v a="$1" -v b="$2" 'BEGIN { if (a=="-") print "-"; else print a*b }'; }
check "push/pull 16 B msgs/s >= 5x nanomsg" "$(median pushpull-16 tickwire msgs_per_s)" ">=" "$(mul "$n16" 5)"
check "push/pull 1 KiB msgs/s >= 2x nanomsg" "$(median pushpull-1024 tickwire msgs_per_s)" ">=" "$(mul "$n1k" 2)"
check "push/pull 64 KiB MB/s >= nanomsg" "$(median pushpull-65536 tickwire MB_per_s)" ">=" "$n64"
check "req/rep 1 requester p50 <= raw TCP p50 + 10%" "$(median reqrep-1 tickwire p50_us)" "<=" "$(mul "$raw" 1.1)"
check "req/rep 16 requesters rt/s >= 3x nanomsg" "$(median reqrep-16 tickwire rt_per_s)" ">=" "$(mul "$nrr" 3)"
