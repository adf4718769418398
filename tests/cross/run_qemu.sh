#!/usr/bin/env bash
# The unit and loopback suites on other CPUs: cross-compiled with Debian's cross compilers and
# run under qemu-user. s390x is big-endian and 64-bit, aarch64 little-endian and 64-bit; armhf
# (32-bit, opt-in) checks word size.
#
#   bash tests/cross/run_qemu.sh                      # s390x and aarch64
#   TW_CROSS_TARGETS="s390x aarch64 armhf" bash tests/cross/run_qemu.sh
#
# Installs what is missing, idempotently: the cross compiler, qemu-user and mbedTLS for the
# target through Debian multiarch (dpkg --add-architecture; libmbedtls-dev:<arch>). Builds only
# the test binary (tests/cross/Makefile: plain compiler commands into build/cross/<triplet>/,
# incremental) and runs it with `qemu-<cpu> -L /` (binfmt is not needed: qemu is called
# explicitly). Prints one "N passed, M failed" per target and, last, their sum. A target that
# does not install, build or finish counts as one failure.
set -u -o pipefail
cd "$(dirname "$0")/../.."

TARGETS=${TW_CROSS_TARGETS:-s390x aarch64}
RUN_TIMEOUT=${TW_CROSS_TIMEOUT:-600}

# target -> Debian architecture, toolchain triplet, qemu binary
deb_arch() { case $1 in s390x) echo s390x ;; aarch64) echo arm64 ;; armhf) echo armhf ;; esac; }
triplet() { case $1 in s390x) echo s390x-linux-gnu ;; aarch64) echo aarch64-linux-gnu ;; armhf) echo arm-linux-gnueabihf ;; esac; }
qemu_bin() { case $1 in s390x) echo qemu-s390x ;; aarch64) echo qemu-aarch64 ;; armhf) echo qemu-arm ;; esac; }

if [ "$(id -u)" -eq 0 ]; then SUDO=(); elif command -v sudo >/dev/null 2>&1; then SUDO=(sudo); else SUDO=(); fi
installed() { [ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null | cut -c1-2)" = "ii" ]; }

# install TARGET: the packages one target needs; returns non-zero when they cannot be had.
install_target() {
    local t=$1 arch tri missing=()
    arch=$(deb_arch "$t")
    tri=$(triplet "$t")
    installed "g++-$tri" || missing+=("g++-$tri")
    installed "libmbedtls-dev:$arch" || missing+=("libmbedtls-dev:$arch")
    command -v "$(qemu_bin "$t")" >/dev/null 2>&1 || missing+=(qemu-user)
    [ ${#missing[@]} -eq 0 ] && return 0
    if ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
        "${SUDO[@]}" dpkg --add-architecture "$arch" || return 1
    fi
    echo "cross: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # A mirror that is syncing one architecture's index makes `update` fail for all; what we
    # need may still be listed, so go on and let `install` decide.
    "${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=600 update -q ||
        echo "cross: apt-get update reported errors; trying the install anyway"
    "${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${missing[@]}" </dev/null
}

total_passed=0
total_failed=0
for t in $TARGETS; do
    tri=$(triplet "$t")
    if [ -z "$tri" ]; then
        echo "cross: unknown target $t (known: s390x aarch64 armhf)"
        total_failed=$((total_failed + 1))
        continue
    fi
    echo "=== $t ($tri)"
    if ! install_target "$t"; then
        echo "$t: could not install its toolchain"
        total_failed=$((total_failed + 1))
        continue
    fi
    echo "building tests/cross/Makefile TARGET=$tri"
    if ! make --no-print-directory -s -f tests/cross/Makefile TARGET="$tri" -j2; then
        echo "$t: build failed"
        total_failed=$((total_failed + 1))
        continue
    fi
    log=build/cross/$tri/tests.log
    timeout --kill-after=10 "$RUN_TIMEOUT" "$(qemu_bin "$t")" -L / "build/cross/$tri/tickwire_tests" </dev/null 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
    if [ -z "$line" ]; then
        echo "$t: exit status $rc and no result line"
        total_failed=$((total_failed + 1))
        continue
    fi
    p=$(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')
    f=$(echo "$line" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    echo "$t: $p passed, $f failed"
    total_passed=$((total_passed + p))
    total_failed=$((total_failed + f))
done

echo "$total_passed passed, $total_failed failed"
[ "$total_failed" -eq 0 ]
