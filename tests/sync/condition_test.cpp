// Condition: wait releases and retakes the lock, notify is FIFO, and a
// notification is never swallowed by a cancelled waiter.
#include <simul/sync/condition.hpp>

#include <deque>
#include <random>
#include <string>
#include <vector>

#include <simul/testing/simul_test.hpp>

using namespace std::chrono_literals;

namespace {

simul::Task<> waits(simul::Condition& cond, std::string& log, std::string name) {
    auto held = co_await cond.acquire();
    try {
        co_await cond.wait();
        EXPECT_TRUE(cond.locked());
        log += name + ";";
    } catch (const simul::Cancelled&) {
        EXPECT_TRUE(cond.locked());  // the lock is held again even when cancelled
        log += name + "-cancelled;";
        throw;
    }
}

template <class H>
simul::Task<bool> ended_cancelled(H& h) {
    try {
        co_await h;
    } catch (const simul::Cancelled&) {
        co_return true;
    }
    co_return false;
}

SIMUL_TEST(Condition, WaitReleasesTheLockAndNotifyWakesInFifoOrder) {
    simul::Condition cond;
    std::string log;
    auto a = simul::spawn(waits(cond, log, "a"));
    auto b = simul::spawn(waits(cond, log, "b"));
    auto c = simul::spawn(waits(cond, log, "c"));
    co_await simul::sleep(1s);
    EXPECT_FALSE(cond.locked());  // each released it in wait()
    EXPECT_EQ(cond.statistics().waiters, 3u);
    {
        auto held = co_await cond.acquire();
        cond.notify();
        EXPECT_EQ(cond.statistics().waiters, 2u);
        EXPECT_EQ(cond.statistics().lock_waiters, 1u);  // a waits for the lock we hold
        co_await simul::sleep(1s);
        EXPECT_EQ(log, "");
    }
    co_await a;
    EXPECT_EQ(log, "a;");
    {
        auto held = co_await cond.acquire();
        cond.notify_all();
    }
    co_await b;
    co_await c;
    EXPECT_EQ(log, "a;b;c;");
    EXPECT_FALSE(cond.locked());
}

SIMUL_TEST(Condition, WaitAndNotifyNeedTheLock) {
    simul::Condition cond;
    EXPECT_THROW(cond.notify(), simul::Error);
    bool threw = false;
    try {
        co_await cond.wait();
    } catch (const simul::Error&) {
        threw = true;
    }
    EXPECT_TRUE(threw);
}

SIMUL_TEST(Condition, WaitForChecksThePredicateUnderTheLock) {
    simul::Condition cond;
    std::deque<int> jobs;
    int got = -1;
    auto consumer = simul::spawn([](simul::Condition& cond, std::deque<int>& jobs, int& got) -> simul::Task<> {
        auto held = co_await cond.acquire();
        co_await cond.wait_for([&] { return !jobs.empty(); });
        got = jobs.front();
        jobs.pop_front();
    }(cond, jobs, got));
    co_await simul::yield();
    {
        auto held = co_await cond.acquire();
        cond.notify();  // spurious: nothing there yet
    }
    co_await simul::sleep(1s);
    EXPECT_EQ(got, -1);
    {
        auto held = co_await cond.acquire();
        jobs.push_back(42);
        cond.notify();
    }
    co_await consumer;
    EXPECT_EQ(got, 42);
}

SIMUL_TEST(Condition, SharesALockWithOtherConditions) {
    simul::Lock lock;
    simul::Condition not_empty(lock), not_full(lock);
    EXPECT_EQ(&not_empty.lock(), &lock);
    auto held = co_await lock.acquire();
    EXPECT_TRUE(not_full.locked());
}

SIMUL_TEST(Condition, WaiterCancelledBeforeNotifyRetakesTheLockAndLetsTheNextBeNotified) {
    simul::Condition cond;
    std::string log;
    auto a = simul::spawn(waits(cond, log, "a"));
    auto b = simul::spawn(waits(cond, log, "b"));
    co_await simul::yield();
    {
        auto held = co_await cond.acquire();
        a.cancel();  // a must wait for the lock we hold before it can throw
        co_await simul::sleep(1s);
        EXPECT_EQ(log, "");
        cond.notify();  // goes to b
    }
    EXPECT_TRUE(co_await ended_cancelled(a));
    co_await b;
    EXPECT_EQ(log, "a-cancelled;b;");
    EXPECT_FALSE(cond.locked());
}

SIMUL_TEST(Condition, WaiterCancelledAfterNotifyReturnsNormally) {
    simul::Condition cond;
    std::string log;
    auto a = simul::spawn(waits(cond, log, "a"));
    auto b = simul::spawn(waits(cond, log, "b"));
    co_await simul::yield();
    {
        auto held = co_await cond.acquire();
        cond.notify();  // a is notified: now queued for the lock
        a.cancel();     // keeps waiting for the lock; the notification is not lost
    }
    co_await simul::yield();
    EXPECT_FALSE(co_await ended_cancelled(a));
    EXPECT_EQ(log, "a;");
    EXPECT_EQ(cond.statistics().waiters, 1u);  // b still waits: not notified twice
    {
        auto held = co_await cond.acquire();
        cond.notify();
    }
    co_await b;
    EXPECT_EQ(log, "a;b;");
}

// reliability.md row 3: notify_all, then a new waiter registers before the
// notified ones have run: the late one is not woken.
SIMUL_TEST(Condition, NotifyAllDoesNotWakeALateWaiter) {
    simul::Condition cond;
    std::string log;
    auto a = simul::spawn(waits(cond, log, "a"));
    auto b = simul::spawn(waits(cond, log, "b"));
    co_await simul::yield();
    {
        auto held = co_await cond.acquire();
        cond.notify_all();
    }
    auto late = simul::spawn(waits(cond, log, "late"));
    co_await a;
    co_await b;
    co_await simul::sleep(1s);
    EXPECT_EQ(log, "a;b;");
    EXPECT_FALSE(late.done());
    EXPECT_EQ(cond.statistics().waiters, 1u);
    late.cancel();
    try {
        co_await late;
    } catch (const simul::Cancelled&) {
    }
    EXPECT_EQ(log, "a;b;late-cancelled;");
}

SIMUL_TEST(Condition, NotifiedWaiterGetsTheLockWhenItIsFree) {
    simul::Condition cond;
    std::string log;
    auto a = simul::spawn(waits(cond, log, "a"));
    co_await simul::yield();
    auto held = co_await cond.acquire();
    cond.notify();
    held.release();  // hands the lock to a
    EXPECT_TRUE(cond.locked());
    co_await a;
    EXPECT_EQ(log, "a;");
    EXPECT_FALSE(cond.locked());
}

// Random producers and consumers on a Condition-guarded deque, with random
// cancellations: every item pushed is popped once.
struct Shared {
    simul::Condition cond;
    std::deque<int> items;
    bool done = false;
    std::vector<int> got_count;
};

simul::Task<> cond_consumer(Shared& s) {
    auto held = co_await s.cond.acquire();
    for (;;) {
        co_await s.cond.wait_for([&] { return !s.items.empty() || s.done; });
        if (s.items.empty()) co_return;
        ++s.got_count[std::size_t(s.items.front())];
        s.items.pop_front();
    }
}

SIMUL_TEST(Condition, RandomCancellationsLoseNoNotificationAndNoItem) {
    std::mt19937 rng(99);
    Shared s;
    constexpr int kItems = 3000;
    s.got_count.assign(kItems, 0);
    std::vector<simul::TaskHandle<>> consumers;
    for (int i = 0; i < 500; ++i) consumers.push_back(simul::spawn(cond_consumer(s)));
    co_await simul::yield();
    int live = 500;
    for (int i = 0; i < kItems; ++i) {
        {
            auto held = co_await s.cond.acquire();
            s.items.push_back(i);
            s.cond.notify();
        }
        if (rng() % 5 == 0 && live > 50) {
            consumers[rng() % consumers.size()].cancel();
            --live;  // approximately; some were already cancelled
        }
        if (rng() % 4 == 0) co_await simul::yield();
    }
    {
        auto held = co_await s.cond.acquire();
        s.done = true;
        s.cond.notify_all();
    }
    for (auto& h : consumers) (void)co_await ended_cancelled(h);
    // Consumers cancelled with items left leave them in the deque.
    for (int x : s.items) ++s.got_count[std::size_t(x)];
    for (int i = 0; i < kItems; ++i) EXPECT_EQ(s.got_count[std::size_t(i)], 1) << "item " << i;
    EXPECT_FALSE(s.cond.locked());
    EXPECT_EQ(s.cond.statistics().waiters, 0u);
}

SIMUL_TEST(Condition, NotifyOneAlwaysReachesAWaiterDespiteCancellations) {
    // Every notify() goes to a waiter still there: with N waiters, K of them
    // cancelled, N-K notifications wake exactly the N-K others.
    std::mt19937 rng(5);
    for (int round = 0; round < 50; ++round) {
        simul::Condition cond;
        std::string log;
        std::vector<simul::TaskHandle<>> hs;
        for (int i = 0; i < 20; ++i) hs.push_back(simul::spawn(waits(cond, log, "w")));
        co_await simul::yield();
        int cancelled = 0;
        std::vector<bool> hit(20, false);
        for (int k = 0; k < 7; ++k) {
            const std::size_t i = rng() % 20;
            if (!hit[i]) {
                hit[i] = true;
                hs[i].cancel();
                ++cancelled;
            }
        }
        if (rng() % 2) co_await simul::yield();
        {
            auto held = co_await cond.acquire();
            for (int i = 0; i < 20 - cancelled; ++i) cond.notify();
        }
        int normal = 0, cancelled_seen = 0;
        for (auto& h : hs) (co_await ended_cancelled(h) ? cancelled_seen : normal)++;
        EXPECT_EQ(normal, 20 - cancelled);
        EXPECT_EQ(cancelled_seen, cancelled);
    }
}

}  // namespace
