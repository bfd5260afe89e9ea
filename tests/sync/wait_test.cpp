// wait: first_completed, first_exception, all_completed, timeout, tasks done
// before the call, cancellation of the caller (tasks untouched).
#include <simul/sync/wait.hpp>

#include <stdexcept>
#include <vector>

#include <simul/testing/simul_test.hpp>

using namespace std::chrono_literals;

namespace {

simul::Task<int> after(simul::Duration d, int v) {
    co_await simul::sleep(d);
    co_return v;
}
simul::Task<int> fail_after_(simul::Duration d) {
    co_await simul::sleep(d);
    throw std::runtime_error("boom");
}

using Idx = std::vector<std::size_t>;

SIMUL_TEST(Wait, AllCompletedWaitsForEveryTask) {
    std::vector<simul::TaskHandle<int>> hs;
    hs.push_back(simul::spawn(after(3s, 1)));
    hs.push_back(simul::spawn(after(1s, 2)));
    hs.push_back(simul::spawn(fail_after_(2s)));
    const auto t0 = simul::now();
    auto r = co_await simul::wait(hs);
    EXPECT_EQ(simul::now() - t0, 3s);
    EXPECT_EQ(r.done, (Idx{0, 1, 2}));
    EXPECT_TRUE(r.pending.empty());
    EXPECT_EQ(hs[0].result(), 1);
    EXPECT_EQ(hs[1].result(), 2);
    EXPECT_THROW(hs[2].result(), std::runtime_error);
}

SIMUL_TEST(Wait, FirstCompletedReturnsAfterTheFirstAndCancelsNothing) {
    std::vector<simul::TaskHandle<int>> hs;
    hs.push_back(simul::spawn(after(3s, 1)));
    hs.push_back(simul::spawn(after(1s, 2)));
    hs.push_back(simul::spawn(after(2s, 3)));
    const auto t0 = simul::now();
    auto r = co_await simul::wait(hs, simul::ReturnWhen::first_completed);
    EXPECT_EQ(simul::now() - t0, 1s);
    EXPECT_EQ(r.done, (Idx{1}));
    EXPECT_EQ(r.pending, (Idx{0, 2}));
    EXPECT_EQ(hs[1].result(), 2);
    // the others still run and can be awaited
    EXPECT_EQ(co_await hs[0], 1);
    EXPECT_EQ(co_await hs[2], 3);
}

SIMUL_TEST(Wait, FirstExceptionReturnsOnAFailure) {
    std::vector<simul::TaskHandle<int>> hs;
    hs.push_back(simul::spawn(after(1s, 1)));
    hs.push_back(simul::spawn(fail_after_(2s)));
    hs.push_back(simul::spawn(after(5s, 3)));
    const auto t0 = simul::now();
    auto r = co_await simul::wait(hs, simul::ReturnWhen::first_exception);
    EXPECT_EQ(simul::now() - t0, 2s);
    EXPECT_EQ(r.done, (Idx{0, 1}));
    EXPECT_EQ(r.pending, (Idx{2}));
    EXPECT_THROW(hs[1].result(), std::runtime_error);
    hs[2].cancel();
}

SIMUL_TEST(Wait, FirstExceptionWithoutFailureWaitsForAll) {
    std::vector<simul::TaskHandle<int>> hs;
    hs.push_back(simul::spawn(after(1s, 1)));
    hs.push_back(simul::spawn(after(2s, 2)));
    const auto t0 = simul::now();
    auto r = co_await simul::wait(hs, simul::ReturnWhen::first_exception);
    EXPECT_EQ(simul::now() - t0, 2s);
    EXPECT_EQ(r.done, (Idx{0, 1}));
    EXPECT_TRUE(r.pending.empty());
}

SIMUL_TEST(Wait, FirstExceptionIgnoresACancelledTask) {
    std::vector<simul::TaskHandle<int>> hs;
    hs.push_back(simul::spawn(after(1s, 1)));
    hs.push_back(simul::spawn(after(2s, 2)));
    hs[0].cancel();
    const auto t0 = simul::now();
    auto r = co_await simul::wait(hs, simul::ReturnWhen::first_exception);
    EXPECT_EQ(simul::now() - t0, 2s);
    EXPECT_TRUE(hs[0].cancelled());
    EXPECT_EQ(r.done, (Idx{0, 1}));
}

SIMUL_TEST(Wait, TimeoutReturnsWhatIsDoneSoFar) {
    std::vector<simul::TaskHandle<int>> hs;
    hs.push_back(simul::spawn(after(1s, 1)));
    hs.push_back(simul::spawn(after(10s, 2)));
    const auto t0 = simul::now();
    auto r = co_await simul::wait(hs, simul::ReturnWhen::all_completed, 5s);
    EXPECT_EQ(simul::now() - t0, 5s);
    EXPECT_EQ(r.done, (Idx{0}));
    EXPECT_EQ(r.pending, (Idx{1}));
    EXPECT_FALSE(hs[1].done());
    EXPECT_EQ(co_await hs[1], 2);  // not cancelled
    EXPECT_EQ(simul::now() - t0, 10s);
}

SIMUL_TEST(Wait, ZeroTimeoutDoesNotWait) {
    std::vector<simul::TaskHandle<int>> hs;
    hs.push_back(simul::spawn(after(1s, 1)));
    const auto t0 = simul::now();
    auto r = co_await simul::wait(hs, simul::ReturnWhen::all_completed, 0s);
    EXPECT_EQ(simul::now(), t0);
    EXPECT_EQ(r.pending, (Idx{0}));
    co_await hs[0];
}

SIMUL_TEST(Wait, TasksAlreadyDoneAreReportedWithoutWaiting) {
    std::vector<simul::TaskHandle<int>> hs;
    hs.push_back(simul::spawn(after(1s, 1)));
    hs.push_back(simul::spawn(after(10s, 2)));
    co_await simul::sleep(2s);
    const auto t0 = simul::now();
    auto r = co_await simul::wait(hs, simul::ReturnWhen::first_completed);
    EXPECT_EQ(simul::now(), t0);
    EXPECT_EQ(r.done, (Idx{0}));
    EXPECT_EQ(r.pending, (Idx{1}));
    hs[1].cancel();
}

simul::Task<> waiter(std::vector<simul::TaskHandle<int>>& hs, bool& cancelled) {
    try {
        (void)co_await simul::wait(hs);
    } catch (const simul::Cancelled&) {
        cancelled = true;
        throw;
    }
}

SIMUL_TEST(Wait, CancellingTheCallerLeavesTheTasksRunning) {
    std::vector<simul::TaskHandle<int>> hs;
    hs.push_back(simul::spawn(after(5s, 1)));
    hs.push_back(simul::spawn(after(6s, 2)));
    bool cancelled = false;
    auto w = simul::spawn(waiter(hs, cancelled));
    co_await simul::sleep(1s);
    w.cancel();
    try {
        co_await w;
    } catch (const simul::Cancelled&) {
    }
    EXPECT_TRUE(cancelled);
    EXPECT_FALSE(hs[0].done());
    // the completion hooks were withdrawn: the handles can be awaited again
    EXPECT_EQ(co_await hs[0], 1);
    EXPECT_EQ(co_await hs[1], 2);
    EXPECT_FALSE(hs[0].cancelled());
}

SIMUL_TEST(Wait, CancelAfterTheConditionHeldReturnsNormally) {
    std::vector<simul::TaskHandle<int>> hs;
    hs.push_back(simul::spawn(after(5s, 1)));
    bool returned = false;
    auto w = simul::spawn([](std::vector<simul::TaskHandle<int>>& v, bool& ret) -> simul::Task<> {
        auto r = co_await simul::wait(v);
        ret = r.done.size() == 1;
        co_await simul::sleep(1h);
    }(hs, returned));
    co_await simul::sleep(5s);  // wakes before hs[0] (its timer was set first)
    co_await simul::yield();    // hs[0] ends and queues w, behind this task
    EXPECT_TRUE(hs[0].done());
    w.cancel();
    try {
        co_await w;
    } catch (const simul::Cancelled&) {
    }
    EXPECT_TRUE(returned);
}

SIMUL_TEST(Wait, BadArguments) {
    std::vector<simul::TaskHandle<int>> none;
    EXPECT_THROW((void)co_await simul::wait(none), simul::InvalidStateError);
    std::vector<simul::TaskHandle<int>> empty(1);
    EXPECT_THROW((void)co_await simul::wait(empty), simul::InvalidStateError);
}

}  // namespace
