// Event: set wakes every waiter FIFO, clear resets, cancellation before and
// after the wake-up, and a randomized run with cancellations.
#include <simul/sync/event.hpp>

#include <random>
#include <string>
#include <vector>

#include <simul/testing/simul_test.hpp>

using namespace std::chrono_literals;

namespace {

simul::Task<> waits(simul::Event& ev, std::string& log, std::string name) {
    try {
        co_await ev.wait();
        log += name + ";";
    } catch (const simul::Cancelled&) {
        log += name + "-cancelled;";
        throw;
    }
}

SIMUL_TEST(Event, WaitReturnsAtOnceWhenSet) {
    simul::Event ev;
    ev.set();
    EXPECT_TRUE(ev.is_set());
    const auto t0 = simul::now();
    co_await ev.wait();
    EXPECT_EQ(simul::now(), t0);
}

SIMUL_TEST(Event, SetWakesEveryWaiterInFifoOrder) {
    simul::Event ev;
    std::string log;
    auto a = simul::spawn(waits(ev, log, "a"));
    auto b = simul::spawn(waits(ev, log, "b"));
    auto c = simul::spawn(waits(ev, log, "c"));
    co_await simul::sleep(1s);
    EXPECT_EQ(ev.statistics().waiters, 3u);
    EXPECT_EQ(log, "");
    ev.set();
    EXPECT_EQ(ev.statistics().waiters, 0u);
    EXPECT_EQ(log, "");  // woken through the ready queue, not inline
    co_await a;
    co_await b;
    co_await c;
    EXPECT_EQ(log, "a;b;c;");
}

SIMUL_TEST(Event, ClearMakesLaterWaitersWait) {
    simul::Event ev;
    ev.set();
    ev.clear();
    EXPECT_FALSE(ev.is_set());
    std::string log;
    auto a = simul::spawn(waits(ev, log, "a"));
    co_await simul::sleep(1s);
    EXPECT_EQ(log, "");
    ev.set();
    co_await a;
    EXPECT_EQ(log, "a;");
}

SIMUL_TEST(Event, AWaiterWokenBeforeAClearStillReturns) {
    simul::Event ev;
    std::string log;
    auto a = simul::spawn(waits(ev, log, "a"));
    co_await simul::yield();
    ev.set();
    ev.clear();
    co_await a;
    EXPECT_EQ(log, "a;");
}

SIMUL_TEST(Event, WaiterCancelledBeforeSetLeavesTheOthersWaiting) {
    simul::Event ev;
    std::string log;
    auto a = simul::spawn(waits(ev, log, "a"));
    auto b = simul::spawn(waits(ev, log, "b"));
    co_await simul::yield();
    a.cancel();
    co_await simul::yield();
    EXPECT_EQ(log, "a-cancelled;");
    EXPECT_EQ(ev.statistics().waiters, 1u);
    ev.set();
    co_await b;
    EXPECT_EQ(log, "a-cancelled;b;");
    EXPECT_TRUE(a.cancelled());
}

simul::Task<> waits_then_sleeps(simul::Event& ev, std::string& log) {
    co_await ev.wait();
    log += "woke;";
    try {
        co_await simul::sleep(1h);
    } catch (const simul::Cancelled&) {
        log += "cancelled-at-next-await;";
        throw;
    }
}

SIMUL_TEST(Event, WaiterCancelledAfterSetReturnsAndSeesTheCancelLater) {
    simul::Event ev;
    std::string log;
    auto a = simul::spawn(waits_then_sleeps(ev, log));
    co_await simul::yield();
    ev.set();
    a.cancel();  // woken, not yet resumed
    try {
        co_await a;
    } catch (const simul::Cancelled&) {
    }
    EXPECT_EQ(log, "woke;cancelled-at-next-await;");
}

SIMUL_TEST(Event, APendingCancelIsDeliveredInsteadOfWaiting) {
    simul::Event ev;
    simul::Loop::current()->current_task()->cancel();
    bool cancelled = false;
    try {
        co_await ev.wait();
    } catch (const simul::Cancelled&) {
        cancelled = true;
    }
    EXPECT_TRUE(cancelled);
    EXPECT_EQ(ev.statistics().waiters, 0u);
}

SIMUL_TEST(Event, WaitUnderWaitForTimesOut) {
    simul::Event ev;
    bool timed_out = false;
    try {
        co_await simul::wait_for(ev.wait(), 10ms);
    } catch (const simul::TimeoutError&) {
        timed_out = true;
    }
    EXPECT_TRUE(timed_out);
    EXPECT_EQ(ev.statistics().waiters, 0u);
}

simul::Task<> counts(simul::Event& ev, int& woke, int& cancelled) {
    try {
        co_await ev.wait();
        ++woke;
    } catch (const simul::Cancelled&) {
        ++cancelled;
    }
}

SIMUL_TEST(Event, RandomCancellationsNeverLoseAWakeUp) {
    std::mt19937 rng(20261127);
    for (int round = 0; round < 20; ++round) {
        simul::Event ev;
        int woke = 0, cancelled = 0;
        std::vector<simul::TaskHandle<>> hs;
        for (int i = 0; i < 200; ++i) hs.push_back(simul::spawn(counts(ev, woke, cancelled)));
        co_await simul::yield();
        for (int i = 0; i < 60; ++i) hs[rng() % hs.size()].cancel();
        if (rng() % 2) co_await simul::yield();  // some cancels delivered before set, some after
        ev.set();
        for (int i = 0; i < 20; ++i) hs[rng() % hs.size()].cancel();  // woken, not yet resumed
        for (auto& h : hs) co_await h;
        EXPECT_EQ(woke + cancelled, 200);
        EXPECT_EQ(ev.statistics().waiters, 0u);
    }
}

}  // namespace
