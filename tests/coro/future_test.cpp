#include <simul/coro/future.hpp>

#include <stdexcept>
#include <string>
#include <vector>

#include <simul/testing/simul_test.hpp>

using namespace std::chrono_literals;

namespace {

simul::Task<int> awaits(simul::Future<int> f) { co_return co_await f; }

SIMUL_TEST(Future, AnyNumberOfTasksAwaitOneResult) {
    simul::Future<int> f;
    auto a = simul::spawn(awaits(f));
    auto b = simul::spawn(awaits(f));
    simul::Loop::current()->call_later(1s, [f]() mutable { f.set_result(42); });  // callback side
    EXPECT_EQ(co_await a, 42);
    EXPECT_EQ(co_await b, 42);
    EXPECT_EQ(f.result(), 42);
}

SIMUL_TEST(Future, ExceptionsReachEveryAwaiter) {
    simul::Future<int> f;
    auto a = simul::spawn(awaits(f));
    co_await simul::yield();
    f.set_exception(std::make_exception_ptr(std::runtime_error("bad")));
    EXPECT_THROW((void)co_await a, std::runtime_error);
    EXPECT_THROW((void)f.result(), std::runtime_error);
}

SIMUL_TEST(Future, DoneCallbacksRunOnTheLoop) {
    simul::Future<> f;
    std::vector<std::string> log;
    f.add_done_callback([&](simul::Future<>) { log.push_back("cb"); });
    f.set_result();
    log.push_back("after set");
    co_await simul::yield();
    EXPECT_EQ(log, (std::vector<std::string>{"after set", "cb"}));
}

SIMUL_TEST(Future, ACancelledWaiterLeavesTheFutureForTheOthers) {
    simul::Future<int> f;
    auto a = simul::spawn(awaits(f));
    auto b = simul::spawn(awaits(f));
    co_await simul::yield();
    a.cancel();
    co_await simul::yield();
    EXPECT_TRUE(a.cancelled());
    EXPECT_FALSE(f.done());
    f.set_result(1);
    EXPECT_EQ(co_await b, 1);
}

SIMUL_TEST(Future, SettingTwiceIsAnError) {
    simul::Future<int> f;
    f.set_result(1);
    EXPECT_THROW(f.set_result(2), simul::InvalidStateError);
    co_return;
}

SIMUL_TEST(Future, CancelGivesCancelledToWaiters) {
    simul::Future<int> f;
    auto a = simul::spawn(awaits(f));
    co_await simul::yield();
    EXPECT_TRUE(f.cancel());
    try {
        (void)co_await a;
        ADD_FAILURE();
    } catch (const simul::Cancelled&) {
    }
    EXPECT_TRUE(f.cancelled());
}

TEST(Future, ResultBeforeDoneSaysWhatToDo) {
    simul::Future<int> f;
    EXPECT_THROW((void)f.result(), simul::InvalidStateError);
}

}  // namespace
