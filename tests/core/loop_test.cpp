#include <simul/core/loop.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <simul/simul.hpp>

using namespace std::chrono_literals;

namespace {

// simul::run keeps its Loop on the caller's stack, so the Loop stays small:
// the wheels' 770 sentinels are links only (16 bytes), not whole nodes.
TEST(Loop, IsSmallEnoughToLiveOnTheCallersStack) {
    static_assert(sizeof(simul::detail::LiveLinks) == 2 * sizeof(void*));
    static_assert(sizeof(simul::detail::TimerLinks) == 2 * sizeof(void*));
    EXPECT_LT(sizeof(simul::Loop), 16u * 1024u);
}

TEST(Loop, CallSoonRunsInFifoOrderAndCallLaterByDeadline) {
    simul::Loop loop({.virtual_time = true});
    std::string order;
    loop.call_later(20ms, [&] { order += 'd'; });
    loop.call_soon([&] { order += 'a'; });
    loop.call_later(10ms, [&] { order += 'c'; });
    loop.call_soon([&] { order += 'b'; });
    loop.call_at(loop.time() + 30ms, [&] {
        order += 'e';
        loop.stop();
    });
    loop.run_forever();
    EXPECT_EQ(order, "abcde");
    EXPECT_EQ(loop.time().time_since_epoch(), 30ms);
}

TEST(Loop, CallbacksScheduledWhileRunningWaitForTheNextIteration) {
    simul::Loop loop({.virtual_time = true});
    std::vector<int> seen;
    loop.call_soon([&] {
        seen.push_back(1);
        loop.call_soon([&] { seen.push_back(3); loop.stop(); });
    });
    loop.call_soon([&] { seen.push_back(2); });
    loop.run_forever();
    EXPECT_EQ(seen, (std::vector<int>{1, 2, 3}));
}

TEST(Loop, CancelledCallbacksNeverRun) {
    simul::Loop loop({.virtual_time = true});
    int ran = 0;
    auto soon = loop.call_soon([&] { ++ran; });
    auto later = loop.call_later(5ms, [&] { ++ran; });
    soon.cancel();
    later.cancel();
    EXPECT_TRUE(later.cancelled());
    EXPECT_EQ(loop.stats().timers_pending, 0u);  // reclaimed at once, not at its deadline
    loop.call_later(10ms, [&] { loop.stop(); });
    loop.run_forever();
    EXPECT_EQ(ran, 0);
}

TEST(Loop, AMillionTimersFireInDeadlineOrderAndCancelledOnesNever) {
    simul::Loop loop({.virtual_time = true});
    constexpr int kTimers = 1'000'000;
    std::vector<simul::CallHandle> handles;
    handles.reserve(kTimers);
    std::uint64_t seed = 12345;
    auto next = [&seed] { return seed = seed * 6364136223846793005ULL + 1442695040888963407ULL; };
    long fired = 0, bad_order = 0, cancelled_fired = 0;
    std::int64_t last = -1;
    std::vector<bool> cancelled(kTimers, false);
    for (int i = 0; i < kTimers; ++i) {
        const auto delay = std::chrono::milliseconds((next() >> 33) % 100'000);  // up to 100 s
        handles.push_back(loop.call_later(delay, [&, i, delay] {
            ++fired;
            if (cancelled[i]) ++cancelled_fired;
            const std::int64_t now = loop.time().time_since_epoch().count();
            if (now < last) ++bad_order;
            if (now < delay.count()) ++bad_order;  // never early
            last = now;
        }));
    }
    long n_cancelled = 0;
    for (int i = 0; i < kTimers; i += 3) {
        cancelled[i] = true;
        handles[i].cancel();
        ++n_cancelled;
    }
    loop.call_later(101s, [&] { loop.stop(); });
    loop.run_forever();
    EXPECT_EQ(fired, kTimers - n_cancelled);
    EXPECT_EQ(cancelled_fired, 0);
    EXPECT_EQ(bad_order, 0);
}

TEST(Loop, CallSoonThreadsafeFromFourThreadsLosesNone) {
    simul::Loop loop;
    constexpr int kThreads = 4, kCalls = 100'000;
    long count = 0;  // touched only on the loop thread
    std::atomic<int> finished{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < kCalls; ++i) loop.call_soon_threadsafe([&] { ++count; });
            if (finished.fetch_add(1) + 1 == kThreads) loop.call_soon_threadsafe([&] { loop.stop(); });
        });
    loop.run_forever();
    for (auto& th : threads) th.join();
    EXPECT_EQ(count, long(kThreads) * kCalls);
}

TEST(Loop, ReaderCallbackRunsWhenTheSocketIsReadable) {
    int sv[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
    simul::Loop loop;
    std::string got;
    loop.add_reader(sv[0], [&] {
        char buf[16];
        ssize_t n = ::read(sv[0], buf, sizeof buf);
        if (n > 0) got.append(buf, std::size_t(n));
        if (got == "ping") {
            loop.remove_reader(sv[0]);
            loop.stop();
        }
    });
    loop.call_soon([&] { (void)::write(sv[1], "ping", 4); });
    loop.run_forever();
    EXPECT_EQ(got, "ping");
    loop.forget_fd(sv[0]);
    ::close(sv[0]);
    ::close(sv[1]);
}

simul::Task<std::string> read_when_ready(int fd) {
    co_await simul::wait_readable(fd);
    char buf[16];
    ssize_t n = ::read(fd, buf, sizeof buf);
    co_return std::string(buf, n > 0 ? std::size_t(n) : 0);
}

TEST(Loop, WaitReadableWakesTheTask) {
    int sv[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
    std::string got = simul::run([](int a, int b) -> simul::Task<std::string> {
        auto reader = simul::spawn(read_when_ready(a));
        co_await simul::sleep(5ms);
        (void)::write(b, "pong", 4);
        co_return co_await reader;
    }(sv[0], sv[1]));
    EXPECT_EQ(got, "pong");
    ::close(sv[0]);
    ::close(sv[1]);
}

TEST(Loop, ForgettingAWatchedDescriptorWakesItsWaiterWithEbadf) {
    int sv[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
    bool got_ebadf = simul::run([](int a) -> simul::Task<bool> {
        auto waiter = [](int fd) -> simul::Task<> { co_await simul::wait_readable(fd); };
        auto h = simul::spawn(waiter(a));
        co_await simul::yield();
        simul::Loop::current()->forget_fd(a);
        try {
            co_await h;
        } catch (const std::system_error& e) {
            co_return e.code().value() == EBADF;
        }
        co_return false;
    }(sv[0]));
    EXPECT_TRUE(got_ebadf);
    ::close(sv[0]);
    ::close(sv[1]);
}

TEST(Loop, StaleEventForAReusedDescriptorIsDropped) {
    // Close a watched fd and get a new one with the same number in the same
    // turn: the new one must not see the old one's readiness.
    int sv[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
    simul::Loop loop({.virtual_time = false});
    int old_fd = sv[0];
    int fresh[2] = {-1, -1};
    bool fresh_woken = false;
    (void)::write(sv[1], "x", 1);  // old fd readable
    loop.add_reader(old_fd, [&] {
        loop.remove_reader(old_fd);
        loop.forget_fd(old_fd);
        ::close(old_fd);
        ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fresh), 0);
        loop.add_reader(fresh[0], [&] { fresh_woken = true; });
    });
    loop.call_later(20ms, [&] { loop.stop(); });
    loop.run_forever();
    EXPECT_FALSE(fresh_woken);
    loop.remove_reader(fresh[0]);
    loop.forget_fd(fresh[0]);
    ::close(fresh[0]);
    ::close(fresh[1]);
    ::close(sv[1]);
}

TEST(Loop, VirtualClockReportsADeadlockInsteadOfHanging) {
    auto stuck = []() -> simul::Task<> {
        simul::Future<> never;
        co_await never;
    };
    EXPECT_THROW(simul::run(stuck(), {.virtual_time = true}), simul::Error);
}

TEST(Loop, TwelveSimulatedHoursOfSleepsTakeWellUnderASecond) {
    const auto t0 = std::chrono::steady_clock::now();
    simul::run([]() -> simul::Task<> {
        std::vector<simul::Task<>> sleepers;
        for (int i = 0; i < 1000; ++i)
            sleepers.push_back([](int k) -> simul::Task<> {
                for (int j = 0; j < 12; ++j) co_await simul::sleep(std::chrono::minutes(55 + k % 10));
            }(i));
        co_await simul::gather(std::move(sleepers));
        EXPECT_GE(simul::now().time_since_epoch(), 11h);
    }(), {.virtual_time = true});
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
}

}  // namespace
