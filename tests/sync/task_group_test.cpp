// TaskGroup and with_task_group: children end before the group, the first
// failure cancels the siblings, errors come out together, cancellation of the
// joining task reaches the children, and groups nest.
#include <simul/sync/task_group.hpp>

#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <simul/testing/simul_test.hpp>

using namespace std::chrono_literals;

namespace {

simul::Task<> sleeps(std::string& log, std::string name, std::chrono::milliseconds d) {
    try {
        co_await simul::sleep(d);
        log += name + ";";
    } catch (const simul::Cancelled&) {
        log += name + "-cancelled;";
        throw;
    }
}

simul::Task<> fails_after(std::string& log, std::string what, std::chrono::milliseconds d) {
    co_await simul::sleep(d);
    log += what + "!;";
    throw std::runtime_error(what);
}

simul::Task<int> returns(int x) {
    co_await simul::yield();
    co_return x;
}

SIMUL_TEST(TaskGroup, JoinReturnsOnlyAfterEveryChild) {
    std::string log;
    simul::TaskGroup g;
    g.spawn(sleeps(log, "a", 30ms), "a");
    g.spawn(sleeps(log, "b", 10ms), "b");
    g.spawn(returns(7), "value");  // results are dropped
    EXPECT_EQ(g.size(), 3u);
    const auto t0 = simul::now();
    co_await g.join();
    EXPECT_EQ(simul::now() - t0, 30ms);
    EXPECT_EQ(log, "b;a;");
    EXPECT_EQ(g.size(), 0u);
    co_await g.join();  // empty: at once
}

SIMUL_TEST(TaskGroup, TheFirstFailureCancelsTheSiblingsAndJoinReportsIt) {
    std::string log;
    simul::TaskGroup g;
    g.spawn(sleeps(log, "slow", 1h), "slow");
    g.spawn(fails_after(log, "boom", 10ms), "boomer");
    const auto t0 = simul::now();
    try {
        co_await g.join();
        ADD_FAILURE() << "expected TaskGroupError";
    } catch (const simul::TaskGroupError& e) {
        CO_ASSERT_EQ(e.failures().size(), 1u);
        EXPECT_EQ(e.failures()[0].name, "boomer");
        EXPECT_EQ(e.failures()[0].what, "boom");
        EXPECT_NE(std::string(e.what()).find("'boomer': boom"), std::string::npos) << e.what();
        EXPECT_THROW(std::rethrow_exception(e.failures()[0].error), std::runtime_error);
    }
    EXPECT_EQ(simul::now() - t0, 10ms);
    EXPECT_EQ(log, "boom!;slow-cancelled;");
}

SIMUL_TEST(TaskGroup, ErrorsOfSeveralChildrenComeOutTogether) {
    std::string log;
    simul::TaskGroup g;
    // The first failure cancels the second, which fails while cleaning up.
    g.spawn(fails_after(log, "one", 5ms), "first");
    g.spawn([](std::string& log) -> simul::Task<> {
        try {
            co_await simul::sleep(1h);
        } catch (const simul::Cancelled&) {
            log += "two!;";
            throw std::runtime_error("two");
        }
    }(log), "second");
    g.spawn(sleeps(log, "bystander", 1h), "bystander");
    try {
        co_await g.join();
        ADD_FAILURE();
    } catch (const simul::TaskGroupError& e) {
        CO_ASSERT_EQ(e.failures().size(), 2u);
        EXPECT_EQ(e.failures()[0].name, "first");
        EXPECT_EQ(e.failures()[1].name, "second");
        EXPECT_EQ(std::string(e.what()), "simul::TaskGroup: 2 tasks failed; 'first': one; 'second': two");
    }
    EXPECT_EQ(log, "one!;two!;bystander-cancelled;");
}

SIMUL_TEST(TaskGroup, ChildrenEndingByCancelledAreNotFailures) {
    std::string log;
    simul::TaskGroup g;
    g.spawn(sleeps(log, "a", 1h), "a");
    g.spawn(sleeps(log, "b", 1h), "b");
    co_await simul::sleep(1s);
    g.cancel();
    co_await g.join();  // no error
    EXPECT_EQ(log, "a-cancelled;b-cancelled;");
}

SIMUL_TEST(TaskGroup, ChildSpawnedWhileCancellingStartsCancelled) {
    std::string log;
    simul::TaskGroup g;
    g.spawn(sleeps(log, "a", 1h), "a");
    co_await simul::yield();
    g.cancel();
    g.spawn(sleeps(log, "late", 1ms), "late");
    co_await g.join();
    EXPECT_EQ(log, "a-cancelled;");  // late's body never ran
    g.spawn(sleeps(log, "after", 1ms), "after");  // the join reset the group
    co_await g.join();
    EXPECT_EQ(log, "a-cancelled;after;");
}

simul::Task<> joins(simul::TaskGroup& g, std::string& log) {
    try {
        co_await g.join();
        log += "joined;";
    } catch (const simul::Cancelled&) {
        log += "join-cancelled;";
        throw;
    }
}

SIMUL_TEST(TaskGroup, CancellingTheJoiningTaskCancelsTheChildrenAndWaitsForThem) {
    std::string log;
    simul::TaskGroup g;
    g.spawn([](std::string& log) -> simul::Task<> {
        bool cancelled = false;
        try {
            co_await simul::sleep(1h);
        } catch (const simul::Cancelled&) {
            cancelled = true;
            log += "child-cleanup;";
        }
        if (cancelled) {
            co_await simul::sleep(5ms);  // cleanup may await; the joiner waits for it
            log += "child-done;";
            throw simul::Cancelled{};
        }
    }(log), "child");
    auto j = simul::spawn(joins(g, log));
    co_await simul::sleep(1s);
    j.cancel();
    try {
        co_await j;
        ADD_FAILURE();
    } catch (const simul::Cancelled&) {
    }
    EXPECT_EQ(log, "child-cleanup;child-done;join-cancelled;");
    EXPECT_EQ(g.size(), 0u);
}

SIMUL_TEST(TaskGroup, CancelledJoinerStillReportsChildErrorsAndKeepsTheCancelPending) {
    std::string log;
    simul::TaskGroup g;
    g.spawn([]() -> simul::Task<> {
        try {
            co_await simul::sleep(1h);
        } catch (const simul::Cancelled&) {
            throw std::runtime_error("failed while cleaning up");
        }
    }(), "messy");
    auto j = simul::spawn([](simul::TaskGroup& g, std::string& log) -> simul::Task<> {
        try {
            co_await g.join();
        } catch (const simul::TaskGroupError& e) {
            log += "error:" + e.failures()[0].what + ";";
        }
        try {
            co_await simul::yield();
        } catch (const simul::Cancelled&) {
            log += "then-cancelled;";
            throw;
        }
    }(g, log));
    co_await simul::sleep(1s);
    j.cancel();
    try {
        co_await j;
    } catch (const simul::Cancelled&) {
    }
    EXPECT_EQ(log, "error:failed while cleaning up;then-cancelled;");
}

SIMUL_TEST(TaskGroup, JoinUnderWaitForCancelsTheChildrenOnTimeout) {
    std::string log;
    simul::TaskGroup g;
    g.spawn(sleeps(log, "a", 1h), "a");
    bool timed_out = false;
    try {
        co_await simul::wait_for(g.join(), 10ms);
    } catch (const simul::TimeoutError&) {
        timed_out = true;
    }
    EXPECT_TRUE(timed_out);
    EXPECT_EQ(log, "a-cancelled;");
    EXPECT_EQ(g.size(), 0u);
}

SIMUL_TEST(TaskGroup, FailuresBeforeJoinAreReportedByJoin) {
    std::string log;
    simul::TaskGroup g;
    g.spawn(fails_after(log, "early", 1ms), "early");
    co_await simul::sleep(1s);
    EXPECT_EQ(g.statistics().failures, 1u);
    EXPECT_EQ(g.size(), 0u);
    bool threw = false;
    try {
        co_await g.join();
    } catch (const simul::TaskGroupError&) {
        threw = true;
    }
    EXPECT_TRUE(threw);
}

SIMUL_TEST(WithTaskGroup, ReturnsAfterItsChildren) {
    std::string log;
    co_await simul::with_task_group([&](simul::TaskGroup& g) -> simul::Task<> {
        g.spawn(sleeps(log, "a", 20ms), "a");
        g.spawn(sleeps(log, "b", 10ms), "b");
        log += "body;";
        co_return;
    });
    EXPECT_EQ(log, "body;b;a;");
}

SIMUL_TEST(WithTaskGroup, AChildFailureCancelsTheBodyToo) {
    std::string log;
    try {
        co_await simul::with_task_group([&](simul::TaskGroup& g) -> simul::Task<> {
            g.spawn(fails_after(log, "boom", 10ms), "boomer");
            g.spawn(sleeps(log, "sibling", 1h), "sibling");
            try {
                co_await simul::sleep(1h);
            } catch (const simul::Cancelled&) {
                log += "body-cancelled;";
                throw;
            }
        });
        ADD_FAILURE();
    } catch (const simul::TaskGroupError& e) {
        CO_ASSERT_EQ(e.failures().size(), 1u);
        EXPECT_EQ(e.failures()[0].name, "boomer");
    }
    EXPECT_EQ(log, "boom!;sibling-cancelled;body-cancelled;");
    // The group's cancel of this task was withdrawn: the next await is not cancelled.
    co_await simul::sleep(1ms);
}

SIMUL_TEST(WithTaskGroup, AnErrorInTheBodyCancelsTheChildrenAndIsListed) {
    std::string log;
    try {
        co_await simul::with_task_group([&](simul::TaskGroup& g) -> simul::Task<> {
            g.spawn(sleeps(log, "child", 1h), "child");
            co_await simul::sleep(1ms);
            throw std::logic_error("body broke");
        });
        ADD_FAILURE();
    } catch (const simul::TaskGroupError& e) {
        CO_ASSERT_EQ(e.failures().size(), 1u);
        EXPECT_EQ(e.failures()[0].name, "body");
        EXPECT_EQ(e.failures()[0].what, "body broke");
    }
    EXPECT_EQ(log, "child-cancelled;");
}

SIMUL_TEST(WithTaskGroup, AnOuterCancelReachesEveryChildAndComesOutAsCancelled) {
    std::string log;
    auto h = simul::spawn([](std::string& log) -> simul::Task<> {
        co_await simul::with_task_group([&](simul::TaskGroup& g) -> simul::Task<> {
            g.spawn(sleeps(log, "a", 1h), "a");
            g.spawn(sleeps(log, "b", 1h), "b");
            co_return;  // the body ends; the cancel finds the task in the join
        });
        log += "not-reached;";
    }(log));
    co_await simul::sleep(1s);
    h.cancel();
    bool cancelled = false;
    try {
        co_await h;
    } catch (const simul::Cancelled&) {
        cancelled = true;
    }
    EXPECT_TRUE(cancelled);
    EXPECT_EQ(log, "a-cancelled;b-cancelled;");
}

SIMUL_TEST(WithTaskGroup, AnOuterCancelDuringTheBodyIsNotSwallowed) {
    std::string log;
    auto h = simul::spawn([](std::string& log) -> simul::Task<> {
        co_await simul::with_task_group([&](simul::TaskGroup& g) -> simul::Task<> {
            g.spawn(sleeps(log, "child", 1h), "child");
            co_await simul::sleep(1h);
        });
        log += "not-reached;";
    }(log));
    co_await simul::sleep(1s);
    h.cancel();
    bool cancelled = false;
    try {
        co_await h;
    } catch (const simul::Cancelled&) {
        cancelled = true;
    }
    EXPECT_TRUE(cancelled);
    EXPECT_EQ(log, "child-cancelled;");
}

SIMUL_TEST(WithTaskGroup, ACancelPendingAtEntryCancelsTheChildrenAndComesOut) {
    std::string log;
    simul::Loop::current()->current_task()->cancel();
    bool cancelled = false;
    try {
        co_await simul::with_task_group([&](simul::TaskGroup& g) -> simul::Task<> {
            g.spawn(sleeps(log, "child", 1h), "child");
            co_return;
        });
    } catch (const simul::Cancelled&) {
        cancelled = true;
    }
    EXPECT_TRUE(cancelled);
    EXPECT_EQ(log, "");  // cancelled before its first step
    co_await simul::sleep(1ms);  // delivered once only
}

SIMUL_TEST(WithTaskGroup, LeavesNoStaleCancelInATaskCancelledBefore) {
    // This task caught a cancel earlier, so its count of requests is not zero.
    simul::Loop::current()->current_task()->cancel();
    try {
        co_await simul::yield();
    } catch (const simul::Cancelled&) {
    }
    std::string log;
    try {
        co_await simul::with_task_group([&](simul::TaskGroup& g) -> simul::Task<> {
            g.spawn(fails_after(log, "boom", 1ms), "boomer");
            co_await simul::sleep(1h);
        });
    } catch (const simul::TaskGroupError&) {
        log += "error;";
    }
    co_await simul::sleep(1ms);  // must not throw Cancelled
    EXPECT_EQ(log, "boom!;error;");
}

SIMUL_TEST(WithTaskGroup, NestedGroupsReportThroughTheirParents) {
    std::string log;
    try {
        co_await simul::with_task_group([&](simul::TaskGroup& outer) -> simul::Task<> {
            outer.spawn(sleeps(log, "outer-child", 1h), "outer-child");
            outer.spawn([](std::string& log) -> simul::Task<> {
                co_await simul::with_task_group([&](simul::TaskGroup& inner) -> simul::Task<> {
                    inner.spawn(fails_after(log, "deep", 5ms), "deep");
                    inner.spawn(sleeps(log, "inner-child", 1h), "inner-child");
                    co_return;
                });
            }(log), "middle");
            co_return;
        });
        ADD_FAILURE();
    } catch (const simul::TaskGroupError& e) {
        CO_ASSERT_EQ(e.failures().size(), 1u);
        EXPECT_EQ(e.failures()[0].name, "middle");
        // The inner group's error, with the inner child's name, is inside.
        EXPECT_NE(e.failures()[0].what.find("'deep': deep"), std::string::npos) << e.what();
    }
    EXPECT_EQ(log, "deep!;inner-child-cancelled;outer-child-cancelled;");
}

SIMUL_TEST(WithTaskGroup, ANestedGroupInTheBodyIsCancelledByAnOuterFailure) {
    std::string log;
    try {
        co_await simul::with_task_group([&](simul::TaskGroup& outer) -> simul::Task<> {
            outer.spawn(fails_after(log, "outer-boom", 5ms), "outer-boom");
            co_await simul::with_task_group([&](simul::TaskGroup& inner) -> simul::Task<> {
                inner.spawn(sleeps(log, "inner-child", 1h), "inner-child");
                co_return;
            });
            log += "not-reached;";
        });
        ADD_FAILURE();
    } catch (const simul::TaskGroupError& e) {
        CO_ASSERT_EQ(e.failures().size(), 1u);
        EXPECT_EQ(e.failures()[0].name, "outer-boom");
    }
    EXPECT_EQ(log, "outer-boom!;inner-child-cancelled;");
    co_await simul::sleep(1ms);  // no cancel left pending
}

SIMUL_TEST(TaskGroup, ADroppedGroupCancelsItsChildren) {
    std::string log;
    {
        simul::TaskGroup g;
        g.spawn(sleeps(log, "orphan", 1h), "orphan");
        co_await simul::yield();
    }
    co_await simul::sleep(1s);
    EXPECT_EQ(log, "orphan-cancelled;");
    EXPECT_EQ(simul::Loop::current()->live_tasks(), 1u);
}

SIMUL_TEST(TaskGroup, RandomFailuresAndCancellationsAlwaysJoinEveryChild) {
    std::mt19937 rng(31337);
    for (int round = 0; round < 30; ++round) {
        int ended = 0, failed_expected = 0;
        const int n = 50 + int(rng() % 100);
        const int fail_at = int(rng() % 3) == 0 ? -1 : int(rng() % unsigned(n));
        std::string ignored;
        simul::TaskGroup g;
        for (int i = 0; i < n; ++i) {
            const auto d = std::chrono::milliseconds(1 + rng() % 20);
            if (i == fail_at) {
                g.spawn(fails_after(ignored, "f", d), "f");
                ++failed_expected;
            } else {
                g.spawn([](int& ended, std::chrono::milliseconds d) -> simul::Task<> {
                    struct End {
                        int& n;
                        ~End() { ++n; }
                    } end{ended};
                    co_await simul::sleep(d);
                }(ended, d), "c");
            }
        }
        if (rng() % 4 == 0) g.cancel();
        bool threw = false;
        try {
            co_await g.join();
        } catch (const simul::TaskGroupError& e) {
            threw = true;
            EXPECT_LE(e.failures().size(), 1u);
        }
        EXPECT_EQ(g.size(), 0u);
        EXPECT_LE(int(threw), failed_expected);
        EXPECT_LE(ended, n);
        EXPECT_EQ(simul::Loop::current()->live_tasks(), 1u);
    }
}

}  // namespace
