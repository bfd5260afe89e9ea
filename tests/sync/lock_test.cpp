// Lock: mutual exclusion, FIFO hand-off, try_lock, guards, and cancellation
// before and after the hand-off (reliability.md row 2).
#include <simul/sync/lock.hpp>

#include <random>
#include <string>
#include <vector>

#include <simul/testing/simul_test.hpp>

using namespace std::chrono_literals;

namespace {

simul::Task<> holds(simul::Lock& lock, std::string& log, std::string name, std::chrono::milliseconds d) {
    try {
        auto held = co_await lock.acquire();
        log += name + "+;";
        co_await simul::sleep(d);
        log += name + "-;";
    } catch (const simul::Cancelled&) {
        log += name + "-cancelled;";
        throw;
    }
}

SIMUL_TEST(Lock, AcquireOfAFreeLockReturnsAtOnce) {
    simul::Lock lock;
    EXPECT_FALSE(lock.locked());
    {
        auto held = co_await lock.acquire();
        EXPECT_TRUE(lock.locked());
        EXPECT_TRUE(held.owns_lock());
    }
    EXPECT_FALSE(lock.locked());
}

SIMUL_TEST(Lock, WaitersGetTheLockInFifoOrder) {
    simul::Lock lock;
    std::string log;
    std::vector<simul::TaskHandle<>> hs;
    for (const char* n : {"a", "b", "c", "d"}) hs.push_back(simul::spawn(holds(lock, log, n, 10ms)));
    co_await simul::yield();
    EXPECT_EQ(lock.statistics().waiters, 3u);
    for (auto& h : hs) co_await h;
    EXPECT_EQ(log, "a+;a-;b+;b-;c+;c-;d+;d-;");
    EXPECT_FALSE(lock.locked());
}

SIMUL_TEST(Lock, ReleaseHandsTheLockOverSoNobodyBargesIn) {
    simul::Lock lock;
    std::string log;
    auto held = co_await lock.acquire();
    auto a = simul::spawn(holds(lock, log, "a", 1ms));
    co_await simul::yield();
    held.release();
    EXPECT_TRUE(lock.locked());       // handed to a, which has not run yet
    EXPECT_FALSE(lock.try_lock());    // so a newcomer cannot take it
    co_await a;
    EXPECT_EQ(log, "a+;a-;");
    EXPECT_TRUE(lock.try_lock());
    lock.release();
}

SIMUL_TEST(Lock, TryAcquireGivesAGuardOrNothing) {
    simul::Lock lock;
    auto g = lock.try_acquire();
    CO_ASSERT_TRUE(g.has_value());
    EXPECT_FALSE(lock.try_acquire().has_value());
    g.reset();
    EXPECT_FALSE(lock.locked());
    co_return;
}

SIMUL_TEST(Lock, ReleasingAnUnheldLockThrows) {
    simul::Lock lock;
    EXPECT_THROW(lock.release(), simul::Error);
    co_return;
}

SIMUL_TEST(Lock, GuardsMoveAndReleaseOnce) {
    simul::Lock lock;
    simul::LockGuard outer;
    {
        auto held = co_await lock.acquire();
        outer = std::move(held);
        EXPECT_FALSE(held.owns_lock());
    }
    EXPECT_TRUE(lock.locked());
    outer.release();
    outer.release();
    EXPECT_FALSE(lock.locked());
}

SIMUL_TEST(Lock, CancelledWaiterNeverHoldsTheLock) {
    simul::Lock lock;
    std::string log;
    auto held = co_await lock.acquire();
    auto a = simul::spawn(holds(lock, log, "a", 1ms));
    auto b = simul::spawn(holds(lock, log, "b", 1ms));
    co_await simul::yield();
    a.cancel();  // before the hand-off
    co_await simul::yield();
    EXPECT_EQ(lock.statistics().waiters, 1u);
    held.release();
    co_await b;
    EXPECT_TRUE(a.cancelled());
    EXPECT_EQ(log, "a-cancelled;b+;b-;");
    EXPECT_FALSE(lock.locked());
}

SIMUL_TEST(Lock, WaiterCancelledAfterTheHandOffHoldsItUntilItsNextAwait) {
    simul::Lock lock;
    std::string log;
    auto held = co_await lock.acquire();
    auto a = simul::spawn(holds(lock, log, "a", 1h));
    auto b = simul::spawn(holds(lock, log, "b", 1ms));
    co_await simul::yield();
    held.release();  // a is handed the lock and queued to run
    a.cancel();      // before it resumes
    co_await b;      // b is not stranded: a's guard releases when a's sleep throws
    EXPECT_EQ(log, "a+;a-cancelled;b+;b-;");
    EXPECT_TRUE(a.cancelled());
    EXPECT_FALSE(lock.locked());
}

SIMUL_TEST(Lock, APendingCancelIsDeliveredWhenTheLockIsBusy) {
    simul::Lock lock;
    auto held = co_await lock.acquire();
    simul::Loop::current()->current_task()->cancel();
    bool cancelled = false;
    try {
        auto again = co_await lock.acquire();
    } catch (const simul::Cancelled&) {
        cancelled = true;
    }
    EXPECT_TRUE(cancelled);
    EXPECT_EQ(lock.statistics().waiters, 0u);
}

SIMUL_TEST(Lock, AcquireUnderWaitForTimesOutOrReturnsTheGuard) {
    simul::Lock lock;
    {
        auto held = co_await simul::wait_for(lock.acquire(), 10ms);  // free: at once
        EXPECT_TRUE(held.owns_lock());
        bool timed_out = false;
        try {
            auto again = co_await simul::wait_for(lock.acquire(), 10ms);
        } catch (const simul::TimeoutError&) {
            timed_out = true;
        }
        EXPECT_TRUE(timed_out);
        EXPECT_EQ(lock.statistics().waiters, 0u);
    }
    EXPECT_FALSE(lock.locked());
}

struct Model {
    int holders = 0;
    int max_holders = 0;
    int done = 0;
    int cancelled = 0;
};

simul::Task<> worker(simul::Lock& lock, Model& m, int hold_ms) {
    try {
        auto held = co_await lock.acquire();
        m.max_holders = std::max(m.max_holders, ++m.holders);
        try {
            co_await simul::sleep(std::chrono::milliseconds(hold_ms));
        } catch (const simul::Cancelled&) {
            --m.holders;
            throw;
        }
        --m.holders;
        ++m.done;
    } catch (const simul::Cancelled&) {
        ++m.cancelled;
    }
}

SIMUL_TEST(Lock, RandomCancellationsKeepMutualExclusionAndLoseNoRelease) {
    std::mt19937 rng(4242);
    Model m;
    simul::Lock lock;
    std::vector<simul::TaskHandle<>> hs;
    for (int i = 0; i < 3000; ++i) {
        hs.push_back(simul::spawn(worker(lock, m, int(rng() % 3))));
        if (rng() % 4 == 0) hs[rng() % hs.size()].cancel();
        if (rng() % 8 == 0) co_await simul::sleep(std::chrono::milliseconds(rng() % 3));
        if (rng() % 8 == 0) co_await simul::yield();
    }
    int never_started = 0;  // cancelled before their first step: the body never ran
    for (auto& h : hs) {
        try {
            co_await h;
        } catch (const simul::Cancelled&) {
            ++never_started;
        }
    }
    EXPECT_EQ(m.max_holders, 1);
    EXPECT_EQ(m.holders, 0);
    EXPECT_EQ(m.done + m.cancelled + never_started, 3000);
    EXPECT_GT(m.cancelled, 0);
    EXPECT_GT(m.done, 0);
    EXPECT_FALSE(lock.locked());
    EXPECT_EQ(lock.statistics().waiters, 0u);
}

}  // namespace
