#!/usr/bin/env bash
# tickwire's test command:   bash tests/run.sh
#
# Installs what is missing (tests/setup.sh), generates the makefiles with premake (premake5 when
# it is on PATH, else Debian's premake4) into build/, builds and runs tickwire_tests in Release
# and in Sanitize (ASan + UBSan), builds the samples, builds and runs tests/consumer (an engine
# workspace that includes tickwire's premake script), runs the fuzz smoke (tests/fuzz/run.sh) and
# the extra test scripts listed below. Each stage's "N passed, M failed" line is added up; a
# stage that does not build, crashes or hangs counts as one failure. The last line printed is
# the total, "N passed, M failed", and the exit code is 1 if anything failed.
#
# Knobs (environment):
#   TW_CONFIG=debug         build and run the non-sanitized tests in Debug instead of Release
#   TW_SKIP="fuzz samples"  skip stages: setup generate release faults valgrind sanitize samples consumer fuzz extra
#   FUZZ_SECONDS=10         seconds per fuzz target
#   TW_STAGE_TIMEOUT=1200   seconds before a stage is killed and counted as failed
#   PREMAKE=premake4        force a premake
# Logs of every stage are kept in build/logs/.
set -u -o pipefail
cd "$(dirname "$0")/.."

# Extra test scripts: each prints "N passed, M failed" and exits non-zero on failure. It gets
# TW_BIN_DIR (the Release or Debug binaries) and TW_SANITIZE_BIN_DIR in its environment.
EXTRA_TESTS=(
    tests/browser/run_browser_tests.sh   # the chat sample in headless Chromium
    tests/interop/run_tls_interop.sh     # the samples over TLS against openssl, Python, node ws, Chromium
    tests/interop/run_ws_interop.sh      # ws_echo_server/client against python3-websockets and node ws
    tests/interop/run_tickcat_interop.sh # tickcat against nanocat: patterns both ways, output formats, exit statuses
    tests/soak/run_soak.sh               # every protocol family for seconds, payloads verified, under injected faults
    tests/bench_smoke.sh                 # samples/bench/run.sh --quick still produces its report and charts (no speed checks)
    tests/cross/run_qemu.sh              # unit + loopback suites on s390x (big-endian), aarch64, armhf (32-bit) under qemu-user
    tests/footprint/size_table.sh        # each protocol set builds (-Os) and works on the device profile; code sizes
    tests/mbedtls_source_check.sh        # mbedTLS 3.6 built from Debian's source with a fixed heap: suite + zero allocation with TLS
    tests/cross/run_windows.sh           # platform/windows: mingw-w64 build (mbedTLS 3.6 from source) run under wine
    tests/interop/run_sp_samples.sh      # the SP samples (reqrep, pubsub, pipeline, bus, survey, forwarder) by their output
    tests/interop/run_sp_interop.sh      # SP sockets against nanocat, nngcat and a libnng peer: every pattern, tcp/ipc/ws, both ways
    tests/interop/run_sockety_samples.sh # sockety_client runs every Sockety feature against sockety_server (plain, TLS)
)

CONFIG=${TW_CONFIG:-release}
SKIP=" ${TW_SKIP:-} "
STAGE_TIMEOUT=${TW_STAGE_TIMEOUT:-1200}
export FUZZ_SECONDS=${FUZZ_SECONDS:-10}
export TW_BIN_DIR=$PWD/build/bin/$CONFIG
export TW_SANITIZE_BIN_DIR=$PWD/build/bin/sanitize
# The sanitizers' reports should say where; a leak is a failure.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
LOGS=build/logs
mkdir -p "$LOGS"

total_passed=0
total_failed=0
recap=()
started=$(date +%s)

# stage NAME MODE COMMAND...   (COMMAND may be a function of this script)
#   MODE build:  success counts nothing, failure counts 1 failed
#   MODE check:  success counts 1 passed, failure 1 failed
#   MODE tests:  the command's last "N passed, M failed" line counts; without one (a crash, a
#                hang), or with a non-zero exit and no failure counted, 1 more failed
# Returns the command's exit status.
stage() {
    local name=$1 mode=$2
    shift 2
    local log=$LOGS/${name// /_}.log t0 rc p=0 f=0 line result
    t0=$(date +%s)
    echo
    echo "=== $name"
    timeout --kill-after=10 "$STAGE_TIMEOUT" bash -c '"$@"' "$name" "$@" </dev/null 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then echo "$name: killed after ${STAGE_TIMEOUT}s"; fi
    case $mode in
        build) if [ "$rc" -ne 0 ]; then f=1; fi ;;
        check) if [ "$rc" -eq 0 ]; then p=1; else f=1; fi ;;
        tests)
            line=$(grep -E '^([A-Za-z_-]+: )?[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
            if [ -n "$line" ]; then
                p=$(echo "$line" | sed -E 's/^([A-Za-z_-]+: )?([0-9]+) passed, ([0-9]+) failed.*/\2/')
                f=$(echo "$line" | sed -E 's/^([A-Za-z_-]+: )?([0-9]+) passed, ([0-9]+) failed.*/\3/')
            else
                echo "$name: exit status $rc and no result line"
                f=1
            fi
            if [ -n "$line" ] && [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
                echo "$name: exit status $rc after its result line"
                f=1
            fi
            ;;
    esac
    total_passed=$((total_passed + p))
    total_failed=$((total_failed + f))
    if [ "$mode" = build ]; then
        if [ "$rc" -eq 0 ]; then result=ok; else result="FAILED (counted as 1 failed)"; fi
    else
        result="$p passed, $f failed"
    fi
    recap+=("$(printf '%-18s %5ss  %s' "$name" $(($(date +%s) - t0)) "$result")")
    return "$rc"
}
skipped() { case $SKIP in *" $1 "*) recap+=("$(printf '%-18s %6s  skipped' "$1" '')"); return 0 ;; esac; return 1; }

# premake: premake5 if present, else Debian's premake4 through the shim at the top of
# premake5.lua. premake5's GNU make action is gmake2 up to 5.0-beta4; from beta5 on it is gmake
# (the old one became gmakelegacy) and gmake2 is a deprecated alias.
generate() {
    local premake=${PREMAKE:-} help action=gmake
    if [ -z "$premake" ]; then
        if command -v premake5 >/dev/null 2>&1; then premake=premake5; else premake=premake4; fi
    fi
    if [ "$premake" != premake4 ]; then
        help=$("$premake" --help 2>/dev/null)
        if ! grep -qw gmakelegacy <<<"$help" && grep -qw gmake2 <<<"$help"; then action=gmake2; fi
    fi
    echo "$premake --file=premake5.lua $action   (in $PWD)"
    "$premake" --file=premake5.lua "$action"
}

build_tests() { make --no-print-directory -C build config="$1" -j2 tickwire_tests tickwire_soak; }

# An engine workspace that includes tickwire's premake script: it must generate, build, run,
# and leave tickwire's folder alone.
consumer() {
    rm -f tests/consumer/build/bin/engine
    (cd tests/consumer && generate) || return 1
    make --no-print-directory -C tests/consumer/build config=release -j2 || return 1
    tests/consumer/build/bin/engine || return 1
    local f
    for f in Makefile tickwire.make obj bin tests/consumer/tickwire.make; do
        if [ -e "$f" ]; then echo "consumer: tickwire's script wrote $f outside the engine's build folder"; return 1; fi
    done
    echo "consumer: generated, built and ran"
}
export -f generate build_tests consumer

skipped setup || stage setup build bash tests/setup.sh

generated=0
if skipped generate; then
    [ -f build/Makefile ] && generated=1 # reuse the makefiles of an earlier run
else
    stage generate build generate && generated=1
fi

if ! skipped release; then
    if [ $generated -eq 1 ] && stage "build $CONFIG" build build_tests "$CONFIG"; then
        stage "tests $CONFIG" tests "$TW_BIN_DIR/tickwire_tests"
    fi
fi

# The loopback suites again under the platform's injected short reads/writes and EAGAINs
# (tests/loopback/fault_mode.cpp), with two seeds; the interop cases are left out (their peers'
# timing is not ours to stretch).
run_under_faults() {
    local seed line p=0 f=0
    for seed in 1 2; do
        echo "--- TW_FAULT_SEED=$seed"
        line=$(TW_FAULT_SEED=$seed "$TW_BIN_DIR/tickwire_tests" --skip=interop | tee /dev/stderr | tail -n 1)
        if [[ $line =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
            p=$((p + BASH_REMATCH[1])); f=$((f + BASH_REMATCH[2]))
        else
            f=$((f + 1))
        fi
    done
    echo "$p passed, $f failed"
    [ "$f" -eq 0 ]
}
export -f run_under_faults
if ! skipped faults && ! skipped release && [ -x "$TW_BIN_DIR/tickwire_tests" ]; then
    stage "tests $CONFIG under injected faults" tests run_under_faults
fi

# The whole suite under valgrind memcheck: any error or leak fails the stage (exit 9). Left out:
# the two tests that measure the heap (valgrind replaces malloc, so they cannot count), the
# wss echo, whose 400 ms handshake deadline is shorter than a TLS handshake under valgrind, and
# the cases whose deadlines valgrind's slowdown stretches past (user timers, the SP interop
# cases with their external peers; both run in the Release and sanitize stages).
run_valgrind() {
    valgrind -q --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite,indirect \
        "$TW_BIN_DIR/tickwire_tests" --skip=memory_no_allocation --skip=per_connection_memory \
        --skip=tls_wss_echo --skip=loopback_user_timers --skip=sp_interop_
}
export -f run_valgrind
if ! skipped valgrind && ! skipped release && [ -x "$TW_BIN_DIR/tickwire_tests" ] && command -v valgrind >/dev/null; then
    stage "tests $CONFIG under valgrind" tests run_valgrind
fi

if ! skipped sanitize; then
    if [ $generated -eq 1 ] && stage "build sanitize" build build_tests sanitize; then
        stage "tests sanitize" tests "$TW_SANITIZE_BIN_DIR/tickwire_tests"
    fi
fi

if ! skipped samples && [ $generated -eq 1 ]; then
    if compgen -G "samples/*/*.cpp" >/dev/null; then
        stage "samples" check make --no-print-directory -C build config="$CONFIG" -j2
    fi
fi

skipped consumer || stage consumer check consumer

skipped fuzz || stage fuzz tests bash tests/fuzz/run.sh

if ! skipped extra; then
    for script in "${EXTRA_TESTS[@]}"; do
        stage "$(basename "$script" .sh)" tests bash "$script"
    done
fi

echo
echo "=== summary ($(($(date +%s) - started))s; logs in $LOGS/)"
printf '  %s\n' "${recap[@]}"
echo "$total_passed passed, $total_failed failed"
[ "$total_failed" -eq 0 ]
