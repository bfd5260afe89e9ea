#include <simul/io/signal.hpp>

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <vector>

#include <simul/io/to_thread.hpp>
#include <simul/testing/simul_test.hpp>

using namespace std::chrono_literals;

namespace {

bool blocked_here(int sig) {
    sigset_t cur;
    ::pthread_sigmask(SIG_BLOCK, nullptr, &cur);
    return sigismember(&cur, sig);
}

simul::Task<simul::SignalInfo> wait_signal(int sig) { co_return co_await simul::signal(sig); }

SIMUL_TEST_REAL_CLOCK(Signal, AWaiterGetsTheNextDeliveryWithItsSender) {
    auto waiter = simul::spawn(wait_signal(SIGUSR1));
    co_await simul::yield();  // let it register
    EXPECT_TRUE(blocked_here(SIGUSR1));
    ::raise(SIGUSR1);
    const simul::SignalInfo info = co_await waiter;
    EXPECT_EQ(info.signo, SIGUSR1);
    EXPECT_EQ(info.pid, ::getpid());
    EXPECT_FALSE(blocked_here(SIGUSR1));  // the last listener gone: unblocked again
}

SIMUL_TEST_REAL_CLOCK(Signal, IsDeliveredToTheAwaiterOfThatSignalOnly) {
    auto one = simul::spawn(wait_signal(SIGUSR1));
    auto two = simul::spawn(wait_signal(SIGUSR2));
    co_await simul::yield();
    ::kill(::getpid(), SIGUSR2);  // process-directed: this thread is the only one
    co_await simul::wait_for(simul::sleep(20ms), 1s);
    EXPECT_TRUE(two.done());
    EXPECT_FALSE(one.done());
    EXPECT_EQ((co_await two).signo, SIGUSR2);
    ::raise(SIGUSR1);
    EXPECT_EQ((co_await one).signo, SIGUSR1);
}

SIMUL_TEST_REAL_CLOCK(Signal, EveryWaiterOfOneSignalWakes) {
    std::vector<simul::TaskHandle<simul::SignalInfo>> waiters;
    for (int i = 0; i < 5; ++i) waiters.push_back(simul::spawn(wait_signal(SIGUSR1)));
    co_await simul::yield();
    ::raise(SIGUSR1);
    for (auto& w : waiters) EXPECT_EQ((co_await w).signo, SIGUSR1);
}

SIMUL_TEST(Signal, WorksOnTheVirtualClockToo) {
    auto waiter = simul::spawn(wait_signal(SIGUSR2));
    co_await simul::sleep(1h);
    ::raise(SIGUSR2);
    EXPECT_EQ((co_await waiter).signo, SIGUSR2);
}

SIMUL_TEST_REAL_CLOCK(Signal, ACancelledWaiterUnregisters) {
    auto waiter = simul::spawn(wait_signal(SIGUSR1));
    co_await simul::yield();
    EXPECT_EQ(simul::detail::signal_listeners(SIGUSR1), 1u);
    waiter.cancel();
    EXPECT_THROW((void)co_await waiter, simul::Cancelled);
    EXPECT_EQ(simul::detail::signal_listeners(SIGUSR1), 0u);
    EXPECT_FALSE(blocked_here(SIGUSR1));
}

SIMUL_TEST_REAL_CLOCK(Signal, AHandlerRunsForEachDeliveryUntilDropped) {
    int calls = 0;
    {
        auto h = simul::on_signal(SIGUSR1, [&](const simul::SignalInfo& i) {
            EXPECT_EQ(i.signo, SIGUSR1);
            ++calls;
        });
        EXPECT_TRUE(h.active());
        for (int i = 0; i < 3; ++i) {
            ::raise(SIGUSR1);
            for (int k = 0; k < 100 && calls <= i; ++k) co_await simul::sleep(1ms);
        }
    }
    EXPECT_EQ(calls, 3);
    EXPECT_FALSE(blocked_here(SIGUSR1));
}

SIMUL_TEST_REAL_CLOCK(Signal, AHandlerMayUnregisterItself) {
    int calls = 0;
    simul::SignalHandler h;
    h = simul::on_signal(SIGUSR2, [&](const simul::SignalInfo&) {
        ++calls;
        h.reset();
    });
    auto other = simul::spawn(wait_signal(SIGUSR2));  // a listener after it in the list still runs
    co_await simul::yield();
    ::raise(SIGUSR2);
    EXPECT_EQ((co_await other).signo, SIGUSR2);
    EXPECT_EQ(calls, 1);
    EXPECT_FALSE(h.active());
    EXPECT_EQ(simul::detail::signal_listeners(SIGUSR2), 0u);
}

SIMUL_TEST_REAL_CLOCK(Signal, AThrowingHandlerGoesToTheExceptionHandler) {
    std::vector<std::string> reported;
    simul::Loop::current()->set_exception_handler([&](const simul::ExceptionContext& c) { reported.push_back(c.message); });
    auto h = simul::on_signal(SIGUSR1, [](const simul::SignalInfo&) { throw std::runtime_error("boom"); });
    auto w = simul::spawn(wait_signal(SIGUSR1));
    co_await simul::yield();
    ::raise(SIGUSR1);
    co_await w;
    EXPECT_EQ(reported.size(), 1u);
}

SIMUL_TEST_REAL_CLOCK(Signal, AStreamMissesNoDeliveryBetweenAwaits) {
    simul::SignalStream s(SIGUSR1);
    ::raise(SIGUSR1);  // before anybody awaits: counted once the loop reads it
    co_await s.next();
    for (int i = 0; i < 3; ++i) {
        ::raise(SIGUSR1);
        co_await simul::sleep(2ms);  // the loop reads it while nobody waits
        const auto info = co_await simul::wait_for(s.next(), 1s);
        EXPECT_EQ(info.signo, SIGUSR1);
    }
    EXPECT_EQ(s.pending(), 0u);
}

TEST(Signal, SignalsThatCannotBeCaughtAreRefused) {
    simul::run([]() -> simul::Task<> {
        EXPECT_THROW((void)simul::signal(SIGKILL), simul::Error);
        EXPECT_THROW((void)simul::on_signal(SIGSEGV, [](const simul::SignalInfo&) {}), simul::Error);
        EXPECT_THROW(simul::SignalStream(SIGSTOP), simul::Error);
        co_return;
    }());
}

// ---- run()'s default: SIGINT and SIGTERM cancel main ------------------------

simul::Task<int> main_interrupted_by(int sig, bool* cleaned_up) {
    ::kill(::getpid(), sig);
    bool cancelled = false;
    try {
        co_await simul::sleep(10s);
    } catch (const simul::Cancelled&) {
        cancelled = true;
    }
    if (cancelled) {
        co_await simul::sleep(1ms);  // cleanup may await
        *cleaned_up = true;
        throw simul::Cancelled();
    }
    co_return 0;
}

TEST(Signal, SigintCancelsRunsMainTask) {
    bool cleaned_up = false;
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_THROW(simul::run(main_interrupted_by(SIGINT, &cleaned_up)), simul::Cancelled);
    EXPECT_TRUE(cleaned_up);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
    EXPECT_FALSE(blocked_here(SIGINT));
}

TEST(Signal, SigtermCancelsRunsMainTask) {
    bool cleaned_up = false;
    EXPECT_THROW(simul::run(main_interrupted_by(SIGTERM, &cleaned_up)), simul::Cancelled);
    EXPECT_TRUE(cleaned_up);
}

simul::Task<int> main_that_handles_sigint() {
    auto w = simul::spawn(wait_signal(SIGINT));
    co_await simul::yield();
    ::raise(SIGINT);
    co_await w;  // the program listens for SIGINT itself: main is not cancelled
    co_await simul::sleep(1ms);
    co_return 7;
}

TEST(Signal, AProgramThatListensForSigintDecidesItself) { EXPECT_EQ(simul::run(main_that_handles_sigint()), 7); }

simul::Task<> main_that_ignores_cancel() {
    ::raise(SIGINT);
    for (;;) {
        try {
            co_await simul::sleep(10ms);
        } catch (const simul::Cancelled&) {
            ::raise(SIGINT);  // the user presses Ctrl-C again
        }
    }
}

simul::Task<> main_with_workers_interrupted() {
    co_await simul::to_thread([] {});  // the pool's threads exist now
    ::kill(::getpid(), SIGINT);        // process-directed, as Ctrl-C: any thread not blocking it may take it
    co_await simul::sleep(10s);
}

// The pool's workers block the signals, so the loop's signalfd gets them
// instead of a worker running the default action (killing the process).
TEST(SignalDeathTest, CtrlCReachesTheLoopWhenThreadPoolWorkersRun) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_EXIT(
        {
            simul::ThreadPool::default_pool();  // workers started before run() blocked anything
            try {
                simul::run(main_with_workers_interrupted());
            } catch (const simul::Cancelled&) {
                std::exit(0);
            }
            std::exit(1);
        },
        ::testing::ExitedWithCode(0), "");
}

TEST(SignalDeathTest, ASecondSigintKillsTheProcess) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_EXIT(simul::run(main_that_ignores_cancel()), ::testing::KilledBySignal(SIGINT), "");
}

}  // namespace
