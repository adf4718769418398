#!/usr/bin/env bash
# Runs the SP benchmark scenarios on tickwire (sp_bench), nanomsg and NNG (peer/sp_peer_bench.c)
# in one sitting, plus raw TCP echo (the loopback floor), and prints a table of medians.
#
#     bash samples/sp_bench/compare.sh [--quick] [--secs S] [--reps N] [--libs "tickwire nanomsg nng"] [--only SUBSTRING]
#
# Scenarios (tcp loopback; receiver / server pinned to CPU 0, sender / client to CPU 1):
#   push/pull 16 B, 1 KiB, 64 KiB      msgs/s and MB/s at the receiver
#   req/rep 16 B, 1 requester          round trips/s, p50 and p99 round trip
#   req/rep 16 B, 16 requesters        round trips/s (tickwire: 16 REQ sockets in one thread;
#                                      nanomsg / NNG: 16 threads, one REQ socket each)
#   raw TCP echo 16 B, one in flight   p50 round trip: the target for req/rep with 1 requester
# Every process also reports its CPU time per message (user + system, all threads): on a shared
# machine the wall-clock rates depend on how much of its core each process got, CPU time does not.
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
ONLY=""   # run only the scenarios whose name contains this (pushpull-16, reqrep-16, rawtcp-16, ...)
while [ $# -gt 0 ]; do
    case $1 in
    --quick) SECS=2; REPS=1 ;;
    --secs) SECS=$2; shift ;;
    --reps) REPS=$2; shift ;;
    --libs) LIBS=$2; shift ;;
    --only) ONLY=$2; shift ;;
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
    case $scen in *"$ONLY"*) ;; *) return 0 ;; esac
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
    line=$(grep -m1 'test=' "$OUT/server.out")
    echo "scenario=$scen lib=$lib side=server $line" | tee -a "$RESULTS"
    line=$(grep -m1 'test=' "$OUT/client.out")
    echo "scenario=$scen lib=$lib side=client $line" | tee -a "$RESULTS"
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

# Medians per (scenario, lib, side) of one key; the side is the one that measures it unless given:
# the receiver (server side) for push/pull rates, the requester (client side) for req/rep.
side_of() { case $1 in pushpull-*) echo server ;; *) echo client ;; esac; }
median() {  # scenario lib key [side]
    grep "^scenario=$1 lib=$2 side=${4:-$(side_of "$1")} " "$RESULTS" | tr ' ' '\n' | grep "^$3=" | cut -d= -f2 | sort -g |
        awk '{v[NR]=$1} END {if (NR==0) print "-"; else if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'
}
field() { grep -m1 "^scenario=$1 lib=$2 side=${4:-$(side_of "$1")} " "$RESULTS" | tr ' ' '\n' | grep "^$3=" | cut -d= -f2; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a=="-"||b=="-"||b==0) print "-"; else printf "%.2fx", a/b }'; }
fmt() { awk -v v="$1" 'BEGIN { if (v=="-") print "-"; else if (v>=1000) { s=sprintf("%.0f", v); n=""; while (length(s)>3) { n="," substr(s,length(s)-2) n; s=substr(s,1,length(s)-3) } print s n } else if (v>=10) printf "%.1f", v; else printf "%.3f", v }'; }

echo
echo "SP benchmark, medians of $REPS x ${SECS}s, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, load now: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
printf '| %-18s | %-16s | %14s | %14s | %14s | %9s |\n' scenario unit tickwire nanomsg nng tw/nanomsg
printf '|%s|%s|%s|%s|%s|%s|\n' -------------------- ------------------ ---------------- ---------------- ---------------- -----------
row() {  # scenario key unit [side]
    local t n g
    t=$(median "$1" tickwire "$2" "${4:-}"); n=$(median "$1" nanomsg "$2" "${4:-}"); g=$(median "$1" nng "$2" "${4:-}")
    printf '| %-18s | %-16s | %14s | %14s | %14s | %9s |\n' "$1" "$3" "$(fmt "$t")" "$(fmt "$n")" "$(fmt "$g")" "$(ratio "$t" "$n")"
}
for size in 16 1024 65536; do
    row "pushpull-$size" msgs_per_s msgs/s
    row "pushpull-$size" MB_per_s MB/s
    row "pushpull-$size" cpu_us_per_msg "recv CPU us/msg" server
    row "pushpull-$size" cpu_us_per_msg "send CPU us/msg" client
done
row reqrep-1 rt_per_s rt/s
row reqrep-1 p50_us "p50 us"
row reqrep-1 p99_us "p99 us"
row reqrep-1 cpu_us_per_msg "rep CPU us/rt" server
row reqrep-1 cpu_us_per_msg "req CPU us/rt" client
row reqrep-16 rt_per_s rt/s
row reqrep-16 p50_us "p50 us"
row reqrep-16 cpu_us_per_msg "rep CPU us/rt" server
row reqrep-16 cpu_us_per_msg "req CPU us/rt" client
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
sum2() { awk -v a="$1" -v b="$2" 'BEGIN { if (a=="-"||b=="-") print "-"; else printf "%.2f", a+b }'; }
mul() { awk -v a="$1" -v b="$2" 'BEGIN { if (a=="-") print "-"; else print a*b }'; }
check "push/pull 16 B msgs/s >= 5x nanomsg" "$(median pushpull-16 tickwire msgs_per_s)" ">=" "$(mul "$n16" 5)"
check "push/pull 1 KiB msgs/s >= 2x nanomsg" "$(median pushpull-1024 tickwire msgs_per_s)" ">=" "$(mul "$n1k" 2)"
check "push/pull 64 KiB MB/s >= nanomsg" "$(median pushpull-65536 tickwire MB_per_s)" ">=" "$n64"
check "req/rep 1 requester p50 <= raw TCP p50 + 10%" "$(median reqrep-1 tickwire p50_us)" "<=" "$(mul "$raw" 1.1)"
check "req/rep 16 requesters rt/s >= 3x nanomsg" "$(median reqrep-16 tickwire rt_per_s)" ">=" "$(mul "$nrr" 3)"
echo
echo "CPU time per round trip, 16 requesters (server + client; lower is better): tickwire" \
     "$(sum2 "$(median reqrep-16 tickwire cpu_us_per_msg server)" "$(median reqrep-16 tickwire cpu_us_per_msg client)") us," \
     "nanomsg $(sum2 "$(median reqrep-16 nanomsg cpu_us_per_msg server)" "$(median reqrep-16 nanomsg cpu_us_per_msg client)") us," \
     "nng $(sum2 "$(median reqrep-16 nng cpu_us_per_msg server)" "$(median reqrep-16 nng cpu_us_per_msg client)") us"
echo "(wall-clock rates on a shared machine follow the share of the cores each process gets: a"
echo " 1-thread process gets less of a busy core than one with 18 threads; CPU time per message does not)"
