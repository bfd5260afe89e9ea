#include "styles.hpp"

#include <memory>
#include <vector>

#include <simul/coro/generator_coroutine.hpp>
#ifdef SIMUL_HAVE_FIBERS
#include <simul/coro/fiber.hpp>
#endif

#include "board.hpp"
#include "play_simul.hpp"

namespace chess {
namespace {

// ---- callbacks: each step schedules the next -----------------------------------

struct CallbackExhibition {
    simul::Loop& loop;
    Exhibition ex;
    Schedule& record;
    simul::TimePoint start;
    std::int64_t games_left;

    Duration since_start() const { return loop.time() - start; }

    // The master arrives at `board` for her move `move`.
    void master_moves(std::int64_t board, std::int64_t move) {
        Duration arrived = since_start();
        loop.busy(ex.master);  // she holds the loop
        Duration moved = since_start();
        record.master_moved(board, move, arrived, moved);
        loop.call_later(ex.opponent, [this, board, move, moved] { opponent_replied(board, move, moved); });
    }
    void opponent_replied(std::int64_t board, std::int64_t move, Duration moved) {
        Duration replied = moved + ex.opponent;
        record.opponent_moved(board, move, moved, replied);
        if (move < ex.moves) {
            master_moves(board, move + 1);
            return;
        }
        record.game_over(board, replied);
        if (--games_left == 0) {
            record.ended(since_start());
            loop.stop();
        }
    }
};

Schedule play_callbacks(const Exhibition& ex, simul::RunOptions options) {
    Schedule record(ex.boards, ex.moves);
    simul::Loop loop(exhibition_options(ex, options));
    CallbackExhibition game{loop, ex, record, loop.time(), ex.boards};
    for (std::int64_t board = 0; board < ex.boards; ++board)
        loop.call_soon([&game, board] { game.master_moves(board, 1); });
    loop.run_forever();
    return record;
}

// ---- generators: each board yields what it waits for -----------------------------

simul::GeneratorCoroutine<> board_generator(std::int64_t board, Exhibition ex, Schedule& record,
                                            simul::TimePoint start) {
    Duration replied{0};
    for (std::int64_t move = 1; move <= ex.moves; ++move) {
        Duration arrived = simul::now() - start;
        simul::busy(ex.master);
        Duration moved = simul::now() - start;
        record.master_moved(board, move, arrived, moved);
        co_yield simul::sleep(ex.opponent);  // the driver waits on the board's behalf
        replied = moved + ex.opponent;
        record.opponent_moved(board, move, moved, replied);
    }
    record.game_over(board, replied);
}

// ---- fibers: each board is an ordinary function ------------------------------------

#ifdef SIMUL_HAVE_FIBERS
void board_fiber(std::int64_t board, const Exhibition& ex, Schedule& record, simul::TimePoint start) {
    Duration replied{0};
    for (std::int64_t move = 1; move <= ex.moves; ++move) {
        Duration arrived = simul::now() - start;
        simul::busy(ex.master);
        Duration moved = simul::now() - start;
        record.master_moved(board, move, arrived, moved);
        simul::fiber::sleep(ex.opponent);  // looks blocking; only this fiber waits
        replied = moved + ex.opponent;
        record.opponent_moved(board, move, moved, replied);
    }
    record.game_over(board, replied);
}
#endif

// The generators and fibers styles: one task per board, gathered.
simul::Task<> all_boards(Style style, Exhibition ex, Schedule& record) {
    simul::TimePoint start = simul::now();
    std::vector<simul::Task<>> boards;
    boards.reserve(static_cast<std::size_t>(ex.boards));
    for (std::int64_t board = 0; board < ex.boards; ++board) {
        if (style == Style::generators) {
            boards.push_back(simul::drive(board_generator(board, ex, record, start)));
        } else {
#ifdef SIMUL_HAVE_FIBERS
            boards.push_back(simul::fiber::make_task([board, &ex, &record, start] { board_fiber(board, ex, record, start); },
                                                     {.stack_size = 64 * 1024}));
#endif
        }
    }
    co_await simul::gather(std::move(boards));
    record.ended(simul::now() - start);
}

}  // namespace

std::string_view style_name(Style s) {
    switch (s) {
        case Style::callbacks: return "callbacks";
        case Style::generators: return "generators";
        case Style::tasks: return "tasks";
        case Style::fibers: return "fibers";
    }
    return "tasks";
}

std::optional<Style> parse_style(std::string_view name) {
    for (Style s : {Style::callbacks, Style::generators, Style::tasks, Style::fibers})
        if (style_name(s) == name) return s;
    return std::nullopt;
}

bool style_available(Style s) {
#ifdef SIMUL_HAVE_FIBERS
    (void)s;
    return true;
#else
    return s != Style::fibers;
#endif
}

Schedule play_simul_as(Style style, const Exhibition& ex, simul::RunOptions options) {
    if (!style_available(style))
        throw simul::Error("--style fibers needs simul built with Boost.Context (apt-get install libboost-context1.81-dev)");
    switch (style) {
        case Style::tasks: return play_simul(ex, options);
        case Style::callbacks: return play_callbacks(ex, options);
        case Style::generators:
        case Style::fibers: {
            Schedule record(ex.boards, ex.moves);
            simul::run(all_boards(style, ex, record), exhibition_options(ex, options));
            return record;
        }
    }
    return play_simul(ex, options);
}

}  // namespace chess
