#!/usr/bin/env bash
# Installs what building and testing tickwire needs, on Debian (12 "bookworm" or later):
# compilers, premake, mbedTLS, the reference peers the interop tests talk to, and the Node.js
# packages in tests/interop/package-lock.json. Idempotent: when everything is there it only asks
# dpkg and returns in well under a second. Runs as root (CI) or through sudo.
#
#   bash tests/setup.sh
set -u -o pipefail
cd "$(dirname "$0")/.."

# Debian packages; one line each so that a diff shows what was added and why.
packages=(
    build-essential g++ make   # the default compiler
    clang libclang-rt-14-dev   # second compiler; libFuzzer and the sanitizer runtimes for it
    premake4                   # Debian ships no premake5; premake5.lua runs under premake4 too
    libmbedtls-dev             # TLS
    openssl                    # certificates for TLS tests, and a TLS peer (s_server, s_client)
    dnsmasq-base               # a real DNS server for the resolver tests (binary only, no daemon)
    python3 python3-websockets # Python WebSocket peer
    nanomsg-utils libnanomsg-dev # nanocat and libnanomsg: SP interop peers
    nng-utils libnng-dev       # nngcat and libnng: SP interop peers
    nodejs npm                 # Node.js WebSocket peer (ws) and browser driver
    chromium chromium-driver   # browser tests
    valgrind                   # memory checks and instruction counts
    libwebsockets-dev gnuplot-nox # samples/bench/run.sh: the libwebsockets peer, the report's charts
    dpkg-dev                   # dpkg-source: unpacks mbedTLS's Debian source (tests/mbedtls_source.sh)
    mingw-w64 wine wine64      # the Windows back end: cross-compiled, tests run under wine
)

if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
else
    SUDO=()
fi

installed() {
    [ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null | cut -c1-2)" = "ii" ]
}

missing=()
for p in "${packages[@]}"; do
    case "$p" in
        # A Node.js from elsewhere (NodeSource's nodejs bundles npm) already does the job, and
        # Debian's npm package would conflict with it.
        nodejs) command -v node >/dev/null 2>&1 && continue ;;
        npm) command -v npm >/dev/null 2>&1 && continue ;;
    esac
    installed "$p" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "setup: missing ${missing[*]}, and there is no apt-get here; install them by hand" >&2
        exit 1
    fi
    if [ "$(id -u)" -ne 0 ] && [ ${#SUDO[@]} -eq 0 ]; then
        echo "setup: missing ${missing[*]}; run as root or install sudo" >&2
        exit 1
    fi
    echo "setup: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    "${SUDO[@]}" apt-get update -q || exit 1
    "${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null || exit 1
fi

# Node.js packages for the interop peers, exactly as locked. A stamp of the lock file's hash
# makes the repeat run free; a changed lock file reinstalls.
interop=tests/interop
if [ -f "$interop/package-lock.json" ]; then
    want=$(sha256sum "$interop/package-lock.json" | cut -d' ' -f1)
    have=$(cat "$interop/node_modules/.tickwire-lock-sha256" 2>/dev/null || true)
    if [ "$want" != "$have" ]; then
        echo "setup: npm ci in $interop"
        (cd "$interop" && npm ci --no-audit --no-fund --loglevel=error </dev/null) || exit 1
        echo "$want" > "$interop/node_modules/.tickwire-lock-sha256"
    fi
fi
exit 0
