// apps/chess/src/play_processes.hpp: the exhibition with a process per board.
//
// Older still: every board is a forked process; the master is a
// process-shared (robust) pthread mutex in a shared page, held while she
// moves; the opponent's thinking is a blocking sleep. Each process costs its
// own page tables, stack and kernel task.
//
// Blocks until every game is over; returns the memory the players used,
// measured `sample_after` into the games as the sum of every process's PSS
// (its proportional share of the pages it maps, so shared pages are not
// counted twice), this process included. If a fork fails, the children
// already running are killed and reaped, then std::system_error says how
// many could be started. Children die with this process (PR_SET_PDEATHSIG).
//
//     std::int64_t memory = chess::play_processes(ex.faster(3600), 500ms);
#pragma once

#include <cstdint>

#include "exhibition.hpp"

namespace chess {

std::int64_t play_processes(const Exhibition& ex, Duration sample_after);

}  // namespace chess
