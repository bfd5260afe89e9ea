#include "render_trace.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <unistd.h>

#include "play_in_turn.hpp"
#include "play_simul.hpp"

namespace chess {
namespace {

using namespace std::chrono_literals;

nlohmann::json trace_for(const Exhibition& ex) {
    std::ostringstream out;
    render_trace(out, play_in_turn(ex, {.virtual_time = true}), play_simul(ex, {.virtual_time = true}));
    return nlohmann::json::parse(out.str());  // throws if it is not valid JSON
}

TEST(RenderTrace, IsValidJsonWithAnEventPerMoveAndATrackPerBoard) {
    Exhibition ex{3, 4, 5s, 55s};
    nlohmann::json doc = trace_for(ex);
    ASSERT_TRUE(doc.contains("traceEvents"));
    const auto& events = doc["traceEvents"];
    // Per schedule: a process name, a thread name per board, two spans per move pair.
    EXPECT_EQ(events.size(), 2u * (1 + 3 + 3 * 4 * 2));
    int complete = 0, threads = 0;
    for (const auto& e : events) {
        if (e["ph"] == "X") {
            ++complete;
            EXPECT_GE(e["dur"].get<double>(), 0);
            EXPECT_GE(e["tid"].get<int>(), 1);
            EXPECT_LE(e["tid"].get<int>(), 3);
        }
        if (e["name"] == "thread_name") ++threads;
    }
    EXPECT_EQ(complete, 2 * 3 * 4 * 2);
    EXPECT_EQ(threads, 2 * 3);
}

TEST(RenderTrace, TimesAreMicrosecondsOfTheExhibition) {
    nlohmann::json doc = trace_for({1, 1, 5s, 55s});
    double last_end = 0;
    for (const auto& e : doc["traceEvents"])
        if (e["ph"] == "X") last_end = std::max(last_end, e["ts"].get<double>() + e["dur"].get<double>());
    EXPECT_DOUBLE_EQ(last_end, 60e6);
}

TEST(RenderTrace, CapsTheBoardsWrittenAndSaysSo) {
    nlohmann::json doc = trace_for({1500, 1, 1s, 1s});
    int threads = 0;
    for (const auto& e : doc["traceEvents"])
        if (e["name"] == "thread_name") ++threads;
    EXPECT_EQ(threads, 2 * kMaxTraceBoards);
    EXPECT_NE(doc.dump().find("first 1,000 of 1,500 boards"), std::string::npos);
}

}  // namespace
}  // namespace chess

namespace chess {
namespace {

// --trace: the loop's own recorder (SIMUL_TRACE's machinery) on the simul run.
TEST(LoopTrace, HasATrackPerBoardTheMastersMovesAsStepsAndTheOpponentsAsSleeps) {
    const Exhibition ex{3, 4, 5s, 55s};
    const std::string path = ::testing::TempDir() + "/chess-loop-trace-" + std::to_string(::getpid()) + ".json";
    const Schedule s = play_simul(ex, {.virtual_time = true, .trace_file = path});
    std::ifstream in(path);
    const nlohmann::json doc = nlohmann::json::parse(in);
    std::remove(path.c_str());
    std::map<int, std::string> names;
    std::map<int, int> master_moves, opponent_moves;
    for (const auto& e : doc["traceEvents"]) {
        if (e["ph"] == "M" && e["name"] == "thread_name") names[e["tid"].get<int>()] = e["args"]["name"];
        if (e["ph"] != "X") continue;
        const int tid = e["tid"].get<int>();
        if (e["name"] == "step" && e["dur"].get<double>() == 5e6) ++master_moves[tid];
        if (e["name"] == "sleep" && e["dur"].get<double>() == 55e6) ++opponent_moves[tid];
    }
    int boards = 0;
    for (const auto& [tid, name] : names) {
        if (name.rfind("board ", 0) != 0) continue;
        ++boards;
        EXPECT_EQ(master_moves[tid], 4) << name;
        EXPECT_EQ(opponent_moves[tid], 4) << name;
    }
    EXPECT_EQ(boards, 3);
    EXPECT_EQ(s.total(), play_simul(ex, {.virtual_time = true}).total());  // tracing does not change the schedule
}

}  // namespace
}  // namespace chess
