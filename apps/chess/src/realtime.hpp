// apps/chess/src/realtime.hpp: --realtime, the exhibition on the real clock.
//
// Replays the schedules on the real (monotonic) clock, `speed` times faster
// than life: durations are divided by the speed, simul::busy spins for the
// master's moves and the opponents' sleeps are real timers. Prints the
// measured wall time beside the predicted one (the virtual-clock total
// divided by the speed). A schedule whose prediction is over
// kMaxRealtimeWall is skipped with a line saying which speed would do.
//
//     chess::RealRun r = chess::play_realtime(ex, 3600, simul_on_virtual_clock, play_simul);
#pragma once

#include <chrono>
#include <ostream>

#include <simul/simul.hpp>

#include "exhibition.hpp"
#include "schedule.hpp"

namespace chess {

inline constexpr std::chrono::seconds kMaxRealtimeWall{20};

struct RealRun {
    Duration predicted{0};  // virtual total / speed
    Duration measured{0};   // wall time of the real-clock run
};

// Plays `ex` on the real clock `speed` times faster with `play` (play_in_turn
// or play_simul); `virtual_run` is the same exhibition played on the virtual clock.
RealRun play_realtime(const Exhibition& ex, double speed, const Schedule& virtual_run,
                      Schedule (*play)(const Exhibition&, simul::RunOptions));

// The --realtime section of the output. Returns false if nothing could be
// played within kMaxRealtimeWall.
bool print_realtime(std::ostream& out, const Exhibition& ex, double speed, const Schedule& in_turn,
                    const Schedule& simul);

}  // namespace chess
