// Fibers are optional (Boost.Context): without them this file is one skipped test.
#ifdef SIMUL_HAVE_FIBERS
#include <simul/coro/fiber.hpp>

#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <simul/coro/async_generator.hpp>
#include <simul/coro/generator.hpp>
#include <simul/testing/simul_test.hpp>

using namespace std::chrono_literals;
namespace fiber = simul::fiber;

namespace {

// ---- waiting inside a fiber ----------------------------------------------------

SIMUL_TEST(Fiber, SleepSuspendsTheFiberNotTheLoop) {
    std::vector<std::string> log;
    const auto t0 = simul::now();
    auto h = fiber::spawn([&] {
        log.push_back("fiber start");
        fiber::sleep(2s);
        log.push_back("fiber woke");
    });
    co_await simul::sleep(1s);
    log.push_back("task at 1s");
    co_await h;
    EXPECT_EQ(simul::now() - t0, 2s);
    EXPECT_EQ(log, (std::vector<std::string>{"fiber start", "task at 1s", "fiber woke"}));
}

SIMUL_TEST(Fiber, YieldLetsTheOthersRun) {
    std::string order;
    auto a = fiber::spawn([&] {
        for (int i = 0; i < 3; ++i) {
            order += 'a';
            fiber::yield();
        }
    });
    auto b = fiber::spawn([&] {
        for (int i = 0; i < 3; ++i) {
            order += 'b';
            fiber::yield();
        }
    });
    co_await a;
    co_await b;
    EXPECT_EQ(order, "ababab");
}

int deep_wait(int depth) {
    // The wait happens deep in an ordinary call stack.
    if (depth == 0) {
        fiber::sleep(1s);
        return 0;
    }
    return 1 + deep_wait(depth - 1);
}

SIMUL_TEST(Fiber, WaitsDeepInAnOrdinaryCallStack) {
    auto h = fiber::spawn([] { return deep_wait(200); });
    EXPECT_EQ(co_await h, 200);
}

// ---- interop: task <-> fiber <-> Future/callback <-> async generator ----------

simul::Task<int> slow_double(int x) {
    co_await simul::sleep(1s);
    co_return 2 * x;
}

SIMUL_TEST(FiberInterop, AFiberAwaitsATaskAndATaskAwaitsTheFiber) {
    auto h = fiber::spawn([] {
        int a = fiber::await(slow_double(10));                      // a Task, run inline by the driver
        auto other = simul::spawn(slow_double(a), "other");        // a spawned task
        return fiber::await(other) + 1;
    });
    EXPECT_EQ(co_await h, 41);
}

SIMUL_TEST(FiberInterop, AFiberAwaitsAnotherFiber) {
    auto inner = fiber::spawn([] {
        fiber::sleep(1s);
        return std::string("inner");
    });
    auto outer = fiber::spawn([&] { return fiber::await(inner) + "+outer"; });
    EXPECT_EQ(co_await outer, "inner+outer");
}

SIMUL_TEST(FiberInterop, AFiberWaitsOnAFutureThatACallbackCompletes) {
    simul::Future<int> f;
    simul::Loop::current()->call_later(3s, [f]() mutable { f.set_result(7); });
    auto h = fiber::spawn([f] { return fiber::await(f) * 6; });
    EXPECT_EQ(co_await h, 42);
}

SIMUL_TEST(FiberInterop, AFiberCompletesAFutureThatATaskAndACallbackWaitOn) {
    simul::Future<std::string> f;
    std::string heard_by_callback;
    f.add_done_callback([&](simul::Future<std::string> done) { heard_by_callback = done.result(); });
    fiber::spawn([f]() mutable {
        fiber::sleep(1s);
        f.set_result("from the fiber");
    });
    EXPECT_EQ(co_await f, "from the fiber");
    co_await simul::yield();  // the callback runs as call_soon
    EXPECT_EQ(heard_by_callback, "from the fiber");
}

simul::AsyncGenerator<int> numbers(int n) {
    for (int i = 1; i <= n; ++i) {
        co_await simul::sleep(100ms);
        co_yield i;
    }
}

SIMUL_TEST(FiberInterop, AFiberConsumesAnAsyncGenerator) {
    auto h = fiber::spawn([] {
        auto gen = numbers(4);
        int sum = 0;
        while (auto i = fiber::await(gen.next())) sum += *i;
        return sum;
    });
    EXPECT_EQ(co_await h, 10);
}

simul::AsyncGenerator<int> from_fibers(int n) {
    for (int i = 0; i < n; ++i) co_yield co_await fiber::spawn([i] {
        fiber::sleep(10ms);
        return i * i;
    });
}

SIMUL_TEST(FiberInterop, AnAsyncGeneratorAwaitsFibers) {
    std::vector<int> got;
    co_await simul::for_each(from_fibers(4), [&](int v) { got.push_back(v); });
    EXPECT_EQ(got, (std::vector<int>{0, 1, 4, 9}));
}

simul::Generator<int> squares(int n) {
    for (int i = 0; i < n; ++i) co_yield i * i;
}

SIMUL_TEST(FiberInterop, AFiberIteratesASyncGeneratorAndWaitsInTheLoopBody) {
    auto h = fiber::spawn([] {
        int sum = 0;
        for (int v : squares(4)) {
            fiber::sleep(1s);
            sum += v;
        }
        return sum;
    });
    EXPECT_EQ(co_await h, 14);
}

SIMUL_TEST(FiberInterop, AFiberSpawnsATaskAndAnotherFiber) {
    auto h = fiber::spawn([] {
        auto t = simul::spawn(slow_double(1));
        auto f = fiber::spawn([] { return fiber::await(slow_double(2)); });
        return fiber::await(t) + fiber::await(f);
    });
    EXPECT_EQ(co_await h, 6);
}

SIMUL_TEST(FiberInterop, WaitForPutsADeadlineOnAFiber) {
    auto h = fiber::spawn([] { fiber::sleep(1h); });
    try {
        co_await simul::wait_for(std::move(h), 1s);
        ADD_FAILURE() << "expected TimeoutError";
    } catch (const simul::TimeoutError&) {
    }
}

SIMUL_TEST(FiberInterop, AFiberUsesWaitForAndGather) {
    auto h = fiber::spawn([] {
        bool timed_out = false;
        try {
            fiber::await(simul::wait_for(slow_double(1), 10ms));
        } catch (const simul::TimeoutError&) {
            timed_out = true;
        }
        auto [a, b] = fiber::await(simul::gather(slow_double(1), slow_double(2)));
        return timed_out ? a + b : -1;
    });
    EXPECT_EQ(co_await h, 6);
}

// ---- exceptions --------------------------------------------------------------------

simul::Task<int> fails() {
    co_await simul::sleep(1s);
    throw std::runtime_error("task failed");
}

SIMUL_TEST(FiberErrors, AnExceptionCrossesFiberAwaitAndCanBeCaught) {
    auto h = fiber::spawn([] {
        try {
            fiber::await(fails());
        } catch (const std::runtime_error& e) {
            return std::string("caught: ") + e.what();
        }
        return std::string("not thrown");
    });
    EXPECT_EQ(co_await h, "caught: task failed");
}

SIMUL_TEST(FiberErrors, AnExceptionEscapingTheFiberReachesWhoAwaitsIt) {
    auto h = fiber::spawn([]() -> int {
        fiber::sleep(1s);
        throw std::invalid_argument("fiber failed");
    });
    try {
        (void)co_await h;
        ADD_FAILURE() << "expected an exception";
    } catch (const std::invalid_argument& e) {
        EXPECT_STREQ(e.what(), "fiber failed");
    }
}

TEST(FiberErrors, AnUnawaitedExceptionGoesToTheLoopsHandlerWithTheFibersName) {
    std::vector<std::string> reports;
    simul::run(
        [](std::vector<std::string>& out) -> simul::Task<> {
            simul::Loop::current()->set_exception_handler(
                [&out](const simul::ExceptionContext& c) { out.push_back(c.task + ": " + c.message); });
            fiber::spawn(
                [] {
                    fiber::sleep(1s);
                    throw std::runtime_error("lost");
                },
                {.name = "reporter"});
            co_await simul::sleep(2s);
        }(reports),
        {.virtual_time = true});
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_NE(reports[0].find("reporter"), std::string::npos) << reports[0];
    EXPECT_NE(reports[0].find("lost"), std::string::npos) << reports[0];
}

SIMUL_TEST(FiberErrors, TheHandleKnowsTheFibersName) {
    auto h = fiber::spawn([] { fiber::sleep(1s); }, {.name = "named fiber"});
    EXPECT_EQ(h.name(), "named fiber");
    co_await h;
}

SIMUL_TEST(FiberErrors, FiberOnlyCallsOutsideAFiberSayWhatToUseInstead) {
    EXPECT_FALSE(fiber::in_fiber());
    try {
        fiber::sleep(1s);
        ADD_FAILURE() << "expected simul::Error";
    } catch (const simul::Error& e) {
        EXPECT_NE(std::string(e.what()).find("co_await simul::sleep"), std::string::npos) << e.what();
    }
    EXPECT_THROW(fiber::yield(), simul::Error);
    EXPECT_THROW(fiber::await(simul::sleep(1s)), simul::Error);
    auto h = fiber::spawn([] { return fiber::in_fiber(); });
    EXPECT_TRUE(co_await h);
}

TEST(FiberErrors, FiberOnlyCallsWithoutALoopThrowToo) {
    EXPECT_THROW(fiber::sleep(1s), simul::Error);
}

SIMUL_TEST(FiberErrors, AnExceptionInAwaitSuspendReachesTheFiber) {
    // Awaiting a task handle that another task already awaits is refused in await_suspend.
    auto busy = simul::spawn(slow_double(1));
    auto waiter = simul::spawn([](simul::TaskHandle<int>& b) -> simul::Task<int> { co_return co_await b; }(busy));
    co_await simul::yield();
    auto h = fiber::spawn([&] {
        try {
            fiber::await(busy);
        } catch (const simul::InvalidStateError&) {
            return true;
        }
        return false;
    });
    EXPECT_TRUE(co_await h);
    EXPECT_EQ(co_await waiter, 2);
}

// ---- cancellation ------------------------------------------------------------------------

SIMUL_TEST(FiberCancel, CancelThrowsCancelledFromTheBlockingLookingCall) {
    std::vector<std::string> log;
    auto h = fiber::spawn([&] {
        try {
            fiber::sleep(1h);
        } catch (const simul::Cancelled&) {
            log.push_back("cancelled in sleep");
            throw;
        }
    });
    co_await simul::sleep(1s);
    const auto t = simul::now();
    EXPECT_TRUE(h.cancel());
    try {
        co_await h;
        ADD_FAILURE() << "expected Cancelled";
    } catch (const simul::Cancelled&) {
    }
    EXPECT_TRUE(h.cancelled());
    EXPECT_EQ(simul::now(), t);
    EXPECT_EQ(log, (std::vector<std::string>{"cancelled in sleep"}));
    EXPECT_EQ(simul::Loop::current()->stats().timers_pending, 0u);
}

SIMUL_TEST(FiberCancel, CleanupMayWaitAgain) {
    std::vector<std::string> log;
    auto h = fiber::spawn([&] {
        try {
            fiber::sleep(1h);
        } catch (const simul::Cancelled&) {
            fiber::sleep(10ms);  // cleanup that waits
            log.push_back("cleaned up");
            throw;
        }
    });
    co_await simul::sleep(1s);
    h.cancel();
    try {
        co_await h;
    } catch (const simul::Cancelled&) {
    }
    EXPECT_EQ(log, (std::vector<std::string>{"cleaned up"}));
}

SIMUL_TEST(FiberCancel, CancellingAFiberCancelsTheTaskItAwaits) {
    std::vector<std::string> log;
    auto h = fiber::spawn([&] {
        fiber::await([](std::vector<std::string>& l) -> simul::Task<> {
            try {
                co_await simul::sleep(1h);
            } catch (const simul::Cancelled&) {
                l.push_back("inner task cancelled");
                throw;
            }
        }(log));
    });
    co_await simul::sleep(1s);
    h.cancel();
    try {
        co_await h;
    } catch (const simul::Cancelled&) {
    }
    EXPECT_EQ(log, (std::vector<std::string>{"inner task cancelled"}));
}

SIMUL_TEST(FiberCancel, ACancelRequestedWhileTheFiberRunsIsDeliveredAtItsNextWait) {
    bool reached_after = false;
    auto h = fiber::spawn([&] {
        simul::Loop::current()->current_task()->cancel();  // "mid-switch": the fiber is running
        fiber::yield();
        reached_after = true;
    });
    try {
        co_await h;
    } catch (const simul::Cancelled&) {
    }
    EXPECT_FALSE(reached_after);
    EXPECT_TRUE(h.cancelled());
}

SIMUL_TEST(FiberCancel, AFiberCancelledBeforeItStartsNeverRuns) {
    bool ran = false;
    auto h = fiber::spawn([&] { ran = true; });
    h.cancel();
    try {
        co_await h;
    } catch (const simul::Cancelled&) {
    }
    EXPECT_FALSE(ran);
}

SIMUL_TEST(FiberCancel, ATaskAwaitingAFiberCancelsItWhenCancelled) {
    std::vector<std::string> log;
    auto outer = simul::spawn([](std::vector<std::string>& l) -> simul::Task<> {
        auto f = fiber::spawn([&l] {
            try {
                fiber::sleep(1h);
            } catch (const simul::Cancelled&) {
                l.push_back("fiber cancelled");
                throw;
            }
        });
        co_await f;
    }(log));
    co_await simul::sleep(1s);
    outer.cancel();
    try {
        co_await outer;
    } catch (const simul::Cancelled&) {
    }
    EXPECT_EQ(log, (std::vector<std::string>{"fiber cancelled"}));
    EXPECT_EQ(simul::Loop::current()->live_tasks(), 1u);
}

TEST(FiberCancel, RunCancelsLeftoverFibersAndLetsThemCleanUp) {
    std::vector<std::string> log;
    simul::run(
        [](std::vector<std::string>& l) -> simul::Task<> {
            fiber::spawn([&l] {
                try {
                    fiber::sleep(1h);
                } catch (const simul::Cancelled&) {
                    l.push_back("leftover cleaned up");
                    throw;
                }
            });
            co_await simul::sleep(1s);
        }(log),
        {.virtual_time = true});
    EXPECT_EQ(log, (std::vector<std::string>{"leftover cleaned up"}));
}

struct Tracker {
    std::vector<std::string>* log;
    const std::string* what;  // lives in the fiber function's captures
    ~Tracker() { log->push_back(*what); }
};

TEST(FiberCancel, AFiberDestroyedUnfinishedUnwindsItsStackWhileItsCapturesLive) {
    std::vector<std::string> log;
    {
        simul::Loop loop({.virtual_time = true});
        // A fiber task that never ran to its end: started, then its loop closes.
        auto t = fiber::make_task([&log, what = std::string("fiber stack unwound")] {
            Tracker tr{&log, &what};
            fiber::sleep(1h);
        });
        auto h = simul::spawn(std::move(t));
        loop.run_once();  // the fiber starts and sleeps
        EXPECT_TRUE(log.empty());
    }  // the loop closes: it destroys the task, which unwinds the fiber
    EXPECT_EQ(log, (std::vector<std::string>{"fiber stack unwound"}));
}

int g_fiber_sleep_line = 0;

TEST(FiberDebug, ASlowStepNamesTheFiberAndTheLineOfItsWait) {
    std::vector<std::string> lines;
    simul::run(
        []() -> simul::Task<> {
            co_await fiber::spawn(
                [] {
                    fiber::sleep(1s); g_fiber_sleep_line = __LINE__;
                    simul::busy(250ms);  // holds the loop past the 100 ms threshold
                },
                {.name = "hog fiber"});
        }(),
        {.virtual_time = true, .debug = true, .stats_at_exit = false, .debug_log = [&](std::string_view l) { lines.emplace_back(l); }});
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_NE(lines[0].find("task 'hog fiber'"), std::string::npos) << lines[0];
    EXPECT_NE(lines[0].find("250 ms"), std::string::npos) << lines[0];
    EXPECT_NE(lines[0].find("fiber_test.cpp:" + std::to_string(g_fiber_sleep_line)), std::string::npos) << lines[0];
}

// ---- running programs as fibers; scale; the guard page ------------------------

TEST(Fiber, RunRunsAWholeProgramAsAFiber) {
    int v = fiber::run(
        [] {
            fiber::sleep(3s);
            return 42;
        },
        {.virtual_time = true});
    EXPECT_EQ(v, 42);
}

long rss_kib() {
    std::ifstream status("/proc/self/status");
    std::string key;
    while (status >> key) {
        if (key == "VmRSS:") {
            long kib = 0;
            status >> kib;
            return kib;
        }
        std::getline(status, key);
    }
    return -1;
}

#if defined(__SANITIZE_THREAD__)
// ThreadSanitizer keeps about 1 MiB of shadow state per fiber: 10,000 would
// not fit; the same test runs with 500.
constexpr int kManyFibers = 500;
#else
constexpr int kManyFibers = 10'000;
#endif

SIMUL_TEST(FiberScale, TenThousandFibersAliveAtOnceStayUnder100MiB) {
    constexpr int kFibers = kManyFibers;
    const long before = rss_kib();
    std::vector<fiber::Handle<int>> handles;
    handles.reserve(kFibers);
    int alive = 0, peak = 0;
    for (int i = 0; i < kFibers; ++i) {
        handles.push_back(fiber::spawn([i, &alive, &peak] {
            ++alive;
            peak = std::max(peak, alive);
            fiber::sleep(1s);
            --alive;
            return i;
        }));
    }
    co_await simul::sleep(500ms);  // all started, all asleep
    const long during = rss_kib();
    EXPECT_EQ(alive, kFibers);
    long sum = 0;
    for (auto& h : handles) sum += co_await h;
    EXPECT_EQ(peak, kFibers);
    EXPECT_EQ(sum, long(kFibers) * (kFibers - 1) / 2);
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
    EXPECT_LT(during - before, 100L * 1024) << "RSS grew by " << (during - before) / 1024 << " MiB";
#endif
    ::testing::Test::RecordProperty("rss_growth_kib", std::to_string(during - before));
    std::printf("%d idle fibers: RSS grew by %ld KiB (%.1f KiB a fiber)\n", kFibers, during - before,
                double(during - before) / kFibers);
}

SIMUL_TEST(FiberScale, SpawnsAndFinishesAHundredThousandFibersInTurn) {
    long sum = 0;
    for (int i = 0; i < 100'000; ++i) sum += co_await fiber::spawn([i] { return i; });
    EXPECT_EQ(sum, 100'000L * 99'999 / 2);
}

SIMUL_TEST(Fiber, ASmallStackCanBeAsked) {
    auto h = fiber::spawn([] { return deep_wait(10); }, {.stack_size = 32 * 1024});
    EXPECT_EQ(co_await h, 10);
}

#if defined(__SANITIZE_ADDRESS__)
#define SIMUL_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SIMUL_TEST_ASAN 1
#endif
#endif

volatile bool keep_recursing = true;
[[gnu::noinline]] int overflow(volatile char* prev, int depth) {
    volatile char pad[1024];
    pad[0] = char(depth);
    pad[1023] = prev ? prev[0] : 0;
    if (!keep_recursing) return pad[0];
    return overflow(pad, depth + 1) + pad[1023];
}

TEST(FiberDeathTest, AStackOverflowHitsTheGuardPage) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
#ifdef SIMUL_TEST_ASAN
    // AddressSanitizer reports the overflow itself (it sees the fault first).
    const char* expected = "stack-overflow|fiber stack overflow";
#else
    const char* expected = "simul: fiber stack overflow: fiber 'deep' ran past its stack of 64 KiB";
#endif
    EXPECT_DEATH(fiber::run([] { return overflow(nullptr, 0); }, {.virtual_time = true},
                            {.stack_size = 64 * 1024, .name = "deep"}),
                 expected);
}

}  // namespace

#else  // !SIMUL_HAVE_FIBERS
#include <gtest/gtest.h>
TEST(Fiber, NeedsBoostContext) {
    GTEST_SKIP() << "simul was built without fibers: apt-get install libboost-context1.81-dev and reconfigure";
}
#endif
