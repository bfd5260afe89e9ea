// Barrier: tripping at n, arrival indices, several rounds, abort/reset, and
// cancellation before and after the trip.
#include <simul/sync/barrier.hpp>

#include <random>
#include <string>
#include <vector>

#include <simul/testing/simul_test.hpp>

using namespace std::chrono_literals;

namespace {

simul::Task<> arrive(simul::Barrier& b, std::string& log, std::string name) {
    try {
        std::size_t i = co_await b.wait();
        log += name + std::to_string(i) + ";";
    } catch (const simul::Cancelled&) {
        log += name + "-cancelled;";
        throw;
    } catch (const simul::BrokenBarrierError&) {
        log += name + "-broken;";
        throw;
    }
}

SIMUL_TEST(Barrier, SinglePartyReturnsAtOnce) {
    simul::Barrier b(1);
    const auto t0 = simul::now();
    EXPECT_EQ(co_await b.wait(), 0u);
    EXPECT_EQ(co_await b.wait(), 0u);
    EXPECT_EQ(simul::now(), t0);
    EXPECT_EQ(b.statistics().rounds, 2u);
}

SIMUL_TEST(Barrier, ZeroPartiesIsAnError) {
    EXPECT_THROW(simul::Barrier(0), simul::InvalidStateError);
    co_return;
}

SIMUL_TEST(Barrier, TripsWhenNWaitAndGivesArrivalIndices) {
    simul::Barrier b(3);
    std::string log;
    auto a = simul::spawn(arrive(b, log, "a"));
    auto c = simul::spawn(arrive(b, log, "b"));
    co_await simul::sleep(1s);
    EXPECT_EQ(b.n_waiting(), 2u);
    EXPECT_EQ(log, "");
    std::size_t mine = co_await b.wait();
    EXPECT_EQ(mine, 2u);
    EXPECT_EQ(b.n_waiting(), 0u);
    EXPECT_EQ(log, "");  // woken through the ready queue, not inline
    co_await a;
    co_await c;
    EXPECT_EQ(log, "a0;b1;");
}

simul::Task<> rounds_worker(simul::Barrier& b, int rounds, std::vector<int>& reached, int id) {
    for (int r = 0; r < rounds; ++r) {
        co_await simul::sleep(std::chrono::milliseconds(id * 7 + r));
        reached[id] = r;
        co_await b.wait();
        // every worker has reached round r before anyone goes on
        for (int x : reached) EXPECT_GE(x, r);
    }
}

SIMUL_TEST(Barrier, ReusableAcrossRounds) {
    simul::Barrier b(4);
    std::vector<int> reached(4, -1);
    std::vector<simul::TaskHandle<>> hs;
    for (int i = 0; i < 4; ++i) hs.push_back(simul::spawn(rounds_worker(b, 5, reached, i)));
    for (auto& h : hs) co_await h;
    EXPECT_EQ(b.statistics().rounds, 5u);
    EXPECT_EQ(b.n_waiting(), 0u);
}

SIMUL_TEST(Barrier, CancelledBeforeTripDoesNotCount) {
    simul::Barrier b(3);
    std::string log;
    auto a = simul::spawn(arrive(b, log, "a"));
    auto c = simul::spawn(arrive(b, log, "b"));
    co_await simul::yield();
    EXPECT_EQ(b.n_waiting(), 2u);
    a.cancel();
    co_await simul::yield();
    EXPECT_EQ(log, "a-cancelled;");
    EXPECT_EQ(b.n_waiting(), 1u);
    EXPECT_TRUE(a.cancelled());
    // one more arrival does not trip it: it needs a real third party
    auto d = simul::spawn(arrive(b, log, "c"));
    co_await simul::sleep(1s);
    EXPECT_EQ(b.n_waiting(), 2u);
    EXPECT_EQ(log, "a-cancelled;");
    EXPECT_EQ(co_await b.wait(), 2u);
    co_await c;
    co_await d;
    EXPECT_EQ(log, "a-cancelled;b0;c1;");
}

simul::Task<> arrive_then_sleep(simul::Barrier& b, std::string& log) {
    std::size_t i = co_await b.wait();
    log += "woke" + std::to_string(i) + ";";
    try {
        co_await simul::sleep(1h);
    } catch (const simul::Cancelled&) {
        log += "cancelled-at-next-await;";
        throw;
    }
}

SIMUL_TEST(Barrier, CancelledAfterTripReturnsNormally) {
    simul::Barrier b(2);
    std::string log;
    auto a = simul::spawn(arrive_then_sleep(b, log));
    co_await simul::yield();
    EXPECT_EQ(co_await b.wait(), 1u);  // trips; a is woken, not yet resumed
    a.cancel();
    try {
        co_await a;
    } catch (const simul::Cancelled&) {
    }
    EXPECT_EQ(log, "woke0;cancelled-at-next-await;");
    EXPECT_TRUE(a.cancelled());
    EXPECT_EQ(b.n_waiting(), 0u);
}

SIMUL_TEST(Barrier, APendingCancelIsDeliveredInsteadOfWaiting) {
    simul::Barrier b(2);
    simul::Loop::current()->current_task()->cancel();
    bool cancelled = false;
    try {
        co_await b.wait();
    } catch (const simul::Cancelled&) {
        cancelled = true;
    }
    EXPECT_TRUE(cancelled);
    EXPECT_EQ(b.n_waiting(), 0u);
}

SIMUL_TEST(Barrier, AbortBreaksWaitersAndLaterWaits) {
    simul::Barrier b(3);
    std::string log;
    auto a = simul::spawn(arrive(b, log, "a"));
    auto c = simul::spawn(arrive(b, log, "b"));
    co_await simul::yield();
    b.abort();
    EXPECT_TRUE(b.broken());
    EXPECT_THROW(co_await a, simul::BrokenBarrierError);
    EXPECT_THROW(co_await c, simul::BrokenBarrierError);
    EXPECT_EQ(log, "a-broken;b-broken;");
    bool broken = false;
    try {
        co_await b.wait();
    } catch (const simul::Error&) {  // BrokenBarrierError is a simul::Error
        broken = true;
    }
    EXPECT_TRUE(broken);
    b.reset();
    EXPECT_FALSE(b.broken());
    auto d = simul::spawn(arrive(b, log, "d"));
    auto e = simul::spawn(arrive(b, log, "e"));
    co_await simul::yield();
    EXPECT_EQ(co_await b.wait(), 2u);
    co_await d;
    co_await e;
    EXPECT_EQ(log, "a-broken;b-broken;d0;e1;");
}

SIMUL_TEST(Barrier, ResetBreaksTheRoundInProgress) {
    simul::Barrier b(2);
    std::string log;
    auto a = simul::spawn(arrive(b, log, "a"));
    co_await simul::yield();
    b.reset();
    EXPECT_FALSE(b.broken());
    EXPECT_THROW(co_await a, simul::BrokenBarrierError);
    auto c = simul::spawn(arrive(b, log, "c"));
    co_await simul::yield();
    EXPECT_EQ(co_await b.wait(), 1u);
    co_await c;
    EXPECT_EQ(log, "a-broken;c0;");
}

simul::Task<> random_worker(simul::Barrier& b, int& trips_seen, unsigned seed) {
    std::mt19937 rng(seed);
    for (int r = 0; r < 20; ++r) {
        co_await simul::sleep(std::chrono::milliseconds(rng() % 5));
        co_await b.wait();
        ++trips_seen;
    }
}

SIMUL_TEST(Barrier, RandomCancellationsKeepTheCountRight) {
    // Workers arrive at random; some extra tasks wait and are cancelled at
    // random before the trip. Every round trips with exactly the workers.
    constexpr int kWorkers = 5;
    simul::Barrier b(kWorkers);
    std::mt19937 rng(1234);
    int seen = 0;
    std::vector<simul::TaskHandle<>> hs;
    for (int i = 0; i < kWorkers; ++i) hs.push_back(simul::spawn(random_worker(b, seen, rng())));
    std::size_t cancelled = 0;
    for (int i = 0; i < 200 && !hs[0].done(); ++i) {
        // an intruder arrives and leaves before it could be counted
        if (b.n_waiting() + 2 < b.parties()) {
            auto intruder = simul::spawn([](simul::Barrier& bb) -> simul::Task<> { co_await bb.wait(); }(b));
            co_await simul::yield();
            intruder.cancel();
            try {
                co_await intruder;
            } catch (const simul::Cancelled&) {
                ++cancelled;
            }
        } else {
            co_await simul::sleep(1ms);
        }
    }
    for (auto& h : hs) co_await h;
    EXPECT_EQ(seen, kWorkers * 20);
    EXPECT_EQ(b.statistics().rounds, 20u);
    EXPECT_GT(cancelled, 0u);
    EXPECT_EQ(b.n_waiting(), 0u);
}

}  // namespace
