#!/usr/bin/env bash
# The soak's CI run: short soaks of every protocol family (raw TCP, WebSocket, SP, Sockety) (plain, under injected short I/O and
# EAGAIN, and with injected resets too; the last also in the ASan+UBSan build). Each soak checks
# itself (see tests/soak/soak.cpp); this prints the summed "N passed, M failed".
# For a long run by hand:   build/bin/release/tickwire_soak --seconds 600 --tcp 3000 --ws 3000 --sp 30 --sockety 2000
set -u -o pipefail
cd "$(dirname "$0")/../.."
bin=${TW_BIN_DIR:-build/bin/release}
san=${TW_SANITIZE_BIN_DIR:-build/bin/sanitize}
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

passed=0
failed=0
run() {  # run NAME BINARY ARGS...
    local name=$1 binary=$2 out line
    shift 2
    echo "--- soak: $name: $(basename "$binary") $*"
    if [ ! -x "$binary" ]; then
        echo "soak: $binary is not built"
        failed=$((failed + 1))
        return
    fi
    out=$(timeout 300 "$binary" "$@" 2>&1)
    echo "$out" | tail -n 16
    line=$(echo "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -n 1)
    if [ -z "$line" ]; then
        echo "soak: $name ended without a result"
        failed=$((failed + 1))
        return
    fi
    passed=$((passed + $(echo "$line" | cut -d' ' -f1)))
    failed=$((failed + $(echo "$line" | cut -d' ' -f3)))
}

run plain "$bin/tickwire_soak" --seconds 20 --tcp 1200 --ws 1200 --sp 30 --sockety 600 --seed 1
run "short I/O and EAGAIN" "$bin/tickwire_soak" --seconds 10 --tcp 400 --ws 400 --sp 20 --sockety 200 --seed 2 --faults 2
run "short I/O, EAGAIN and resets" "$bin/tickwire_soak" --seconds 10 --tcp 400 --ws 400 --sp 20 --sockety 200 --seed 3 --faults 3 --resets 2
run "sanitizers, faults and resets" "$san/tickwire_soak" --seconds 10 --tcp 150 --ws 150 --sp 10 --sockety 100 --seed 4 --faults 4 --resets 2
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
