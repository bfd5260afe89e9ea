#include <simul/coro/generator.hpp>

#include <memory>
#include <numeric>
#include <ranges>
#include <stdexcept>
#include <string>
#include <vector>

#include <simul/coro/generator_coroutine.hpp>
#include <simul/testing/simul_test.hpp>

using namespace std::chrono_literals;

namespace {

simul::Generator<int> count_to(int n) {
    for (int i = 1; i <= n; ++i) co_yield i;
}

TEST(Generator, RangeForSeesEveryElementInOrder) {
    std::vector<int> got;
    for (int i : count_to(5)) got.push_back(i);
    EXPECT_EQ(got, (std::vector<int>{1, 2, 3, 4, 5}));
}

bool body_started = false;
simul::Generator<int> marks_start() {
    body_started = true;
    co_yield 1;
}

TEST(Generator, IsLazyUntilTheFirstElementIsAskedFor) {
    body_started = false;
    auto g = marks_start();
    EXPECT_FALSE(body_started);
    auto it = g.begin();
    EXPECT_TRUE(body_started);
    EXPECT_EQ(*it, 1);
}

simul::Generator<int> nothing() { co_return; }

TEST(Generator, AnEmptyGeneratorEndsAtOnce) {
    int n = 0;
    for (int i : nothing()) n += i + 1;
    EXPECT_EQ(n, 0);
}

simul::Generator<std::string> words() {
    std::string w = "lvalue";
    co_yield w;                    // an lvalue: yielded by reference
    co_yield std::string("temp");  // a temporary: lives until resumed
    const std::string c = "const";
    co_yield c;                    // a const lvalue: copied
    co_yield "literal";            // converted
}

TEST(Generator, YieldsLvaluesTemporariesConstsAndConvertibles) {
    std::vector<std::string> got;
    for (std::string& w : words()) got.push_back(std::move(w));
    EXPECT_EQ(got, (std::vector<std::string>{"lvalue", "temp", "const", "literal"}));
}

simul::Generator<const int&> refs(const std::vector<int>& v) {
    for (const int& x : v) co_yield x;
}

TEST(Generator, ReferenceElementsAreNotCopied) {
    std::vector<int> v{7, 8};
    std::vector<const int*> seen;
    for (const int& x : refs(v)) seen.push_back(&x);
    EXPECT_EQ(seen, (std::vector<const int*>{&v[0], &v[1]}));
}

simul::Generator<int> fails_after(int n) {
    for (int i = 0; i < n; ++i) co_yield i;
    throw std::runtime_error("producer failed");
}

TEST(Generator, AnExceptionReachesTheConsumerAndEndsTheSequence) {
    std::vector<int> got;
    auto g = fails_after(2);
    try {
        for (int i : g) got.push_back(i);
        ADD_FAILURE() << "expected an exception";
    } catch (const std::runtime_error& e) {
        EXPECT_STREQ(e.what(), "producer failed");
    }
    EXPECT_EQ(got, (std::vector<int>{0, 1}));
}

struct Tracker {
    int* destroyed;
    ~Tracker() { ++*destroyed; }
};

simul::Generator<int> tracked(int* destroyed, int* finished) {
    Tracker t{destroyed};
    for (int i = 0;; ++i) co_yield i;
    ++*finished;  // never reached
}

TEST(Generator, BreakingOutEarlyDestroysTheFrameAndItsLocals) {
    int destroyed = 0, finished = 0;
    for (int i : tracked(&destroyed, &finished)) {
        if (i == 3) break;
    }
    EXPECT_EQ(destroyed, 1);
    EXPECT_EQ(finished, 0);
}

simul::Generator<int> nested_tracked(int* destroyed, int depth) {
    Tracker t{destroyed};
    if (depth == 0) {
        for (int i = 0; i < 1000; ++i) co_yield i;
    } else {
        co_yield nested_tracked(destroyed, depth - 1);
    }
}

TEST(Generator, BreakingOutOfANestedGeneratorDestroysEveryLevel) {
    int destroyed = 0;
    for (int i : nested_tracked(&destroyed, 5)) {
        if (i == 2) break;
    }
    EXPECT_EQ(destroyed, 6);
}

simul::Generator<int> tree(int depth, int& next) {
    if (depth == 0) {
        co_yield next++;
        co_return;
    }
    co_yield tree(depth - 1, next);
    co_yield next++;
    co_yield simul::elements_of(tree(depth - 1, next));
}

TEST(Generator, NestedGeneratorsYieldInOrder) {
    int next = 0;
    std::vector<int> got;
    for (int i : tree(4, next)) got.push_back(i);
    std::vector<int> want(31);
    std::iota(want.begin(), want.end(), 0);
    EXPECT_EQ(got, want);
}

simul::Generator<int> deep(int depth) {
    if (depth == 0) {
        for (int i = 0; i < 1000; ++i) co_yield i;
        co_return;
    }
    co_yield deep(depth - 1);
}

TEST(Generator, NestingDoesNotCostPerElementPerLevel) {
    // 1,000 elements through 10,000 levels: with O(depth) resumption this
    // would be 10^7 steps and a 10,000-frame-deep native stack per element.
    long sum = 0;
    for (int i : deep(10'000)) sum += i;
    EXPECT_EQ(sum, 999L * 1000 / 2);
}

simul::Generator<int> inner_fails() {
    co_yield 1;
    throw std::logic_error("inner");
}
simul::Generator<int> outer_catches() {
    bool caught = false;
    try {
        co_yield inner_fails();
    } catch (const std::logic_error&) {
        caught = true;  // (co_yield is not allowed inside a handler)
    }
    if (caught) co_yield 100;
    co_yield 2;
}

TEST(Generator, AnExceptionInANestedGeneratorCanBeCaughtByItsParent) {
    std::vector<int> got;
    for (int i : outer_catches()) got.push_back(i);
    EXPECT_EQ(got, (std::vector<int>{1, 100, 2}));
}

simul::Generator<int> outer_lets_through() {
    co_yield 0;
    co_yield inner_fails();
    co_yield 99;  // never reached
}

TEST(Generator, AnExceptionInANestedGeneratorReachesTheConsumer) {
    std::vector<int> got;
    EXPECT_THROW(
        {
            for (int i : outer_lets_through()) got.push_back(i);
        },
        std::logic_error);
    EXPECT_EQ(got, (std::vector<int>{0, 1}));
}

TEST(Generator, WorksWithStdRanges) {
#if defined(__clang__) && __clang_major__ < 15
    GTEST_SKIP() << "clang before 15 cannot compile libstdc++'s <ranges> views";
#else
    auto even = count_to(10) | std::views::filter([](int i) { return i % 2 == 0; });
    std::vector<int> got;
    for (int i : even) got.push_back(i);
    EXPECT_EQ(got, (std::vector<int>{2, 4, 6, 8, 10}));
    static_assert(std::ranges::input_range<simul::Generator<int>>);
#endif
}

simul::Generator<std::unique_ptr<int>> move_only() {
    co_yield std::make_unique<int>(5);
    auto p = std::make_unique<int>(6);
    co_yield std::move(p);
}

TEST(Generator, MoveOnlyElementsCanBeTakenByTheConsumer) {
    std::vector<std::unique_ptr<int>> got;
    for (auto& p : move_only()) got.push_back(std::move(p));
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(*got[0], 5);
    EXPECT_EQ(*got[1], 6);
}

TEST(Generator, CanBeIteratedOnlyOnce) {
    auto g = count_to(2);
    (void)g.begin();
    EXPECT_THROW((void)g.begin(), simul::InvalidStateError);
}

// ---- the generator-based coroutine (async/await's ancestor) ----------------------

simul::GeneratorCoroutine<> hello(std::vector<std::string>& log) {
    log.push_back("hello");
    co_yield simul::sleep(3s);  // yields what it waits for; the driver waits
    log.push_back("world");
}

SIMUL_TEST(GeneratorCoroutine, YieldsWhatItWaitsForAndTheDriverWaits) {
    std::vector<std::string> log;
    const auto t0 = simul::now();
    co_await simul::drive(hello(log));
    EXPECT_EQ(simul::now() - t0, 3s);
    EXPECT_EQ(log, (std::vector<std::string>{"hello", "world"}));
}

simul::Task<int> twice(int x) {
    co_await simul::sleep(1s);
    co_return 2 * x;
}

simul::GeneratorCoroutine<int> sum_of(simul::Future<int> f) {
    int a = co_yield f;          // the value comes back through the co_yield
    int b = co_yield twice(a);   // a Task is awaitable too
    co_return a + b;
}

SIMUL_TEST(GeneratorCoroutine, TheYieldGivesBackTheValueAndCoReturnTheResult) {
    simul::Future<int> f;
    simul::Loop::current()->call_later(1s, [f]() mutable { f.set_result(5); });
    auto h = simul::spawn(simul::drive(sum_of(f)), "generator-based");
    EXPECT_EQ(co_await h, 15);
}

simul::GeneratorCoroutine<std::string> catches() {
    try {
        co_yield [] () -> simul::Task<> {
            co_await simul::sleep(1s);
            throw std::runtime_error("thrown in");
        }();
    } catch (const std::runtime_error& e) {
        co_return std::string("caught ") + e.what();  // generator.throw() lands at the yield
    }
    co_return "not thrown";
}

SIMUL_TEST(GeneratorCoroutine, AnExceptionIsThrownInAtTheYield) {
    EXPECT_EQ(co_await simul::drive(catches()), "caught thrown in");
}

simul::GeneratorCoroutine<> forever(std::vector<std::string>& log) {
    try {
        for (;;) co_yield simul::sleep(1s);
    } catch (const simul::Cancelled&) {
        log.push_back("cancelled at the yield");
        throw;
    }
}

SIMUL_TEST(GeneratorCoroutine, CancellingTheDriverThrowsCancelledAtTheYield) {
    std::vector<std::string> log;
    auto h = simul::spawn(simul::drive(forever(log)));
    co_await simul::sleep(2500ms);
    h.cancel();
    try {
        co_await h;
    } catch (const simul::Cancelled&) {
    }
    EXPECT_TRUE(h.cancelled());
    EXPECT_EQ(log, (std::vector<std::string>{"cancelled at the yield"}));
}

simul::GeneratorCoroutine<int> fails() {
    co_yield simul::yield();
    throw std::logic_error("escaped");
}

SIMUL_TEST(GeneratorCoroutine, AnEscapingExceptionEndsTheDriverTask) {
    EXPECT_THROW(co_await simul::drive(fails()), std::logic_error);
}

}  // namespace
