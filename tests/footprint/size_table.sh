#!/usr/bin/env bash
# Code size of tickwire per protocol set, and a check that every set builds and works:
#
#   bash tests/footprint/size_table.sh
#
# x86-64: for each protocol set (tests/footprint/Makefile: -Os, -ffunction-sections), the .text
# of tickwire_footprint linked with --gc-sections (what a program that uses those protocols
# carries: the library's reachable code plus a small main; libc, libstdc++ and mbedTLS are
# shared libraries and not counted) and the .text of libtickwire.a (every function, reachable
# or not). Each program is also run: it checks the device profile in a static buffer, TCP,
# and each compiled-in protocol (tests/footprint/footprint_main.cpp).
# Cortex-M4: the codecs that need no OS (no sockets, clock or files), compiled with Debian's
# arm-none-eabi-g++ (-mcpu=cortex-m4 -mthumb -Os -ffunction-sections); .text of the objects.
# Sockety is its wire codec only: the session layer is not in the library yet.
# Ends with "N passed, M failed" (the footprint checks; a set that does not build counts 1).
set -u -o pipefail
cd "$(dirname "$0")/../.."

if [ "$(id -u)" -eq 0 ]; then SUDO=(); elif command -v sudo >/dev/null 2>&1; then SUDO=(sudo); else SUDO=(); fi
installed() { [ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null | cut -c1-2)" = "ii" ]; }
missing=()
for p in binutils gcc-arm-none-eabi libstdc++-arm-none-eabi-newlib; do installed "$p" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
    echo "footprint: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    "${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=600 update -q ||
        echo "footprint: apt-get update reported errors; trying the install anyway"
    "${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${missing[@]}" </dev/null || exit 1
fi

# .text of a file: every .text* section (one per function with -ffunction-sections), summed
# over the members of an archive.
text_of() { "${2:-size}" -A "$1" | awk '$1 ~ /^\.text/ { s += $2 } END { print s + 0 }'; }

passed=0
failed=0
declare -A linked archive
SETS=(ws sp sockety "ws sp sockety" none)
for set in "${SETS[@]}"; do
    protocols=$set
    [ "$set" = none ] && protocols=
    out=build/footprint/x86_64-${set// /_}
    if ! make --no-print-directory -s -f tests/footprint/Makefile PROTOCOLS="$protocols" OUT="$out" -j2; then
        echo "footprint: the build with protocols '$set' failed"
        failed=$((failed + 1))
        continue
    fi
    result=$("$out/tickwire_footprint")
    rc=$?
    echo "$result" | grep -v '^  ok' # failures and the summary line
    line=$(echo "$result" | tail -n 1)
    p=$(echo "$line" | sed -nE 's/.*: ([0-9]+) passed, ([0-9]+) failed$/\1/p')
    f=$(echo "$line" | sed -nE 's/.*: ([0-9]+) passed, ([0-9]+) failed$/\2/p')
    if [ -z "$p" ]; then p=0; f=1; fi
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    passed=$((passed + p))
    failed=$((failed + f))
    linked[$set]=$(text_of "$out/tickwire_footprint")
    archive[$set]=$(text_of "$out/libtickwire.a")
done

# Cortex-M4: the OS-free codecs, by group.
declare -A m4
m4_groups=(ws sp sockety dns url)
m4_files_ws="source/ws/frame.cpp source/ws/reader.cpp source/ws/utf8.cpp source/ws/handshake.cpp
    source/ws/close_code.cpp source/http/head_parser.cpp source/http/head_writer.cpp
    source/http/field_values.cpp source/http/percent_decode.cpp"
m4_files_sp="source/sp/framing.cpp source/sp/handshake.cpp source/sp/pattern_header.cpp"
m4_files_sockety="source/sockety/packet_decoder.cpp source/sockety/packet_encoder.cpp source/sockety/uuid.cpp"
m4_files_dns="source/transport/dns/dns_message.cpp source/transport/dns/dns_types.cpp source/transport/dns/ip_literal.cpp"
m4_files_url="source/transport/url.cpp"
M4_FLAGS="-std=c++17 -mcpu=cortex-m4 -mthumb -Os -DNDEBUG -ffunction-sections -fdata-sections -fno-exceptions -fno-rtti -Wall -Wextra -Wconversion -Werror -Iinclude -Isource -I."
m4_out=build/footprint/cortex-m4
mkdir -p "$m4_out"
for g in "${m4_groups[@]}"; do
    var=m4_files_$g
    total=0
    for src in ${!var}; do
        obj=$m4_out/$(echo "$src" | tr / _).o
        if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ]; then
            if ! arm-none-eabi-g++ $M4_FLAGS -c "$src" -o "$obj"; then
                echo "footprint: $src does not build for Cortex-M4"
                failed=$((failed + 1))
                rm -f "$obj"
                continue
            fi
        fi
        total=$((total + $(text_of "$obj" arm-none-eabi-size)))
    done
    m4[$g]=$total
done

kib() { awk -v b="$1" 'BEGIN { printf "%.1f KiB", b / 1024 }'; }
m4_set() {  # codecs a protocol set carries on the M4: its own, plus URL and DNS message parsing
    local sum=$((${m4[url]} + ${m4[dns]})) p
    for p in $1; do [ "$p" != none ] && sum=$((sum + ${m4[$p]})); done
    echo "$sum"
}
echo
echo "| protocols | x86-64: program .text (--gc-sections) | x86-64: libtickwire.a .text | Cortex-M4: codecs .text |"
echo "|---|---|---|---|"
for set in "${SETS[@]}"; do
    case $set in
        ws) name="WebSocket only" ;; sp) name="SP only" ;; sockety) name="Sockety only (codec)" ;;
        none) name="none (core: tcp, ipc, inproc, DNS, TLS)" ;; *) name="all" ;;
    esac
    [ -n "${linked[$set]:-}" ] || continue
    echo "| $name | $(kib "${linked[$set]}") | $(kib "${archive[$set]}") | $(kib "$(m4_set "$set")") |"
done
echo
echo "| Cortex-M4 codec | .text |"
echo "|---|---|"
echo "| WebSocket (frames, reader, UTF-8, handshake, close codes) + HTTP/1.1 head parser/writer | $(kib "${m4[ws]}") |"
echo "| SP (framing, handshake, pattern headers) | $(kib "${m4[sp]}") |"
echo "| Sockety (packet decoder, encoder, UUIDs) | $(kib "${m4[sockety]}") |"
echo "| DNS messages (queries, answers, IP literals) | $(kib "${m4[dns]}") |"
echo "| URLs | $(kib "${m4[url]}") |"
echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
