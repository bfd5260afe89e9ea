// simul/debug/stats.hpp: stats(), what the loop has done so far.
//
// `simul::stats()` returns the current loop's counters; debug mode prints
// them in one line when the loop closes. Counting costs an increment on the
// paths that are counted anyway; nothing here takes a lock or a syscall.
//
//     auto s = simul::stats();
//     std::printf("%llu steps, %zu tasks alive, busy %s\n", (unsigned long long)s.steps,
//                 s.tasks_alive, simul::detail::format_duration(s.busy).c_str());
//
// - iterations: turns of the loop (ready work, then I/O, then timers)
// - steps: task steps run (a step runs from a resume to the next suspension),
//   counted as each batch of ready tasks ends: read from inside a task, the
//   steps of the batch it runs in are not in yet
// - callbacks: callbacks run (call_soon, call_later, readers and writers)
// - tasks_alive, ready: spawned tasks not finished; entries in the ready queue
// - busy, idle: wall time since the loop was made, running vs blocked in the
//   poller waiting for I/O or a timer (virtual-clock jumps count as neither)
// - slow_steps, stalls: steps over the slow-step threshold, reported after
//   they ended (slow) or while they ran (stalls, by the watchdog); debug mode
// - blocking_calls: blocking calls caught on the loop thread (debug mode,
//   with the blocking-call detector loaded: debug/blocking_detector.hpp)
// - forced_yields: times the starvation budget made a task yield
// - fds_watched, timers_pending: descriptors waited on; timers not yet due
#pragma once

#include <simul/core/loop.hpp>
#include <simul/coro/task.hpp>

namespace simul {

using LoopStats = Loop::Stats;

// The current loop's statistics (all zero if this thread runs no loop).
inline LoopStats stats() noexcept {
    Loop* loop = Loop::current();
    return loop ? loop->stats() : LoopStats{};
}

}  // namespace simul
