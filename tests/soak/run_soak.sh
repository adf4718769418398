#!/usr/bin/env bash
# The soak's CI run: short soaks of every protocol family (plain, under injected short I/O and
# EAGAIN, and with injected resets too; the last also in the ASan+UBSan build). Each soak checks
# itself (see tests/soak/soak.cpp); this prints the summed "N passed, M failed".
# For a long run by hand:   build/bin/release/tickwire_soak --seconds 600 --tcp 4000 --ws 4000 --sp 30
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

run plain "$bin/tickwire_soak" --seconds 20 --tcp 1500 --ws 1500 --sp 30 --seed 1
run "short I/O and EAGAIN" "$bin/tickwire_soak" --seconds 10 --tcp 500 --ws 500 --sp 20 --seed 2 --faults 2
run "short I/O, EAGAIN and resets" "$bin/tickwire_soak" --seconds 10 --tcp 500 --ws 500 --sp 20 --seed 3 --faults 3 --resets 2
run "sanitizers, faults and resets" "$san/tickwire_soak" --seconds 10 --tcp 200 --ws 200 --sp 10 --seed 4 --faults 4 --resets 2
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
