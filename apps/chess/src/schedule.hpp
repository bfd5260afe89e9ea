// apps/chess/src/schedule.hpp: Schedule, what happened during one exhibition.
//
// The runners call it as the games go: the master moved on a board from
// `start` to `end`, an opponent thought from `start` to `end`, a game ended,
// the exhibition ended. Times are measured from the start of the exhibition.
// Everything the program prints (totals, finish times, the master's idle
// time) is read from these records, never from a formula.
//
// Memory stays bounded with a million boards: per-board finish times are one
// number each, the master's busy and idle times are running sums, and the
// move-by-move spans (for the picture and the trace) are kept only for the
// first `kept_boards()` boards, chosen so that at most kSpanBudget are kept.
//
//     chess::Schedule s(ex.boards, ex.moves);
//     s.master_moved(0, 1, t0, t1);      // board 0, move 1
//     s.opponent_moved(0, 1, t1, t2);
//     s.game_over(0, t2);
//     s.ended(t2);
#pragma once

#include <cstdint>
#include <vector>

#include "exhibition.hpp"

namespace chess {

enum class Actor : std::uint8_t { master, opponent };

struct Span {
    std::int64_t board;  // 0-based
    std::int32_t move;   // 1-based
    Actor who;
    Duration start, end;
};

class Schedule {
public:
    static constexpr std::int64_t kSpanBudget = 200'000;

    Schedule(std::int64_t boards, std::int64_t moves);

    void master_moved(std::int64_t board, std::int64_t move, Duration start, Duration end);
    void opponent_moved(std::int64_t board, std::int64_t move, Duration start, Duration end);
    void game_over(std::int64_t board, Duration at);
    void ended(Duration at) { total_ = at; }

    std::int64_t boards() const { return static_cast<std::int64_t>(finish_.size()); }
    Duration total() const { return total_; }
    Duration finish(std::int64_t board) const { return finish_[static_cast<std::size_t>(board)]; }
    std::int64_t first_finished() const;  // board whose game ended first (lowest index on ties)
    std::int64_t last_finished() const;   // board whose game ended last (highest index on ties)
    Duration finished_by(double fraction) const;  // when that fraction of the games was over

    std::int64_t master_moves() const { return master_moves_; }
    Duration master_moving() const { return moving_; }
    // The master's idle time, split: before her first move, between two of
    // her moves (waiting for a reply), and after her last move (waiting for
    // the last replies).
    Duration idle_before() const { return idle_before_; }
    Duration idle_between() const { return idle_between_; }
    Duration idle_after() const { return total_ - last_move_end_; }
    Duration master_idle() const { return idle_before() + idle_between() + idle_after(); }

    std::int64_t kept_boards() const { return kept_boards_; }
    const std::vector<Span>& spans() const { return spans_; }  // boards [0, kept_boards())

private:
    std::vector<Duration> finish_;
    std::vector<Span> spans_;
    std::int64_t kept_boards_;
    std::int64_t master_moves_ = 0;
    Duration total_{0}, moving_{0}, idle_before_{0}, idle_between_{0}, last_move_end_{0};
};

}  // namespace chess
