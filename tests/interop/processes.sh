# Process bookkeeping shared by the interop scripts (sourced, not run). The script keeps the
# pids it starts in the array `started`; these functions stop and reap them one by one.

# True while a process started here runs (a zombie, exited but not reaped, does not).
running() {
    local state
    if [ ! -d /proc/self ]; then kill -0 "$1" 2>/dev/null; return; fi  # no procfs: zombies count
    state=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)
    [ -n "$state" ] && [ "$state" != Z ]
}
# Forgets a reaped pid, so that cleanup never signals a number the system may have reused.
forget() {
    local keep=() p
    for p in "${started[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
    started=("${keep[@]}")
}
# Kills (TERM, then KILL after a second) and reaps one process started here.
stop() {
    local pid=$1 _
    kill "$pid" 2>/dev/null
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        running "$pid" || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    forget "$pid"
    return 0
}
