// dump_tasks(): every live task, its state, what it waits on, the line of
// the co_await, and the chain of tasks that await it.
#include <simul/debug/task_dump.hpp>

#include <csignal>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <simul/simul.hpp>

using namespace std::chrono_literals;

namespace {

int g_leaf_line = 0, g_middle_line = 0, g_top_line = 0;

simul::Task<> leaf() {
    g_leaf_line = __LINE__ + 1;
    co_await simul::sleep(10s);
}

simul::Task<> middle() {
    auto h = simul::spawn(leaf(), "leaf");
    g_middle_line = __LINE__ + 1;
    co_await h;
}

simul::Task<> top() {
    auto h = simul::spawn(middle(), "middle");
    g_top_line = __LINE__ + 1;
    co_await h;
}

std::string line_of(const std::string& dump, const std::string& start) {
    const auto at = dump.find(start);
    if (at == std::string::npos) return {};
    return dump.substr(at, dump.find('\n', at) - at);
}

}  // namespace

TEST(TaskDump, ShowsTheAwaitLinesOfAChainOfThreeTasks) {
    std::string dump;
    simul::run(
        [](std::string& out) -> simul::Task<> {
            auto h = simul::spawn(top(), "top");
            co_await simul::sleep(1s);
            out = simul::dump_tasks();
            h.cancel();
            try {
                co_await h;
            } catch (const simul::Cancelled&) {
            }
        }(dump),
        {.virtual_time = true, .debug = true, .stats_at_exit = false});
    const std::string file = "task_dump_test.cpp:";
    EXPECT_NE(dump.find("4 tasks alive at t=1.000 s (virtual clock)"), std::string::npos) << dump;
    EXPECT_NE(dump.find("task 'main'"), std::string::npos) << dump;
    EXPECT_NE(line_of(dump, "task 'main'").find("running"), std::string::npos) << dump;

    const std::string leaf_line = line_of(dump, "  task 'leaf' (");
    EXPECT_NE(leaf_line.find("waiting on sleep until t=10.000 s (in 9.000 s), at "), std::string::npos) << dump;
    EXPECT_NE(leaf_line.find(file + std::to_string(g_leaf_line)), std::string::npos) << dump;
    // The async backtrace under the leaf: who awaits it, and who awaits that one, with their lines.
    const std::string chain = dump.substr(dump.find("  task 'leaf' ("));
    const auto by_middle = chain.find("awaited by task 'middle' at ");
    const auto by_top = chain.find("awaited by task 'top' at ");
    ASSERT_NE(by_middle, std::string::npos) << dump;
    ASSERT_NE(by_top, std::string::npos) << dump;
    EXPECT_LT(by_middle, by_top) << dump;
    EXPECT_NE(line_of(chain, "awaited by task 'middle'").find(file + std::to_string(g_middle_line)), std::string::npos) << dump;
    EXPECT_NE(line_of(chain, "awaited by task 'top'").find(file + std::to_string(g_top_line)), std::string::npos) << dump;
    EXPECT_NE(line_of(dump, "  task 'middle' (").find("waiting on task 'leaf', at "), std::string::npos) << dump;
    EXPECT_NE(line_of(dump, "  task 'middle' (").find(file + std::to_string(g_middle_line)), std::string::npos) << dump;
}

TEST(TaskDump, NamesTheDescriptorAndDirectionOfAnIoWait) {
    std::string dump;
    simul::run(
        [](std::string& out) -> simul::Task<> {
            auto [a, b] = simul::stream_pair();
            auto reader = simul::spawn(
                [](simul::Stream& s) -> simul::Task<> { (void)co_await s.read(1); }(a), "reader");
            co_await simul::yield();
            co_await simul::yield();
            out = simul::dump_tasks();
            co_await b.write("x");
            co_await reader;
        }(dump),
        {.debug = true, .stats_at_exit = false});
    EXPECT_NE(line_of(dump, "  task 'reader' (").find("waiting on readable fd (fd "), std::string::npos) << dump;
}

TEST(TaskDump, IsEmptyOutsideALoop) { EXPECT_EQ(simul::dump_tasks(), ""); }

TEST(TaskDump, SigusrOnePrintsItInDebugMode) {
    std::vector<std::string> lines;
    simul::run(
        []() -> simul::Task<> {
            auto sleeper = simul::spawn([]() -> simul::Task<> { co_await simul::sleep(10s); }(), "sleeper");
            co_await simul::yield();
            ::raise(SIGUSR1);  // the handler pokes the loop; the dump comes between two steps
            for (int i = 0; i < 100; ++i) co_await simul::sleep(1ms);
            sleeper.cancel();
        }(),
        {.debug = true, .stats_at_exit = false, .debug_log = [&](std::string_view l) { lines.emplace_back(l); }});
    ASSERT_EQ(lines.size(), 1u) << ::testing::PrintToString(lines);
    EXPECT_NE(lines[0].find("task 'sleeper'"), std::string::npos) << lines[0];
    EXPECT_NE(lines[0].find("waiting on sleep"), std::string::npos) << lines[0];
}
