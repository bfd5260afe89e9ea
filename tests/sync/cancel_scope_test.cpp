// move_on_after, fail_after, timeout: a deadline around a block of awaits,
// nesting (the scope that expired catches), rescheduling, and outer
// cancellation that is never swallowed.
#include <simul/sync/cancel_scope.hpp>

#include <string>

#include <simul/sync/event.hpp>
#include <simul/sync/lock.hpp>
#include <simul/sync/queue.hpp>
#include <simul/testing/simul_test.hpp>

using namespace std::chrono_literals;

namespace {

SIMUL_TEST(MoveOnAfter, ReturnsFalseWhenTheBodyFinishesInTime) {
    std::string log;
    const bool late = co_await simul::move_on_after(1s, [&]() -> simul::Task<> {
        co_await simul::sleep(10ms);
        log += "done;";
    });
    EXPECT_FALSE(late);
    EXPECT_EQ(log, "done;");
    EXPECT_EQ(simul::Loop::current()->stats().timers_pending, 0u);
}

SIMUL_TEST(MoveOnAfter, CutsTheBodyShortAtTheDeadlineAndReturnsTrue) {
    std::string log;
    const auto t0 = simul::now();
    const bool late = co_await simul::move_on_after(100ms, [&]() -> simul::Task<> {
        try {
            co_await simul::sleep(1h);
        } catch (const simul::Cancelled&) {
            log += "cut;";
            throw;
        }
    });
    EXPECT_TRUE(late);
    EXPECT_EQ(simul::now() - t0, 100ms);
    EXPECT_EQ(log, "cut;");
    co_await simul::sleep(1ms);  // no cancel left pending
}

SIMUL_TEST(FailAfter, ThrowsTimeoutErrorAtTheDeadline) {
    bool timed_out = false;
    try {
        co_await simul::fail_after(50ms, []() -> simul::Task<> { co_await simul::sleep(1h); });
    } catch (const simul::TimeoutError&) {
        timed_out = true;
    }
    EXPECT_TRUE(timed_out);
    timed_out = false;
    try {
        co_await simul::timeout(50ms, []() -> simul::Task<> { co_await simul::sleep(10ms); });
    } catch (const simul::TimeoutError&) {
        timed_out = true;
    }
    EXPECT_FALSE(timed_out);
}

SIMUL_TEST(FailAfter, ErrorsFromTheBodyPassThrough) {
    bool caught = false;
    try {
        co_await simul::fail_after(1s, []() -> simul::Task<> {
            co_await simul::yield();
            throw std::runtime_error("inner");
        });
    } catch (const std::runtime_error& e) {
        caught = std::string(e.what()) == "inner";
    }
    EXPECT_TRUE(caught);
}

SIMUL_TEST(MoveOnAfter, TheInnerScopeCatchesItsOwnDeadline) {
    std::string log;
    const bool outer_late = co_await simul::move_on_after(1s, [&]() -> simul::Task<> {
        const bool inner_late = co_await simul::move_on_after(10ms, []() -> simul::Task<> { co_await simul::sleep(1h); });
        log += inner_late ? "inner-late;" : "inner-done;";
        co_await simul::sleep(20ms);
        log += "outer-body-done;";
    });
    EXPECT_FALSE(outer_late);
    EXPECT_EQ(log, "inner-late;outer-body-done;");
}

SIMUL_TEST(MoveOnAfter, WhenTheOuterScopeExpiresTheInnerPassesItOn) {
    std::string log;
    const bool outer_late = co_await simul::move_on_after(10ms, [&]() -> simul::Task<> {
        const bool inner_late = co_await simul::move_on_after(1s, []() -> simul::Task<> { co_await simul::sleep(1h); });
        log += "not-reached;";
        (void)inner_late;
    });
    EXPECT_TRUE(outer_late);
    EXPECT_EQ(log, "");
}

SIMUL_TEST(MoveOnAfter, WhenBothExpireInTheSameTurnTheOuterCatches) {
    std::string log;
    const bool outer_late = co_await simul::move_on_after(10ms, [&]() -> simul::Task<> {
        (void)co_await simul::move_on_after(10ms, []() -> simul::Task<> { co_await simul::sleep(1h); });
        log += "not-reached;";
    });
    EXPECT_TRUE(outer_late);
    EXPECT_EQ(log, "");
    co_await simul::sleep(1ms);
}

SIMUL_TEST(CancelScope, RescheduleMovesTheDeadline) {
    const auto t0 = simul::now();
    const bool late = co_await simul::move_on_after(10ms, [&](simul::CancelScope& scope) -> simul::Task<> {
        scope.reschedule_after(100ms);
        co_await simul::sleep(1h);
    });
    EXPECT_TRUE(late);
    EXPECT_EQ(simul::now() - t0, 100ms);
    const bool late2 = co_await simul::move_on_after(1h, [&](simul::CancelScope& scope) -> simul::Task<> {
        scope.reschedule(simul::now() + 5ms);
        co_await simul::sleep(1h);
    });
    EXPECT_TRUE(late2);
    EXPECT_EQ(simul::now() - t0, 105ms);
}

SIMUL_TEST(CancelScope, CancelStopsTheBodyAtOnce) {
    simul::Event never;
    const bool stopped = co_await simul::move_on_after(1h, [&](simul::CancelScope& scope) -> simul::Task<> {
        co_await simul::yield();
        scope.cancel();
        EXPECT_TRUE(scope.cancel_called());
        co_await never.wait();
    });
    EXPECT_TRUE(stopped);
}

simul::Task<> scoped_sleeper(std::string& log) {
    const bool late = co_await simul::move_on_after(1h, [&]() -> simul::Task<> { co_await simul::sleep(2h); });
    log += late ? "moved-on;" : "done;";
}

SIMUL_TEST(MoveOnAfter, AnOuterCancelIsNeverSwallowed) {
    std::string log;
    auto h = simul::spawn(scoped_sleeper(log));
    co_await simul::sleep(1s);
    h.cancel();
    bool cancelled = false;
    try {
        co_await h;
    } catch (const simul::Cancelled&) {
        cancelled = true;
    }
    EXPECT_TRUE(cancelled);
    EXPECT_EQ(log, "");
}

SIMUL_TEST(MoveOnAfter, AnOuterCancelInTheSameTurnAsTheDeadlineIsNotSwallowed) {
    std::string log;
    auto h = simul::spawn(scoped_sleeper(log));
    co_await simul::sleep(1h);  // the scope's deadline fires in this same turn
    h.cancel();
    bool cancelled = false;
    try {
        co_await h;
    } catch (const simul::Cancelled&) {
        cancelled = true;
    }
    EXPECT_TRUE(cancelled);
    EXPECT_EQ(log, "");
}

SIMUL_TEST(MoveOnAfter, ADeadlineWhileWaitingForALockLeavesTheLockConsistent) {
    simul::Lock lock;
    auto held = co_await lock.acquire();
    auto h = simul::spawn([](simul::Lock& lock) -> simul::Task<bool> {
        co_return co_await simul::move_on_after(10ms, [&]() -> simul::Task<> {
            auto mine = co_await lock.acquire();
        });
    }(lock));
    co_await simul::sleep(1s);
    EXPECT_TRUE(h.done());
    EXPECT_TRUE(co_await h);
    EXPECT_EQ(lock.statistics().waiters, 0u);
    held.release();
    EXPECT_FALSE(lock.locked());
}

SIMUL_TEST(MoveOnAfter, AnItemHandedOverAtTheDeadlineIsKept) {
    // The put and the deadline land in the same turn: the getter keeps the item.
    simul::Queue<int> q;
    int got = -1;
    auto h = simul::spawn([](simul::Queue<int>& q, int& got) -> simul::Task<bool> {
        co_return co_await simul::move_on_after(10ms, [&]() -> simul::Task<> { got = co_await q.get(); });
    }(q, got));
    co_await simul::sleep(10ms);  // the deadline has fired: h is queued with a cancel
    co_await q.put(7);            // h's node was unlinked by the cancel: 7 stays in the queue
    (void)co_await h;
    if (got == 7) {
        EXPECT_EQ(q.size(), 0u);
    } else {
        EXPECT_EQ(got, -1);
        EXPECT_EQ(q.size(), 1u);  // not lost either way
    }
}

}  // namespace
