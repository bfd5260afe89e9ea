// apps/chess/src/exhibition.hpp: the figures of a chess simul.
//
// A master plays `boards` opponents; a game is `moves` move pairs; she needs
// `master` for each of her moves, each opponent `opponent` for each reply.
// These four figures are all a schedule needs; the runners (play_in_turn,
// play_simul, play_threads, play_processes) play them and record what happened.
//
//     chess::Exhibition ex;                     // 24 boards, 30 moves, 5 s, 55 s
//     chess::Exhibition fast = ex.faster(3600); // the same, 3600 times faster
#pragma once

#include <chrono>
#include <cstdint>
#include <simul/core/run_options.hpp>

namespace chess {

using Duration = std::chrono::nanoseconds;  // the same type as simul::Duration

struct Exhibition {
    std::int64_t boards = 24;
    std::int64_t moves = 30;  // move pairs in a game: hers, then her opponent's
    Duration master = std::chrono::seconds(5);
    Duration opponent = std::chrono::seconds(55);

    // The same exhibition `speed` times faster than life (durations divided by
    // speed, rounded to the nanosecond and never below 1 ns).
    Exhibition faster(double speed) const {
        auto scale = [speed](Duration d) {
            auto ns = static_cast<std::int64_t>(static_cast<double>(d.count()) / speed + 0.5);
            return Duration(ns < 1 ? 1 : ns);
        };
        return {boards, moves, scale(master), scale(opponent)};
    }
};

// The loop options for playing an exhibition. A master's move is one task
// step that holds the loop for `master` (simul::busy: that is the point of the
// exhibition), so debug mode's slow-step threshold is raised above it: the
// steps are long on purpose, and SIMUL_DEBUG=1 should report only what is not.
inline simul::RunOptions exhibition_options(const Exhibition& ex, simul::RunOptions options) {
    if (options.slow_step <= ex.master) options.slow_step = ex.master + ex.master / 2 + std::chrono::milliseconds(100);
    return options;
}

}  // namespace chess
