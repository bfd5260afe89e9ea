#include "play_simul.hpp"

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

}  // namespace

Schedule play_simul(const Exhibition& ex, simul::RunOptions options) {
    Schedule record(ex.boards, ex.moves);
    simul::run(all_boards_at_once(ex, record), options);
    return record;
}

}  // namespace chess
