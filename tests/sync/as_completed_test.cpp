// as_completed: results in completion order, errors rethrown by next(), and
// cancellation of next() before and after a result is handed over.
#include <simul/sync/as_completed.hpp>

#include <stdexcept>
#include <string>
#include <vector>

#include <simul/testing/simul_test.hpp>

using namespace std::chrono_literals;

namespace {

simul::Task<int> after(std::chrono::milliseconds d, int value) {
    co_await simul::sleep(d);
    co_return value;
}

simul::Task<int> fails_after(std::chrono::milliseconds d) {
    co_await simul::sleep(d);
    throw std::runtime_error("failed");
}

std::vector<simul::Task<int>> three() {
    std::vector<simul::Task<int>> v;
    v.push_back(after(30ms, 3));
    v.push_back(after(10ms, 1));
    v.push_back(after(20ms, 2));
    return v;
}

SIMUL_TEST(AsCompleted, ResultsComeInTheOrderTheTasksFinish) {
    auto results = simul::as_completed(three());
    std::vector<int> got;
    while (results.remaining() > 0) got.push_back(co_await results.next());
    EXPECT_EQ(got, (std::vector<int>{1, 2, 3}));
    bool threw = false;
    try {
        (void)co_await results.next();
    } catch (const simul::InvalidStateError&) {
        threw = true;
    }
    EXPECT_TRUE(threw);
}

SIMUL_TEST(AsCompleted, ResultsThatFinishedWhileNobodyWaitedAreKept) {
    auto results = simul::as_completed(three());
    co_await simul::sleep(1s);
    EXPECT_EQ(results.statistics().ready, 3u);
    EXPECT_EQ(co_await results.next(), 1);
    EXPECT_EQ(co_await results.next(), 2);
    EXPECT_EQ(co_await results.next(), 3);
}

SIMUL_TEST(AsCompleted, AnErrorIsRethrownByNextInItsTurn) {
    std::vector<simul::Task<int>> v;
    v.push_back(after(20ms, 2));
    v.push_back(fails_after(10ms));
    auto results = simul::as_completed(std::move(v));
    bool threw = false;
    try {
        (void)co_await results.next();
    } catch (const std::runtime_error&) {
        threw = true;
    }
    EXPECT_TRUE(threw);
    EXPECT_EQ(co_await results.next(), 2);
}

SIMUL_TEST(AsCompleted, NextCancelledBeforeAResultLeavesItForTheNextCall) {
    auto results = simul::as_completed(three());
    auto h = simul::spawn([](simul::AsCompleted<int>& r) -> simul::Task<int> { co_return co_await r.next(); }(results));
    co_await simul::sleep(5ms);
    h.cancel();
    bool cancelled = false;
    try {
        (void)co_await h;
    } catch (const simul::Cancelled&) {
        cancelled = true;
    }
    EXPECT_TRUE(cancelled);
    EXPECT_EQ(co_await results.next(), 1);
    EXPECT_EQ(results.remaining(), 2u);
    while (results.remaining() > 0) (void)co_await results.next();
}

SIMUL_TEST(AsCompleted, NextCancelledAfterAResultWasHandedOverReturnsIt) {
    auto results = simul::as_completed(three());
    std::string log;
    auto h = simul::spawn([](simul::AsCompleted<int>& r, std::string& log) -> simul::Task<> {
        const int v = co_await r.next();
        log += "got " + std::to_string(v) + ";";
        co_await simul::yield();  // the cancel lands here
        log += "not-reached;";
    }(results, log));
    co_await simul::yield();      // the tasks start their timers, h waits in next()
    co_await simul::sleep(10ms);  // the 10 ms task finishes in this turn, just before: h is handed 1
    EXPECT_EQ(results.statistics().waiters, 0u);
    h.cancel();
    try {
        co_await h;
    } catch (const simul::Cancelled&) {
        log += "cancelled;";
    }
    EXPECT_EQ(log, "got 1;cancelled;");
    EXPECT_EQ(results.remaining(), 2u);
    EXPECT_EQ(co_await results.next(), 2);
    EXPECT_EQ(co_await results.next(), 3);
}

SIMUL_TEST(AsCompleted, DroppingItCancelsTheTasksStillRunning) {
    {
        auto results = simul::as_completed(three());
        EXPECT_EQ(co_await results.next(), 1);
    }
    co_await simul::yield();
    co_await simul::yield();
    EXPECT_EQ(simul::Loop::current()->live_tasks(), 1u);
}

}  // namespace
