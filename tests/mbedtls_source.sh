#!/usr/bin/env bash
# Fetches and unpacks Debian's mbedTLS source package into deps/mbedtls-<version>/ (gitignored,
# never committed), for the `--mbedtls=source` build (premake5.lua builds it as a static library
# with tickwire's own configuration, source/crypto/mbedtls_config/).
#
#   bash tests/mbedtls_source.sh [3.6|2.28]      (default: $MBEDTLS_VERSION, else 3.6)
#
# 3.6 comes from Debian 13 "trixie", 2.28 from Debian 12 "bookworm". apt's own client fetches
# them from the Debian mirror this machine already uses, with a private apt state (sources list,
# lists and cache under deps/.apt-<suite>/), so the machine's apt configuration is left alone and
# no deb-src line has to be added to it. dpkg-source applies Debian's patches. Prints the folder.
# Idempotent: a folder that is already unpacked is kept.
set -euo pipefail
cd "$(dirname "$0")/.."
version=${1:-${MBEDTLS_VERSION:-3.6}}
case $version in
    3.6) suite=trixie ;;
    2.28) suite=bookworm ;;
    *) echo "mbedtls_source: version must be 3.6 or 2.28, not '$version'" >&2; exit 2 ;;
esac
dest=deps/mbedtls-$version
if [ -f "$dest/library/ssl_tls.c" ]; then
    echo "$dest"
    exit 0
fi
command -v dpkg-source >/dev/null || { echo "mbedtls_source: dpkg-source missing (apt-get install dpkg-dev)" >&2; exit 2; }

state=$PWD/deps/.apt-$suite
mkdir -p "$state/lists/partial" "$state/cache/archives/partial"
uri=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
[ -n "$uri" ] || uri=$(awk '$1 == "deb" {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
[ -n "$uri" ] || { echo "mbedtls_source: no Debian mirror configured" >&2; exit 2; }
echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri $suite main" > "$state/sources.list"
apt_opts=(-o Dir::Etc::SourceList="$state/sources.list" -o Dir::Etc::SourceParts=/dev/null
          -o Dir::State::Lists="$state/lists" -o Dir::Cache="$state/cache")
apt-get "${apt_opts[@]}" update >/dev/null
rm -rf "$state/src" deps/mbedtls_*.orig.tar.* deps/mbedtls_*.debian.tar.* deps/mbedtls_*.dsc
mkdir -p "$state/src"
# The .dsc is checked against the archive's signed Release file by apt; dpkg-source need not
# check the uploader's signature again (--no-check), which would need debian-keyring.
(cd "$state/src" && apt-get "${apt_opts[@]}" source --download-only mbedtls >/dev/null 2>&1)
dsc=$(ls "$state"/src/mbedtls_*.dsc)
rm -rf "$dest"
dpkg-source --no-check -x "$dsc" "$dest" >/dev/null
rm -rf "$state/src" deps/mbedtls_*.orig.tar.* deps/mbedtls_*.debian.tar.* deps/mbedtls_*.dsc
[ -f "$dest/library/ssl_tls.c" ] || { echo "mbedtls_source: unpacking $dsc failed" >&2; exit 1; }
echo "$dest"
