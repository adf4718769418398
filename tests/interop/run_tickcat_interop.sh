#!/usr/bin/env bash
# tickcat against the real nanocat (nanomsg 1.1.5), both directions.
#
#     bash tests/interop/run_tickcat_interop.sh        (tests/run.sh runs it as an extra test)
#
# tickcat comes from $TW_BIN_DIR (default build/bin/release). Each case prints "ok NAME" or
# "FAIL NAME: why"; the last line is "N passed, M failed", and the exit status is 1 on any
# failure. Every process runs under `timeout`, each background process is killed and reaped on
# the way out (also on failure or Ctrl-C), ports are picked free by the kernel, and every
# process's output is kept in build/logs/tickcat_interop/<release|sanitize|...>/.
#
# Cases (tcp unless named ipc):
#   push-tc-nc, push-tc-nc-ipc   tickcat --push -D (one-shot) -> nanocat --pull -A
#   push-nc-tc, push-nc-tc-ipc   nanocat --push -D --interval -> tickcat --pull -Q
#   req-tc-nc                    tickcat --req -> nanocat --rep --data (echo style), both print
#   req-nc-tc                    two nanocat --req in turn -> one tickcat --rep --data
#   sub-nc-tc                    two nanocat pubs (foo.bar, bar.foo) -> tickcat --sub --subscribe foo
#   sub-tc-nc                    two tickcat pubs -> nanocat --sub --subscribe foo
#   pub-oneshot-tc-nc            tickcat --pub -D --delay (one-shot) -> nanocat --sub
#   survey-tc-nc                 tickcat --surveyor -> nanocat --respondent: answer, exit after 1 s
#   pair-nc-tc                   nanocat --pair -D --interval <-> tickcat --pair -D: both print
#   format-FMT-INPUT             one message (every byte value, a text with escapes, empty, 300 B,
#                                70000 B) to nanocat --pull and to tickcat --pull with --hex,
#                                --quoted, --ascii, --raw, --msgpack (some as --format, -A, -Q):
#                                byte-identical output
#   exit-NAME                    bad command lines, --help, an unreadable -F, a busy port, an
#                                unknown scheme, a send timeout: tickcat's exit status = nanocat's
#   recv-timeout-fraction        tickcat --pull --recv-timeout 0.3 exits 0 after about 0.3 s
#   push-send-timeout            tickcat --push with no peer and --send-timeout 0.3: exit 3
# About 60 s.
set -u -o pipefail
cd "$(dirname "$0")/../.." || exit 1
ROOT=$PWD
BIN=${TW_BIN_DIR:-$ROOT/build/bin/release}
TC=$BIN/tickcat
NC=$(command -v nanocat || true)
LOGS=$ROOT/build/logs/tickcat_interop/$(basename "$BIN")
WORK=$(mktemp -d /tmp/tickcat_interop.XXXXXX)
mkdir -p "$LOGS"

passed=0
failed=0
started=()   # pids of everything started in the background

# shellcheck source=processes.sh
. "$ROOT/tests/interop/processes.sh"   # running, forget, stop
# Waits (at most $2 seconds) for a background process to end; its exit status in $status.
status=0
reap() {
    local pid=$1 limit=$2 i=0
    while running "$pid" && [ "$i" -lt $((limit * 10)) ]; do sleep 0.1; i=$((i + 1)); done
    if running "$pid"; then stop "$pid"; status=999; return; fi
    wait "$pid"; status=$?
    forget "$pid"
}
cleanup() {
    local pid
    for pid in "${started[@]}"; do stop "$pid"; done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ok() { echo "ok $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }

# Starts a command in the background (bounded by `timeout`), stdout to $LOGS/$1.out, stderr to
# $LOGS/$1.err; its pid in $pid.
pid=0
bg() {
    local name=$1; shift
    timeout -k 1 20 "$@" >"$LOGS/$name.out" 2>"$LOGS/$name.err" &
    pid=$!
    started+=("$pid")
}
# Runs a command in the foreground, bounded; output to $LOGS/$1.out/.err, exit status in $status.
fg() {
    local name=$1; shift
    timeout -k 1 20 "$@" >"$LOGS/$name.out" 2>"$LOGS/$name.err"
    status=$?
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }
# A TCP port nobody listens on now.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
# Waits until something listens on TCP port $1 (or the ipc path $1 exists); at most 5 s.
wait_listen() {
    local i
    for i in $(seq 50); do
        case $1 in
        /*) [ -S "$1" ] && return 0 ;;
        *) (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0 ;;
        esac
        sleep 0.1
    done
    return 1
}

if [ ! -x "$TC" ]; then echo "FAIL setup: $TC not built"; echo "0 passed, 1 failed"; exit 1; fi
if [ -z "$NC" ]; then echo "FAIL setup: nanocat not installed (apt-get install nanomsg-utils)"; echo "0 passed, 1 failed"; exit 1; fi

# --- push/pull ------------------------------------------------------------------------------
# tickcat pushes one-shot (it lingers until the message is out) into nanocat --pull.
push_tc_nc() {  # name bind-flag connect-flag
    local name=$1 bindf=$2 connf=$3
    bg "$name.pull" "$NC" --pull $bindf -A --recv-timeout 2; local puller=$pid
    wait_listen "${bindf#* }" || { fail "$name" "nanocat did not listen"; stop "$puller"; return; }
    fg "$name.push" "$TC" --push $connf -D 'hello tickcat'
    local push_status=$status
    reap "$puller" 10
    if [ "$push_status" != 0 ]; then fail "$name" "tickcat exit $push_status"; return; fi
    if [ "$(cat "$LOGS/$name.pull.out")" != "hello tickcat" ]; then fail "$name" "nanocat printed '$(head -c 200 "$LOGS/$name.pull.out")'"; return; fi
    ok "$name"
}
port=$(free_port); push_tc_nc push-tc-nc "-L $port" "-l $port"
push_tc_nc push-tc-nc-ipc "-X $WORK/p1.ipc" "-x $WORK/p1.ipc"

# nanocat pushes (with --interval: its one-shot push may lose the message) into tickcat --pull.
push_nc_tc() {
    local name=$1 bindf=$2 connf=$3
    bg "$name.pull" "$TC" --pull $bindf -Q --recv-timeout 1.5; local puller=$pid
    wait_listen "${bindf#* }" || { fail "$name" "tickcat did not listen"; stop "$puller"; return; }
    bg "$name.push" "$NC" --push $connf -D 'a "quoted" line' --interval 10; local pusher=$pid
    reap "$puller" 10
    local pull_status=$status
    stop "$pusher"
    if [ "$pull_status" != 0 ]; then fail "$name" "tickcat exit $pull_status"; return; fi
    if [ "$(cat "$LOGS/$name.pull.out")" != '"a \"quoted\" line"' ]; then fail "$name" "tickcat printed '$(head -c 200 "$LOGS/$name.pull.out")'"; return; fi
    ok "$name"
}
port=$(free_port); push_nc_tc push-nc-tc "-L $port" "-l $port"
push_nc_tc push-nc-tc-ipc "-X $WORK/p2.ipc" "-x $WORK/p2.ipc"

# --- req/rep --------------------------------------------------------------------------------
port=$(free_port)
bg req-tc-nc.rep "$NC" --rep -L "$port" -D pong -A; rep=$pid
if wait_listen "$port"; then
    fg req-tc-nc.req "$TC" --req -l "$port" -D ping -A
    req_status=$status
    stop "$rep"
    if [ "$req_status" != 0 ]; then fail req-tc-nc "tickcat exit $req_status"
    elif [ "$(cat "$LOGS/req-tc-nc.req.out")" != pong ]; then fail req-tc-nc "tickcat printed '$(cat "$LOGS/req-tc-nc.req.out")'"
    elif [ "$(cat "$LOGS/req-tc-nc.rep.out")" != ping ]; then fail req-tc-nc "nanocat printed '$(cat "$LOGS/req-tc-nc.rep.out")'"
    else ok req-tc-nc; fi
else fail req-tc-nc "nanocat did not listen"; stop "$rep"; fi

port=$(free_port)
bg req-nc-tc.rep "$TC" --rep -L "$port" -D pong -A; rep=$pid
if wait_listen "$port"; then
    fg req-nc-tc.req "$NC" --req -l "$port" -D ping -A
    req_status=$status
    # A second request on the same rep: it answers every one.
    fg req-nc-tc.req2 "$NC" --req -l "$port" -D ping2 -Q
    req2_status=$status
    stop "$rep"
    if [ "$req_status" != 0 ] || [ "$req2_status" != 0 ]; then fail req-nc-tc "nanocat exit $req_status/$req2_status"
    elif [ "$(cat "$LOGS/req-nc-tc.req.out")" != pong ] || [ "$(cat "$LOGS/req-nc-tc.req2.out")" != '"pong"' ]; then
        fail req-nc-tc "nanocat printed '$(cat "$LOGS/req-nc-tc.req.out" "$LOGS/req-nc-tc.req2.out")'"
    elif [ "$(cat "$LOGS/req-nc-tc.rep.out")" != "$(printf 'ping\nping2')" ]; then fail req-nc-tc "tickcat printed '$(cat "$LOGS/req-nc-tc.rep.out")'"
    else ok req-nc-tc; fi
else fail req-nc-tc "tickcat did not listen"; stop "$rep"; fi

# --- pub/sub --------------------------------------------------------------------------------
# Two publishers (foo.bar and bar.foo) connect to a bound subscriber that wants "foo" only.
pub_sub() {  # name pub-binary sub-binary
    local name=$1 pubc=$2 subc=$3 port
    port=$(free_port)
    bg "$name.sub" "$subc" --sub -L "$port" --subscribe foo -A; local sub=$pid
    wait_listen "$port" || { fail "$name" "subscriber did not listen"; stop "$sub"; return; }
    bg "$name.pub1" "$pubc" --pub -l "$port" -D foo.bar -i 0.1; local p1=$pid
    bg "$name.pub2" "$pubc" --pub -l "$port" -D bar.foo -i 0.1; local p2=$pid
    sleep 1.5
    stop "$p1"; stop "$p2"; stop "$sub"
    local lines others
    lines=$(grep -c '^foo\.bar$' "$LOGS/$name.sub.out")
    others=$(grep -vc '^foo\.bar$' "$LOGS/$name.sub.out")
    if [ "$lines" -lt 3 ]; then fail "$name" "only $lines foo.bar lines"; return; fi
    if [ "$others" != 0 ]; then fail "$name" "$others lines that are not foo.bar: $(grep -v '^foo\.bar$' "$LOGS/$name.sub.out" | head -3 | tr '\n' ' ')"; return; fi
    ok "$name"
}
pub_sub sub-nc-tc "$NC" "$TC"
pub_sub sub-tc-nc "$TC" "$NC"

# One-shot pub with --delay: sent once the subscriber is connected, delivered before exit.
port=$(free_port)
bg pub-oneshot.sub "$NC" --sub -L "$port" -A --recv-timeout 2; sub=$pid
if wait_listen "$port"; then
    fg pub-oneshot.pub "$TC" --pub -l "$port" -D 'once only' --delay 0.3
    pub_status=$status
    reap "$sub" 10
    if [ "$pub_status" != 0 ]; then fail pub-oneshot-tc-nc "tickcat exit $pub_status"
    elif [ "$(cat "$LOGS/pub-oneshot.sub.out")" != 'once only' ]; then fail pub-oneshot-tc-nc "nanocat printed '$(cat "$LOGS/pub-oneshot.sub.out")'"
    else ok pub-oneshot-tc-nc; fi
else fail pub-oneshot-tc-nc "nanocat did not listen"; stop "$sub"; fi

# --- surveyor/respondent, pair ----------------------------------------------------------------
port=$(free_port)
bg survey.resp "$NC" --respondent -L "$port" -D yes -A; resp=$pid
if wait_listen "$port"; then
    start=$(now_ms)
    fg survey.surv "$TC" --surveyor -l "$port" -D 'who?' -A --delay 0.3
    surv_status=$status
    took=$(($(now_ms) - start))
    stop "$resp"
    if [ "$surv_status" != 0 ]; then fail survey-tc-nc "tickcat exit $surv_status"
    elif [ "$(cat "$LOGS/survey.surv.out")" != yes ] || [ "$(cat "$LOGS/survey.resp.out")" != 'who?' ]; then
        fail survey-tc-nc "printed '$(cat "$LOGS/survey.surv.out")' / '$(cat "$LOGS/survey.resp.out")'"
    elif [ "$took" -lt 1200 ] || [ "$took" -gt 3000 ]; then fail survey-tc-nc "took ${took} ms, want the 1 s deadline (after a 0.3 s delay)"
    else ok survey-tc-nc; fi
else fail survey-tc-nc "nanocat did not listen"; stop "$resp"; fi

port=$(free_port)
bg pair.tc "$TC" --pair -L "$port" -D from-tickcat -A --recv-timeout 1; tcpair=$pid
if wait_listen "$port"; then
    bg pair.nc "$NC" --pair -l "$port" -D from-nanocat -A -i 0.2; ncpair=$pid
    reap "$tcpair" 10
    pair_status=$status
    stop "$ncpair"
    if [ "$pair_status" != 999 ]; then fail pair-nc-tc "tickcat exit $pair_status, want it still running (a message every 0.2 s)"
    elif ! grep -qx from-nanocat "$LOGS/pair.tc.out" || ! grep -qx from-tickcat "$LOGS/pair.nc.out"; then
        fail pair-nc-tc "printed '$(head -c 100 "$LOGS/pair.tc.out")' / '$(head -c 100 "$LOGS/pair.nc.out")'"
    else ok pair-nc-tc; fi
else fail pair-nc-tc "tickcat did not listen"; stop "$tcpair"; fi

# --- output formats: byte-identical to nanocat ----------------------------------------------
python3 - "$WORK" <<'EOF'
import sys, os
w = sys.argv[1]
open(os.path.join(w, "all.bin"), "wb").write(bytes(range(256)))
open(os.path.join(w, "text.bin"), "wb").write(b'a\tb"c\\d\x01\xc3\xa9\nz\r\x7f end')
open(os.path.join(w, "empty.bin"), "wb").write(b"")
open(os.path.join(w, "b300.bin"), "wb").write(bytes((i * 7) % 256 for i in range(300)))
open(os.path.join(w, "b70000.bin"), "wb").write(bytes((i * 13) % 256 for i in range(70000)))
EOF
# One message pushed to nanocat --pull and to tickcat --pull at once, both started with the
# same flags; each exits 1 s after it. The sender is nanocat --push -F, resent every 10 s (its
# one-shot push may lose the message), except for the empty message: nanocat 1.1.5 aborts on
# an empty --file, so tickcat's one-shot push sends that one.
format_case() {  # name file flags...
    local name=$1 file=$2 ncport tcport pids=() p; shift 2
    ncport=$(free_port); tcport=$(free_port)
    bg "$name.nc" "$NC" --pull "$@" -L "$ncport" --recv-timeout 1; local ncpid=$pid
    bg "$name.tc" "$TC" --pull "$@" -L "$tcport" --recv-timeout 1; local tcpid=$pid
    if ! wait_listen "$ncport" || ! wait_listen "$tcport"; then
        stop "$ncpid"; stop "$tcpid"; fail "$name" "a receiver did not listen"; return
    fi
    for p in "$ncport" "$tcport"; do
        if [ -s "$file" ]; then bg "$name.push$p" "$NC" --push -l "$p" -F "$file" -i 10
        else bg "$name.push$p" "$TC" --push -l "$p" -D ''; fi
        pids+=("$pid")
    done
    reap "$ncpid" 10; local nc_status=$status
    reap "$tcpid" 10; local tc_status=$status
    for p in "${pids[@]}"; do stop "$p"; done
    if [ "$nc_status" != 0 ] || [ "$tc_status" != 0 ]; then fail "$name" "exit nanocat $nc_status, tickcat $tc_status"; return; fi
    if [ ! -s "$LOGS/$name.nc.out" ] && [ -s "$file" -o "${1:-}" != --raw ]; then fail "$name" "nanocat printed nothing"; return; fi
    if ! cmp -s "$LOGS/$name.nc.out" "$LOGS/$name.tc.out"; then
        fail "$name" "differs: nanocat $(wc -c <"$LOGS/$name.nc.out") B, tickcat $(wc -c <"$LOGS/$name.tc.out") B"
        return
    fi
    ok "$name"
}
for fmt in hex quoted ascii raw msgpack; do
    for input in all text empty b300 b70000; do
        flags=(--$fmt)
        case $fmt$input in
        quotedtext) flags=(-Q) ;; asciitext) flags=(-A) ;; rawall) flags=(--format raw) ;; hexb300) flags=(--format=hex) ;;
        esac
        format_case "format-$fmt-$input" "$WORK/$input.bin" "${flags[@]}"
    done
done

# --- exit statuses --------------------------------------------------------------------------
busy=$(free_port)
bg exit.busy "$NC" --pull -L "$busy"; busy_pid=$pid
wait_listen "$busy"
exit_case() {  # name args... (run by both, with a short timeout; statuses compared)
    local name=$1; shift
    fg "exit-$name.nc" "$NC" "$@"; local nc_status=$status
    fg "exit-$name.tc" "$TC" "$@"; local tc_status=$status
    if [ "$nc_status" != "$tc_status" ]; then fail "exit-$name" "nanocat $nc_status, tickcat $tc_status"; return; fi
    ok "exit-$name ($nc_status)"
}
exit_case unknown-option --bogus
exit_case unknown-short -Z
exit_case no-socket-type --bind tcp://127.0.0.1:1
exit_case two-socket-types --push --pull --connect tcp://127.0.0.1:1 -D x
exit_case no-endpoint --pull
exit_case push-without-data --push --connect tcp://127.0.0.1:1
exit_case pull-with-data --pull --connect tcp://127.0.0.1:1 -D x
exit_case push-with-format --push --connect tcp://127.0.0.1:1 -D x --format ascii
exit_case bad-format --pull --connect tcp://127.0.0.1:1 --format nope
exit_case bad-float --pull --connect tcp://127.0.0.1:1 --recv-timeout abc
exit_case ambiguous --pu --connect tcp://127.0.0.1:1
exit_case missing-argument --pull --connect
exit_case stray-argument --pull --connect tcp://127.0.0.1:1 extra
exit_case data-twice --push --connect tcp://127.0.0.1:1 -D x -D y
exit_case subscribe-on-pull --pull --connect tcp://127.0.0.1:1 --subscribe x
exit_case unreadable-file --push --connect tcp://127.0.0.1:1 -F "$WORK/no/such/file"
exit_case address-in-use --pull -L "$busy"
exit_case unknown-scheme --pull --bind foo://bar
exit_case help --help
exit_case help-short -h
exit_case prefix-ambiguous --pull --conn=tcp://127.0.0.1:1
exit_case prefix-and-equals --pul --connect=tcp://127.0.0.1:1 --recv-t=0 -AQ
exit_case short-attached --push -l1 -Dx --send-timeout=0
exit_case format-equals-on-push --push -l1 -Dx --form=ascii
stop "$busy_pid"

# --- what tickcat does differently, on purpose ------------------------------------------------
port=$(free_port)
start=$(now_ms)
fg recv-timeout-fraction "$TC" --pull -L "$port" --recv-timeout 0.3
took=$(($(now_ms) - start))
if [ "$status" != 0 ]; then fail recv-timeout-fraction "exit $status"
elif [ "$took" -lt 250 ] || [ "$took" -gt 900 ]; then fail recv-timeout-fraction "took ${took} ms"
else ok recv-timeout-fraction; fi

port=$(free_port)
fg push-send-timeout "$TC" --push -l "$port" -D x --send-timeout 0.3
if [ "$status" != 3 ]; then fail push-send-timeout "exit $status, want 3"; else ok push-send-timeout; fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
