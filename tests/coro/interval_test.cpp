#include <simul/coro/interval.hpp>

#include <vector>

#include <simul/testing/simul_test.hpp>

using namespace std::chrono_literals;

namespace {

std::chrono::milliseconds ms_since(simul::TimePoint t0) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(simul::now() - t0);
}

SIMUL_TEST(Interval, TicksEveryPeriodWithoutDrift) {
    const auto t0 = simul::now();
    simul::Interval every(100ms);
    for (int i = 0; i < 1'000'000 / 1000; ++i) {
        const auto scheduled = co_await every.tick();
        EXPECT_EQ(scheduled - t0, i * 100ms);
        EXPECT_EQ(simul::now(), scheduled);
        simul::busy(30ms);  // work shorter than the period: no drift
    }
}

SIMUL_TEST_WITH_OPTIONS(Interval, BurstCatchesUpMissedTicks, (::simul::RunOptions{.virtual_time = true, .slow_step = std::chrono::hours(1)})) {  // busy() on purpose
    const auto t0 = simul::now();
    simul::Interval every(100ms, simul::MissedTicks::burst);
    co_await every.tick();          // 0
    simul::busy(350ms);             // misses 100, 200, 300
    std::vector<std::chrono::milliseconds> at;
    for (int i = 0; i < 4; ++i) {
        co_await every.tick();
        at.push_back(ms_since(t0));
    }
    EXPECT_EQ(at, (std::vector<std::chrono::milliseconds>{350ms, 350ms, 350ms, 400ms}));
}

SIMUL_TEST_WITH_OPTIONS(Interval, DelayShiftsTheSchedule, (::simul::RunOptions{.virtual_time = true, .slow_step = std::chrono::hours(1)})) {  // busy() on purpose
    const auto t0 = simul::now();
    simul::Interval every(100ms, simul::MissedTicks::delay);
    co_await every.tick();
    simul::busy(350ms);
    co_await every.tick();  // late tick completes at once, at 350
    EXPECT_EQ(ms_since(t0), 350ms);
    co_await every.tick();  // then one period after it
    EXPECT_EQ(ms_since(t0), 450ms);
}

SIMUL_TEST_WITH_OPTIONS(Interval, SkipDropsMissedTicks, (::simul::RunOptions{.virtual_time = true, .slow_step = std::chrono::hours(1)})) {  // busy() on purpose
    const auto t0 = simul::now();
    simul::Interval every(100ms, simul::MissedTicks::skip);
    co_await every.tick();
    simul::busy(350ms);
    co_await every.tick();  // the late one, at once
    EXPECT_EQ(ms_since(t0), 350ms);
    co_await every.tick();  // 400: back on the original grid
    EXPECT_EQ(ms_since(t0), 400ms);
}

TEST(Interval, RejectsANonPositivePeriod) {
    EXPECT_THROW(simul::Interval(simul::TimePoint{}, 0ms), simul::Error);
}

}  // namespace
