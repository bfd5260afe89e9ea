// race and wait_any: the first task to finish wins, the others are cancelled
// and waited for, and cancelling the caller cancels them all.
#include <simul/sync/race.hpp>

#include <stdexcept>
#include <string>
#include <vector>

#include <simul/testing/simul_test.hpp>

using namespace std::chrono_literals;

namespace {

simul::Task<int> after(std::chrono::milliseconds d, int value, std::string& log) {
    try {
        co_await simul::sleep(d);
    } catch (const simul::Cancelled&) {
        log += std::to_string(value) + "-cancelled;";
        throw;
    }
    co_return value;
}

SIMUL_TEST(Race, TheFirstToFinishWinsAndTheOthersAreCancelled) {
    std::string log;
    const auto t0 = simul::now();
    const int v = co_await simul::race(after(30ms, 1, log), after(10ms, 2, log), after(20ms, 3, log));
    EXPECT_EQ(v, 2);
    EXPECT_EQ(simul::now() - t0, 10ms);
    EXPECT_EQ(log, "1-cancelled;3-cancelled;");
    EXPECT_EQ(simul::Loop::current()->live_tasks(), 1u);  // nothing left behind
}

SIMUL_TEST(WaitAny, SaysWhichTaskWon) {
    std::string log;
    std::vector<simul::Task<int>> tasks;
    tasks.push_back(after(30ms, 10, log));
    tasks.push_back(after(5ms, 20, log));
    auto [index, value] = co_await simul::wait_any(std::move(tasks));
    EXPECT_EQ(index, 1u);
    EXPECT_EQ(value, 20);
}

simul::Task<> void_after(std::chrono::milliseconds d) { co_await simul::sleep(d); }

SIMUL_TEST(WaitAny, ForVoidTasksReturnsTheIndex) {
    std::vector<simul::Task<>> tasks;
    tasks.push_back(void_after(30ms));
    tasks.push_back(void_after(20ms));
    tasks.push_back(void_after(10ms));
    EXPECT_EQ(co_await simul::wait_any(std::move(tasks)), 2u);
}

simul::Task<int> fails_after(std::chrono::milliseconds d) {
    co_await simul::sleep(d);
    throw std::runtime_error("first to fail");
}

SIMUL_TEST(Race, AFailureThatComesFirstWinsAndIsRethrown) {
    std::string log;
    bool caught = false;
    try {
        (void)co_await simul::race(after(30ms, 1, log), fails_after(5ms));
    } catch (const std::runtime_error& e) {
        caught = std::string(e.what()) == "first to fail";
    }
    EXPECT_TRUE(caught);
    EXPECT_EQ(log, "1-cancelled;");
}

SIMUL_TEST(Race, CancellingTheCallerCancelsEveryChild) {
    std::string log;
    auto h = simul::spawn([](std::string& log) -> simul::Task<int> {
        co_return co_await simul::race(after(1h, 1, log), after(2h, 2, log));
    }(log));
    co_await simul::sleep(1s);
    h.cancel();
    bool cancelled = false;
    try {
        (void)co_await h;
    } catch (const simul::Cancelled&) {
        cancelled = true;
    }
    EXPECT_TRUE(cancelled);
    EXPECT_EQ(log, "1-cancelled;2-cancelled;");
    EXPECT_EQ(simul::Loop::current()->live_tasks(), 1u);
}

SIMUL_TEST(Race, ALoserThatFailsWhileCancelledIsReportedNotLost) {
    std::vector<std::string> reported;
    simul::Loop::current()->set_exception_handler([&](const simul::ExceptionContext& ctx) { reported.push_back(ctx.message); });
    std::string log;
    const int v = co_await simul::race(after(5ms, 1, log), []() -> simul::Task<int> {
        try {
            co_await simul::sleep(1h);
        } catch (const simul::Cancelled&) {
            throw std::runtime_error("messy loser");
        }
        co_return 0;
    }());
    EXPECT_EQ(v, 1);
    CO_ASSERT_EQ(reported.size(), 1u);
    EXPECT_NE(reported[0].find("messy loser"), std::string::npos) << reported[0];
}

}  // namespace
