// shield: the shielded task runs on when the caller is cancelled; results and
// errors come through; a cancel of the shielded task itself does reach it.
#include <simul/sync/shield.hpp>

#include <stdexcept>
#include <string>
#include <vector>

#include <simul/sync/event.hpp>
#include <simul/testing/simul_test.hpp>

using namespace std::chrono_literals;

namespace {

simul::Task<int> slow_value(std::string& log, int v) {
    log += "start;";
    co_await simul::sleep(10s);
    log += "end;";
    co_return v;
}

simul::Task<int> fails_later() {
    co_await simul::sleep(1s);
    throw std::runtime_error("boom");
}

SIMUL_TEST(Shield, ReturnsTheValue) {
    std::string log;
    const auto t0 = simul::now();
    int v = co_await simul::shield(slow_value(log, 42));
    EXPECT_EQ(v, 42);
    EXPECT_EQ(simul::now() - t0, 10s);
    EXPECT_EQ(log, "start;end;");
}

SIMUL_TEST(Shield, RethrowsTheError) {
    EXPECT_THROW(co_await simul::shield(fails_later()), std::runtime_error);
}

SIMUL_TEST(Shield, VoidTask) {
    bool ran = false;
    co_await simul::shield([](bool& r) -> simul::Task<> {
        co_await simul::sleep(1s);
        r = true;
    }(ran));
    EXPECT_TRUE(ran);
}

simul::Task<> caller(std::string& log) {
    try {
        int v = co_await simul::shield(slow_value(log, 7));
        log += "caller-got" + std::to_string(v) + ";";
    } catch (const simul::Cancelled&) {
        log += "caller-cancelled;";
        throw;
    }
}

SIMUL_TEST(Shield, CallerCancelledGetsCancelledWhileTheTaskRunsOn) {
    std::string log;
    auto c = simul::spawn(caller(log));
    co_await simul::sleep(1s);
    EXPECT_EQ(log, "start;");
    const auto t0 = simul::now();
    c.cancel();
    try {
        co_await c;
    } catch (const simul::Cancelled&) {
    }
    EXPECT_TRUE(c.cancelled());
    EXPECT_EQ(simul::now(), t0);  // the caller did not wait for the shielded task
    EXPECT_EQ(log, "start;caller-cancelled;");
    co_await simul::sleep(20s);
    EXPECT_EQ(log, "start;caller-cancelled;end;");  // it finished anyway
}

SIMUL_TEST(Shield, APendingCancelIsDeliveredButTheTaskStillRuns) {
    std::string log;
    simul::Loop::current()->current_task()->cancel();
    auto shielded = simul::shield(slow_value(log, 1));  // spawned here, before any await
    bool cancelled = false;
    try {
        co_await std::move(shielded);
    } catch (const simul::Cancelled&) {
        cancelled = true;
    }
    EXPECT_TRUE(cancelled);
    co_await simul::sleep(20s);
    EXPECT_EQ(log, "start;end;");
}

simul::Task<> caller_then_sleeps(simul::TaskHandle<int> h, std::string& log) {
    int v = co_await simul::shield(std::move(h));
    log += "got" + std::to_string(v) + ";";
    try {
        co_await simul::sleep(1h);
    } catch (const simul::Cancelled&) {
        log += "cancelled-at-next-await;";
        throw;
    }
}

SIMUL_TEST(Shield, CancelAfterTheTaskEndedReturnsTheResult) {
    std::string log;
    auto inner = simul::spawn(slow_value(log, 5));
    auto c = simul::spawn(caller_then_sleeps(std::move(inner), log));
    co_await simul::sleep(10s);  // wakes before inner (its timer was set first)
    co_await simul::yield();     // inner ends and queues c, behind this task
    EXPECT_EQ(log, "start;end;");
    c.cancel();                  // c is queued, not yet resumed
    try {
        co_await c;
    } catch (const simul::Cancelled&) {
    }
    EXPECT_EQ(log, "start;end;got5;cancelled-at-next-await;");
}

SIMUL_TEST(Shield, DirectCancelOfTheInnerHandle) {
    std::string log;
    auto inner = simul::spawn(slow_value(log, 5));
    auto* header = inner.header();
    auto c = simul::spawn([](simul::TaskHandle<int> h, std::string& l) -> simul::Task<> {
        try {
            (void)co_await simul::shield(std::move(h));
        } catch (const simul::Cancelled&) {
            l += "caller-saw-cancel;";
        }
    }(std::move(inner), log));
    co_await simul::sleep(1s);
    header->cancel();
    co_await c;
    EXPECT_EQ(log, "start;caller-saw-cancel;");
}

SIMUL_TEST(Shield, AnErrorAfterTheCallerLeftGoesToTheExceptionHandler) {
    std::vector<std::string> reported;
    simul::Loop::current()->set_exception_handler([&](const simul::ExceptionContext& ctx) { reported.push_back(ctx.message); });
    auto c = simul::spawn([]() -> simul::Task<> { (void)co_await simul::shield(fails_later()); }());
    co_await simul::yield();
    c.cancel();
    try {
        co_await c;
    } catch (const simul::Cancelled&) {
    }
    EXPECT_TRUE(reported.empty());
    co_await simul::sleep(2s);  // the shielded task fails on its own
    EXPECT_EQ(reported.size(), 1u);
}

SIMUL_TEST(Shield, EmptyHandleIsAnError) {
    simul::TaskHandle<int> h;
    EXPECT_THROW((void)simul::shield(std::move(h)), simul::InvalidStateError);
    co_return;
}

}  // namespace
