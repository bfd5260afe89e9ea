#include <simul/coro/sleep.hpp>

#include <string>
#include <vector>

#include <simul/coro/spawn.hpp>
#include <simul/debug/stats.hpp>
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

// A sleeping task leaves the live list for the loop's sleep wheel (its
// header is the timer): it still counts as alive, its timer as pending, and
// it comes back when it wakes, is cancelled, or the loop ends under it.
SIMUL_TEST(Sleep, ASleepingTaskStillCountsAsAliveAndAsAPendingTimer) {
    std::vector<int> log;
    auto h = simul::spawn(sleeper(log, 1, 50ms));
    co_await simul::sleep(10ms);
    simul::Loop& loop = *simul::Loop::current();
    EXPECT_EQ(loop.live_tasks(), 2u);  // main and the sleeper
    EXPECT_EQ(simul::stats().timers_pending, 1u);
    co_await h;
    EXPECT_EQ(log, (std::vector<int>{1}));
    EXPECT_EQ(loop.live_tasks(), 1u);
    EXPECT_EQ(simul::stats().timers_pending, 0u);
}

// As asyncio delivers a cancel at `await asyncio.sleep(0)`: a task that
// yields with a cancel already requested goes to the back of the queue like
// any other, and gets Cancelled when its turn comes.
simul::Task<> cancels_itself_then_yields(simul::TaskHandle<>& self, std::vector<std::string>& log) {
    log.push_back("a runs");
    self.cancel();
    try {
        co_await simul::yield();
        log.push_back("a was not cancelled");
    } catch (const simul::Cancelled&) {
        log.push_back("a cancelled");
        throw;
    }
}
simul::Task<> logs(std::vector<std::string>& log, std::string what) {
    log.push_back(std::move(what));
    co_return;
}

SIMUL_TEST(Yield, ACancelRequestedBeforeTheYieldIsDeliveredWhenTheTasksTurnComes) {
    std::vector<std::string> log;
    simul::TaskHandle<> a;
    a = simul::spawn(cancels_itself_then_yields(a, log));
    auto b = simul::spawn(logs(log, "b runs"));
    co_await b;
    EXPECT_THROW(co_await a, simul::Cancelled);
    EXPECT_EQ(log, (std::vector<std::string>{"a runs", "b runs", "a cancelled"}));
}

simul::Task<> yields(int n) {
    for (int i = 0; i < n; ++i) co_await simul::yield();
}

// A step runs from a resume to the next suspension: a task that yields n
// times takes n + 1 steps. run_batch counts them and adds them as each batch
// of ready tasks ends.
TEST(Yield, EachResumeIsOneStepInTheStats) {
    simul::Loop loop({.virtual_time = true});
    simul::spawn(yields(5));
    simul::spawn(yields(0));
    simul::spawn(yields(2));
    EXPECT_EQ(loop.stats().steps, 0u);
    loop.run_until([&] { return loop.live_tasks() == 0; });
    EXPECT_EQ(loop.stats().steps, 6u + 1u + 3u);
}

// A sleep's Waiter has no ops (its word is the deadline; the kSleeping flag
// says what it is). When a loop ends under sleeping tasks, it takes them out
// of the wheel before freeing them; a cleanup that then cancels one of them
// (a guard in another frame) must find no wait to call into.
struct CountOnDestroy {
    int& count;
    ~CountOnDestroy() { ++count; }
};
struct CancelOnDestroy {
    simul::TaskHandle<>* target;
    ~CancelOnDestroy() { target->cancel(); }
};
simul::Task<> counted_sleeper(int& destroyed) {
    CountOnDestroy c{destroyed};
    co_await simul::sleep(1h);
}
simul::Task<> cancelling_sleeper(simul::TaskHandle<>* target, int& destroyed) {
    CancelOnDestroy g{target};
    co_await counted_sleeper(destroyed);
}

TEST(Sleep, ALoopEndingUnderSleepersLetsTheirCleanupCancelOneAnother) {
    int destroyed = 0;
    simul::TaskHandle<> first, second;  // outlive the loop: freed after it
    {
        simul::Loop loop({.virtual_time = true});
        // The guard is spawned (and freed) before its target, which is still
        // a suspended sleeper when the guard cancels it.
        simul::spawn(cancelling_sleeper(&first, destroyed));
        first = simul::spawn(counted_sleeper(destroyed));
        // And the other order: the target is already freed.
        second = simul::spawn(counted_sleeper(destroyed));
        simul::spawn(cancelling_sleeper(&second, destroyed));
        loop.call_later(10ms, [&loop] { loop.stop(); });
        loop.run_forever();
        EXPECT_EQ(loop.live_tasks(), 4u);
        // While they sleep, a dump says so (the sleep has no ops to ask).
        std::string dump;
        loop.dump_tasks(dump);
        EXPECT_NE(dump.find("waiting on sleep"), std::string::npos) << dump;
    }
    EXPECT_EQ(destroyed, 2);  // the two guards' sleepers; the targets are the handles'
    first = {};
    second = {};
    EXPECT_EQ(destroyed, 4);
}

SIMUL_TEST(Sleep, ManySleepersCancelledInAnyOrderAllWakeAtOnce) {
    std::vector<int> log;
    std::vector<simul::TaskHandle<>> hs;
    for (int i = 0; i < 100; ++i) hs.push_back(simul::spawn(sleeper(log, i, std::chrono::milliseconds(1000 + 37 * i))));
    co_await simul::yield();  // they all sleep now
    const auto t0 = simul::now();
    for (int i = 0; i < 100; i += 2) hs[i].cancel();          // every other one
    for (int i = 99; i > 0; i -= 2) hs[i].cancel();           // the rest, backwards
    for (auto& h : hs) {
        try {
            co_await h;
            ADD_FAILURE() << "a cancelled sleeper finished normally";
        } catch (const simul::Cancelled&) {
        }
    }
    EXPECT_EQ(simul::now(), t0);  // nobody waited for a deadline
    EXPECT_TRUE(log.empty());
    EXPECT_EQ(simul::stats().timers_pending, 0u);
    EXPECT_EQ(simul::Loop::current()->live_tasks(), 1u);
}

SIMUL_TEST(Sleep, ASleeperAndACallbackDueAtTheSameTickBothRunSleeperFirst) {
    std::string order;
    auto h = simul::spawn([](std::string& order) -> simul::Task<> {
        co_await simul::sleep(5ms);
        order += "sleeper;";
    }(order));
    simul::Loop::current()->call_later(5ms, [&] { order += "callback;"; });
    co_await simul::sleep(20ms);
    co_await h;
    EXPECT_EQ(order, "sleeper;callback;");
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
