#include <simul/coro/sleep.hpp>

#include <string>
#include <vector>

#include <simul/testing/simul_test.hpp>

using namespace std::chrono_literals;

namespace {

SIMUL_TEST(Sleep, VirtualClockJumpsToTheDeadline) {
    const auto t0 = simul::now();
    co_await simul::sleep(12h);
    EXPECT_EQ(simul::now() - t0, 12h);
}

SIMUL_TEST(Sleep, NeverWakesEarlyAndRoundsUpToTheMillisecond) {
    const auto t0 = simul::now();
    co_await simul::sleep(1500us);
    EXPECT_EQ(simul::now() - t0, 2ms);
}

SIMUL_TEST(Sleep, SleepUntilAPastTimeReturnsPromptly) {
    co_await simul::sleep(1s);
    const auto t = simul::now();
    co_await simul::sleep_until(t - 500ms);
    EXPECT_EQ(simul::now(), t);
}

simul::Task<> sleeper(std::vector<int>& log, int id, std::chrono::milliseconds d) {
    co_await simul::sleep(d);
    log.push_back(id);
}

SIMUL_TEST(Sleep, SleepersWakeInDeadlineOrder) {
    std::vector<int> log;
    co_await simul::gather(sleeper(log, 3, 30ms), sleeper(log, 1, 10ms), sleeper(log, 2, 20ms));
    EXPECT_EQ(log, (std::vector<int>{1, 2, 3}));
}

simul::Task<> yielder(std::string& out, char c) {
    for (int i = 0; i < 3; ++i) {
        out += c;
        co_await simul::yield();
    }
}

SIMUL_TEST(Yield, InterleavesReadyTasksRoundRobin) {
    std::string out;
    co_await simul::gather(yielder(out, 'a'), yielder(out, 'b'));
    EXPECT_EQ(out, "ababab");
}

SIMUL_TEST_WITH_OPTIONS(Busy, AdvancesVirtualTimeWithoutYielding, (::simul::RunOptions{.virtual_time = true, .slow_step = std::chrono::hours(1)})) {  // busy() on purpose
    std::string out;
    auto other = simul::spawn(yielder(out, 'x'));
    const auto t0 = simul::now();
    simul::busy(5s);
    out += 'b';
    EXPECT_EQ(simul::now() - t0, 5s);
    EXPECT_EQ(out, "b");  // nobody ran while we were busy
    co_await other;
}

TEST(Sleep, RealClockSleepTakesAtLeastItsDuration) {
    const auto t0 = std::chrono::steady_clock::now();
    simul::run([]() -> simul::Task<> { co_await simul::sleep(20ms); }());
    EXPECT_GE(std::chrono::steady_clock::now() - t0, 20ms);
}

TEST(Sleep, OutsideATaskSaysWhatToDo) {
    try {
        (void)simul::sleep(1s);
        ADD_FAILURE() << "expected simul::Error";
    } catch (const simul::Error& e) {
        EXPECT_NE(std::string(e.what()).find("simul::run"), std::string::npos) << e.what();
    }
}

}  // namespace
