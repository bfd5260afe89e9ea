#include "options.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <string>
#include <vector>

namespace chess {
namespace {

using namespace std::chrono_literals;

Parsed parse(std::vector<const char*> args) {
    args.insert(args.begin(), "simul-chess");
    return parse_options(static_cast<int>(args.size()), args.data());
}

TEST(Options, DefaultsAreTheClassicExhibition) {
    Parsed p = parse({});
    ASSERT_TRUE(p.options);
    EXPECT_EQ(p.options->exhibition.boards, 24);
    EXPECT_EQ(p.options->exhibition.moves, 30);
    EXPECT_EQ(p.options->exhibition.master, 5s);
    EXPECT_EQ(p.options->exhibition.opponent, 55s);
    EXPECT_FALSE(p.options->realtime);
    EXPECT_FALSE(p.options->compare);
}

TEST(Options, SecondsMayBeFractional) {
    Parsed p = parse({"--master", "2.5", "--opponent", "0.25", "--boards", "3", "--moves", "7"});
    ASSERT_TRUE(p.options) << p.message;
    EXPECT_EQ(p.options->exhibition.master, 2500ms);
    EXPECT_EQ(p.options->exhibition.opponent, 250ms);
    EXPECT_EQ(p.options->exhibition.boards, 3);
    EXPECT_EQ(p.options->exhibition.moves, 7);
}

TEST(Options, RealtimeTakesASpeed) {
    Parsed p = parse({"--realtime", "--speed", "7200"});
    ASSERT_TRUE(p.options) << p.message;
    EXPECT_TRUE(p.options->realtime);
    EXPECT_EQ(p.options->speed, 7200);
}

TEST(Options, AMillionBoardsAreAllowed) {
    Parsed p = parse({"--boards", "1000000"});
    ASSERT_TRUE(p.options) << p.message;
    EXPECT_EQ(p.options->exhibition.boards, 1'000'000);
}

TEST(Options, HelpExplainsEveryOptionAndExitsZero) {
    Parsed p = parse({"--help"});
    EXPECT_FALSE(p.options);
    EXPECT_EQ(p.exit_code, 0);
    for (const char* name : {"--boards", "--moves", "--master", "--opponent", "--realtime", "--speed", "--compare",
                             "--svg", "--trace", "--schedule-trace"})
        EXPECT_NE(p.message.find(name), std::string::npos) << name;
}

std::string joined(const ::testing::TestParamInfo<std::vector<const char*>>& info) {
    std::string name;
    for (const char* arg : info.param)
        for (const char* c = arg; *c; ++c)
            if (std::isalnum(static_cast<unsigned char>(*c))) name += *c;
    return name + "_" + std::to_string(info.index);
}

class Rejected : public ::testing::TestWithParam<std::vector<const char*>> {};

TEST_P(Rejected, WithOneLineAndANonZeroExit) {
    Parsed p = parse(GetParam());
    EXPECT_FALSE(p.options);
    EXPECT_NE(p.exit_code, 0);
    EXPECT_EQ(p.message.rfind("simul-chess: ", 0), 0u) << p.message;
    EXPECT_EQ(p.message.find('\n'), std::string::npos) << p.message;
    EXPECT_GT(p.message.size(), 20u);
}

INSTANTIATE_TEST_SUITE_P(
    Nonsense, Rejected,
    ::testing::Values(std::vector<const char*>{"--boards", "0"}, std::vector<const char*>{"--boards=-3"},
                      std::vector<const char*>{"--boards", "2000000"}, std::vector<const char*>{"--boards", "many"},
                      std::vector<const char*>{"--moves", "0"}, std::vector<const char*>{"--moves", "100000"},
                      std::vector<const char*>{"--boards", "1000000", "--moves", "1000"},
                      std::vector<const char*>{"--master", "0"}, std::vector<const char*>{"--master=-5"},
                      std::vector<const char*>{"--master", "abc"}, std::vector<const char*>{"--master", "nan"},
                      std::vector<const char*>{"--master", "0.0001"}, std::vector<const char*>{"--opponent", "1e9"},
                      std::vector<const char*>{"--opponent=-1"}, std::vector<const char*>{"--speed", "10"},
                      std::vector<const char*>{"--realtime", "--speed", "0"},
                      std::vector<const char*>{"--compare", "--realtime"},
                      std::vector<const char*>{"--compare", "--moves", "1000"},
                      std::vector<const char*>{"--no-such-option"}, std::vector<const char*>{"extra"}),
    joined);

}  // namespace
}  // namespace chess
