#!/usr/bin/env bash
# tickwire's SP sockets against nanocat (nanomsg 1.1.5), nngcat (NNG 1.5) and sp_nng_peer (a
# small program on libnng: tests/interop/sp_nng_peer.c): every pattern, over tcp, ipc and ws, we
# listen / we dial (234 cases). The cases are in tests/interop/sp_matrix/sp_matrix_test.cpp.
#
#     bash tests/interop/run_sp_interop.sh [CASE-SUBSTRING...]   (tests/run.sh runs it as an extra test)
#
# Binaries come from $TW_BIN_DIR (default build/bin/release); they are built first when the
# makefiles exist. TW_SP_INTEROP_SANITIZE=1 runs the sanitize build instead. Prints one line per
# failure and ends with "N passed, M failed"; exit status 1 on any failure. About a minute.
set -u -o pipefail
cd "$(dirname "$0")/../.." || exit 1
ROOT=$PWD
config=release
BIN=${TW_BIN_DIR:-$ROOT/build/bin/release}
if [ "${TW_SP_INTEROP_SANITIZE:-0}" = 1 ]; then BIN=${TW_SANITIZE_BIN_DIR:-$ROOT/build/bin/sanitize}; fi
config=$(basename "$BIN")

for tool in /usr/bin/nanocat /usr/bin/nngcat; do
    if [ ! -x "$tool" ]; then echo "FAIL setup: $tool missing (bash tests/setup.sh)"; echo "0 passed, 1 failed"; exit 1; fi
done
if [ -f build/Makefile ]; then
    make --no-print-directory -C build config="$config" -j2 sp_interop_tests sp_nng_peer >/dev/null || {
        echo "FAIL build: sp_interop_tests / sp_nng_peer ($config)"; echo "0 passed, 1 failed"; exit 1; }
fi
for b in sp_interop_tests sp_nng_peer; do
    if [ ! -x "$BIN/$b" ]; then echo "FAIL setup: $BIN/$b not built"; echo "0 passed, 1 failed"; exit 1; fi
done
export SP_NNG_PEER=$BIN/sp_nng_peer
"$BIN/sp_interop_tests" "$@" &
pid=$!
wait "$pid"
rc=$?
rm -f /tmp/tickwire-sp-matrix-"$pid"-*.sock   # ipc:// socket files the peers left
exit "$rc"
