// Watch: latest value to many readers, skipped intermediates, never a missed
// latest value, FIFO wake-up, cancellation before and after a set.
#include <simul/sync/watch.hpp>

#include <random>
#include <string>
#include <vector>

#include <simul/testing/simul_test.hpp>

using namespace std::chrono_literals;

namespace {

SIMUL_TEST(Watch, GetAndVersion) {
    simul::Watch<int> w(5);
    EXPECT_EQ(w.get(), 5);
    EXPECT_EQ(w.version(), 0u);
    w.set(6);
    EXPECT_EQ(w.get(), 6);
    EXPECT_EQ(w.version(), 1u);
    w.modify([](int& x) { x += 10; });
    EXPECT_EQ(w.get(), 16);
    EXPECT_EQ(w.version(), 2u);
    const auto t0 = simul::now();
    EXPECT_EQ(co_await w.changed(0), 2u);  // already newer: no wait
    EXPECT_EQ(simul::now(), t0);
}

simul::Task<> reads(simul::Watch<int>& w, std::string& log, std::string name) {
    auto rx = w.reader();
    try {
        int v = co_await rx.changed();
        log += name + std::to_string(v) + ";";
    } catch (const simul::Cancelled&) {
        log += name + "-cancelled;";
        throw;
    }
}

SIMUL_TEST(Watch, SetWakesEveryReaderInFifoOrder) {
    simul::Watch<int> w(0);
    std::string log;
    auto a = simul::spawn(reads(w, log, "a"));
    auto b = simul::spawn(reads(w, log, "b"));
    auto c = simul::spawn(reads(w, log, "c"));
    co_await simul::sleep(1s);
    EXPECT_EQ(w.statistics().waiters, 3u);
    w.set(1);
    EXPECT_EQ(log, "");  // through the ready queue
    co_await a;
    co_await b;
    co_await c;
    EXPECT_EQ(log, "a1;b1;c1;");
}

SIMUL_TEST(Watch, IntermediateValuesAreSkippedTheLatestIsSeen) {
    simul::Watch<int> w(0);
    std::string log;
    auto a = simul::spawn(reads(w, log, "a"));
    co_await simul::yield();
    w.set(1);
    w.set(2);
    w.set(3);
    co_await a;
    EXPECT_EQ(log, "a3;");
}

SIMUL_TEST(Watch, ReaderDoesNotMissASetWhileBusy) {
    simul::Watch<int> w(0);
    auto rx = w.reader();
    w.set(1);  // before the reader looks again
    EXPECT_TRUE(rx.has_changed());
    const auto t0 = simul::now();
    EXPECT_EQ(co_await rx.changed(), 1);
    EXPECT_EQ(simul::now(), t0);
    EXPECT_FALSE(rx.has_changed());
    EXPECT_EQ(rx.get(), 1);
}

SIMUL_TEST(Watch, ReaderGetMarksSeen) {
    simul::Watch<std::string> w("a");
    auto rx = w.reader();
    w.set("b");
    EXPECT_EQ(rx.get(), "b");
    EXPECT_FALSE(rx.has_changed());
    auto t = simul::spawn([](simul::Watch<std::string>& ww) -> simul::Task<> {
        co_await simul::sleep(2s);
        ww.set("c");
    }(w));
    const auto t0 = simul::now();
    EXPECT_EQ(co_await rx.changed(), "c");
    EXPECT_EQ(simul::now() - t0, 2s);
    co_await t;
}

SIMUL_TEST(Watch, CancelledBeforeSetLosesNothing) {
    simul::Watch<int> w(0);
    std::string log;
    auto a = simul::spawn(reads(w, log, "a"));
    auto b = simul::spawn(reads(w, log, "b"));
    co_await simul::yield();
    a.cancel();
    co_await simul::yield();
    EXPECT_EQ(log, "a-cancelled;");
    EXPECT_EQ(w.statistics().waiters, 1u);
    w.set(9);
    co_await b;
    EXPECT_EQ(log, "a-cancelled;b9;");
}

SIMUL_TEST(Watch, ReaderCancelledThenRetriesGetsTheValue) {
    simul::Watch<int> w(0);
    auto rx = w.reader();
    int got = -1;
    auto a = simul::spawn([](simul::Watch<int>::Reader& r, int& g) -> simul::Task<> { g = co_await r.changed(); }(rx, got));
    co_await simul::yield();
    a.cancel();
    try {
        co_await a;
    } catch (const simul::Cancelled&) {
    }
    w.set(4);
    EXPECT_EQ(got, -1);
    EXPECT_EQ(co_await rx.changed(), 4);  // the cancelled wait did not mark anything seen
}

simul::Task<> reads_then_sleeps(simul::Watch<int>& w, std::string& log) {
    auto rx = w.reader();
    int v = co_await rx.changed();
    log += "woke" + std::to_string(v) + ";";
    try {
        co_await simul::sleep(1h);
    } catch (const simul::Cancelled&) {
        log += "cancelled-at-next-await;";
        throw;
    }
}

SIMUL_TEST(Watch, CancelledAfterSetReturnsTheValue) {
    simul::Watch<int> w(0);
    std::string log;
    auto a = simul::spawn(reads_then_sleeps(w, log));
    co_await simul::yield();
    w.set(7);
    a.cancel();  // woken, not yet resumed
    try {
        co_await a;
    } catch (const simul::Cancelled&) {
    }
    EXPECT_EQ(log, "woke7;cancelled-at-next-await;");
}

SIMUL_TEST(Watch, APendingCancelIsDeliveredInsteadOfWaiting) {
    simul::Watch<int> w(0);
    simul::Loop::current()->current_task()->cancel();
    bool cancelled = false;
    try {
        co_await w.changed(0);
    } catch (const simul::Cancelled&) {
        cancelled = true;
    }
    EXPECT_TRUE(cancelled);
    EXPECT_EQ(w.statistics().waiters, 0u);
}

simul::Task<> follower(simul::Watch<int>& w, int last, std::vector<int>& seen, int& final_value) {
    auto rx = w.reader();
    int prev = -1;
    for (;;) {
        int v = co_await rx.changed();
        EXPECT_GT(v, prev);  // values only move forward
        prev = v;
        seen.push_back(v);
        if (v == last) break;
        co_await simul::sleep(std::chrono::milliseconds(v % 7));  // busy: misses some values
    }
    final_value = prev;
}

SIMUL_TEST(Watch, ManyReadersAlwaysEndOnTheLatestValue) {
    simul::Watch<int> w(0);
    constexpr int kLast = 500;
    constexpr int kReaders = 20;
    std::vector<std::vector<int>> seen(kReaders);
    std::vector<int> finals(kReaders, -1);
    std::vector<simul::TaskHandle<>> hs;
    for (int i = 0; i < kReaders; ++i) hs.push_back(simul::spawn(follower(w, kLast, seen[i], finals[i])));
    co_await simul::yield();
    std::mt19937 rng(42);
    for (int v = 1; v <= kLast; ++v) {
        w.set(v);
        if (rng() % 3 == 0) co_await simul::sleep(std::chrono::milliseconds(rng() % 4));
    }
    for (auto& h : hs) co_await h;
    for (int i = 0; i < kReaders; ++i) {
        EXPECT_EQ(finals[i], kLast);
        EXPECT_LT(seen[i].size(), std::size_t(kLast) + 1);
    }
}

}  // namespace
