// The trace recorder: SIMUL_TRACE / RunOptions::trace_file writes every step
// and wait as Chrome trace-event JSON, one track per task, bounded.
#include <simul/core/run_options.hpp>

#include <cstdio>
#include <fstream>
#include <set>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <simul/simul.hpp>

using namespace std::chrono_literals;

namespace {

std::string temp_path(const char* name) {
    return ::testing::TempDir() + "/" + name + "-" + std::to_string(::getpid()) + ".json";
}

nlohmann::json load(const std::string& path) {
    std::ifstream in(path);
    return nlohmann::json::parse(in);  // throws on invalid JSON
}

simul::Task<> sleeper(int n) {
    for (int i = 0; i < n; ++i) co_await simul::sleep(1s);
}

}  // namespace

TEST(Trace, IsValidJsonWithOneTrackPerTaskAndItsWaits) {
    const std::string path = temp_path("trace");
    simul::run(
        []() -> simul::Task<> {
            auto a = simul::spawn(sleeper(3), "alice");
            auto b = simul::spawn(sleeper(2), "bob");
            co_await a;
            co_await b;
        }(),
        {.virtual_time = true, .trace_file = path});
    const nlohmann::json doc = load(path);
    std::remove(path.c_str());
    std::set<std::string> tracks;
    int steps = 0, sleeps = 0;
    for (const auto& e : doc["traceEvents"]) {
        if (e["ph"] == "M" && e["name"] == "thread_name") tracks.insert(e["args"]["name"].get<std::string>());
        if (e["ph"] == "X" && e["cat"] == "step") ++steps;
        if (e["ph"] == "X" && e["name"] == "sleep") {
            ++sleeps;
            EXPECT_NE(e["args"]["at"].get<std::string>().find("trace_test.cpp:"), std::string::npos);
            EXPECT_EQ(e["dur"].get<double>(), 1e6);  // one virtual second, in microseconds
        }
    }
    EXPECT_TRUE(tracks.count("alice") && tracks.count("bob") && tracks.count("main")) << doc.dump();
    EXPECT_EQ(sleeps, 5);
    EXPECT_GE(steps, 4 + 3 + 2);  // alice, bob, main (b is done when main awaits it)
    EXPECT_EQ(doc["otherData"]["events_dropped"], 0);
}

TEST(Trace, KeepsOnlyTheNewestEventsPastItsCapacity) {
    const std::string path = temp_path("trace-bounded");
    simul::run(
        []() -> simul::Task<> {
            for (int i = 0; i < 1000; ++i) co_await simul::yield();
        }(),
        {.virtual_time = true, .trace_file = path, .trace_events = 50});
    const nlohmann::json doc = load(path);
    std::remove(path.c_str());
    int events = 0;
    for (const auto& e : doc["traceEvents"])
        if (e["ph"] == "X") ++events;
    EXPECT_EQ(events, 50);
    EXPECT_GT(doc["otherData"]["events_dropped"].get<int>(), 1900);
    EXPECT_EQ(doc["otherData"]["events_recorded"].get<int>(), doc["otherData"]["events_dropped"].get<int>() + 50);
}
