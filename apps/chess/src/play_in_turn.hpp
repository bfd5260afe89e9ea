// apps/chess/src/play_in_turn.hpp: the exhibition one board at a time.
//
// The synchronous way, still on the simul loop: a single task plays the
// boards in turn, awaiting each game (play_board) to its end before the
// next. While an opponent thinks, the master just waits.
//
//     chess::Schedule s = chess::play_in_turn(ex, {.virtual_time = true});
//     s.total();   // B x M x (m + o): 12:00:00 for the classic figures
#pragma once

#include <simul/simul.hpp>

#include "exhibition.hpp"
#include "schedule.hpp"

namespace chess {

Schedule play_in_turn(const Exhibition& ex, simul::RunOptions options);

}  // namespace chess
