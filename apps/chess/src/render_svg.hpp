// apps/chess/src/render_svg.hpp: the two schedules as a timeline picture.
//
// One SVG, valid XML, that any browser opens: a bar comparing the two
// totals on one scale, then "one board at a time" above "as a simul", each
// with its own labelled time axis and one row per board: the master's moves
// as dark bars, her opponent's thinking as light ones. Rows are
// <g class="board">, one per board drawn, inside <g class="schedule">.
//
// With many boards, at most kMaxRows rows are drawn (the picture says so),
// and bars thinner than half a pixel are merged with their neighbours.
//
//     std::ofstream out("chess.svg");
//     chess::render_svg(out, ex, in_turn, simul);
#pragma once

#include <cstdint>
#include <ostream>

#include "exhibition.hpp"
#include "schedule.hpp"

namespace chess {

inline constexpr std::int64_t kMaxSvgRows = 40;

// Rows drawn for a schedule: one per board, capped.
std::int64_t svg_rows(const Schedule& s);

void render_svg(std::ostream& out, const Exhibition& ex, const Schedule& in_turn, const Schedule& simul);

}  // namespace chess
