// Cancellation: simul::Cancelled at the suspension point, cleanup may await,
// and cancelling a task that awaits another cancels through the chain.
#include <simul/core/error.hpp>

#include <string>
#include <vector>

#include <simul/testing/simul_test.hpp>

using namespace std::chrono_literals;

namespace {

simul::Task<> sleeps_then(std::string& log, std::chrono::milliseconds d) {
    try {
        co_await simul::sleep(d);
        log += "woke;";
    } catch (const simul::Cancelled&) {
        log += "cancelled;";
        throw;
    }
}

SIMUL_TEST(Cancel, DuringSleepWakesTheSleeperAtOnce) {
    std::string log;
    auto h = simul::spawn(sleeps_then(log, 1h));
    co_await simul::sleep(1s);
    const auto t = simul::now();
    EXPECT_TRUE(h.cancel());
    try {
        co_await h;
        ADD_FAILURE() << "expected Cancelled";
    } catch (const simul::Cancelled&) {
    }
    EXPECT_EQ(simul::now(), t);  // not an hour later
    EXPECT_EQ(log, "cancelled;");
    EXPECT_TRUE(h.cancelled());
    EXPECT_EQ(simul::Loop::current()->stats().timers_pending, 0u);
}

SIMUL_TEST(Cancel, BeforeTheTaskStartsItsBodyNeverRuns) {
    std::string log;
    auto h = simul::spawn(sleeps_then(log, 1s));
    h.cancel();
    try {
        co_await h;
    } catch (const simul::Cancelled&) {
    }
    EXPECT_EQ(log, "");
    EXPECT_TRUE(h.cancelled());
}

simul::Task<> inner(std::string& log) {
    try {
        co_await simul::sleep(1h);
    } catch (const simul::Cancelled&) {
        log += "inner;";
        throw;
    }
}
simul::Task<> outer(std::string& log) {
    auto h = simul::spawn(inner(log), "inner");
    try {
        co_await h;
    } catch (const simul::Cancelled&) {
        log += "outer;";
        throw;
    }
}

SIMUL_TEST(Cancel, DuringAnAwaitedTaskCancelsThroughTheChain) {
    std::string log;
    auto h = simul::spawn(outer(log), "outer");
    co_await simul::sleep(1s);
    h.cancel();
    try {
        co_await h;
    } catch (const simul::Cancelled&) {
    }
    EXPECT_EQ(log, "inner;outer;");
    EXPECT_EQ(simul::Loop::current()->live_tasks(), 1u);  // only this test's task
}

simul::Task<> cleans_up(std::string& log) {
    try {
        co_await simul::sleep(1h);
    } catch (const simul::Cancelled&) {
        log += "cleanup-start;";
    }
    // Cleanup may await.
    co_await simul::sleep(10ms);
    log += "cleanup-done;";
    try {
        co_await simul::sleep(1h);  // cancelled again, during cleanup
    } catch (const simul::Cancelled&) {
        log += "second-cancel;";
        throw;
    }
}

SIMUL_TEST(Cancel, CleanupMayAwaitAndCanBeCancelledAgain) {
    std::string log;
    auto h = simul::spawn(cleans_up(log));
    co_await simul::sleep(1s);
    h.cancel();
    co_await simul::sleep(20ms);
    EXPECT_EQ(log, "cleanup-start;cleanup-done;");
    EXPECT_FALSE(h.done());
    h.cancel();
    try {
        co_await h;
    } catch (const simul::Cancelled&) {
    }
    EXPECT_EQ(log, "cleanup-start;cleanup-done;second-cancel;");
}

simul::Task<int> swallows() {
    try {
        co_await simul::sleep(1h);
    } catch (const simul::Cancelled&) {
    }
    co_return 7;
}

SIMUL_TEST(Cancel, ATaskMayDeclineAndReturnAValue) {
    auto h = simul::spawn(swallows());
    co_await simul::yield();
    h.cancel();
    EXPECT_EQ(co_await h, 7);
}

SIMUL_TEST(Cancel, AFinishedTaskCannotBeCancelled) {
    auto h = simul::spawn(swallows());
    co_await simul::yield();
    h.cancel();
    (void)co_await h;
    EXPECT_FALSE(h.cancel());
}

simul::Task<> self_cancelling() {
    simul::Loop::current()->current_task()->cancel();
    co_await simul::yield();  // delivered here
    ADD_FAILURE() << "should not get here";
}

SIMUL_TEST(Cancel, APendingCancelIsDeliveredAtTheNextSuspension) {
    auto h = simul::spawn(self_cancelling());
    try {
        co_await h;
        ADD_FAILURE();
    } catch (const simul::Cancelled&) {
    }
}

TEST(Cancel, IsNotCaughtByCatchStdException) {
    // Cancelled deliberately does not derive from std::exception.
    bool caught_as_std = false;
    try {
        throw simul::Cancelled{};
    } catch (const std::exception&) {
        caught_as_std = true;
    } catch (const simul::Cancelled&) {
    }
    EXPECT_FALSE(caught_as_std);
}

TEST(Cancel, RunCancelsLeftoversAndLetsThemCleanUp) {
    std::string log;
    simul::run([](std::string& l) -> simul::Task<> {
        simul::spawn(cleans_up(l), "leftover");
        co_await simul::sleep(1s);
    }(log), {.virtual_time = true});
    EXPECT_EQ(log, "cleanup-start;cleanup-done;");  // its last sleep then ran out on the virtual clock
}

}  // namespace
