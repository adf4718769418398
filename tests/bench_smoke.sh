#!/usr/bin/env bash
# bench_smoke.sh: the benchmark command still runs end to end. Runs `samples/bench/run.sh --quick`
# (about a minute) into a scratch folder and checks that it produced the report, its sections and
# its charts. It never checks a speed: CI machines are too noisy for that.
#
#     bash tests/bench_smoke.sh        (after the Release build; prints "N passed, M failed")
set -u -o pipefail
cd "$(dirname "$0")/.." || exit 1
OUT=$(mktemp -d /tmp/tickwire-bench-smoke.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
passed=0
failed=0
check() { # NAME COMMAND...
    if "${@:2}" >/dev/null 2>&1; then
        passed=$((passed + 1)); echo "ok   $1"
    else
        failed=$((failed + 1)); echo "FAIL $1"
    fi
}
# --no-build when the suite already built Release (tests/run.sh does); otherwise run.sh builds it.
build=()
[ -x build/bin/release/ws_echo_server ] && [ -x build/bin/release/tcp_echo_server ] && build=(--no-build)
timeout 300 bash samples/bench/run.sh --quick --out "$OUT" "${build[@]}" >"$OUT/run.log" 2>&1
rc=$?
check "run.sh --quick exits 0" test "$rc" -eq 0
[ "$rc" -eq 0 ] || tail -n 20 "$OUT/run.log"
R=$OUT/REPORT.md
check "REPORT.md written" test -s "$R"
check "progress lines (run i of n)" grep -q 'run 1 of [0-9]' "$OUT/run.log"
check "machine section" grep -q '^| cpu | ' "$R"
check "labelled as smoke figures" grep -q 'Smoke figures' "$R"
check "WebSocket echo table with tickwire and raw" grep -q '^| tickwire WebSocket (ws_echo_server) | [0-9]' "$R"
check "WebSocket echo table with tickwire's callbacks loop" grep -q '^| tickwire WebSocket, callbacks in update() (ws_echo_server --callbacks) | [0-9]' "$R"
check "raw loopback row" grep -q '^| raw loopback (raw_echo) | [0-9]' "$R"
check "load generator counts its sleeps" grep -q 'client_sleeps=[0-9]' "$OUT/raw/runs.txt"
check "memory table" grep -q '^## Memory' "$R"
check "TLS section" grep -q '^## TLS' "$R"
check "TLS handshakes: s_time against tickwire and OpenSSL" bash -c "grep -q '^| tickwire, mbedTLS 2.28 (system) | TLSv1.2 ' '$R' && grep -q '^| openssl s_server | TLSv1' '$R'"
check "TLS record crypto (tls_cipher_speed) rows" grep -q '^| CHACHA20-POLY1305 | mbedTLS 2.28 (system) | [0-9]' "$R"
check "message sockets section (or not built)" grep -Eq '^\| pushpull-16 \| msg/s \| [0-9]|^Not built: .*sp_bench' "$R"
check "Sockety section (or not built)" grep -Eq '^\| Heartbeat \| |^Not built: .*sockety_bench' "$R"
check "where-behind section" grep -q '^## Where tickwire is behind' "$R"
check "no failed runs" bash -c "! grep -q 'status=failed' '$OUT/raw/runs.txt'"
for png in throughput latency memory; do
    check "$png.png is a PNG and embedded" bash -c "head -c 8 '$OUT/$png.png' | od -An -tx1 | grep -q '89 50 4e 47' && grep -q '($png.png)' '$R'"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
