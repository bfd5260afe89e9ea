#include <simul/coro/gather.hpp>

#include <stdexcept>
#include <string>
#include <vector>

#include <simul/testing/simul_test.hpp>

using namespace std::chrono_literals;

namespace {

simul::Task<int> after(std::chrono::milliseconds d, int v) {
    co_await simul::sleep(d);
    co_return v;
}
simul::Task<> nothing(std::chrono::milliseconds d) { co_await simul::sleep(d); }

SIMUL_TEST(Gather, RunsConcurrentlyAndReturnsResultsInArgumentOrder) {
    const auto t0 = simul::now();
    auto [a, b, c] = co_await simul::gather(after(30ms, 1), after(10ms, 2), nothing(20ms));
    EXPECT_EQ(a, 1);
    EXPECT_EQ(b, 2);
    (void)c;
    EXPECT_EQ(simul::now() - t0, 30ms);  // not 60
}

SIMUL_TEST(Gather, RangeFormReturnsAVector) {
    std::vector<simul::Task<int>> tasks;
    for (int i = 0; i < 100; ++i) tasks.push_back(after(std::chrono::milliseconds(100 - i), i));
    std::vector<int> out = co_await simul::gather(std::move(tasks));
    CO_ASSERT_EQ(out.size(), 100u);
    for (int i = 0; i < 100; ++i) EXPECT_EQ(out[i], i);
}

simul::Task<int> fails_after(std::chrono::milliseconds d) {
    co_await simul::sleep(d);
    throw std::runtime_error("boom");
}

simul::Task<int> tracked(std::string& log, std::chrono::milliseconds d) {
    try {
        co_await simul::sleep(d);
        log += "finished;";
    } catch (const simul::Cancelled&) {
        log += "cancelled;";
        throw;
    }
    co_return 0;
}

SIMUL_TEST(Gather, AFailureCancelsTheRestAndRethrowsTheFirstError) {
    std::string log;
    const auto t0 = simul::now();
    try {
        co_await simul::gather(tracked(log, 1h), fails_after(10ms), tracked(log, 2h));
        ADD_FAILURE() << "expected the error";
    } catch (const std::runtime_error& e) {
        EXPECT_STREQ(e.what(), "boom");
    }
    EXPECT_EQ(log, "cancelled;cancelled;");
    EXPECT_EQ(simul::now() - t0, 10ms);
    EXPECT_EQ(simul::Loop::current()->live_tasks(), 1u);  // nothing left running behind us
}

simul::Task<> gathers(std::string& log) {
    co_await simul::gather(tracked(log, 1h), tracked(log, 1h));
}

SIMUL_TEST(Gather, CancellingTheAwaiterCancelsEveryChild) {
    std::string log;
    auto h = simul::spawn(gathers(log));
    co_await simul::sleep(1s);
    h.cancel();
    try {
        co_await h;
        ADD_FAILURE();
    } catch (const simul::Cancelled&) {
    }
    EXPECT_EQ(log, "cancelled;cancelled;");
}

SIMUL_TEST(Gather, OfNothingFinishesAtOnce) {
    co_await simul::gather(std::vector<simul::Task<>>{});
    SUCCEED();
}

}  // namespace
