#!/usr/bin/env python3
"""report.py OUT: turns the raw lines samples/bench/run.sh wrote to OUT/raw/ into OUT/REPORT.md and
the PNG charts beside it (gnuplot). Every figure is a median of the repetitions, with min and max;
every ratio compares runs of the same sitting."""
import os
import re
import statistics
import subprocess
import sys

OUT = sys.argv[1]
RAW = os.path.join(OUT, "raw")

LIB_NAMES = {
    "raw": "raw loopback (raw_echo)",
    "raw_unmask": "raw loopback + unmasking pass (raw_echo --unmask)",
    "raw_own": "raw + unmask, a buffer per connection (raw_echo --unmask --own-buffers)",
    "tickwire_tcp": "tickwire TCP (tcp_echo_server)",
    "tickwire": "tickwire WebSocket (ws_echo_server)",
    "tickwire_cb": "tickwire WebSocket, callbacks in update() (ws_echo_server --callbacks)",
    "lws": "libwebsockets (lws_echo)",
    "node": "node + ws (ws_echo.js)",
    "nanomsg": "nanomsg",
    "nng": "NNG",
    "openssl": "OpenSSL (s_time -> s_server)",
    "tickwire36": "tickwire with mbedTLS 3.6 (source build)",
}
WS_SCEN = {
    "lat16": ("1 conn x 1 in flight, 16 B", "p50_us", "p50 µs", False),
    "small16": ("100 conns x 32 in flight, 16 B", "msgs_per_s", "msg/s", True),
    "msg1k": ("100 conns x 16 in flight, 1 KiB", "msgs_per_s", "msg/s", True),
    "big64k": ("10 conns x 4 in flight, 64 KiB", "mb_per_s", "MB/s", True),
    "huge1m": ("4 conns x 2 in flight, 1 MiB", "mb_per_s", "MB/s", True),
}
SIZES = {"small16": 16, "msg1k": 1024, "big64k": 65536, "huge1m": 1048576}
# The Sockety reference's own published figures (sockety-js benchmark, Node.js), quoted, not measured.
SOCKETY_QUOTED = {
    "Heartbeat": 1_700_000,
    "No response": 410_000,
    "Short response (code)": 250_000,
    "Regular response": 190_000,
    "1MB data (memory)": 1_900,
    "4MB data (memory)": 500,
}


def read_machine():
    m = {}
    path = os.path.join(RAW, "machine.txt")
    if os.path.exists(path):
        for line in open(path):
            if ": " in line:
                k, v = line.rstrip("\n").split(": ", 1)
                m[k] = v
    return m


def read_runs():
    runs = []
    path = os.path.join(RAW, "runs.txt")
    if not os.path.exists(path):
        return runs
    for line in open(path):
        d = {}
        for tok in line.split():
            if "=" in tok:
                k, v = tok.split("=", 1)
                d.setdefault(k, v)
        runs.append(d)
    return runs


MACHINE = read_machine()
RUNS = read_runs()


def values(fam, lib, scen, key, ok_only=True):
    out = []
    for r in RUNS:
        if r.get("fam") == fam and r.get("lib") == lib and r.get("scen") == scen and key in r:
            if ok_only and r.get("errors", "0") not in ("0",) and fam != "sp":
                continue
            try:
                out.append(float(r[key]))
            except ValueError:
                pass
    return out


def med(v):
    return statistics.median(v) if v else None


def fmt(v):
    if v is None:
        return "—"
    a = abs(v)
    if a >= 1000:
        return f"{v:,.0f}"
    if a >= 100:
        return f"{v:.0f}"
    if a >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def fmt_range(v):
    if not v:
        return "—"
    if len(v) == 1:
        return fmt(v[0])
    return f"{fmt(med(v))} ({fmt(min(v))}–{fmt(max(v))})"


def ratio(a, b):
    if a is None or b is None or b == 0:
        return "—"
    return f"{a / b:.2f}x"


def noise(a, b):
    """A note when two medians differ by less than the run-to-run noise of this kind of machine."""
    return " (within the noise: under 5%)" if a and b and abs(a / b - 1) < 0.05 else ""


def failed_count(fam, lib, scen):
    return sum(1 for r in RUNS if r.get("fam") == fam and r.get("lib") == lib and r.get("scen") == scen
               and (r.get("status") == "failed" or r.get("errors", "0") != "0"))


def libs_of(fam):
    seen = []
    for r in RUNS:
        if r.get("fam") == fam and r.get("lib") not in seen:
            seen.append(r.get("lib"))
    return seen


def ran(fam):
    """False for a family that `run.sh --only` left out (its section is then not shown at all)."""
    m = re.search(r"--only (\S+)", MACHINE.get("command", ""))
    return m is None or fam in m.group(1).split(",")


behind = []  # sentences: where tickwire is behind a peer
lines = []
w = lines.append
quick = MACHINE.get("mode", "").startswith("quick")

w("# tickwire benchmark report")
w("")
if quick:
    w("**Smoke figures (`--quick`: 1 run of 1 s per scenario, fewer scenarios).** They show that the")
    w("benchmarks run; they are too short and too few to quote. Run `samples/bench/run.sh` for figures.")
    w("")
w(f"Made by `{MACHINE.get('command', 'samples/bench/run.sh').strip()}` on {MACHINE.get('date', '?')} "
  f"({MACHINE.get('mode', '?')}; {MACHINE.get('elapsed_s', '?')} s in all).")
w("")
w("| machine | |")
w("|---|---|")
for k in ("cpu", "cores", "kernel", "compiler", "tickwire", "mbedtls", "openssl", "libwebsockets", "nanomsg", "nng",
          "node", "ws", "gnuplot", "programs"):
    w(f"| {k} | {MACHINE.get(k, '?')} |")
if MACHINE.get("note"):
    w(f"| note | {MACHINE['note']} |")
w(f"| load average before / after | {MACHINE.get('load_before', '?')} / {MACHINE.get('load_after', '?')} |")
w("")
w("Server pinned to CPU 0, client to CPU 1 (`taskset`); each cell is the median of the repetitions, "
  "with (min–max) when there were several. The 1-minute load average at the start of each run is in "
  "`raw/runs.txt`. On a shared machine wall-clock rates follow the share of the cores a process got; the "
  "server CPU time per message (µs/msg) depends much less on it.")
w("")

# --- WebSocket echo --------------------------------------------------------------------------------
_mark = len(lines)  # dropped below when run.sh --only left this family out
others = [float(r["machine_busy_cpus"]) - float(r["client_cpu"]) - float(r["server_cpu"]) for r in RUNS
          if r.get("fam") == "ws" and "machine_busy_cpus" in r and "client_cpu" in r and "server_cpu" in r]
if others:
    if med(others) > 0.5:
        w(f"> **Warning: the machine was busy with other work during this sitting** (median {med(others):.2f} of "
          f"{MACHINE.get('cores', '?')} CPUs taken by other processes while we measured). Our client and server got "
          "only part of their cores, so every absolute rate below is depressed, and by different amounts for "
          "different runs; treat the ratios as indicative and prefer the CPU time per message.")
        w("")
    w(f"**Other work on the machine during the WebSocket runs:** median {max(0.0, med(others)):.2f} CPUs, "
      f"max {max(0.0, max(others)):.2f} CPUs (whole-machine busy time from /proc/stat in the measured window, "
      f"minus our client and server processes; loopback softirq work charged to no process counts as other; the machine has {MACHINE.get('cores', '?')}). Above ~0.3 the absolute rates are depressed; "
      "the ratios of one sitting and the CPU time per message hold up better.")
    w("")

w("## WebSocket echo")
w("")
w("Load generator: `samples/bench/echo_load.c` (plain C, epoll, no tickwire inside): each connection keeps "
  "its messages in flight and checks every echoed byte; the next message leaves when an echo is complete. "
  "`raw_echo` and `tcp_echo_server` are plain TCP echo (the client runs `--raw`: a message is the same "
  "number of echoed bytes, no framing): the loopback limit and tickwire's TCP layer on its own. "
  "`raw_echo --unmask` adds to the loopback limit the one pass over every byte that no WebSocket server "
  "can skip, the XOR that unmasks a client's frame (with a key of zero, so that the echo stays exact): "
  "the floor under any RFC 6455 echo, and where large messages meet it. tickwire's two servers run with "
  "512 KiB ring blocks, so that four 64 KiB messages in flight fit one read, as they fit raw_echo's 256 KiB "
  "buffer (a tickwire ring keeps 16 bytes of headroom, and WebSocket frames carry headers). "
  "`raw_echo --unmask --own-buffers` also reads each connection into a 256 KiB buffer of its own, as a server "
  "that frames messages must (a frame's first part stays where it was read until the rest comes), instead of "
  "the one buffer raw_echo shares between all connections, which stays in the CPU's cache. "
  "The two tickwire WebSocket rows differ only in the loop: `update()` then `next_event()`, which reads "
  "every ready connection before the application answers any, or `update(timeout, callbacks)`, which "
  "answers each connection right after its read, while its bytes are still in the CPU cache. "
  "*Client sleeps* counts how often the load generator found nothing to read and slept (its voluntary "
  "context switches): each time, the server's next send has to wake it. In a VM that wake-up goes through "
  "the hypervisor and costs the sending server tens of microseconds, so a server only slightly slower than "
  "the client makes it sleep, pays for waking it, and falls further behind. That is how one extra pass over "
  "every byte (raw + unmask) can cost raw_echo much more bandwidth at 64 KiB than the pass itself takes.")
w("")
ws_libs = libs_of("ws")
for scen, (desc, key, unit, higher) in WS_SCEN.items():
    if not any(values("ws", l, scen, key) for l in ws_libs):
        continue
    w(f"### {scen}: {desc}")
    w("")
    w("| server | msg/s | MB/s | p50 µs | p99 µs | p99.9 µs | server CPU µs/msg | client sleeps per 1000 msgs "
      "| vs raw | tickwire WS vs this | failed runs |")
    w("|---|---|---|---|---|---|---|---|---|---|---|")
    raw_m = med(values("ws", "raw", scen, key))
    tw_m = med(values("ws", "tickwire", scen, key))
    tw_cpu = [c / mm * 1e6 for c, mm in zip(values('ws', 'tickwire', scen, 'server_cpu'),
                                            values('ws', 'tickwire', scen, 'msgs_per_s')) if mm > 0]
    for lib in ws_libs:
        msgs = values("ws", lib, scen, "msgs_per_s")
        cpu = values("ws", lib, scen, "server_cpu")
        cpu_per = [c / m * 1e6 for c, m in zip(cpu, msgs) if m > 0]
        sleeps = [z * 1000 / n for z, n in zip(values("ws", lib, scen, "client_sleeps"), values("ws", lib, scen, "msgs"))
                  if n > 0]
        m = med(values("ws", lib, scen, key))
        cells = []
        for k in ("msgs_per_s", "mb_per_s", "p50_us", "p99_us", "p999_us"):
            v = values("ws", lib, scen, k)
            cells.append(f"**{fmt_range(v)}**" if k == key else fmt(med(v)))
        w(f"| {LIB_NAMES.get(lib, lib)} | " + " | ".join(cells) + f" | {fmt(med(cpu_per))} | {fmt(med(sleeps))} | {ratio(m, raw_m)} | "
          f"{ratio(tw_m, m) if lib != 'tickwire' else ''} | {failed_count('ws', lib, scen)} |")
        if lib in ("lws", "node") and m is not None and tw_m is not None:
            worse = tw_m < m if higher else tw_m > m
            if worse:
                behind.append(f"WebSocket {scen}: tickwire {fmt(tw_m)} {unit} vs {LIB_NAMES[lib]} {fmt(m)} {unit} "
                              f"({ratio(tw_m, m)}){noise(tw_m, m)}.")
            if cpu_per and tw_cpu and med(tw_cpu) > med(cpu_per):
                behind.append(f"WebSocket {scen}: tickwire's server spends more CPU per message "
                              f"({fmt(med(tw_cpu))} µs) than {LIB_NAMES[lib]} ({fmt(med(cpu_per))} µs)"
                              f"{noise(med(tw_cpu), med(cpu_per))}.")
    w("")
    w(f"The bold column is the scenario's figure (median, with min–max over the runs).")
    if higher:
        w(f"Ratios are of the medians ({unit}): above 1 the row's server is faster than raw / tickwire is faster than it.")
    else:
        w("Ratios are of the p50 latencies: above 1 the row's server is slower than raw / tickwire is slower than it.")
    w("")
if not ran("ws"):
    del lines[_mark:]

# --- TLS --------------------------------------------------------------------------------------------
def first_str(fam, lib, scen, key):
    for r in RUNS:
        if r.get("fam") == fam and r.get("lib") == lib and r.get("scen") == scen and key in r:
            return r[key]
    return None


TLS_BUILDS = [("tickwire", "mbedTLS 2.28 (system)"), ("tickwire36", "mbedTLS 3.6 (source build)")]
tls_builds = [(l, n) for l, n in TLS_BUILDS if l in libs_of("tls")]
tls_rows = [s for s in ("ws1k", "wss1k", "ws1m", "wss1m") if values("tls", "tickwire", s, "msgs_per_s")]
hs_any = any(values("tls", l, s, "handshakes_per_s") for l in ("tickwire", "tickwire36", "openssl")
             for s in ("stime", "hs", "hs32"))
if tls_rows or hs_any:
    w("## TLS (tickwire ws:// vs wss://, full handshakes, record crypto)")
    w("")
    w("tickwire links the system's mbedTLS 2.28 by default (TLS 1.2 only); the `--mbedtls=source` build "
      "links mbedTLS 3.6 from Debian's source package with tickwire's configuration "
      "(source/crypto/mbedtls_config/: TLS 1.2 and 1.3, AES-NI, fixed heap). Both are measured where mbedTLS matters.")
    w("")
    if tls_rows:
        w("Echo: client tickwire's `ws_load` (the neutral C client speaks no TLS), server `ws_echo_server` with and "
          "without `--tls-cert`; mbedTLS on both sides (so the client's CPU pays for TLS too).")
        w("")
        w("| scenario | build | ws:// msg/s | wss:// msg/s | wss / ws | ws:// MB/s | wss:// MB/s |")
        w("|---|---|---|---|---|---|---|")
        for size, label in (("1k", "echo 1 KiB, 100 conns x 16"), ("1m", "echo 1 MiB, 4 conns x 2")):
            a = values("tls", "tickwire", "ws" + size, "msgs_per_s")
            for lib, name in tls_builds:
                b = values("tls", lib, "wss" + size, "msgs_per_s")
                if a or b:
                    w(f"| {label} | {name} | {fmt_range(a)} | {fmt_range(b)} | {ratio(med(b), med(a))} | "
                      f"{fmt(med(values('tls', 'tickwire', 'ws' + size, 'mb_per_s')))} | "
                      f"{fmt(med(values('tls', lib, 'wss' + size, 'mb_per_s')))} |")
        w("")

    # Issue 4's comparison: the same client (OpenSSL s_time -new), one handshake at a time.
    hs_o = values("tls", "openssl", "stime", "handshakes_per_s")
    if any(values("tls", l, "stime", "handshakes_per_s") for l in ("tickwire", "tickwire36", "openssl")):
        w("Full handshakes, one at a time, same client: OpenSSL's `s_time -new` (client pinned to CPU 1, limited to "
          "the P-256 group through an OPENSSL_CONF) against `tcp_echo_server --tls-cert` and against "
          "`openssl s_server -www -groups P-256`, same certificate (EC P-256), server pinned to CPU 0. "
          "Server CPU per handshake from /proc (user + system); \"per server core\" is 1000 / that, what one "
          "core could serve if clients were never the bottleneck. One at a time, the rate also pays the "
          "client's work and the round trips (TLS 1.2 needs one more than TLS 1.3).")
        w("")
        w("| server | negotiated | handshakes/s | vs OpenSSL | server CPU ms / handshake | per server core |")
        w("|---|---|---|---|---|---|")
        for lib, name in tls_builds + [("openssl", "openssl s_server")]:
            v = values("tls", lib, "stime", "handshakes_per_s")
            if not v:
                continue
            cpu = values("tls", lib, "stime", "server_cpu_ms_per_hs")
            neg = " ".join(x for x in (first_str("tls", lib, "stime", "proto"), first_str("tls", lib, "stime", "cipher"),
                                       first_str("tls", lib, "stime", "group")) if x)
            label = name if lib == "openssl" else f"tickwire, {name}"
            vs = "" if lib == "openssl" else ratio(med(v), med(hs_o))
            per_core = fmt(1000 / med(cpu)) if cpu and med(cpu) else "—"
            w(f"| {label} | {neg or '—'} | {fmt_range(v)} | {vs} | {fmt_range(cpu)} | {per_core} |")
            if lib != "openssl" and med(v) is not None and med(hs_o) is not None and med(v) < med(hs_o):
                behind.append(f"TLS handshakes ({name}): {fmt(med(v))}/s vs OpenSSL's {fmt(med(hs_o))}/s "
                              f"({ratio(med(v), med(hs_o))}; issue 4 asks for 0.5x) with s_time -new; server CPU "
                              f"{fmt(med(cpu))} ms vs {fmt(med(values('tls', 'openssl', 'stime', 'server_cpu_ms_per_hs')))} ms "
                              "per handshake, nearly all of it mbedTLS's elliptic-curve code.")
        w("")

    if any(values("tls", l, s, "handshakes_per_s") for l, _ in tls_builds for s in ("hs", "hs32")):
        w("tickwire's own client, `tls_handshakes` (verifies the chain and host name, so its CPU pays an ECDSA "
          "verification per handshake), against `tcp_echo_server --tls-cert`: one at a time (-c 1), and 32 "
          "handshakes in flight (-c 32) to load the server's single core. \"Per server core\" divides the rate "
          "by the server's CPU share (1.0 = one core busy).")
        w("")
        w("| build | -c 1 handshakes/s | -c 32 handshakes/s | server CPU at -c 32 | client CPU at -c 32 | per server core |")
        w("|---|---|---|---|---|---|")
        for lib, name in tls_builds:
            c1, c32 = values("tls", lib, "hs", "handshakes_per_s"), values("tls", lib, "hs32", "handshakes_per_s")
            scpu, ccpu = values("tls", lib, "hs32", "server_cpu"), values("tls", lib, "hs32", "client_cpu")
            per_core = fmt(med(c32) / med(scpu)) if c32 and scpu and med(scpu) else "—"
            w(f"| {name} | {fmt_range(c1)} | {fmt_range(c32)} | {fmt(med(scpu))} | {fmt(med(ccpu))} | {per_core} |")
        w("")

    aead = ("AES-128-GCM", "AES-256-GCM", "CHACHA20-POLY1305")
    if any(values("tls", l, "aead-" + c, "echo_bound_mb_per_s") for l, _ in tls_builds for c in aead):
        w("Record crypto: `tls_cipher_speed` seals and opens 16 KiB TLS records through mbedTLS's cipher layer "
          "(the calls its record layer makes), one core. A wss:// echo server opens and seals every byte, so "
          "1 / (1/seal + 1/open) bounds what it can echo per core, before any socket or WebSocket work.")
        w("")
        w("| cipher | build | seal MB/s | open MB/s | echo bound MB/s |")
        w("|---|---|---|---|---|")
        for c in aead:
            for lib, name in tls_builds:
                e = values("tls", lib, "aead-" + c, "echo_bound_mb_per_s")
                if e:
                    w(f"| {c} | {name} | {fmt_range(values('tls', lib, 'aead-' + c, 'encrypt_mb_per_s'))} | "
                      f"{fmt_range(values('tls', lib, 'aead-' + c, 'decrypt_mb_per_s'))} | {fmt_range(e)} |")
        w("")
        for lib, name in tls_builds:
            best = max(((med(values("tls", lib, "aead-" + c, "echo_bound_mb_per_s")) or 0, c) for c in aead))
            scen = "wss1m" if values("tls", lib, "wss1m", "mb_per_s") else "wss1k"
            wss, cpu = med(values("tls", lib, scen, "mb_per_s")), med(values("tls", lib, scen, "server_cpu"))
            if wss and cpu and best[0]:
                # Per server core: on a shared machine the server may not get a whole core.
                w(f"- {name}: the fastest AEAD is {best[1]} (echo bound {fmt(best[0])} MB/s per core). The wss:// echo "
                  f"({scen}) moved {fmt(wss)} MB/s with the server busy {cpu:.2f} of a core: {fmt(wss / cpu)} MB/s per "
                  f"server core, {wss / cpu / best[0]:.2f} of the bound.")
        w("")
    wr = ratio(med(values("tls", "tickwire", "wss1k", "msgs_per_s")), med(values("tls", "tickwire", "ws1k", "msgs_per_s")))
    if wr != "—":
        behind.append(f"TLS bulk data: wss:// runs at {wr} of ws:// for 1 KiB messages with mbedTLS 2.28 "
                      "(bounded by mbedTLS's record crypto: see the AEAD table).")

# --- message sockets ------------------------------------------------------------------------------
_mark = len(lines)  # dropped below when run.sh --only left this family out
sp_libs = [l for l in ("tickwire", "nanomsg", "nng") if l in libs_of("sp")]
w("## Message sockets (SP: push/pull, req/rep over TCP)")
w("")
if "sp_not_built" in MACHINE:
    w(f"Not built: `{MACHINE['sp_not_built']}` is missing (it comes with `samples/sp_bench/`), so this section "
      "was skipped.")
    w("")
else:
    w("Programs: `sp_bench` (tickwire, one thread) and `samples/sp_bench/peer/sp_peer_bench.c` on libnanomsg "
      "and libnng, with the roles and arguments of `samples/sp_bench/compare.sh`; receiver / server on CPU 0. "
      "Push/pull figures are the receiver's; req/rep figures the requester's (16 requesters: tickwire 16 REQ "
      "sockets in one thread, nanomsg / NNG 16 threads).")
    w("")
    sp_names = {"tickwire": "tickwire (sp_bench)", "nanomsg": "nanomsg", "nng": "NNG"}
    w("| scenario | unit | " + " | ".join(sp_names[l] for l in sp_libs) + " | " +
      " | ".join(f"tickwire / {l}" for l in sp_libs if l != "tickwire") + " |")
    w("|---|---|" + "---|" * len(sp_libs) + "---|" * (len(sp_libs) - 1))
    sp_rows = [
        ("pushpull-16", "msgs_per_s", "msg/s", True), ("pushpull-16", "cpu_us_per_msg", "recv CPU µs/msg", False),
        ("pushpull-1024", "msgs_per_s", "msg/s", True), ("pushpull-1024", "cpu_us_per_msg", "recv CPU µs/msg", False),
        ("pushpull-65536", "MB_per_s", "MB/s", True), ("pushpull-65536", "cpu_us_per_msg", "recv CPU µs/msg", False),
        ("reqrep-1", "rt_per_s", "round trips/s", True), ("reqrep-1", "p50_us", "p50 µs", False),
        ("reqrep-1", "p99_us", "p99 µs", False), ("reqrep-16", "rt_per_s", "round trips/s", True),
        ("reqrep-16", "p50_us", "p50 µs", False),
    ]
    for scen, key, unit, higher in sp_rows:
        vals = {l: values("sp", l, scen, key) for l in sp_libs}
        if not any(vals.values()):
            continue
        t = med(vals.get("tickwire", []))
        w(f"| {scen} | {unit} | " + " | ".join(fmt_range(vals[l]) for l in sp_libs) + " | " +
          " | ".join(ratio(t, med(vals[l])) for l in sp_libs if l != "tickwire") + " |")
        for l in sp_libs:
            if l == "tickwire" or t is None or med(vals[l]) is None:
                continue
            if (higher and t < med(vals[l])) or (not higher and t > med(vals[l])):
                behind.append(f"SP {scen} {unit}: tickwire {fmt(t)} vs {LIB_NAMES[l]} {fmt(med(vals[l]))}"
                              f"{noise(t, med(vals[l]))}.")
    raw = values("sp", "raw", "rawtcp-16", "p50_us")
    if raw:
        w("")
        w(f"Raw TCP echo, 16 B, one in flight (the floor for req/rep with 1 requester): p50 {fmt_range(raw)} µs; "
          f"tickwire req/rep p50 is {ratio(med(values('sp', 'tickwire', 'reqrep-1', 'p50_us')), med(raw))} of it.")
    w("")
if not ran("sp"):
    del lines[_mark:]

# --- Sockety -----------------------------------------------------------------------------------------
_mark = len(lines)  # dropped below when run.sh --only left this family out
w("## Sockety")
w("")
if "sockety_not_built" in MACHINE:
    w(f"Not built: `{MACHINE['sockety_not_built']}` is missing (it comes with `samples/sockety/`), so this "
      "section was skipped.")
    w("")
else:
    rows = {}
    for fn in sorted(os.listdir(RAW)):
        if not fn.startswith("sockety_rep"):
            continue
        for line in open(os.path.join(RAW, fn)):
            m = re.match(r"^ (.{37})\s*([\d.]+)%\s+([\d,]+)\s+[\d,]+\s+(\S+)\s+(\S+)\s+(\S+)", line)
            if not m:
                continue
            name = m.group(1).strip()
            rows.setdefault(name, {"qps": [], "succ": [], "avg": []})
            rows[name]["qps"].append(float(m.group(3).replace(",", "")))
            rows[name]["succ"].append(float(m.group(2)))
            rows[name]["avg"].append(m.group(5))
    w("`sockety_bench` (tickwire's Sockety client and server, the reference benchmark's scenarios; it forks its "
      "server and clients itself, so they share CPUs 0 and 1). The last columns are **quoted** from the "
      "reference's published table (sockety-js, Node.js, another machine): not measured here, shown for scale.")
    w("")
    w("| scenario | success % | queries/s | avg latency | reference Node.js (quoted) | tickwire / quoted |")
    w("|---|---|---|---|---|---|")
    for name, d in rows.items():
        q = SOCKETY_QUOTED.get(name)
        w(f"| {name} | {fmt(min(d['succ']))} | {fmt_range(d['qps'])} | {d['avg'][len(d['avg']) // 2]} | "
          f"{'~' + format(q, ',') + '/s' if q else '—'} | {ratio(med(d['qps']), q) if q else '—'} |")
        if q and med(d["qps"]) < q:
            behind.append(f"Sockety {name}: {fmt(med(d['qps']))}/s here vs the reference's quoted ~{q:,}/s "
                          "(different machine; indicative only).")
    if not rows:
        w("| (no rows: sockety_bench failed, see raw/sockety.err) | | | | | |")
    w("")
if not ran("sockety"):
    del lines[_mark:]

# --- memory ------------------------------------------------------------------------------------------
mem_libs = libs_of("mem")
if mem_libs:
    n = next((r.get("conns") for r in RUNS if r.get("fam") == "mem" and r.get("conns")), "?")
    w(f"## Memory: {n} idle WebSocket connections")
    w("")
    w("A fresh server per run; `echo_load --idle` opens the connections (handshake included), waits 1 s and "
      "reads the server's RSS. Bytes per connection = RSS growth / connections (user space only: the "
      "kernel's socket buffers are not in RSS).")
    w("")
    w("| server | bytes per idle connection (RSS growth) | whole RSS / connections | RSS before KB | RSS after KB | open |")
    w("|---|---|---|---|---|---|")
    for lib in mem_libs:
        whole = [a * 1024 / o for a, o in zip(values("mem", lib, "idle", "rss_after_kb"), values("mem", lib, "idle", "open")) if o]
        w(f"| {LIB_NAMES.get(lib, lib)} | {fmt_range(values('mem', lib, 'idle', 'bytes_per_conn'))} | {fmt(med(whole))} | "
          f"{fmt(med(values('mem', lib, 'idle', 'rss_before_kb')))} | {fmt(med(values('mem', lib, 'idle', 'rss_after_kb')))} | "
          f"{fmt(med(values('mem', lib, 'idle', 'open')))} |")
    req = med(values("mem", "tickwire", "idle", "required_memory"))
    after = med(values("mem", "tickwire", "idle", "rss_after_kb"))
    per = med(values("mem", "tickwire", "idle", "bytes_per_conn"))
    if req:
        w("")
        cfg_of = lambda k: med(values("mem", "tickwire", "idle", k))
        pools = ""
        if cfg_of("ring_block_count") and cfg_of("message_slots"):
            pools = (f", {fmt(cfg_of('ring_block_count'))} ring blocks of {cfg_of('ring_block_size') / 1024:,.0f} KiB, "
                     f"{fmt(cfg_of('message_slots'))} message slots of {cfg_of('message_slot_size') / 2**20:,.0f} MiB")
        w(f"tickwire's formula (`Context::required_memory` for `ws_echo_server`'s Config: "
          f"{fmt(cfg_of('max_connections'))} connection slots{pools}) is {req / 2**20:,.0f} MiB of address space, "
          f"taken once at start-up; "
          f"measured RSS with the idle connections open: {fmt(after / 1024 if after else None)} MiB, because ring "
          "blocks and message slots are touched only while data flows. Per connection the formula says 320 bytes "
          f"(README, Memory); measured: {fmt(per)} bytes of RSS growth per idle connection. The measured growth "
          "can be below the formula's figure: the connection table for all slots is part of the arena from "
          "start-up, so pages of it that init() already touched count in the RSS before the connections "
          "open.")
    for lib in mem_libs:
        pm = med(values("mem", lib, "idle", "bytes_per_conn"))
        if lib in ("lws", "node") and pm is not None and per is not None and per > pm:
            behind.append(f"Memory: {fmt(per)} B per idle connection vs {LIB_NAMES[lib]} {fmt(pm)} B.")
    w("")

# --- charts ------------------------------------------------------------------------------------------
charts = []


def gnuplot(name, script):
    path = os.path.join(OUT, name)
    try:
        r = subprocess.run(["gnuplot"], input=f"set terminal pngcairo size 900,500 font 'sans,10' noenhanced\nset output '{path}'\n"
                           + script, text=True, capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        print(f"report: gnuplot failed: {e}", file=sys.stderr)
        return False
    if r.returncode != 0 or not os.path.exists(path):
        print(f"report: gnuplot failed for {name}: {r.stderr}", file=sys.stderr)
        return False
    return True


# throughput by message size, one line per library
sizes = [s for s in SIZES if any(values("ws", l, s, "mb_per_s") for l in ws_libs)]
if sizes:
    dat = os.path.join(RAW, "throughput.dat")
    with open(dat, "w") as f:
        f.write("size " + " ".join(ws_libs) + "\n")
        for s in sizes:
            f.write(f"{SIZES[s]} " + " ".join(fmt(med(values('ws', l, s, 'mb_per_s'))).replace(",", "").replace("—", "NaN")
                                               for l in ws_libs) + "\n")
    plots = ", ".join(f"'{dat}' using 1:{i + 2} with linespoints lw 2 title '{LIB_NAMES.get(l, l)}'"
                      for i, l in enumerate(ws_libs))
    if gnuplot("throughput.png", "set title 'Echo throughput by message size (MB/s of payload, one direction)'\n"
               "set logscale xy\nset xlabel 'message size (bytes)'\nset ylabel 'MB/s'\nset key below box maxrows 4\n"
               "set xrange [8:2097152]\n"
               "set grid\nset datafile missing 'NaN'\nset xtics ('16' 16, '1 KiB' 1024, '64 KiB' 65536, '1 MiB' 1048576)\n"
               f"plot {plots}\n"):
        charts.append(("throughput.png", "Echo throughput by message size, per server (log scales)"))

# latency percentiles (lat16)
lat_libs = [l for l in ws_libs if values("ws", l, "lat16", "p50_us")]
if lat_libs:
    dat = os.path.join(RAW, "latency.dat")
    with open(dat, "w") as f:
        for l in lat_libs:
            f.write(f"\"{LIB_NAMES.get(l, l).split(' (')[0]}\" " + " ".join(
                str(med(values("ws", l, "lat16", k))) for k in ("p50_us", "p99_us", "p999_us")) + "\n")
    if gnuplot("latency.png", "set title 'Round-trip latency, 16 B, 1 connection x 1 in flight (µs, log scale)'\n"
               "set style data histograms\nset style histogram clustered gap 1\nset style fill solid 0.8 border -1\n"
               "set logscale y\nset ylabel 'µs'\nset grid ytics\nset key left top\nset xtics noenhanced\n"
               f"plot '{dat}' using 2:xtic(1) title 'p50', '' using 3 title 'p99', '' using 4 title 'p99.9'\n"):
        charts.append(("latency.png", "Latency percentiles at 16 B, one message in flight"))

# memory per idle connection
if mem_libs:
    dat = os.path.join(RAW, "memory.dat")
    with open(dat, "w") as f:
        for l in mem_libs:
            v = med(values("mem", l, "idle", "bytes_per_conn"))
            f.write(f"\"{LIB_NAMES.get(l, l).split(' (')[0]}\" {v if v is not None else 'NaN'}\n")
    if gnuplot("memory.png", "set title 'Server RSS per idle WebSocket connection (bytes)'\n"
               "set style data histograms\nset style fill solid 0.8 border -1\nset boxwidth 0.6\n"
               "set ylabel 'bytes'\nset grid ytics\nset xtics noenhanced\nset yrange [0:*]\n"
               f"plot '{dat}' using 2:xtic(1) notitle, '' using 0:2:(sprintf('%.0f', $2)) with labels offset 0,1 notitle\n"):
        charts.append(("memory.png", "RSS per idle connection"))

if charts:
    w("## Charts")
    w("")
    for fn, cap in charts:
        w(f"![{cap}]({fn})")
        w("")

# --- where tickwire is behind ------------------------------------------------------------------------
w("## Where tickwire is behind")
w("")
if behind:
    for b in behind:
        w(f"- {b}")
else:
    w("- Nowhere in this sitting's medians (each peer was measured in the same run).")
w("")
w("Every ratio above compares medians from this one sitting; absolute numbers move 5–15% between runs on "
  "this kind of VM, and more when other work shares the machine (see the load averages).")

with open(os.path.join(OUT, "REPORT.md"), "w") as f:
    f.write("\n".join(lines) + "\n")
print(f"report: {os.path.join(OUT, 'REPORT.md')}, {len(charts)} charts")
