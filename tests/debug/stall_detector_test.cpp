// The stall watchdog: a step that holds the loop past the threshold is
// reported while it still runs, with the task, the line where the step
// began and the loop thread's stack; then the total when it ends.
#include <simul/debug/stats.hpp>

#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <simul/simul.hpp>

using namespace std::chrono_literals;

namespace {

#if defined(__SANITIZE_THREAD__)
constexpr bool kTsan = true;  // TSan defers signals: the stack may be missing
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
constexpr bool kTsan = true;
#else
constexpr bool kTsan = false;
#endif
#else
constexpr bool kTsan = false;
#endif

struct Lines {
    std::mutex mutex;  // the watchdog reports from its own thread
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

__attribute__((noinline)) void spin_hard(std::chrono::milliseconds d) {
    const auto until = std::chrono::steady_clock::now() + d;
    volatile unsigned sink = 0;
    while (std::chrono::steady_clock::now() < until) sink = sink + 1;
}

int g_step_line = 0;

simul::Task<> cruncher() {
    co_await simul::yield(); g_step_line = __LINE__;
    spin_hard(400ms);
}

}  // namespace

TEST(StallDetector, ReportsAStepWhileItStillRunsWithTaskLineAndStack) {
    Lines lines;
    simul::run([]() -> simul::Task<> { co_await simul::spawn(cruncher(), "cruncher"); }(),
               {.debug = true, .slow_step = 100ms, .stats_at_exit = false,
                .debug_log = [&](std::string_view l) { lines.add(l); }});
    auto stalls = lines.with("simul: stall: ");
    ASSERT_EQ(stalls.size(), 1u) << ::testing::PrintToString(lines.all);
    const std::string& r = stalls[0];
    EXPECT_NE(r.find("task 'cruncher'"), std::string::npos) << r;
    EXPECT_NE(r.find("still running"), std::string::npos) << r;
    EXPECT_NE(r.find("stall_detector_test.cpp:" + std::to_string(g_step_line)), std::string::npos) << r;
    EXPECT_NE(r.find("simul::yield()"), std::string::npos) << r;
    if (!kTsan) {
        EXPECT_NE(r.find("spin_hard"), std::string::npos) << "the stack names the function at fault:\n" << r;
    }
    auto over = lines.with("simul: stall over: task 'cruncher' held the loop for ");
    ASSERT_EQ(over.size(), 1u) << ::testing::PrintToString(lines.all);
    // The after-the-fact slow-step line is not repeated for a reported stall.
    EXPECT_TRUE(lines.with("slow step").empty());
}

TEST(StallDetector, QuickStepsAreNeverReported) {
    Lines lines;
    simul::run(
        []() -> simul::Task<> {
            for (int i = 0; i < 20; ++i) {
                spin_hard(2ms);
                co_await simul::yield();
            }
        }(),
        {.debug = true, .slow_step = 100ms, .stats_at_exit = false, .debug_log = [&](std::string_view l) { lines.add(l); }});
    EXPECT_TRUE(lines.all.empty()) << ::testing::PrintToString(lines.all);
}

TEST(StallDetector, NeverMoreThanAFewReportsASecond) {
    Lines lines;
    simul::run(
        []() -> simul::Task<> {
            for (int i = 0; i < 12; ++i) {  // 12 stalls in about 0.7 s
                spin_hard(60ms);
                co_await simul::yield();
            }
        }(),
        {.debug = true, .slow_step = 10ms, .stats_at_exit = false, .debug_log = [&](std::string_view l) { lines.add(l); }});
    const auto stalls = lines.with("simul: stall: ");
    EXPECT_GE(stalls.size(), 1u);
    EXPECT_LE(stalls.size(), 5u) << ::testing::PrintToString(lines.all);
}

TEST(StallDetector, StallsAreCountedInTheStats) {
    simul::LoopStats s;
    simul::run(
        [](simul::LoopStats& out) -> simul::Task<> {
            spin_hard(150ms);
            co_await simul::yield();
            co_await simul::yield();
            out = simul::stats();  // steps are added as each batch ends: this one's are not in yet
        }(s),
        {.debug = true, .slow_step = 30ms, .stats_at_exit = false, .debug_log = [](std::string_view) {}});
    EXPECT_EQ(s.stalls, 1u);
    EXPECT_EQ(s.steps, 2u);
}
