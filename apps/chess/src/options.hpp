// apps/chess/src/options.hpp: simul-chess's command line (CLI11).
//
// parse_options never prints and never exits: it returns the options, or the
// text to print and the exit code (0 after --help, 2 after a mistake, with a
// one-line message). main() does the printing, the tests read the result.
//
//     auto parsed = chess::parse_options(argc, argv);
//     if (!parsed.options) { print(parsed.message); return parsed.exit_code; }
//
// Limits (anything outside is refused, not clamped): 1 to 1,000,000 boards,
// 1 to 10,000 moves, at most 100,000,000 moves in all, 0.001 s to one day a
// move (durations are rounded to the millisecond, the timers' resolution);
// --style fibers: at most kMaxFiberBoards boards.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "exhibition.hpp"
#include "styles.hpp"

namespace chess {

struct Options {
    Exhibition exhibition;
    bool realtime = false;  // also play on the real clock, `speed` times faster
    double speed = 3600;
    bool compare = false;  // threads vs processes vs tasks at growing sizes
    std::string svg;       // timeline picture, if not empty
    std::string trace;           // the loop's own trace of the simul (debug/trace.hpp), if not empty
    std::string schedule_trace;  // both schedules as Chrome trace-event JSON, if not empty
    Style style = Style::tasks;  // how the simul's boards are written (the schedule is the same)
};

struct Parsed {
    std::optional<Options> options;  // empty: print `message` and exit
    int exit_code = 0;               // 0 after --help, 2 after a mistake
    std::string message;             // help text (stdout) or one error line (stderr)
};

inline constexpr std::int64_t kMaxBoards = 1'000'000;
inline constexpr std::int64_t kMaxMoves = 10'000;
inline constexpr std::int64_t kMaxMovesInAll = 100'000'000;  // boards x moves
inline constexpr std::int64_t kMaxCompareMoves = 100;

Parsed parse_options(int argc, const char* const* argv);

}  // namespace chess
