// The program itself, run as a user would (its path comes from CMake).
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace {

struct Ran {
    int exit_code;
    std::string out, err;
};

Ran run(const std::string& args) {
    std::string err_path = "/tmp/chess_program_test_" + std::to_string(::getpid()) + ".err";
    std::string command = std::string(SIMUL_CHESS_BINARY) + " " + args + " 2>" + err_path;
    Ran r{};
    FILE* pipe = popen(command.c_str(), "r");
    if (!pipe) return {-1, "", "popen failed"};
    char buf[4096];
    for (std::size_t n; (n = fread(buf, 1, sizeof buf, pipe)) > 0;) r.out.append(buf, n);
    int status = pclose(pipe);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (FILE* f = fopen(err_path.c_str(), "r")) {
        for (std::size_t n; (n = fread(buf, 1, sizeof buf, f)) > 0;) r.err.append(buf, n);
        fclose(f);
    }
    std::remove(err_path.c_str());
    return r;
}

TEST(Program, DefaultRunComparesTwelveHoursWithAnHour) {
    Ran r = run("");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("12:00:00"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("1:00:55"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("11.82 times"), std::string::npos) << r.out;
    EXPECT_TRUE(r.err.empty()) << r.err;
}

TEST(Program, NonsenseGetsOneLineOnStderrAndANonZeroExit) {
    for (const char* args : {"--boards 0", "--master -1", "--moves lots", "--boards 5000000"}) {
        Ran r = run(args);
        EXPECT_NE(r.exit_code, 0) << args;
        EXPECT_TRUE(r.out.empty()) << args;
        ASSERT_FALSE(r.err.empty()) << args;
        EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << args << ": " << r.err;
    }
}

TEST(Program, HelpExitsZero) {
    Ran r = run("--help");
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_NE(r.out.find("--opponent"), std::string::npos);
}

TEST(Program, OneBoardOneMoveIsNoFasterAsASimul) {
    Ran r = run("--boards 1 --moves 1");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("1.00 times"), std::string::npos) << r.out;
}

TEST(Program, EveryStylePlaysTheSameHour) {
    for (const char* style : {"callbacks", "generators", "fibers"}) {
        Ran r = run(std::string("--style ") + style);
        if (r.exit_code == 2 && r.err.find("Boost.Context") != std::string::npos) continue;  // built without fibers
        EXPECT_EQ(r.exit_code, 0) << style << ": " << r.err;
        EXPECT_NE(r.out.find("1:00:55"), std::string::npos) << style << ": " << r.out;
        EXPECT_NE(r.out.find(std::string("written as ") + style), std::string::npos) << r.out;
    }
}

}  // namespace
