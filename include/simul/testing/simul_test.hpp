// simul/testing/simul_test.hpp: GoogleTest tests whose body is a coroutine.
//
// SIMUL_TEST(Suite, Name) defines a test whose body is a simul::Task<> run by
// simul::run() on a fresh loop with the virtual clock (Tokio's start_paused,
// Trio's MockClock with autojump): sleeps take no real time and the test is
// deterministic. An exception escaping the body fails the test.
//
//     SIMUL_TEST(Sleep, VirtualClockJumpsToTheDeadline) {
//         auto t0 = simul::now();
//         co_await simul::sleep(12h);
//         EXPECT_EQ(simul::now() - t0, 12h);
//     }
//
// GoogleTest's ASSERT_* macros `return`, which a coroutine cannot: use
// EXPECT_*, or CO_ASSERT_TRUE / CO_ASSERT_EQ below, which fail and co_return.
// SIMUL_TEST_REAL_CLOCK runs the body on the monotonic clock instead.
#pragma once

#include <exception>
#include <string>

#include <gtest/gtest.h>

#include <simul/simul.hpp>

namespace simul::testing {

inline void run_test(Task<> body, RunOptions options) {
    try {
        run(std::move(body), std::move(options));
    } catch (const Cancelled&) {
        ADD_FAILURE() << "the test's task was cancelled";
    } catch (const std::exception& e) {
        ADD_FAILURE() << "exception escaped the test: " << e.what();
    } catch (...) {
        ADD_FAILURE() << "unknown exception escaped the test";
    }
}

}  // namespace simul::testing

#define SIMUL_TEST_WITH_OPTIONS_(suite, name, options)                            \
    static ::simul::Task<> suite##_##name##_simul_body();                         \
    TEST(suite, name) { ::simul::testing::run_test(suite##_##name##_simul_body(), options); } \
    static ::simul::Task<> suite##_##name##_simul_body()

#define SIMUL_TEST(suite, name) SIMUL_TEST_WITH_OPTIONS_(suite, name, (::simul::RunOptions{.virtual_time = true}))
#define SIMUL_TEST_REAL_CLOCK(suite, name) SIMUL_TEST_WITH_OPTIONS_(suite, name, (::simul::RunOptions{}))
// Any options, in parentheses: SIMUL_TEST_WITH_OPTIONS(S, N, (simul::RunOptions{.debug = true}))
#define SIMUL_TEST_WITH_OPTIONS(suite, name, options) SIMUL_TEST_WITH_OPTIONS_(suite, name, options)

#define CO_ASSERT_TRUE(cond)                         \
    if (!(cond)) {                                   \
        ADD_FAILURE() << "expected true: " #cond;    \
        co_return;                                   \
    }
#define CO_ASSERT_EQ(a, b)    \
    if (!((a) == (b))) {      \
        EXPECT_EQ(a, b);      \
        co_return;            \
    }
