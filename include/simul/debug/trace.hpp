// simul/debug/trace.hpp: recording a program's schedule for Perfetto.
//
// Run with SIMUL_TRACE=trace.json (or RunOptions::trace_file) and the loop
// records every task step and every wait between two steps; when the loop
// closes it writes them as Chrome trace-event JSON: open the file in
// ui.perfetto.dev or chrome://tracing. Each task is a track named after it;
// a step is a slice named "step", a wait a slice named after what it waited
// on ("sleep", "readable fd", "lock", "queue get", "task", ...) with the line
// of its co_await. Timestamps are the loop's clock, so a virtual-clock run
// (the chess exhibition's `--trace`) shows its simulated hours.
//
//     simul::run(main_task(), {.trace_file = "trace.json"});
//     // SIMUL_TRACE=trace.json SIMUL_TRACE_EVENTS=100000 ./app
//
// Memory is bounded: the events go to a ring buffer of `trace_events`
// fixed-size records (default 1,000,000, about 48 MB when full); past it the
// oldest are dropped, and the file says how many (otherData.events_dropped).
// Tracing puts every step on debug mode's slow path (about the cost of debug
// mode; docs/performance.md has the figure); without it the hot path pays one
// test per step.
#pragma once

#include <simul/core/run_options.hpp>
