// apps/chess/src/render_trace.hpp: the two schedules as Chrome trace-event JSON.
//
// Perfetto (ui.perfetto.dev) and chrome://tracing open it. Each schedule is
// a process ("one board at a time", "as a simul"), each board a thread
// (track) in it, and every move a complete ("X") event named "master" or
// "opponent" with its move number. Times are in microseconds of the
// exhibition's clock (virtual time: hours of play).
//
// Events: one process_name per schedule, one thread_name per board drawn,
// one per recorded span. At most kMaxTraceBoards boards are written per
// schedule; the process name says so when boards were left out.
//
//     std::ofstream out("chess.json");
//     chess::render_trace(out, in_turn, simul);
#pragma once

#include <cstdint>
#include <ostream>

#include "schedule.hpp"

namespace chess {

inline constexpr std::int64_t kMaxTraceBoards = 1000;

std::int64_t trace_boards(const Schedule& s);  // boards written for a schedule

void render_trace(std::ostream& out, const Schedule& in_turn, const Schedule& simul);

}  // namespace chess
