// apps/chess/src/styles.hpp: the simul schedule played in each of the four ways to wait.
//
// The same boards, the same records, four ways to write a board (see
// docs/tutorial/03-four-ways-to-wait.md):
//
//   callbacks   a chain of loop.call_later callbacks per board, no coroutine
//   generators  a simul::GeneratorCoroutine per board that co_yields its sleep,
//               driven by simul::drive (asyncio before async/await)
//   tasks       a simul::Task per board (board.hpp), the default
//   fibers      a simul fiber per board, an ordinary function that calls
//               simul::fiber::sleep (at most kMaxFiberBoards boards)
//
//     chess::Schedule s = chess::play_simul_as(chess::Style::fibers, ex, {.virtual_time = true});
//
// Every style gives the same schedule: the boards start in board order, each
// holds the loop for the master's move and waits for the opponent's reply.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include <simul/simul.hpp>

#include "exhibition.hpp"
#include "schedule.hpp"

namespace chess {

enum class Style { callbacks, generators, tasks, fibers };

// Each fiber has its own stack with a guard page: two memory mappings, and
// Linux allows a process about 65,000 (vm.max_map_count).
inline constexpr std::int64_t kMaxFiberBoards = 20'000;

std::string_view style_name(Style s);
std::optional<Style> parse_style(std::string_view name);
// False when this build of simul has no fibers (Boost.Context was missing).
bool style_available(Style s);

Schedule play_simul_as(Style style, const Exhibition& ex, simul::RunOptions options);

}  // namespace chess
