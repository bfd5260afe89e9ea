// Queue, LifoQueue, PriorityQueue: order, bounds, try_*, join/task_done,
// close, and cancellation before and after an item is handed over
// (reliability.md row 1), with a randomized conservation check.
#include <simul/sync/queue.hpp>

#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <simul/testing/simul_test.hpp>

using namespace std::chrono_literals;

namespace {

simul::Task<> gets(simul::Queue<int>& q, std::string& log, std::string name) {
    try {
        int x = co_await q.get();
        log += name + "=" + std::to_string(x) + ";";
    } catch (const simul::Cancelled&) {
        log += name + "-cancelled;";
        throw;
    }
}

template <class H>
simul::Task<bool> ended_cancelled(H& h) {
    try {
        co_await h;
    } catch (const simul::Cancelled&) {
        co_return true;
    }
    co_return false;
}

SIMUL_TEST(Queue, ItemsComeOutInFifoOrder) {
    simul::Queue<int> q;
    for (int i = 0; i < 5; ++i) co_await q.put(i);
    EXPECT_EQ(q.size(), 5u);
    for (int i = 0; i < 5; ++i) EXPECT_EQ(co_await q.get(), i);
    EXPECT_TRUE(q.empty());
}

SIMUL_TEST(LifoQueue, TheNewestItemComesOutFirst) {
    simul::LifoQueue<int> q;
    for (int i = 0; i < 4; ++i) co_await q.put(i);
    for (int i = 3; i >= 0; --i) EXPECT_EQ(co_await q.get(), i);
}

SIMUL_TEST(PriorityQueue, TheSmallestItemComesOutFirst) {
    simul::PriorityQueue<int> q;
    for (int x : {5, 1, 4, 2, 3}) co_await q.put(x);
    for (int i = 1; i <= 5; ++i) EXPECT_EQ(co_await q.get(), i);
    simul::PriorityQueue<int, std::greater<int>> big_first;
    for (int x : {5, 1, 4}) co_await big_first.put(x);
    EXPECT_EQ(co_await big_first.get(), 5);
}

SIMUL_TEST(Queue, GettersAreServedInFifoOrder) {
    simul::Queue<int> q;
    std::string log;
    auto a = simul::spawn(gets(q, log, "a"));
    auto b = simul::spawn(gets(q, log, "b"));
    auto c = simul::spawn(gets(q, log, "c"));
    co_await simul::yield();
    EXPECT_EQ(q.statistics().getters, 3u);
    co_await q.put(1);
    co_await q.put(2);
    co_await q.put(3);
    EXPECT_EQ(q.size(), 0u);  // handed to the getters directly
    co_await a;
    co_await b;
    co_await c;
    EXPECT_EQ(log, "a=1;b=2;c=3;");
}

simul::Task<> puts(simul::Queue<int>& q, std::string& log, int x) {
    try {
        co_await q.put(x);
        log += "put" + std::to_string(x) + ";";
    } catch (const simul::Cancelled&) {
        log += "put" + std::to_string(x) + "-cancelled;";
        throw;
    } catch (const simul::QueueClosed&) {
        log += "put" + std::to_string(x) + "-closed;";
    }
}

SIMUL_TEST(Queue, ABoundedQueueMakesPutWaitWhileFull) {
    simul::Queue<int> q(2);
    std::string log;
    co_await q.put(1);
    co_await q.put(2);
    EXPECT_TRUE(q.full());
    EXPECT_FALSE(q.try_put(9));
    auto p3 = simul::spawn(puts(q, log, 3));
    auto p4 = simul::spawn(puts(q, log, 4));
    co_await simul::sleep(1s);
    EXPECT_EQ(log, "");
    EXPECT_EQ(q.statistics().putters, 2u);
    EXPECT_EQ(co_await q.get(), 1);  // lets 3 in
    EXPECT_EQ(q.size(), 2u);
    co_await p3;
    EXPECT_EQ(log, "put3;");
    EXPECT_EQ(co_await q.get(), 2);
    co_await p4;
    EXPECT_EQ(co_await q.get(), 3);
    EXPECT_EQ(co_await q.get(), 4);
    EXPECT_EQ(log, "put3;put4;");
}

SIMUL_TEST(Queue, TryPutAndTryGetNeverWait) {
    simul::Queue<std::unique_ptr<int>> q(1);
    EXPECT_FALSE(q.try_get().has_value());
    auto p = std::make_unique<int>(7);
    EXPECT_TRUE(q.try_put(std::move(p)));
    EXPECT_EQ(p, nullptr);
    auto p2 = std::make_unique<int>(8);
    EXPECT_FALSE(q.try_put(std::move(p2)));
    EXPECT_NE(p2, nullptr);  // a refused item is left with the caller
    auto got = q.try_get();
    CO_ASSERT_TRUE(got.has_value());
    EXPECT_EQ(**got, 7);
    co_return;
}

SIMUL_TEST(Queue, JoinWaitsUntilEveryItemIsDone) {
    simul::Queue<int> q;
    co_await q.join();  // nothing put: at once
    co_await q.put(1);
    co_await q.put(2);
    bool joined = false;
    auto j = simul::spawn([](simul::Queue<int>& q, bool& joined) -> simul::Task<> {
        co_await q.join();
        joined = true;
    }(q, joined));
    (void)co_await q.get();
    q.task_done();
    co_await simul::sleep(1s);
    EXPECT_FALSE(joined);
    EXPECT_EQ(q.statistics().unfinished, 1u);
    (void)co_await q.get();
    q.task_done();
    co_await j;
    EXPECT_TRUE(joined);
    EXPECT_THROW(q.task_done(), simul::Error);
}

SIMUL_TEST(Queue, CloseLetsConsumersDrainThenEnds) {
    simul::Queue<int> q;
    co_await q.put(1);
    co_await q.put(2);
    q.close();
    EXPECT_TRUE(q.closed());
    EXPECT_THROW(q.try_put(3), simul::QueueClosed);
    bool put_closed = false;
    try {
        co_await q.put(3);
    } catch (const simul::QueueClosed&) {
        put_closed = true;
    }
    EXPECT_TRUE(put_closed);
    EXPECT_EQ(co_await q.get(), 1);
    EXPECT_EQ(*q.try_get(), 2);
    EXPECT_THROW(q.try_get(), simul::QueueClosed);
    bool get_closed = false;
    try {
        (void)co_await q.get();
    } catch (const simul::QueueClosed& e) {
        get_closed = true;
        EXPECT_NE(std::string(e.what()).find("closed"), std::string::npos);
    }
    EXPECT_TRUE(get_closed);
}

simul::Task<> consume_until_closed(simul::Queue<int>& q, std::string& log) {
    try {
        for (;;) log += std::to_string(co_await q.get()) + ";";
    } catch (const simul::QueueClosed&) {
        log += "end;";
    }
}

SIMUL_TEST(Queue, CloseWakesWaitingGettersAndPutters) {
    simul::Queue<int> q(1);
    std::string glog, plog;
    auto c = simul::spawn(consume_until_closed(q, glog));
    co_await simul::yield();
    q.close();
    co_await c;
    EXPECT_EQ(glog, "end;");

    simul::Queue<int> q2(1);
    co_await q2.put(1);
    auto p = simul::spawn(puts(q2, plog, 2));
    co_await simul::yield();
    q2.close();
    co_await p;
    EXPECT_EQ(plog, "put2-closed;");
    EXPECT_EQ(co_await q2.get(), 1);  // what was in stays
}

// reliability.md row 1: two getters wait; put(x); cancel getter 1 before it resumes.
SIMUL_TEST(Queue, GetterCancelledAfterTheHandOffStillReturnsTheItem) {
    simul::Queue<int> q;
    std::string log;
    auto a = simul::spawn([](simul::Queue<int>& q, std::string& log) -> simul::Task<> {
        int x = co_await q.get();
        log += "a=" + std::to_string(x) + ";";
        try {
            co_await simul::yield();
        } catch (const simul::Cancelled&) {
            log += "a-cancelled-later;";
            throw;
        }
    }(q, log));
    auto b = simul::spawn(gets(q, log, "b"));
    co_await simul::yield();
    co_await q.put(42);
    a.cancel();  // a holds 42 in its node, not yet resumed
    EXPECT_TRUE(co_await ended_cancelled(a));
    EXPECT_EQ(log, "a=42;a-cancelled-later;");
    co_await q.put(43);
    co_await b;
    EXPECT_EQ(log, "a=42;a-cancelled-later;b=43;");
}

SIMUL_TEST(Queue, GetterCancelledBeforeTheHandOffLeavesTheItemForTheNext) {
    simul::Queue<int> q;
    std::string log;
    auto a = simul::spawn(gets(q, log, "a"));
    auto b = simul::spawn(gets(q, log, "b"));
    co_await simul::yield();
    a.cancel();
    co_await q.put(42);  // a's node is gone: b gets it
    co_await b;
    EXPECT_TRUE(co_await ended_cancelled(a));
    EXPECT_EQ(log, "a-cancelled;b=42;");
    EXPECT_EQ(q.size(), 0u);
}

SIMUL_TEST(Queue, PutterCancelledWhileWaitingDoesNotPut) {
    simul::Queue<int> q(1);
    std::string log;
    co_await q.put(1);
    auto p = simul::spawn(puts(q, log, 2));
    auto p3 = simul::spawn(puts(q, log, 3));
    co_await simul::yield();
    p.cancel();
    EXPECT_TRUE(co_await ended_cancelled(p));
    EXPECT_EQ(co_await q.get(), 1);
    EXPECT_EQ(co_await q.get(), 3);
    co_await p3;
    EXPECT_EQ(log, "put2-cancelled;put3;");
    EXPECT_EQ(q.statistics().unfinished, 3u - 1u);  // 1 and 3 were put
}

SIMUL_TEST(Queue, PutterCancelledAfterItsItemWasTakenInReturnsNormally) {
    simul::Queue<int> q(1);
    std::string log;
    co_await q.put(1);
    auto p = simul::spawn(puts(q, log, 2));
    co_await simul::yield();
    EXPECT_EQ(co_await q.get(), 1);  // 2 moves in; p is queued to run
    p.cancel();
    co_await p;
    EXPECT_EQ(log, "put2;");
    EXPECT_EQ(co_await q.get(), 2);
}

SIMUL_TEST(Queue, APendingCancelIsDeliveredWhenGetWouldWait) {
    simul::Queue<int> q;
    simul::Loop::current()->current_task()->cancel();
    bool cancelled = false;
    try {
        (void)co_await q.get();
    } catch (const simul::Cancelled&) {
        cancelled = true;
    }
    EXPECT_TRUE(cancelled);
    EXPECT_EQ(q.statistics().getters, 0u);
}

SIMUL_TEST(Queue, GetUnderWaitForTimesOutAndTheNextPutIsKept) {
    simul::Queue<int> q;
    bool timed_out = false;
    try {
        (void)co_await simul::wait_for(q.get(), 10ms);
    } catch (const simul::TimeoutError&) {
        timed_out = true;
    }
    EXPECT_TRUE(timed_out);
    EXPECT_EQ(q.statistics().getters, 0u);
    co_await q.put(5);
    EXPECT_EQ(q.size(), 1u);
    EXPECT_EQ(co_await simul::wait_for(q.get(), 10ms), 5);
}

SIMUL_TEST(Queue, PutUnderWaitForOnAFullQueueTimesOutWithoutPutting) {
    simul::Queue<int> q(1);
    co_await q.put(1);
    bool timed_out = false;
    try {
        co_await simul::wait_for(q.put(2), 10ms);
    } catch (const simul::TimeoutError&) {
        timed_out = true;
    }
    EXPECT_TRUE(timed_out);
    EXPECT_EQ(q.size(), 1u);
    EXPECT_EQ(q.statistics().unfinished, 1u);
}

// Thousands of producers and consumers with random cancellations: every item
// that was put is got exactly once, none appears from nowhere.
struct Ledger {
    std::map<int, int> put, got;
    int cancelled_puts = 0;
    int got_with_cancel_pending = 0;  // handed an item, then cancelled before resuming
};

template <class Q>
simul::Task<> producer(Q& q, Ledger& l, int first, int n, std::mt19937& rng) {
    for (int i = 0; i < n; ++i) {
        const int item = first + i;
        try {
            co_await q.put(item);
            ++l.put[item];  // no suspension between the put returning and this line
        } catch (const simul::Cancelled&) {
            ++l.cancelled_puts;
            throw;
        }
        if (rng() % 3 == 0) co_await simul::sleep(std::chrono::milliseconds(rng() % 2));
    }
}

template <class Q>
simul::Task<> consumer(Q& q, Ledger& l, std::mt19937& rng) {
    try {
        for (;;) {
            const int item = co_await q.get();
            ++l.got[item];
            if (simul::Loop::current()->current_task()->flags_ & simul::detail::kCancelRequested) ++l.got_with_cancel_pending;
            if (rng() % 4 == 0) co_await simul::sleep(std::chrono::milliseconds(rng() % 2));
        }
    } catch (const simul::QueueClosed&) {
    }
}

template <class Q>
simul::Task<> random_run(unsigned seed, std::size_t maxsize, int* cancel_after_grant) {
    std::mt19937 rng(seed);
    Q q(maxsize);
    Ledger l;
    std::vector<simul::TaskHandle<>> producers, consumers;
    for (int p = 0; p < 1000; ++p) producers.push_back(simul::spawn(producer(q, l, p * 100, 5, rng)));
    for (int c = 0; c < 1000; ++c) consumers.push_back(simul::spawn(consumer(q, l, rng)));
    for (int step = 0; step < 400; ++step) {
        if (rng() % 2)
            producers[rng() % producers.size()].cancel();
        else
            consumers[rng() % consumers.size()].cancel();
        if (rng() % 3 == 0) co_await simul::yield();
        if (rng() % 5 == 0) co_await simul::sleep(1ms);
    }
    for (auto& h : producers) (void)co_await ended_cancelled(h);
    q.close();
    for (auto& h : consumers) (void)co_await ended_cancelled(h);
    while (!q.empty()) ++l.got[*q.try_get()];  // left behind by cancelled consumers
    EXPECT_EQ(l.put, l.got);
    for (auto& [item, n] : l.got) EXPECT_EQ(n, 1) << "item " << item;
    EXPECT_GT(l.put.size(), 1000u);
    EXPECT_EQ(q.statistics().getters, 0u);
    EXPECT_EQ(q.statistics().putters, 0u);
    *cancel_after_grant += l.got_with_cancel_pending;
}

template <class Q>
simul::Task<> random_runs(unsigned seed, std::size_t maxsize) {
    int cancel_after_grant = 0;
    for (unsigned i = 0; i < 10; ++i) co_await random_run<Q>(seed * 100 + i, maxsize, &cancel_after_grant);
    EXPECT_GT(cancel_after_grant, 0);  // the hand-off-then-cancel order was exercised
}

SIMUL_TEST(Queue, RandomCancellationsNeitherLoseNorDuplicateItemsUnbounded) {
    co_await random_runs<simul::Queue<int>>(1, 0);
}
SIMUL_TEST(Queue, RandomCancellationsNeitherLoseNorDuplicateItemsBounded) {
    co_await random_runs<simul::Queue<int>>(2, 4);
    co_await random_runs<simul::Queue<int>>(3, 1);
}
SIMUL_TEST(LifoQueue, RandomCancellationsNeitherLoseNorDuplicateItems) {
    co_await random_runs<simul::LifoQueue<int>>(4, 3);
}
SIMUL_TEST(PriorityQueue, RandomCancellationsNeitherLoseNorDuplicateItems) {
    co_await random_runs<simul::PriorityQueue<int>>(5, 3);
}

}  // namespace
