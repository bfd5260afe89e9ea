#include <simul/io/to_thread.hpp>

#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <simul/simul.hpp>
#include <simul/testing/simul_test.hpp>

using namespace std::chrono_literals;

namespace {

int add(int a, int b) { return a + b; }

SIMUL_TEST(ToThread, ReturnsTheValue) {
    EXPECT_EQ(co_await simul::to_thread(add, 2, 3), 5);
}

SIMUL_TEST(ToThread, RunsOffTheLoopThread) {
    const auto loop_thread = std::this_thread::get_id();
    auto worker = co_await simul::to_thread([] { return std::this_thread::get_id(); });
    EXPECT_NE(worker, loop_thread);
}

SIMUL_TEST(ToThread, RethrowsTheException) {
    try {
        co_await simul::to_thread([] { throw std::invalid_argument("bad input"); });
        ADD_FAILURE();
    } catch (const std::invalid_argument& e) {
        EXPECT_STREQ(e.what(), "bad input");
    }
}

SIMUL_TEST(ToThread, TheLoopRunsOtherTasksMeanwhile) {
    int ticks = 0;
    auto ticker = [](int& t) -> simul::Task<> {
        for (int i = 0; i < 5; ++i) {
            co_await simul::yield();
            ++t;
        }
    };
    auto h = simul::spawn(ticker(ticks));
    co_await simul::to_thread([] { std::this_thread::sleep_for(50ms); });
    EXPECT_EQ(ticks, 5);
    co_await h;
}

simul::Task<int> one_call(int i) { co_return co_await simul::to_thread([i] { return i * 2; }); }

TEST(ToThread, AThousandCallsInFlight) {
    long sum = simul::run([]() -> simul::Task<long> {
        std::vector<simul::Task<int>> calls;
        for (int i = 0; i < 1000; ++i) calls.push_back(one_call(i));
        auto results = co_await simul::gather(std::move(calls));
        long s = 0;
        for (int r : results) s += r;
        co_return s;
    }());
    EXPECT_EQ(sum, 999L * 1000);
}

SIMUL_TEST(ToThread, CancellingTheWaiterReturnsAtOnceAndTheJobFinishesAlone) {
    auto slow = []() -> simul::Task<int> {
        co_return co_await simul::to_thread([] {
            std::this_thread::sleep_for(100ms);
            return 1;
        });
    };
    auto h = simul::spawn(slow());
    co_await simul::yield();
    h.cancel();
    try {
        (void)co_await h;
        ADD_FAILURE();
    } catch (const simul::Cancelled&) {
    }
    // The virtual clock did not jump while the job was out: the loop still
    // waits for the job's completion before it can call the test done.
}

}  // namespace
