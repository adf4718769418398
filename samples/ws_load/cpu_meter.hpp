// CpuMeter: CPU seconds used by this process (getrusage) and, optionally, by another process
// (/proc/PID/stat), read at the start and the end of a measurement window. Lets a load figure
// say whether the load generator or the server ran out of CPU. Linux only for the other process;
// read outside the hot loop.
#pragma once
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

namespace sample {

// CPU seconds (user + system) of this process so far.
inline double self_cpu_seconds() {
    rusage ru{};
    if (getrusage(RUSAGE_SELF, &ru) != 0) return 0;
    return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// CPU seconds (utime + stime) of process `pid` so far, or -1 when it cannot be read.
inline double process_cpu_seconds(long pid) {
    if (pid <= 0) return -1;
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE* f = std::fopen(path, "r");
    if (!f) return -1;
    char buf[1024];
    const size_t n = std::fread(buf, 1, sizeof buf - 1, f);
    std::fclose(f);
    buf[n] = 0;
    // The command name (field 2) may hold spaces: fields are counted after its closing ')'.
    const char* p = std::strrchr(buf, ')');
    if (!p) return -1;
    unsigned long utime = 0, stime = 0;
    // After ')': state(3) ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime(14) stime(15)
    if (std::sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2) return -1;
    const long hz = sysconf(_SC_CLK_TCK);
    return static_cast<double>(utime + stime) / static_cast<double>(hz > 0 ? hz : 100);
}

} // namespace sample
