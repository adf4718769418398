#!/usr/bin/env bash
# The main demo: installs what building needs (Debian), builds tickwire in Release and starts
# the chat sample. Open http://localhost:8080/ in two browser tabs and talk to yourself.
#
#   bash samples/demo.sh [--port 8080]
set -eu -o pipefail
cd "$(dirname "$0")/.."
port=8080
[ "${1:-}" = "--port" ] && port=${2:?--port needs a value}

need=(g++ make premake4 libmbedtls-dev)
missing=()
for p in "${need[@]}"; do
    [ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | cut -c1-2)" = "ii" ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    sudo_cmd=()
    [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
    echo "demo: installing ${missing[*]}"
    "${sudo_cmd[@]}" apt-get update -q
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if command -v premake5 >/dev/null 2>&1; then
    premake5 gmake2 >/dev/null 2>&1 || premake5 gmake >/dev/null
else
    premake4 --file=premake5.lua gmake >/dev/null
fi
make -C build config=release -j"$(nproc)" chat >/dev/null
echo "demo: chat server on http://localhost:$port/ — open it in two tabs (Ctrl-C stops it)"
exec build/bin/release/chat --port "$port" --web samples/chat/web
