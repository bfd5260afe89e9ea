#include "play_in_turn.hpp"

#include "board.hpp"

namespace chess {
namespace {

simul::Task<> one_board_at_a_time(Exhibition ex, Schedule& record) {
    simul::TimePoint start = simul::now();
    for (std::int64_t board = 0; board < ex.boards; ++board) co_await play_board(board, ex, record, start);
    record.ended(simul::now() - start);
}

}  // namespace

Schedule play_in_turn(const Exhibition& ex, simul::RunOptions options) {
    Schedule record(ex.boards, ex.moves);
    simul::run(one_board_at_a_time(ex, record), exhibition_options(ex, options));
    return record;
}

}  // namespace chess
