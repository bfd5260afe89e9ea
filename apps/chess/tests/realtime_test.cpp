// The real clock: the only tests here that depend on the machine, with
// generous bounds (timers never fire early, and may fire a little late).
#include "realtime.hpp"

#include <gtest/gtest.h>

#include "play_in_turn.hpp"
#include "play_simul.hpp"

namespace chess {
namespace {

using namespace std::chrono_literals;

void expect_near_prediction(const RealRun& r) {
    EXPECT_GE(r.measured, r.predicted - 2ms);
    EXPECT_LE(r.measured, 3 * r.predicted + 500ms);
}

TEST(Realtime, SimulAtHighSpeedFinishesCloseToThePrediction) {
    Exhibition ex{4, 3, 2s, 6s};  // 30 s of play; at 100x: 0.3 s
    Schedule virtual_run = play_simul(ex, {.virtual_time = true});
    RealRun r = play_realtime(ex, 100, virtual_run, play_simul);
    EXPECT_EQ(r.predicted, 300ms);
    expect_near_prediction(r);
}

TEST(Realtime, InTurnAtHighSpeedFinishesCloseToThePrediction) {
    Exhibition ex{2, 2, 1s, 3s};  // 16 s of play; at 100x: 0.16 s
    Schedule virtual_run = play_in_turn(ex, {.virtual_time = true});
    RealRun r = play_realtime(ex, 100, virtual_run, play_in_turn);
    EXPECT_EQ(r.predicted, 160ms);
    expect_near_prediction(r);
}

}  // namespace
}  // namespace chess
