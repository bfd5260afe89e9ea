// Semaphore and BoundedSemaphore: permits, FIFO hand-off, the bound, and
// cancellation before and after the hand-off (reliability.md row 2).
#include <simul/sync/semaphore.hpp>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include <simul/testing/simul_test.hpp>

using namespace std::chrono_literals;

namespace {

simul::Task<> holds(simul::Semaphore& sem, std::string& log, std::string name, std::chrono::milliseconds d) {
    try {
        auto permit = co_await sem.acquire();
        log += name + "+;";
        co_await simul::sleep(d);
        log += name + "-;";
    } catch (const simul::Cancelled&) {
        log += name + "-cancelled;";
        throw;
    }
}

SIMUL_TEST(Semaphore, AtMostValueHoldersAtOnce) {
    simul::Semaphore sem(2);
    std::string log;
    std::vector<simul::TaskHandle<>> hs;
    for (const char* n : {"a", "b", "c", "d"}) hs.push_back(simul::spawn(holds(sem, log, n, 10ms)));
    co_await simul::yield();
    EXPECT_EQ(sem.statistics().value, 0u);
    EXPECT_EQ(sem.statistics().waiters, 2u);
    EXPECT_TRUE(sem.locked());
    for (auto& h : hs) co_await h;
    EXPECT_EQ(log, "a+;b+;a-;b-;c+;d+;c-;d-;");
    EXPECT_EQ(sem.value(), 2u);
}

SIMUL_TEST(Semaphore, TryAcquireTakesAFreePermitOnly) {
    simul::Semaphore sem(1);
    auto p = sem.try_acquire();
    CO_ASSERT_TRUE(p.has_value());
    EXPECT_FALSE(sem.try_acquire().has_value());
    p->release();
    EXPECT_EQ(sem.value(), 1u);
    co_return;
}

SIMUL_TEST(Semaphore, ReleaseHandsThePermitToTheFirstWaiter) {
    simul::Semaphore sem(0);
    std::string log;
    auto a = simul::spawn(holds(sem, log, "a", 1ms));
    co_await simul::yield();
    sem.release();
    EXPECT_EQ(sem.value(), 0u);  // went to a, not to the count
    EXPECT_FALSE(sem.try_acquire().has_value());
    co_await a;
    EXPECT_EQ(sem.value(), 1u);
}

SIMUL_TEST(Semaphore, AnUnboundedSemaphoreMayGrowPastItsStart) {
    simul::Semaphore sem(1);
    sem.release();
    EXPECT_EQ(sem.value(), 2u);
    co_return;
}

SIMUL_TEST(BoundedSemaphore, ReleasePastTheBoundThrows) {
    simul::BoundedSemaphore sem(2);
    EXPECT_THROW(sem.release(), simul::Error);
    {
        auto p = co_await sem.acquire();
        EXPECT_EQ(sem.value(), 1u);
    }
    EXPECT_EQ(sem.value(), 2u);
    EXPECT_THROW(sem.release(), simul::Error);
    EXPECT_EQ(sem.value(), 2u);
}

SIMUL_TEST(BoundedSemaphore, ManualAcquireAndReleaseStayWithinTheBound) {
    simul::BoundedSemaphore sem(1);
    auto p = co_await sem.acquire();
    p.dismiss();  // keep the permit without the guard
    EXPECT_EQ(sem.value(), 0u);
    sem.release();
    EXPECT_EQ(sem.value(), 1u);
    EXPECT_THROW(sem.release(), simul::Error);
}

SIMUL_TEST(Semaphore, CancelledWaiterTakesNoPermit) {
    simul::Semaphore sem(0);
    std::string log;
    auto a = simul::spawn(holds(sem, log, "a", 1ms));
    auto b = simul::spawn(holds(sem, log, "b", 1ms));
    co_await simul::yield();
    a.cancel();
    co_await simul::yield();
    EXPECT_EQ(sem.statistics().waiters, 1u);
    sem.release();
    co_await b;
    EXPECT_EQ(log, "a-cancelled;b+;b-;");
    EXPECT_EQ(sem.value(), 1u);
}

SIMUL_TEST(Semaphore, WaiterCancelledAfterTheHandOffKeepsThePermitUntilItsNextAwait) {
    simul::Semaphore sem(0);
    std::string log;
    auto a = simul::spawn(holds(sem, log, "a", 1h));
    auto b = simul::spawn(holds(sem, log, "b", 1ms));
    co_await simul::yield();
    sem.release();  // to a
    a.cancel();     // a has not resumed yet
    EXPECT_EQ(sem.statistics().waiters, 1u);
    co_await b;     // a's guard gives the permit to b
    EXPECT_EQ(log, "a+;a-cancelled;b+;b-;");
    EXPECT_EQ(sem.value(), 1u);
}

struct Model {
    std::size_t holders = 0, max_holders = 0;
    int done = 0, cancelled = 0;
};

simul::Task<> worker(simul::Semaphore& sem, Model& m, int hold_ms) {
    try {
        auto permit = co_await sem.acquire();
        m.max_holders = std::max(m.max_holders, ++m.holders);
        struct Leave {
            Model& m;
            ~Leave() { --m.holders; }
        } leave{m};
        co_await simul::sleep(std::chrono::milliseconds(hold_ms));
        ++m.done;
    } catch (const simul::Cancelled&) {
        ++m.cancelled;
    }
}

SIMUL_TEST(Semaphore, RandomCancellationsReturnEveryPermit) {
    std::mt19937 rng(7);
    constexpr std::size_t kPermits = 5;
    Model m;
    simul::BoundedSemaphore sem(kPermits);  // a double release would throw
    std::vector<simul::TaskHandle<>> hs;
    for (int i = 0; i < 4000; ++i) {
        hs.push_back(simul::spawn(worker(sem, m, int(rng() % 4))));
        if (rng() % 3 == 0) hs[rng() % hs.size()].cancel();
        if (rng() % 6 == 0) co_await simul::sleep(std::chrono::milliseconds(rng() % 2));
        if (rng() % 6 == 0) co_await simul::yield();
        // The model: permits free + permits held (granted ones included) == kPermits.
        EXPECT_LE(m.holders, kPermits);
    }
    int never_started = 0;  // cancelled before their first step: the body never ran
    for (auto& h : hs) {
        try {
            co_await h;
        } catch (const simul::Cancelled&) {
            ++never_started;
        }
    }
    EXPECT_EQ(m.max_holders, kPermits);
    EXPECT_EQ(m.done + m.cancelled + never_started, 4000);
    EXPECT_GT(m.cancelled, 0);
    EXPECT_EQ(sem.value(), kPermits);
    EXPECT_EQ(sem.statistics().waiters, 0u);
}

}  // namespace
