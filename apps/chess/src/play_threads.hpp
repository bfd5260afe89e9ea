// apps/chess/src/play_threads.hpp: the exhibition with an OS thread per board.
//
// The classic way: every board is a thread; the master is a std::mutex,
// held while she moves (spinning on the real clock), and the opponent's
// thinking is a blocking sleep. The kernel does the scheduling, each thread
// costs a stack (kept small here, `stack_size` bytes) and a kernel task.
//
// Blocks until every game is over. If a thread cannot be created, the ones
// already running are told to stop and joined, then std::system_error says
// how many could be created.
//
//     chess::play_threads(ex.faster(3600));    // 24 threads, about a second
#pragma once

#include <cstddef>

#include "exhibition.hpp"

namespace chess {

void play_threads(const Exhibition& ex, std::size_t stack_size = 64 * 1024);

}  // namespace chess
