#include "play_simul.hpp"

#include <string>
#include <vector>

#include "board.hpp"

namespace chess {
namespace {

simul::Task<> all_boards_at_once(Exhibition ex, Schedule& record) {
    simul::TimePoint start = simul::now();
    std::vector<simul::Task<>> boards;
    boards.reserve(static_cast<std::size_t>(ex.boards));
    for (std::int64_t board = 0; board < ex.boards; ++board) boards.push_back(play_board(board, ex, record, start));
    co_await simul::gather(std::move(boards));
    record.ended(simul::now() - start);
}

// The same, with each board a named task ("board 7"), so a trace of the loop
// (RunOptions::trace_file) has a track per board under its name.
simul::Task<> all_boards_named(Exhibition ex, Schedule& record) {
    simul::TimePoint start = simul::now();
    std::vector<simul::TaskHandle<>> boards;
    boards.reserve(static_cast<std::size_t>(ex.boards));
    for (std::int64_t board = 0; board < ex.boards; ++board)
        boards.push_back(simul::spawn(play_board(board, ex, record, start), "board " + std::to_string(board + 1)));
    for (auto& b : boards) co_await b;
    record.ended(simul::now() - start);
}

}  // namespace

Schedule play_simul(const Exhibition& ex, simul::RunOptions options) {
    Schedule record(ex.boards, ex.moves);
    if (options.trace_file.empty())
        simul::run(all_boards_at_once(ex, record), exhibition_options(ex, options));
    else
        simul::run(all_boards_named(ex, record), exhibition_options(ex, options));
    return record;
}

}  // namespace chess
