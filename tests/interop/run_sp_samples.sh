#!/usr/bin/env bash
# The SP samples (samples/sp_*) run as their header comments say, each case checked by its output.
#
#     bash tests/interop/run_sp_samples.sh        (tests/run.sh runs it as an extra test)
#
# Binaries come from $TW_BIN_DIR (default build/bin/release). Each case prints "ok NAME" or
# "FAIL NAME: why"; the last line is "N passed, M failed" and the exit status is 1 on any
# failure. Every process runs under `timeout`; background ones are stopped and reaped on the
# way out. Outputs are kept in build/logs/sp_samples/<release|...>/.
#
# Cases:
#   reqrep-tcp, reqrep-ws      a server (--count 2) and two clients: each prints its own reply
#   pubsub                     a publisher and two subscribers (weather / sports): only their topic
#   pipeline                   a ventilator, 10 jobs, two workers: 5 jobs each, all different
#   bus                        three nodes linked pairwise: each hears the two others, never itself
#   survey                     a surveyor and two respondents: both answers, "2 answers"
#   forwarder                  the broker, two REP servers behind, three REQ clients in front:
#                              every client gets its own reply
# About 10 s.
set -u -o pipefail
cd "$(dirname "$0")/../.." || exit 1
ROOT=$PWD
BIN=${TW_BIN_DIR:-$ROOT/build/bin/release}
LOGS=$ROOT/build/logs/sp_samples/$(basename "$BIN")
mkdir -p "$LOGS"
passed=0
failed=0
started=()

# shellcheck source=processes.sh
. "$ROOT/tests/interop/processes.sh"   # running, forget, stop
cleanup() {
    local pid
    for pid in "${started[@]}"; do stop "$pid"; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
ok() { echo "ok $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
# bg LOGNAME PROGRAM ARGS...: starts one in the background (pid in $pid), output to its log.
bg() {
    local log=$LOGS/$1.out
    shift
    timeout 20 "$BIN/$1" "${@:2}" >"$log" 2>&1 &
    pid=$!
    started+=("$pid")
}
# Waits for a background process (at most 15 s); its exit status in $status.
status=0
reap() {
    local i=0
    while running "$1" && [ "$i" -lt 150 ]; do sleep 0.1; i=$((i + 1)); done
    if running "$1"; then stop "$1"; status=999; return; fi
    wait "$1"; status=$?
    forget "$1"
}
out() { cat "$LOGS/$1.out" 2>/dev/null; }

for prog in sp_reqrep sp_pubsub sp_pipeline sp_bus sp_survey sp_forwarder; do
    if [ ! -x "$BIN/$prog" ]; then
        echo "FAIL build: $BIN/$prog missing (build the samples first)"
        echo "0 passed, 1 failed"
        exit 1
    fi
done

# --- reqrep: one server answering two clients, over tcp and over ws ----------------------------
reqrep() {
    local name=$1 url=$2
    bg "$name.server" sp_reqrep server --bind "$url" --count 2; local server=$pid
    bg "$name.alice" sp_reqrep client --connect "$url" alice; local a=$pid
    bg "$name.bob" sp_reqrep client --connect "$url" bob; local b=$pid
    reap "$a"; local sa=$status
    reap "$b"; local sb=$status
    reap "$server"; local ss=$status
    if [ "$sa$sb$ss" = 000 ] && [ "$(out "$name.alice")" = "reply: hello alice" ] && [ "$(out "$name.bob")" = "reply: hello bob" ]; then
        ok "$name"
    else
        fail "$name" "exit $sa/$sb/$ss, alice: $(out "$name.alice" | head -c 200), bob: $(out "$name.bob" | head -c 200)"
    fi
}
reqrep reqrep-tcp "tcp://127.0.0.1:$(free_port)"
reqrep reqrep-ws "ws://127.0.0.1:$(free_port)/rpc"

# --- pubsub: two subscribers, one topic each ----------------------------------------------------
url="tcp://127.0.0.1:$(free_port)"
bg pubsub.pub sp_pubsub pub --bind "$url" --count 100; pub=$pid
bg pubsub.weather sp_pubsub sub --connect "$url" weather --count 3; w=$pid
bg pubsub.sports sp_pubsub sub --connect "$url" sports --count 3; s=$pid
reap "$w"; sw=$status
reap "$s"; ss=$status
stop "$pub"
if [ "$sw$ss" = 00 ] && [ "$(out pubsub.weather | grep -c '^weather [0-9]*: sunny$')" = 3 ] &&
    [ "$(out pubsub.sports | grep -c '^sports [0-9]*: 2-1$')" = 3 ] &&
    ! out pubsub.weather | grep -q sports && ! out pubsub.sports | grep -q weather; then
    ok pubsub
else
    fail pubsub "exit $sw/$ss; weather: $(out pubsub.weather | tr '\n' '|'); sports: $(out pubsub.sports | tr '\n' '|')"
fi

# --- pipeline: ten jobs over two workers ---------------------------------------------------------
url="tcp://127.0.0.1:$(free_port)"
bg pipeline.ventilator sp_pipeline ventilator --bind "$url" --workers 2 --jobs 10; v=$pid
bg pipeline.w1 sp_pipeline worker --connect "$url" w1; w1=$pid
bg pipeline.w2 sp_pipeline worker --connect "$url" w2; w2=$pid
reap "$w1"; s1=$status
reap "$w2"; s2=$status
reap "$v"; sv=$status
n1=$(out pipeline.w1 | grep -c '^w1: job [0-9]*$')
n2=$(out pipeline.w2 | grep -c '^w2: job [0-9]*$')
distinct=$( (out pipeline.w1; out pipeline.w2) | sed 's/.*job //' | sort -u | wc -l)
if [ "$s1$s2$sv" = 000 ] && [ "$n1" = 5 ] && [ "$n2" = 5 ] && [ "$distinct" = 10 ]; then
    ok pipeline
else
    fail pipeline "exit $s1/$s2/$sv, w1 $n1 jobs, w2 $n2 jobs, $distinct distinct"
fi

# --- bus: three nodes, each pair linked once -----------------------------------------------------
u0="tcp://127.0.0.1:$(free_port)"; u1="tcp://127.0.0.1:$(free_port)"; u2="tcp://127.0.0.1:$(free_port)"
bg bus.n0 sp_bus n0 --peers 2 --bind "$u0" --connect "$u1" --connect "$u2"; n0=$pid
bg bus.n1 sp_bus n1 --peers 2 --bind "$u1" --connect "$u2"; n1=$pid
bg bus.n2 sp_bus n2 --peers 2 --bind "$u2"; n2=$pid
reap "$n0"; s0=$status
reap "$n1"; s1=$status
reap "$n2"; s2=$status
good=1
for me in n0 n1 n2; do
    for other in n0 n1 n2; do
        want=1; [ "$me" = "$other" ] && want=0
        [ "$(out "bus.$me" | grep -c "^$me heard $other$")" = "$want" ] || good=0
    done
done
if [ "$s0$s1$s2" = 000 ] && [ "$good" = 1 ]; then
    ok bus
else
    fail bus "exit $s0/$s1/$s2; $(out bus.n0 | tr '\n' '|') $(out bus.n1 | tr '\n' '|') $(out bus.n2 | tr '\n' '|')"
fi

# --- survey: two respondents ---------------------------------------------------------------------
url="ipc:///tmp/tickwire-sp-samples-$$.sock"
bg survey.surveyor sp_survey surveyor --bind "$url" --respondents 2 --deadline-ms 500; sv=$pid
bg survey.r1 sp_survey respondent --connect "$url" r1; r1=$pid
bg survey.r2 sp_survey respondent --connect "$url" r2; r2=$pid
reap "$sv"; ssv=$status
reap "$r1"; s1=$status
reap "$r2"; s2=$status
if [ "$ssv$s1$s2" = 000 ] && out survey.surveyor | grep -qx 'answer: r1' && out survey.surveyor | grep -qx 'answer: r2' &&
    out survey.surveyor | grep -qx '2 answers'; then
    ok survey
else
    fail survey "exit $ssv/$s1/$s2; $(out survey.surveyor | tr '\n' '|')"
fi

# --- forwarder: a broker between three clients and two servers -----------------------------------
front="tcp://127.0.0.1:$(free_port)"; back="tcp://127.0.0.1:$(free_port)"
bg forwarder.broker sp_forwarder --front "$front" --back "$back" --seconds 15; broker=$pid
bg forwarder.s1 sp_reqrep server --connect "$back"; fs1=$pid
bg forwarder.s2 sp_reqrep server --connect "$back"; fs2=$pid
clients=()
for c in c1 c2 c3; do
    bg "forwarder.$c" sp_reqrep client --connect "$front" "$c"; clients+=("$pid")
done
good=1
for i in 0 1 2; do
    reap "${clients[$i]}"
    [ "$status" = 0 ] && [ "$(out "forwarder.c$((i + 1))")" = "reply: hello c$((i + 1))" ] || good=0
done
stop "$fs1"; stop "$fs2"; stop "$broker"
if [ "$good" = 1 ] && out forwarder.broker | grep -q '^forwarding '; then
    ok forwarder
else
    fail forwarder "$(out forwarder.c1) | $(out forwarder.c2) | $(out forwarder.c3) | broker: $(out forwarder.broker)"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
