#include <simul/coro/wait_for.hpp>

#include <simul/coro/future.hpp>

#include <string>

#include <simul/testing/simul_test.hpp>

using namespace std::chrono_literals;

namespace {

simul::Task<int> slow(std::chrono::milliseconds d, bool& cancelled) {
    try {
        co_await simul::sleep(d);
    } catch (const simul::Cancelled&) {
        cancelled = true;
        throw;
    }
    co_return 5;
}

SIMUL_TEST(WaitFor, ReturnsTheResultWhenInTime) {
    bool cancelled = false;
    int v = co_await simul::wait_for(slow(10ms, cancelled), 1s);
    EXPECT_EQ(v, 5);
    EXPECT_FALSE(cancelled);
    EXPECT_EQ(simul::Loop::current()->stats().timers_pending, 0u);  // its deadline is gone
}

SIMUL_TEST(WaitFor, TimesOutAndCancelsTheOperation) {
    bool cancelled = false;
    const auto t0 = simul::now();
    try {
        co_await simul::wait_for(slow(1h, cancelled), 2s);
        ADD_FAILURE() << "expected TimeoutError";
    } catch (const simul::TimeoutError& e) {
        EXPECT_NE(std::string(e.what()).find("2 s"), std::string::npos) << e.what();
    }
    EXPECT_TRUE(cancelled);
    EXPECT_EQ(simul::now() - t0, 2s);
    co_await simul::sleep(1s);  // the task is usable afterwards: no stray cancel pending
}

SIMUL_TEST(WaitFor, WorksOnASpawnedTaskAndCancelsIt) {
    bool cancelled = false;
    auto h = simul::spawn(slow(1h, cancelled));
    try {
        co_await simul::wait_for(std::move(h), 1s);
        ADD_FAILURE();
    } catch (const simul::TimeoutError&) {
    }
    EXPECT_TRUE(cancelled);
}

simul::Task<> sets_at_the_deadline(simul::Future<int> f) {
    co_await simul::sleep(99ms);
    simul::busy(1ms);  // now exactly at the deadline, before the loop looks at timers
    f.set_result(9);
}

SIMUL_TEST(WaitFor, ResultWinsWhenItArrivesInTheSameTurnAsTheDeadline) {
    // The future is set in the same loop turn in which the deadline fires:
    // the waiter has its value, so the value comes back, and the cancel the
    // deadline sent is withdrawn (nothing lingers for the next await).
    simul::Future<int> f;
    auto setter = simul::spawn(sets_at_the_deadline(f));
    int v = co_await simul::wait_for(f, 100ms);
    EXPECT_EQ(v, 9);
    co_await simul::sleep(1ms);
    co_await setter;
}

simul::Task<> waits_with_timeout(bool& got_cancelled, bool& got_timeout) {
    bool c = false;
    try {
        co_await simul::wait_for(slow(1h, c), 10s);
    } catch (const simul::TimeoutError&) {
        got_timeout = true;
    } catch (const simul::Cancelled&) {
        got_cancelled = true;
        throw;
    }
}

SIMUL_TEST(WaitFor, AnOuterCancelIsNeverTurnedIntoATimeout) {
    bool cancelled = false, timeout = false;
    auto h = simul::spawn(waits_with_timeout(cancelled, timeout));
    co_await simul::sleep(1s);
    h.cancel();
    try {
        co_await h;
    } catch (const simul::Cancelled&) {
    }
    EXPECT_TRUE(cancelled);
    EXPECT_FALSE(timeout);
}

SIMUL_TEST(WaitFor, NestedDeadlinesTheInnerOneFires) {
    bool c = false;
    try {
        co_await simul::wait_for(simul::wait_for(slow(1h, c), 1s), 5s);
        ADD_FAILURE();
    } catch (const simul::TimeoutError& e) {
        EXPECT_NE(std::string(e.what()).find("1 s"), std::string::npos) << e.what();
    }
}

SIMUL_TEST(WaitFor, WorksOnASleep) {
    try {
        co_await simul::wait_for(simul::sleep(10s), 1s);
        ADD_FAILURE();
    } catch (const simul::TimeoutError&) {
    }
}

}  // namespace
