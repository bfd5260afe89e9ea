// The schedules against closed forms computed here, independently of the
// program (which only records what happens on the loop).
#include "schedule.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <ostream>
#include <string>

#include "play_in_turn.hpp"
#include "play_simul.hpp"

namespace chess {
namespace {

using namespace std::chrono_literals;
using ms = std::chrono::milliseconds;

struct Figures {
    std::int64_t boards, moves;
    ms master, opponent;
};

// Names the test cases in a list: "24Boards30Moves5000ms55000ms".
void PrintTo(const Figures& f, std::ostream* os) {
    *os << f.boards << "Boards" << f.moves << "Moves" << f.master.count() << "msMaster" << f.opponent.count()
        << "msOpponent";
}
std::string name(const ::testing::TestParamInfo<Figures>& info) { return ::testing::PrintToString(info.param); }

Exhibition exhibition(const Figures& f) { return {f.boards, f.moves, f.master, f.opponent}; }

// One board at a time: every game is M x (m + o), played one after another.
Duration in_turn_total(const Figures& f) { return f.boards * f.moves * (f.master + f.opponent); }
Duration in_turn_finish(const Figures& f, std::int64_t board1) { return board1 * f.moves * (f.master + f.opponent); }

// Round robin: a round lasts B x m, or m + o if the opponents are slower;
// the last round ends with board i's move at i x m and its reply o later.
Duration round_length(const Figures& f) { return std::max<Duration>(f.boards * f.master, f.master + f.opponent); }
Duration simul_total(const Figures& f) { return (f.moves - 1) * round_length(f) + f.boards * f.master + f.opponent; }
Duration simul_finish(const Figures& f, std::int64_t board1) {
    return (f.moves - 1) * round_length(f) + board1 * f.master + f.opponent;
}

class Schedules : public ::testing::TestWithParam<Figures> {};

TEST_P(Schedules, InTurnTotalIsBoardsTimesMovesTimesAPair) {
    Figures f = GetParam();
    Schedule s = play_in_turn(exhibition(f), {.virtual_time = true});
    EXPECT_EQ(s.total(), in_turn_total(f));
}

TEST_P(Schedules, SimulTotalMatchesTheRoundRobinClosedForm) {
    Figures f = GetParam();
    Schedule s = play_simul(exhibition(f), {.virtual_time = true});
    EXPECT_EQ(s.total(), simul_total(f));
}

TEST_P(Schedules, EveryGameEndsWhenTheClosedFormSays) {
    Figures f = GetParam();
    Schedule turn = play_in_turn(exhibition(f), {.virtual_time = true});
    Schedule simul = play_simul(exhibition(f), {.virtual_time = true});
    for (std::int64_t b = 0; b < f.boards; ++b) {
        EXPECT_EQ(turn.finish(b), in_turn_finish(f, b + 1)) << "board " << b + 1;
        EXPECT_EQ(simul.finish(b), simul_finish(f, b + 1)) << "board " << b + 1;
    }
    EXPECT_EQ(turn.last_finished(), f.boards - 1);
    EXPECT_EQ(simul.last_finished(), f.boards - 1);
    EXPECT_EQ(simul.first_finished(), 0);
}

TEST_P(Schedules, TheMasterMovesForBoardsTimesMovesTimesHerTime) {
    Figures f = GetParam();
    Duration moving = f.boards * f.moves * f.master;
    Schedule turn = play_in_turn(exhibition(f), {.virtual_time = true});
    Schedule simul = play_simul(exhibition(f), {.virtual_time = true});
    EXPECT_EQ(turn.master_moves(), f.boards * f.moves);
    EXPECT_EQ(simul.master_moves(), f.boards * f.moves);
    EXPECT_EQ(turn.master_moving(), moving);
    EXPECT_EQ(simul.master_moving(), moving);
}

TEST_P(Schedules, IdleTimeIsEverythingButHerMoves) {
    Figures f = GetParam();
    Schedule turn = play_in_turn(exhibition(f), {.virtual_time = true});
    Schedule simul = play_simul(exhibition(f), {.virtual_time = true});
    // In turn she waits out every reply.
    EXPECT_EQ(turn.master_idle(), f.boards * f.moves * f.opponent);
    // In the simul she waits between moves only when a round is shorter than
    // a reply, and at the end for the last reply.
    Duration short_round = std::max<Duration>(Duration(0), (f.master + f.opponent) - f.boards * f.master);
    EXPECT_EQ(simul.idle_before(), Duration(0));
    EXPECT_EQ(simul.idle_between(), (f.moves - 1) * short_round);
    EXPECT_EQ(simul.idle_after(), Duration(f.opponent));
    EXPECT_EQ(simul.master_idle(), simul_total(f) - f.boards * f.moves * f.master);
}

INSTANTIATE_TEST_SUITE_P(
    Figures, Schedules,
    ::testing::Values(Figures{24, 30, 5s, 55s},        // the classic exhibition
                      Figures{3, 4, 5s, 55s},          // opponents slower than a round: she waits
                      Figures{10, 3, 2s, 18s},         // a round exactly as long as a move pair
                      Figures{1, 30, 5s, 55s},         // one board: the simul cannot help
                      Figures{24, 1, 5s, 55s},         // one move
                      Figures{1, 1, 1ms, 1ms},         // the smallest exhibition
                      Figures{7, 5, 1500ms, 250ms}),  // fractional seconds
    name);

TEST(Schedule, ClassicFiguresGiveTwelveHoursAndAnHour) {
    Exhibition ex;  // 24 boards, 30 moves, 5 s, 55 s
    EXPECT_EQ(play_in_turn(ex, {.virtual_time = true}).total(), 12h);
    EXPECT_EQ(play_simul(ex, {.virtual_time = true}).total(), 1h + 55s);
}

TEST(Schedule, KeepsSpansOnlyForTheFirstBoardsWhenThereAreMany) {
    Schedule s(1'000'000, 30);
    EXPECT_LT(s.kept_boards(), 1'000'000);
    EXPECT_LE(s.kept_boards() * 30 * 2, Schedule::kSpanBudget);
    for (std::int64_t b = 0; b < 1'000'000; b += 1000) s.master_moved(b, 1, Duration(b), Duration(b + 1));
    EXPECT_LE(static_cast<std::int64_t>(s.spans().size()), s.kept_boards());
    EXPECT_EQ(s.master_moves(), 1000);
}

TEST(Schedule, KeepsEverySpanForAFewBoards) {
    Schedule s = play_simul({3, 4, 5s, 55s}, {.virtual_time = true});
    EXPECT_EQ(s.kept_boards(), 3);
    EXPECT_EQ(s.spans().size(), 3u * 4 * 2);
}

}  // namespace
}  // namespace chess
