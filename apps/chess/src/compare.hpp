// apps/chess/src/compare.hpp: --compare, threads vs processes vs simul tasks.
//
// The same exhibition at 24, 1,000, 10,000 and 100,000 boards, played for
// real three ways: a thread per board, a process per board, a simul task per
// board. Each size is sped up so that the master's moves add up to one
// second of real time (the speed is printed), so every row is a short run.
//
// Each run happens in a forked child of its own (its own process group),
// so that its peak memory is its own and a run that goes wrong can be
// killed: the child reports wall time, CPU time (its children included) and
// memory through a pipe. Before asking for threads or processes the machine's
// limits are read; sizes over the cap (10,000 threads, 1,000 processes, or
// less if the limits say so) are skipped with a line saying why.
//
//     chess::run_compare(std::cout, options.exhibition);
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include "exhibition.hpp"
#include "resources.hpp"

namespace chess {

enum class Way { threads, processes, simul };

inline constexpr std::int64_t kMaxThreads = 10'000;
inline constexpr std::int64_t kMaxProcesses = 1'000;

struct Measured {
    bool ran = false;
    std::string note;  // why it did not run, or what went wrong
    Duration wall{0}, cpu{0};
    std::int64_t memory = 0;  // bytes: peak RSS, or the sum of PSS for processes
};

// How many boards the machine may play this way (threads and processes are capped).
std::int64_t cap(Way way, const MachineLimits& limits);

// Plays `ex` (already sped up) one way in a forked child; gives up after `timeout`.
Measured measure(Way way, const Exhibition& ex, Duration timeout);

// The whole --compare table. `figures` gives moves, master and opponent; the
// sizes are fixed.
void run_compare(std::ostream& out, const Exhibition& figures);

}  // namespace chess
