#!/usr/bin/env bash
# Browser tests: the chat sample (samples/chat) in headless Chromium, driven by playwright-core.
#
#   bash tests/browser/run_browser_tests.sh
#
# Needs node, /usr/bin/chromium and tests/interop/node_modules/playwright-core (tests/setup.sh
# installs all three) and the chat binary in $TW_BIN_DIR (default build/bin/release; built here
# when missing and the makefiles exist). Prints "N passed, M failed", one per check group, and
# exits non-zero when anything failed. Screenshots and the server's output go to build/logs/.
set -u -o pipefail
cd "$(dirname "$0")/../.."

export TW_BIN_DIR=${TW_BIN_DIR:-$PWD/build/bin/release}
TIMEOUT=${TW_BROWSER_TIMEOUT:-240}

setup_failed() {
    echo "browser: $1"
    echo "0 passed, 1 failed"
    exit 1
}

command -v node >/dev/null 2>&1 || setup_failed "node is not installed (run: bash tests/setup.sh)"
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || setup_failed "no ${CHROMIUM:-/usr/bin/chromium} (run: bash tests/setup.sh)"
[ -d tests/interop/node_modules/playwright-core ] ||
    setup_failed "playwright-core is not in tests/interop/node_modules (run: bash tests/setup.sh)"
if [ ! -x "$TW_BIN_DIR/chat" ] && [ -f build/Makefile ]; then
    make --no-print-directory -C build config="$(basename "$TW_BIN_DIR")" -j2 chat || setup_failed "the chat sample does not build"
fi
[ -x "$TW_BIN_DIR/chat" ] || setup_failed "no chat binary in $TW_BIN_DIR"

timeout --kill-after=10 "$TIMEOUT" node tests/browser/chat_browser_test.js
rc=$?
if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
    echo "browser: chat_browser_test.js killed after ${TIMEOUT}s"
    echo "0 passed, 1 failed"
fi
exit $rc
