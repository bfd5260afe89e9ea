// The blocking-call detector: in debug mode, a blocking call made on the
// loop thread inside a task step is reported at the moment of the call, with
// the call, the task, the line, and what to use instead.
#include <simul/debug/blocking_detector.hpp>

#include <fcntl.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <simul/simul.hpp>

extern "C" int third_party_nap(int microseconds);

using namespace std::chrono_literals;

namespace {

struct Lines {
    std::mutex mutex;
    std::vector<std::string> all;
    void add(std::string_view l) {
        std::lock_guard lock(mutex);
        all.emplace_back(l);
    }
    std::vector<std::string> with(const std::string& needle) {
        std::lock_guard lock(mutex);
        std::vector<std::string> out;
        for (auto& l : all)
            if (l.find(needle) != std::string::npos) out.push_back(l);
        return out;
    }
};

simul::RunOptions debug_options(Lines& lines) {
    return {.debug = true, .stats_at_exit = false, .debug_log = [&lines](std::string_view l) { lines.add(l); }};
}

int g_sleep_line = 0;

}  // namespace

TEST(BlockingDetector, IsLoadedWhenLinked) { EXPECT_TRUE(simul::blocking_detector_loaded()); }

TEST(BlockingDetector, ReportsSleepWithTheTaskTheLineAndTheReplacement) {
    Lines lines;
    simul::run([]() -> simul::Task<> {
        co_await simul::spawn([]() -> simul::Task<> {
            co_await simul::yield(); g_sleep_line = __LINE__;
            ::usleep(1000);
        }(), "sleepy");
    }(), debug_options(lines));
    const auto reports = lines.with("simul: blocking call: usleep()");
    ASSERT_EQ(reports.size(), 1u) << ::testing::PrintToString(lines.all);
    const std::string& r = reports[0];
    EXPECT_NE(r.find("in task 'sleepy'"), std::string::npos) << r;
    EXPECT_NE(r.find("blocking_detector_test.cpp:" + std::to_string(g_sleep_line)), std::string::npos) << r;
    EXPECT_NE(r.find("co_await simul::sleep(d)"), std::string::npos) << r;
    EXPECT_NE(r.find("called from"), std::string::npos) << r;
}

TEST(BlockingDetector, ReportsABlockingRecvButNotANonBlockingOne) {
    Lines lines;
    simul::run([]() -> simul::Task<> {
        int sv[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) throw std::runtime_error("socketpair");
        char c = 'x';
        (void)::send(sv[1], &c, 1, 0);  // (blocking, but in the first step: reported too; filtered below)
        co_await simul::yield();
        (void)::recv(sv[0], &c, 1, 0);  // data is there, so it returns at once: still a blocking call
        ::fcntl(sv[0], F_SETFL, ::fcntl(sv[0], F_GETFL) | O_NONBLOCK);
        (void)::recv(sv[0], &c, 1, 0);  // EAGAIN at once: fine
        ::close(sv[0]);
        ::close(sv[1]);
    }(), debug_options(lines));
    EXPECT_EQ(lines.with("blocking call: recv()").size(), 1u) << ::testing::PrintToString(lines.all);
    EXPECT_NE(lines.with("blocking call: recv()")[0].find("simul::Stream"), std::string::npos);
}

TEST(BlockingDetector, CatchesCallsFromInsideThirdPartyLibraries) {
    Lines lines;
    simul::run([]() -> simul::Task<> {
        third_party_nap(100);
        co_return;
    }(), debug_options(lines));
    const auto reports = lines.with("blocking call: usleep()");
    ASSERT_EQ(reports.size(), 1u) << ::testing::PrintToString(lines.all);
    EXPECT_NE(reports[0].find("third_party_nap"), std::string::npos) << reports[0];
    EXPECT_NE(reports[0].find("libsimul_test_third_party.so"), std::string::npos) << reports[0];
}

TEST(BlockingDetector, CallsFromToThreadWorkersAreFine) {
    Lines lines;
    simul::run([]() -> simul::Task<> {
        co_await simul::to_thread([] { ::usleep(1000); });
        co_await simul::to_thread([] {
            addrinfo* res = nullptr;
            if (::getaddrinfo("localhost", "80", nullptr, &res) == 0) ::freeaddrinfo(res);
        });
    }(), debug_options(lines));
    EXPECT_TRUE(lines.all.empty()) << ::testing::PrintToString(lines.all);
}

TEST(BlockingDetector, ReportsNameLookupsAndAMutexHeldByAnotherThread) {
    Lines lines;
    std::mutex m;
    std::thread holder;
    simul::run([&]() -> simul::Task<> {
        addrinfo* res = nullptr;
        if (::getaddrinfo("localhost", "80", nullptr, &res) == 0) ::freeaddrinfo(res);
        std::atomic<bool> held{false};
        holder = std::thread([&] {
            std::lock_guard lock(m);
            held = true;
            std::this_thread::sleep_for(30ms);
        });
        while (!held) co_await simul::to_thread([] { std::this_thread::sleep_for(1ms); });
        co_await simul::yield();
        m.lock();  // waits ~30 ms for the other thread
        m.unlock();
    }(), debug_options(lines));
    holder.join();
    EXPECT_EQ(lines.with("blocking call: getaddrinfo()").size(), 1u) << ::testing::PrintToString(lines.all);
    EXPECT_NE(lines.with("blocking call: getaddrinfo()")[0].find("simul::resolve"), std::string::npos);
#if !defined(__SANITIZE_THREAD__)  // under TSan the detector leaves mutexes to TSan
    EXPECT_EQ(lines.with("blocking call: pthread_mutex_lock()").size(), 1u) << ::testing::PrintToString(lines.all);
#endif
}

TEST(BlockingDetector, SaysNothingWithDebugOffAndCountsInDebugMode) {
    ::unsetenv("SIMUL_DEBUG");  // (CI runs the suite once with it set)
    Lines lines;
    simul::run([]() -> simul::Task<> {
        ::usleep(100);
        co_return;
    }(), {.stats_at_exit = false, .debug_log = [&lines](std::string_view l) { lines.add(l); }});
    EXPECT_TRUE(lines.all.empty());
    std::uint64_t counted = 0;
    simul::run([](std::uint64_t& n) -> simul::Task<> {
        ::usleep(100);
        ::usleep(100);
        n = simul::Loop::current()->stats().blocking_calls;
        co_return;
    }(counted), {.debug = true, .stats_at_exit = false, .debug_log = [](std::string_view) {}});
    EXPECT_EQ(counted, 2u);
}
