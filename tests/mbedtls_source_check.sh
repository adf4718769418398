#!/usr/bin/env bash
# CI stage for the build with mbedTLS from source and a fixed heap (premake --mbedtls=source):
# fetches Debian's mbedTLS source package (tests/mbedtls_source.sh), builds tickwire_tests
# against it in Release and in Sanitize (ASan + UBSan) into build/mbedtls-<version>/, and runs
# every test there except the TLS loopback tests that need two TLS Contexts in one process
# (mbedTLS's buffer allocator is one heap per process, so that build allows one TLS Context at a
# time: crypto/tls_heap.hpp). TLS through the core is still covered there by the zero-allocation
# test (80 TLS connections in one Context, no heap allocation) and tests/loopback/tls_heap_test.cpp;
# the TLS engine itself by the crypto_ unit tests and the OpenSSL interop tests.
# Prints "N passed, M failed" (both configurations added up); exits non-zero on failure.
#
#   bash tests/mbedtls_source_check.sh          (MBEDTLS_VERSION=2.28 for Debian 12's mbedTLS)
set -u -o pipefail
cd "$(dirname "$0")/.."
version=${MBEDTLS_VERSION:-3.6}
# premake with options (they must come before the action).
run_premake() {
    if [ "${PREMAKE:-}" != premake4 ] && command -v premake5 >/dev/null 2>&1; then premake5 "$@" gmake2
    else premake4 --file=premake5.lua "$@" gmake; fi
}
passed=0
failed=0
finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit
}

bash tests/mbedtls_source.sh "$version" || { echo "mbedTLS $version source could not be fetched"; failed=1; finish; }
run_premake --mbedtls=source --mbedtls-version="$version" >/dev/null || { failed=1; finish; }
dir=build/mbedtls-$version
skip=(--skip=tls_tcp_ --skip=tls_wss_ --skip=tls_handshake_failures --skip=tls_plaintext_peers --skip=exhaustion_tls_ --skip=sockety_over_tls)
for config in release sanitize; do
    echo "== mbedTLS $version from source, $config"
    if ! make -C "$dir" config="$config" -j2 tickwire_tests >"$dir/make-$config.log" 2>&1; then
        tail -n 30 "$dir/make-$config.log"
        failed=$((failed + 1))
        continue
    fi
    out=$("$dir/bin/$config/tickwire_tests" "${skip[@]}" 2>&1)
    echo "$out" | grep -E "FAIL|TLS connections|passed, "
    line=$(echo "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -n 1)
    if [ -z "$line" ]; then
        echo "$config: the test binary ended without a result line"
        failed=$((failed + 1))
        continue
    fi
    passed=$((passed + $(echo "$line" | cut -d' ' -f1)))
    failed=$((failed + $(echo "$line" | cut -d' ' -f3)))
done
finish
