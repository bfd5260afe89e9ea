// apps/chess/src/board.hpp: one board of the exhibition, as a simul task.
//
// The whole story in one coroutine: for every move pair, the master thinks
// at this board (simul::busy: she holds the loop, as CPU work does), then
// walks on while her opponent thinks (co_await simul::sleep: this task
// waits, the loop serves the other boards). play_simul spawns one of these
// per board; play_in_turn awaits them one after the other. Same code, two
// schedules.
//
// Everything that happens is written to `record`, with times measured on the
// loop's clock from `start`, the beginning of the exhibition.
//
// Cancellation: a cancelled board stops at its opponent's sleep; the game is
// then not recorded as over.
#pragma once

#include <cstdint>

#include <simul/simul.hpp>

#include "exhibition.hpp"
#include "schedule.hpp"

namespace chess {

simul::Task<> play_board(std::int64_t board, Exhibition ex, Schedule& record, simul::TimePoint start);

}  // namespace chess
