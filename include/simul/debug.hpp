// simul/debug.hpp: debug mode, the layer that catches the two pitfalls.
//
// SIMUL_DEBUG=1 (or RunOptions::debug) switches on, at a cost only while it
// is on:
// - slow-step warnings after the fact and the stall watchdog during the fact
//   (a task step that holds the loop past 100 ms: task, line, stack);
// - the blocking-call detector, when its library is loaded
//   (debug/blocking_detector.hpp);
// - task dumps on SIGUSR1 (debug/task_dump.hpp);
// - loop statistics printed at exit (debug/stats.hpp).
// SIMUL_TRACE=file records the schedule for Perfetto (debug/trace.hpp). The
// starvation budget (RunOptions::budget) is always on.
//
//     SIMUL_DEBUG=1 LD_PRELOAD=build/rel/lib/libsimul_blocking_detector.so ./my_server
//
// docs/tutorial/05-the-two-pitfalls-caught.md shows each report and its fix.
#pragma once

#include <simul/debug/blocking_detector.hpp>
#include <simul/debug/stats.hpp>
#include <simul/debug/task_dump.hpp>
#include <simul/debug/trace.hpp>
