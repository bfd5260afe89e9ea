// apps/chess/src/resources.hpp: what a run cost, from getrusage and /proc.
//
//     auto before = chess::cpu_time();
//     ... play ...
//     std::int64_t peak = chess::peak_rss();     // bytes, this process so far
//
// Also the machine's limits that decide how many threads or processes
// --compare may ask for: RLIMIT_NPROC, kernel.threads-max, kernel.pid_max,
// the tasks alive now and MemAvailable.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <sys/types.h>

namespace chess {

// Peak resident set size of this process, in bytes (ru_maxrss).
std::int64_t peak_rss();

// User + system CPU time of this process and of its children that were waited for.
std::chrono::nanoseconds cpu_time();

// Proportional set size of a process (its share of the memory it maps), in
// bytes, from /proc/<pid>/smaps_rollup; 0 if it cannot be read.
std::int64_t pss(pid_t pid);

struct MachineLimits {
    std::int64_t nproc = -1;  // RLIMIT_NPROC soft limit, -1 if unlimited
    std::int64_t threads_max = 0;
    std::int64_t pid_max = 0;
    std::int64_t tasks_now = 0;  // threads alive on the whole machine
    std::int64_t mem_available = 0;  // bytes

    static MachineLimits read();

    // Tasks (threads or processes) that may still be created, keeping half
    // of what is left for everybody else.
    std::int64_t spare_tasks() const;
    std::string describe() const;  // one line, for the report
};

}  // namespace chess
