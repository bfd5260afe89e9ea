// The slow-step warning: in debug mode, a step that holds the loop too long
// is reported with the task's name and the line where the step began.
#include <simul/core/loop.hpp>

#include <cstdlib>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <simul/simul.hpp>

using namespace std::chrono_literals;

namespace {

int g_resume_line = 0;

simul::Task<> hog() {
    co_await simul::sleep(1s); g_resume_line = __LINE__;
    simul::busy(250ms);  // holds the loop past the 100 ms threshold
    co_await simul::sleep(1s);
    simul::busy(10ms);  // fine
}

TEST(SlowStep, NamesTheTaskAndTheLineWhereTheStepBegan) {
    std::vector<std::string> lines;
    simul::run([]() -> simul::Task<> { co_await simul::spawn(hog(), "hog"); }(),
               {.virtual_time = true, .debug = true, .stats_at_exit = false, .debug_log = [&](std::string_view l) { lines.emplace_back(l); }});
    ASSERT_EQ(lines.size(), 1u);
    const std::string& line = lines[0];
    EXPECT_NE(line.find("task 'hog'"), std::string::npos) << line;
    EXPECT_NE(line.find("250 ms"), std::string::npos) << line;
    EXPECT_NE(line.find("slow_step_test.cpp:" + std::to_string(g_resume_line)), std::string::npos) << line;
    EXPECT_NE(line.find("simul::yield()"), std::string::npos) << line;
    EXPECT_NE(line.find("simul::to_thread()"), std::string::npos) << line;
}

simul::Task<> hog_from_the_start() {
    simul::busy(150ms);
    co_return;
}

TEST(SlowStep, AFirstStepNamesTheSpawnSite) {
    std::vector<std::string> lines;
    int spawn_line = 0;
    simul::run([](int& line) -> simul::Task<> {
        line = __LINE__ + 1;
        co_await simul::spawn(hog_from_the_start());
    }(spawn_line), {.virtual_time = true, .debug = true, .stats_at_exit = false, .debug_log = [&](std::string_view l) { lines.emplace_back(l); }});
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_NE(lines[0].find("spawned at"), std::string::npos) << lines[0];
    EXPECT_NE(lines[0].find(":" + std::to_string(spawn_line)), std::string::npos) << lines[0];
}

TEST(SlowStep, SilentWhenDebugIsOff) {
    ::unsetenv("SIMUL_DEBUG");  // (CI runs the suite once with it set)
    std::vector<std::string> lines;
    simul::run([]() -> simul::Task<> { co_await simul::spawn(hog(), "hog"); }(),
               {.virtual_time = true, .debug = false, .stats_at_exit = false, .debug_log = [&](std::string_view l) { lines.emplace_back(l); }});
    EXPECT_TRUE(lines.empty());
}

TEST(SlowStep, ThresholdIsConfigurable) {
    std::vector<std::string> lines;
    simul::run([]() -> simul::Task<> { co_await simul::spawn(hog(), "hog"); }(),
               {.virtual_time = true, .debug = true, .slow_step = 5ms,
                .stats_at_exit = false, .debug_log = [&](std::string_view l) { lines.emplace_back(l); }});
    EXPECT_EQ(lines.size(), 2u);
}

}  // namespace
