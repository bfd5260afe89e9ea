// --compare's pieces, at tiny sizes: each way plays and reports.
#include "compare.hpp"

#include <gtest/gtest.h>

#include "play_processes.hpp"
#include "play_threads.hpp"

namespace chess {
namespace {

using namespace std::chrono_literals;

const Exhibition kTiny{3, 2, 1ms, 5ms};

TEST(Compare, CapsNeverExceedTheirCeilings) {
    MachineLimits limits = MachineLimits::read();
    EXPECT_GT(limits.threads_max, 0);
    EXPECT_GT(limits.pid_max, 0);
    EXPECT_GT(limits.mem_available, 0);
    EXPECT_LE(cap(Way::threads, limits), kMaxThreads);
    EXPECT_LE(cap(Way::processes, limits), kMaxProcesses);
    EXPECT_LE(cap(Way::threads, limits), limits.spare_tasks());
}

TEST(Compare, CapsShrinkWhenTheMachineIsShort) {
    MachineLimits tight;
    tight.nproc = 200;
    tight.threads_max = 100'000;
    tight.pid_max = 100'000;
    tight.tasks_now = 100;
    tight.mem_available = std::int64_t(1) << 30;
    EXPECT_EQ(cap(Way::threads, tight), 50);
    EXPECT_EQ(cap(Way::processes, tight), 50);
    tight.nproc = -1;
    tight.mem_available = 40 << 20;  // 40 MiB: a quarter of it for 2 MiB processes
    EXPECT_EQ(cap(Way::processes, tight), 5);
}

TEST(Compare, ThreadsPlayEveryBoard) { play_threads(kTiny); }

TEST(Compare, ProcessesPlayEveryBoardAndReportTheirMemory) {
    std::int64_t memory = play_processes(kTiny, 2ms);
    EXPECT_GT(memory, 0);
}

TEST(Compare, EachWayIsMeasuredInAChildOfItsOwn) {
    for (Way way : {Way::threads, Way::processes, Way::simul}) {
        Measured m = measure(way, kTiny, 10s);
        EXPECT_TRUE(m.ran) << m.note;
        EXPECT_GE(m.wall, 2 * (kTiny.master + kTiny.opponent));
        EXPECT_GT(m.memory, 0);
    }
}

}  // namespace
}  // namespace chess
