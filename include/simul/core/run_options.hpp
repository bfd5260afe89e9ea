// simul/core/run_options.hpp: how a loop runs (virtual clock, debug mode).
//
//     simul::run(main(), {.virtual_time = true, .debug = true});
//
// - virtual_time: the loop's clock is virtual (see core/clock.hpp).
// - debug: checks that cost time (slow-step warnings, spawn sites). Also
//   switched on by the environment variable SIMUL_DEBUG=1.
// - slow_step: in debug mode, a task step that holds the loop longer than
//   this is reported with the task's name and the line where the step began
//   (afterwards), and, while it still runs, by the stall watchdog with the
//   loop thread's stack (SIMUL_SLOW_STEP_MS overrides it).
// - trace_file: record every task step and wait as Chrome trace-event JSON
//   (Perfetto) into this file when the loop closes; SIMUL_TRACE=file does the
//   same. trace_events bounds the memory: the oldest events are dropped (and
//   counted) past it.
// - budget: how many operations that complete at once (data already there,
//   a free lock, a non-empty queue) a task may do in one step before it is
//   made to yield, so one busy connection cannot starve the others (Tokio's
//   coop budget, also 128). 0 turns the budget off.
// Debug reports go to debug_log, else to the file named by SIMUL_DEBUG_LOG
// (appended), else to stderr.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include <simul/core/clock.hpp>

namespace simul {

struct RunOptions {
    bool virtual_time = false;
    bool debug = false;
    Duration slow_step = std::chrono::milliseconds(100);
    std::string trace_file = {};
    std::size_t trace_events = 1'000'000;
    std::uint32_t budget = 128;
    // Debug mode: print simul::stats() when the loop closes.
    bool stats_at_exit = true;
    // Where debug reports go (one line each, no newline). Default: stderr.
    std::function<void(std::string_view)> debug_log = {};
};

}  // namespace simul
