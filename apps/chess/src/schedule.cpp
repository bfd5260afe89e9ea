#include "schedule.hpp"

#include <algorithm>
#include <cmath>

namespace chess {

Schedule::Schedule(std::int64_t boards, std::int64_t moves)
    : finish_(static_cast<std::size_t>(boards), Duration(0)),
      kept_boards_(std::min(boards, std::max<std::int64_t>(1, kSpanBudget / (2 * moves)))) {
    spans_.reserve(static_cast<std::size_t>(std::min(kSpanBudget, kept_boards_ * moves * 2)));
}

void Schedule::master_moved(std::int64_t board, std::int64_t move, Duration start, Duration end) {
    // One master, one loop: her moves never overlap, so the gap since her
    // last move is time she spent waiting.
    if (master_moves_ == 0)
        idle_before_ = start;
    else
        idle_between_ += start - last_move_end_;
    ++master_moves_;
    moving_ += end - start;
    last_move_end_ = end;
    if (board < kept_boards_)
        spans_.push_back({board, static_cast<std::int32_t>(move), Actor::master, start, end});
}

void Schedule::opponent_moved(std::int64_t board, std::int64_t move, Duration start, Duration end) {
    if (board < kept_boards_)
        spans_.push_back({board, static_cast<std::int32_t>(move), Actor::opponent, start, end});
}

void Schedule::game_over(std::int64_t board, Duration at) { finish_[static_cast<std::size_t>(board)] = at; }

std::int64_t Schedule::first_finished() const {
    return std::min_element(finish_.begin(), finish_.end()) - finish_.begin();
}

std::int64_t Schedule::last_finished() const {
    auto it = std::max_element(finish_.rbegin(), finish_.rend());
    return static_cast<std::int64_t>(finish_.rend() - it) - 1;
}

Duration Schedule::finished_by(double fraction) const {
    std::vector<Duration> sorted = finish_;
    // The k-th game over, k = ceil(fraction x boards): half of 24 is the 12th.
    auto k = static_cast<std::size_t>(std::ceil(fraction * static_cast<double>(sorted.size())));
    k = std::clamp<std::size_t>(k, 1, sorted.size()) - 1;
    std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(k), sorted.end());
    return sorted[k];
}

}  // namespace chess
