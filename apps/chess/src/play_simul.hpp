// apps/chess/src/play_simul.hpp: the exhibition as a simul.
//
// One task per board (play_board), all spawned at once on one loop and
// gathered. The master moves on a board and walks on: while one opponent
// thinks she plays the others, and the loop is never idle while a board
// waits for her.
//
//     chess::Schedule s = chess::play_simul(ex, {.virtual_time = true});
//     s.total();   // 1:00:55 for the classic figures
#pragma once

#include <simul/simul.hpp>

#include "exhibition.hpp"
#include "schedule.hpp"

namespace chess {

Schedule play_simul(const Exhibition& ex, simul::RunOptions options);

}  // namespace chess
