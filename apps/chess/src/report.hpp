// apps/chess/src/report.hpp: the comparison of the two schedules, as text.
//
// Reads everything from the two Schedules: totals, the speed-up, the
// master's moving and idle time, when each game ended (a table for up to
// kMaxListedBoards boards, a summary beyond), and a line explaining why the
// master had to wait when her opponents are slower than a round.
//
//     chess::print_report(std::cout, ex, in_turn, simul);
#pragma once

#include <cstdint>
#include <ostream>

#include "exhibition.hpp"
#include "schedule.hpp"

namespace chess {

inline constexpr std::int64_t kMaxListedBoards = 30;

void print_report(std::ostream& out, const Exhibition& ex, const Schedule& in_turn, const Schedule& simul);

}  // namespace chess
