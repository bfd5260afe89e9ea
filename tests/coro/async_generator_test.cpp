#include <simul/coro/async_generator.hpp>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <simul/testing/simul_test.hpp>

using namespace std::chrono_literals;

namespace {

simul::AsyncGenerator<int> ticks(int n, simul::Duration every) {
    for (int i = 0; i < n; ++i) {
        co_await simul::sleep(every);
        co_yield i;
    }
}

SIMUL_TEST(AsyncGenerator, ProducerAwaitsBetweenYields) {
    const auto t0 = simul::now();
    auto gen = ticks(3, 1s);
    std::vector<int> got;
    std::vector<simul::Duration> at;
    while (auto i = co_await gen.next()) {
        got.push_back(*i);
        at.push_back(simul::now() - t0);
    }
    EXPECT_EQ(got, (std::vector<int>{0, 1, 2}));
    EXPECT_EQ(at, (std::vector<simul::Duration>{1s, 2s, 3s}));
    EXPECT_TRUE(gen.done());
    EXPECT_FALSE(co_await gen.next());  // stays at the end
}

SIMUL_TEST(AsyncGenerator, ForEachVisitsEveryElement) {
    std::vector<int> got;
    co_await simul::for_each(ticks(4, 10ms), [&](int i) { got.push_back(i); });
    EXPECT_EQ(got, (std::vector<int>{0, 1, 2, 3}));
}

SIMUL_TEST(AsyncGenerator, ForEachAwaitsATaskReturnedByTheCallback) {
    std::vector<std::string> log;
    co_await simul::for_each(ticks(2, 10ms), [&](int i) -> simul::Task<> {
        log.push_back("got " + std::to_string(i));
        co_await simul::sleep(1s);
        log.push_back("done " + std::to_string(i));
    });
    EXPECT_EQ(log, (std::vector<std::string>{"got 0", "done 0", "got 1", "done 1"}));
}

bool producer_started = false;
simul::AsyncGenerator<int> marks() {
    producer_started = true;
    co_yield 1;
}

SIMUL_TEST(AsyncGenerator, IsLazyAndNeverRunsAhead) {
    producer_started = false;
    auto gen = marks();
    co_await simul::sleep(1s);
    EXPECT_FALSE(producer_started);
    auto v = co_await gen.next();
    EXPECT_TRUE(producer_started);
    EXPECT_EQ(v, 1);
}

simul::AsyncGenerator<int> fails_after_one() {
    co_yield 1;
    co_await simul::sleep(1s);
    throw std::runtime_error("stream broke");
}

SIMUL_TEST(AsyncGenerator, AnExceptionComesOutOfNextAndEndsTheStream) {
    auto gen = fails_after_one();
    EXPECT_EQ(co_await gen.next(), 1);
    try {
        (void)co_await gen.next();
        ADD_FAILURE() << "expected an exception";
    } catch (const std::runtime_error& e) {
        EXPECT_STREQ(e.what(), "stream broke");
    }
    EXPECT_TRUE(gen.done());
    EXPECT_FALSE(co_await gen.next());
}

struct Tracker {
    std::vector<std::string>* log;
    ~Tracker() { log->push_back("producer cleaned up"); }
};

simul::AsyncGenerator<int> endless(std::vector<std::string>* log) {
    Tracker t{log};
    for (int i = 0;; ++i) {
        co_await simul::sleep(1s);
        co_yield i;
    }
}

SIMUL_TEST(AsyncGenerator, BreakingOutEarlyDestroysTheProducer) {
    std::vector<std::string> log;
    {
        auto gen = endless(&log);
        while (auto i = co_await gen.next()) {
            if (*i == 2) break;
        }
        EXPECT_TRUE(log.empty());
    }
    EXPECT_EQ(log, (std::vector<std::string>{"producer cleaned up"}));
    EXPECT_EQ(simul::Loop::current()->stats().timers_pending, 0u);
}

simul::AsyncGenerator<int> cleans_up_on_cancel(std::vector<std::string>* log) {
    try {
        co_yield 0;
        co_await simul::sleep(1h);
        co_yield 1;
    } catch (const simul::Cancelled&) {
        log->push_back("producer saw Cancelled");
        throw;
    }
}

simul::Task<> consume(simul::AsyncGenerator<int> gen, std::vector<std::string>* log) {
    try {
        while (auto i = co_await gen.next()) log->push_back("item " + std::to_string(*i));
    } catch (const simul::Cancelled&) {
        log->push_back("consumer saw Cancelled");
        throw;
    }
}

SIMUL_TEST(AsyncGenerator, CancellingTheConsumerCancelsTheProducersWait) {
    std::vector<std::string> log;
    auto h = simul::spawn(consume(cleans_up_on_cancel(&log), &log), "consumer");
    co_await simul::sleep(1s);
    const auto t = simul::now();
    h.cancel();
    try {
        co_await h;
        ADD_FAILURE() << "expected Cancelled";
    } catch (const simul::Cancelled&) {
    }
    EXPECT_EQ(simul::now(), t);  // not an hour later
    EXPECT_EQ(log, (std::vector<std::string>{"item 0", "producer saw Cancelled", "consumer saw Cancelled"}));
    EXPECT_EQ(simul::Loop::current()->stats().timers_pending, 0u);
}

simul::AsyncGenerator<int> slow() {
    co_await simul::sleep(1s);
    co_yield 1;
}

SIMUL_TEST(AsyncGenerator, TwoConcurrentNextCallsAreRefused) {
    auto gen = slow();
    auto first = simul::spawn([](simul::AsyncGenerator<int>& g) -> simul::Task<std::optional<int>> {
        co_return co_await g.next();
    }(gen));
    co_await simul::yield();  // the first next() is now waiting in the producer
    EXPECT_THROW((void)co_await gen.next(), simul::InvalidStateError);
    EXPECT_EQ(co_await first, 1);
}

simul::AsyncGenerator<std::unique_ptr<std::string>> owned() {
    co_yield std::make_unique<std::string>("a");
    co_await simul::yield();
    auto b = std::make_unique<std::string>("b");
    co_yield std::move(b);
}

SIMUL_TEST(AsyncGenerator, MoveOnlyElementsAreMovedToTheConsumer) {
    auto gen = owned();
    std::string all;
    while (auto p = co_await gen.next()) all += **p;
    EXPECT_EQ(all, "ab");
}

simul::AsyncGenerator<long> converts() {
    const long c = 5;
    co_yield c;  // const lvalue: copied
    co_yield 6;  // int: converted
}

SIMUL_TEST(AsyncGenerator, ConstAndConvertibleValuesAreCopied) {
    auto gen = converts();
    EXPECT_EQ(co_await gen.next(), 5);
    EXPECT_EQ(co_await gen.next(), 6);
    EXPECT_EQ(co_await gen.next(), std::nullopt);
}

simul::AsyncGenerator<int> from_future(simul::Future<int> f) {
    co_yield co_await f;
}

SIMUL_TEST(AsyncGenerator, ProducerCanWaitOnAFutureSetByACallback) {
    simul::Future<int> f;
    simul::Loop::current()->call_later(2s, [f]() mutable { f.set_result(42); });
    auto gen = from_future(f);
    EXPECT_EQ(co_await gen.next(), 42);
}

}  // namespace
