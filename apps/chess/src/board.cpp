#include "board.hpp"

namespace chess {

simul::Task<> play_board(std::int64_t board, Exhibition ex, Schedule& record, simul::TimePoint start) {
    Duration replied{0};
    for (std::int64_t move = 1; move <= ex.moves; ++move) {
        // The master arrives at this board and thinks. She holds the loop:
        // nobody else moves meanwhile, as with real computation.
        Duration arrived = simul::now() - start;
        simul::busy(ex.master);
        Duration moved = simul::now() - start;
        record.master_moved(board, move, arrived, moved);

        // She walks on to the next board; her opponent thinks. This task
        // sleeps and the loop serves the other boards.
        co_await simul::sleep(ex.opponent);

        // The reply is made when the opponent's time is up, even if the
        // master, busy at another board, only gets back here later.
        replied = moved + ex.opponent;
        record.opponent_moved(board, move, moved, replied);
    }
    record.game_over(board, replied);
}

}  // namespace chess
