#!/usr/bin/env bash
# The unit and loopback suites on other CPUs: cross-compiled with Debian's cross compilers and
# run under qemu-user. s390x is big-endian and 64-bit, aarch64 little-endian and 64-bit, armhf
# 32-bit (word size).
#
#   bash tests/cross/run_qemu.sh                          # s390x aarch64 armhf
#   TW_CROSS_TARGETS="s390x" bash tests/cross/run_qemu.sh
#
# Installs what is missing, idempotently: the cross compiler and qemu-user (ordinary amd64
# packages). The target's mbedTLS is Debian's libmbedtls-dev of that architecture, fetched with
# apt's own client into a private apt state and unpacked into build/cross/<triplet>/sysroot/
# (as tests/interop/mbedtls36_check.sh does), and linked statically. The machine's dpkg is not
# given foreign architectures: with them every later `apt-get update` depends on their indexes
# too (a mirror mid-sync on one of them made it fail for everything, here, once).
# Builds only the test binary (tests/cross/Makefile: plain compiler commands into
# build/cross/<triplet>/, incremental) and runs it with qemu-<cpu> called explicitly (binfmt is
# not needed) on the cross toolchain's own libc. Prints one "N passed, M failed" per target and,
# last, their sum. A target that does not install, build or finish counts as one failure.
set -u -o pipefail
cd "$(dirname "$0")/../.."

TARGETS=${TW_CROSS_TARGETS:-s390x aarch64 armhf}
RUN_TIMEOUT=${TW_CROSS_TIMEOUT:-600}

# target -> Debian architecture, toolchain triplet, qemu binary
deb_arch() { case $1 in s390x) echo s390x ;; aarch64) echo arm64 ;; armhf) echo armhf ;; esac; }
triplet() { case $1 in s390x) echo s390x-linux-gnu ;; aarch64) echo aarch64-linux-gnu ;; armhf) echo arm-linux-gnueabihf ;; esac; }
qemu_bin() { case $1 in s390x) echo qemu-s390x ;; aarch64) echo qemu-aarch64 ;; armhf) echo qemu-arm ;; esac; }

if [ "$(id -u)" -eq 0 ]; then SUDO=(); elif command -v sudo >/dev/null 2>&1; then SUDO=(sudo); else SUDO=(); fi
installed() { [ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$1:amd64" 2>/dev/null | cut -c1-2)" = "ii" ] ||
              [ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null | cut -c1-2)" = "ii" ]; }

# The cross compilers and qemu for every target, in one apt run.
missing=()
for t in $TARGETS; do
    tri=$(triplet "$t")
    [ -n "$tri" ] && ! installed "g++-$tri" && missing+=("g++-$tri")
done
installed qemu-user || command -v qemu-s390x >/dev/null 2>&1 || missing+=(qemu-user)
if [ ${#missing[@]} -gt 0 ]; then
    echo "cross: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    "${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=600 update -q ||
        echo "cross: apt-get update reported errors; trying the install anyway"
    "${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${missing[@]}" </dev/null ||
        echo "cross: the install failed; the targets that lack their compiler will fail"
fi

# sysroot TARGET: unpacks libmbedtls-dev:<arch> into build/cross/<triplet>/sysroot (once).
sysroot() {
    local arch tri root work uri codename
    arch=$(deb_arch "$1")
    tri=$(triplet "$1")
    root=build/cross/$tri/sysroot
    [ -f "$root/usr/lib/$tri/libmbedtls.a" ] && return 0
    work=build/cross/apt-$arch
    rm -rf "$work" "$root"
    mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$root"
    # The Debian mirror and release this machine already uses.
    uri=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
    [ -n "$uri" ] || uri=$(awk '$1 == "deb" {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
    codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
    if [ -z "$uri" ] || [ -z "$codename" ]; then echo "cross: no Debian mirror or release found"; return 1; fi
    echo "deb [arch=$arch signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri $codename main" > "$work/sources.list"
    local apt_opts=(-o APT::Architecture="$arch" -o APT::Architectures="$arch" -o APT::Sandbox::User=root
                    -o Dir::Etc::SourceList="$PWD/$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
                    -o Dir::State::Lists="$PWD/$work/lists" -o Dir::Cache="$PWD/$work/cache")
    apt-get "${apt_opts[@]}" update -q >"$work/update.log" 2>&1 || { cat "$work/update.log"; return 1; }
    (cd "$work" && apt-get "${apt_opts[@]}" download "libmbedtls-dev:$arch") || return 1
    dpkg -x "$work"/libmbedtls-dev_*.deb "$root" || return 1
    [ -f "$root/usr/lib/$tri/libmbedtls.a" ]
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
    if ! command -v "$tri-g++" >/dev/null 2>&1 || ! sysroot "$t"; then
        echo "$t: no cross compiler or no mbedTLS for it"
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
    # -L: the ELF interpreter from the cross toolchain's folder; LD_LIBRARY_PATH: its libc too,
    # also where the machine has a multiarch libc of that architecture (another build of it).
    run_suite() {
        timeout --kill-after=10 "$RUN_TIMEOUT" "$(qemu_bin "$t")" -L "/usr/$tri" -E "LD_LIBRARY_PATH=/usr/$tri/lib" \
            "build/cross/$tri/tickwire_tests" "$@" </dev/null 2>&1 | tee "$log"
        return "${PIPESTATUS[0]}"
    }
    run_suite
    rc=$?
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
    if [ -z "$line" ]; then
        echo "$t: exit status $rc and no result line"
        total_failed=$((total_failed + 1))
        continue
    fi
    p=$(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')
    f=$(echo "$line" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    # Emulation runs the code several times slower, and the loopback tests have time limits
    # made for native speed: a case that failed gets one more run, alone, and the log says so.
    # A failure that repeats counts.
    mapfile -t failed_cases < <(sed -nE 's/^  FAILED (.*)$/\1/p' "$log")
    if [ "$f" -gt 0 ] && [ ${#failed_cases[@]} -eq "$f" ]; then
        echo "$t: running the ${#failed_cases[@]} failed case(s) again, alone: ${failed_cases[*]}"
        cp "$log" "$log.first"
        run_suite "${failed_cases[@]}" -v
        rerun=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
        again=$(echo "$rerun" | sed -nE 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/p')
        if [ -n "$again" ] && [ "$again" -eq 0 ]; then
            echo "$t: passed on the second run (timing under emulation): ${failed_cases[*]}"
            p=$((p + f))
            f=0
        fi
    fi
    echo "$t: $p passed, $f failed"
    total_passed=$((total_passed + p))
    total_failed=$((total_failed + f))
done

echo "$total_passed passed, $total_failed failed"
[ "$total_failed" -eq 0 ]
