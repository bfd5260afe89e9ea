// The simul played in the four styles gives the same schedule, and --style is parsed.
#include "styles.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "options.hpp"

namespace chess {
namespace {

using namespace std::chrono_literals;

void expect_same(const Schedule& a, const Schedule& b, const std::string& style) {
    EXPECT_EQ(a.total(), b.total()) << style;
    EXPECT_EQ(a.master_moves(), b.master_moves()) << style;
    EXPECT_EQ(a.master_moving(), b.master_moving()) << style;
    EXPECT_EQ(a.master_idle(), b.master_idle()) << style;
    ASSERT_EQ(a.boards(), b.boards()) << style;
    for (std::int64_t i = 0; i < a.boards(); ++i) EXPECT_EQ(a.finish(i), b.finish(i)) << style << " board " << i;
    ASSERT_EQ(a.spans().size(), b.spans().size()) << style;
    for (std::size_t i = 0; i < a.spans().size(); ++i) {
        EXPECT_EQ(a.spans()[i].board, b.spans()[i].board) << style << " span " << i;
        EXPECT_EQ(a.spans()[i].start, b.spans()[i].start) << style << " span " << i;
        EXPECT_EQ(a.spans()[i].end, b.spans()[i].end) << style << " span " << i;
    }
}

class EveryStyle : public ::testing::TestWithParam<Style> {};

TEST_P(EveryStyle, PlaysTheClassicSimulInOneHourAndFiftyFiveSeconds) {
    if (!style_available(GetParam())) GTEST_SKIP() << "simul was built without fibers (Boost.Context missing)";
    Exhibition ex;
    Schedule s = play_simul_as(GetParam(), ex, {.virtual_time = true});
    EXPECT_EQ(s.total(), 1h + 55s);
}

TEST_P(EveryStyle, GivesTheSameScheduleAsTasks) {
    if (!style_available(GetParam())) GTEST_SKIP() << "simul was built without fibers (Boost.Context missing)";
    for (Exhibition ex : {Exhibition{}, Exhibition{3, 5, 5s, 120s}, Exhibition{50, 4, 1500ms, 7s}, Exhibition{1, 1, 5s, 55s}}) {
        Schedule tasks = play_simul_as(Style::tasks, ex, {.virtual_time = true});
        Schedule other = play_simul_as(GetParam(), ex, {.virtual_time = true});
        expect_same(tasks, other, std::string(style_name(GetParam())));
    }
}

INSTANTIATE_TEST_SUITE_P(Styles, EveryStyle,
                         ::testing::Values(Style::callbacks, Style::generators, Style::tasks, Style::fibers),
                         [](const ::testing::TestParamInfo<Style>& info) { return std::string(style_name(info.param)); });

Parsed parse(std::vector<const char*> args) {
    args.insert(args.begin(), "simul-chess");
    return parse_options(static_cast<int>(args.size()), args.data());
}

TEST(StyleOption, DefaultsToTasksAndNamesEveryStyle) {
    Parsed p = parse({});
    ASSERT_TRUE(p.options);
    EXPECT_EQ(p.options->style, Style::tasks);
    for (const char* name : {"callbacks", "generators", "tasks", "fibers"}) {
        if (!style_available(*parse_style(name))) continue;
        Parsed q = parse({"--style", name});
        ASSERT_TRUE(q.options) << q.message;
        EXPECT_EQ(style_name(q.options->style), name);
    }
    EXPECT_NE(parse({"--help"}).message.find("--style"), std::string::npos);
}

TEST(StyleOption, RefusesUnknownStylesAndTooManyFibersWithOneLine) {
    for (std::vector<const char*> args : {std::vector<const char*>{"--style", "threads"},
                                          std::vector<const char*>{"--style", "fibers", "--boards", "100000"}}) {
        Parsed p = parse(args);
        EXPECT_FALSE(p.options);
        EXPECT_EQ(p.exit_code, 2);
        EXPECT_EQ(p.message.rfind("simul-chess: --style", 0), 0u) << p.message;
        EXPECT_EQ(p.message.find('\n'), std::string::npos) << p.message;
    }
}

}  // namespace
}  // namespace chess
