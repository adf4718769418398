#!/usr/bin/env bash
# Builds and runs the crypto unit tests and the OpenSSL interop test against mbedTLS 3.6 (the
# libmbedtls-dev of Debian 13), unpacked into a scratch directory with apt's own client and a
# private apt state, so the machine keeps its installed mbedTLS 2.28 untouched. Ends with the
# test runner's "N passed, M failed" lines. Not part of CI; run it after touching source/crypto.
#
#   bash tests/interop/mbedtls36_check.sh            (CXX=clang++ for clang)
set -euo pipefail
cd "$(dirname "$0")/../.."
work=${MBEDTLS36_DIR:-/tmp/tickwire-mbedtls36}
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/root"

if [ ! -f "$work/root/usr/include/mbedtls/build_info.h" ]; then
    # The Debian mirror this machine already uses, with the next release's suite.
    uri=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
    [ -n "$uri" ] || uri=$(awk '$1 == "deb" {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
    [ -n "$uri" ] || { echo "no Debian mirror configured" >&2; exit 2; }
    echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri trixie main" > "$work/sources.list"
    apt_opts=(-o Dir::Etc::SourceList="$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
              -o Dir::State::Lists="$work/lists" -o Dir::Cache="$work/cache")
    apt-get "${apt_opts[@]}" update >/dev/null
    (cd "$work" && apt-get "${apt_opts[@]}" download libmbedtls-dev libmbedtls21 libmbedx509-7 libmbedcrypto16 >/dev/null 2>&1)
    for deb in "$work"/*.deb; do dpkg -x "$deb" "$work/root"; done
fi

inc=$work/root/usr/include
lib=$work/root/usr/lib/x86_64-linux-gnu
grep -h "define MBEDTLS_VERSION_STRING_FULL" "$inc/mbedtls/build_info.h"
CXX=${CXX:-g++}
flags=(-std=c++17 -fno-exceptions -fno-rtti -Wall -Wextra -Wshadow -Wconversion -Werror -g
       -fsanitize=address,undefined -I"$inc" -Isource -Iinclude -I.)
links=(-L"$lib" -Wl,-rpath,"$lib" -lmbedtls -lmbedx509 -lmbedcrypto)
"$CXX" "${flags[@]}" tests/framework/main.cpp tests/unit/crypto_*_test.cpp source/crypto/*.cpp \
    platform/posix/entropy.cpp "${links[@]}" -o "$work/crypto_tests"
"$CXX" "${flags[@]}" tests/framework/main.cpp tests/interop/tls_openssl_test.cpp source/crypto/*.cpp \
    platform/posix/entropy.cpp "${links[@]}" -o "$work/tls_interop"
"$work/crypto_tests"
"$work/tls_interop"
