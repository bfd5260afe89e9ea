// simul/core/run_options.hpp: how a loop runs (virtual clock, debug mode).
//
//     simul::run(main(), {.virtual_time = true, .debug = true});
//
// - virtual_time: the loop's clock is virtual (see core/clock.hpp).
// - debug: checks that cost time (slow-step warnings, spawn sites). Also
//   switched on by the environment variable SIMUL_DEBUG=1.
// - slow_step: in debug mode, a task step that holds the loop longer than
//   this is reported with the task's name and the line where the step began.
#pragma once

#include <chrono>
#include <functional>
#include <string_view>

#include <simul/core/clock.hpp>

namespace simul {

struct RunOptions {
    bool virtual_time = false;
    bool debug = false;
    Duration slow_step = std::chrono::milliseconds(100);
    // Where debug reports go (one line each, no newline). Default: stderr.
    std::function<void(std::string_view)> debug_log = {};
};

}  // namespace simul
