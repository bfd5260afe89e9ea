#include <simul/adapters/pg/connection.hpp>

#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include <simul/adapters/pg.hpp>
#include <simul/simul.hpp>
#include <simul/testing/simul_test.hpp>

#include "pg_server.hpp"

using namespace std::chrono_literals;
namespace pg = simul::pg;

// A cancelled or timed-out request: the server gets a cancel request (or the
// connection is given up), and the connection is left in step. A pg_sleep(5)
// that ends well before 5 s proves the server-side cancel arrived.
namespace {

simul::Task<pg::Connection> connect(pg::ConnectOptions options = {}) {
    co_return co_await pg::Connection::connect(pgtest::shared().conninfo(), options);
}

auto since(std::chrono::steady_clock::time_point t0) { return std::chrono::steady_clock::now() - t0; }

// Whether the backend `pid` is running a statement right now, seen from another session.
simul::Task<std::string> state_of(pg::Connection& admin, int pid) {
    auto r = co_await admin.query("SELECT state FROM pg_stat_activity WHERE pid = $1", pid);
    co_return r.empty() ? "gone" : r[0].get<std::optional<std::string>>(0).value_or("null");
}

}  // namespace

SIMUL_TEST_REAL_CLOCK(PgCancel, ATimedOutQueryIsCancelledOnTheServerAndTheConnectionStaysUsable) {
    auto conn = co_await connect();
    auto admin = co_await connect();
    const auto t0 = std::chrono::steady_clock::now();
    bool timed_out = false;
    try {
        co_await simul::wait_for(conn.query("SELECT pg_sleep(5)"), 200ms);
    } catch (const simul::TimeoutError&) {
        timed_out = true;
    }
    EXPECT_TRUE(timed_out);
    EXPECT_LT(since(t0), 2s);
    EXPECT_FALSE(conn.is_broken());
    EXPECT_EQ(co_await state_of(admin, conn.backend_pid()), "idle");
    EXPECT_EQ((co_await conn.query("SELECT 41 + 1")).scalar<int>(), 42);
}

SIMUL_TEST_REAL_CLOCK(PgCancel, CancellingTheTaskCancelsAPreparedQuery) {
    auto conn = co_await connect();
    co_await conn.prepare("nap", "SELECT pg_sleep($1)");
    auto h = simul::spawn(conn.query_prepared("nap", 5.0));
    co_await simul::sleep(100ms);
    const auto t0 = std::chrono::steady_clock::now();
    h.cancel();
    bool cancelled = false;
    try {
        co_await h;
    } catch (const simul::Cancelled&) {
        cancelled = true;
    }
    EXPECT_TRUE(cancelled);
    EXPECT_LT(since(t0), 2s);
    EXPECT_EQ((co_await conn.query_prepared("nap", 0.0)).size(), 1u);
}

SIMUL_TEST_REAL_CLOCK(PgCancel, ACancelledScriptLeavesTheConnectionInStep) {
    auto conn = co_await connect();
    const auto t0 = std::chrono::steady_clock::now();
    bool timed_out = false;
    try {
        co_await simul::wait_for(conn.execute_script("SELECT 1; SELECT pg_sleep(5); SELECT 3"), 200ms);
    } catch (const simul::TimeoutError&) {
        timed_out = true;
    }
    EXPECT_TRUE(timed_out);
    EXPECT_LT(since(t0), 2s);
    EXPECT_EQ((co_await conn.query("SELECT 5")).scalar<int>(), 5);
}

SIMUL_TEST_REAL_CLOCK(PgCancel, ACancelledPipelineLeavesPipelineModeAndTheConnectionInStep) {
    auto conn = co_await connect();
    pg::Pipeline batch;
    batch.add("SELECT 1").add("SELECT pg_sleep(5)").add("SELECT 3");
    const auto t0 = std::chrono::steady_clock::now();
    bool timed_out = false;
    try {
        co_await simul::wait_for(conn.pipeline(batch), 200ms);
    } catch (const simul::TimeoutError&) {
        timed_out = true;
    }
    EXPECT_TRUE(timed_out);
    EXPECT_LT(since(t0), 2s);
    EXPECT_FALSE(conn.is_broken());
    EXPECT_EQ((co_await conn.query("SELECT 6")).scalar<int>(), 6);
    pg::Pipeline again;
    again.add("SELECT 7").add("SELECT 8");
    auto rs = co_await conn.pipeline(again);
    EXPECT_EQ(rs.at(1).scalar<int>(), 8);
}

SIMUL_TEST_REAL_CLOCK(PgCancel, CancellingWhileALargeRequestIsStillBeingSentFinishesItFirst) {
    // Generous: libpq moves the unsent rest of its buffer after each partial
    // write, which a sanitizer build makes slow.
    pg::ConnectOptions options;
    options.cancel_timeout = 30s;
    auto conn = co_await connect(options);
    const std::string big(8 << 20, 'x');  // 8 MiB: sending it takes many writes
    bool timed_out = false;
    try {
        co_await simul::wait_for(conn.query("SELECT length($1), pg_sleep(5)", big), 1ms);
    } catch (const simul::TimeoutError&) {
        timed_out = true;
    }
    EXPECT_TRUE(timed_out);
    EXPECT_FALSE(conn.is_broken());
    EXPECT_EQ((co_await conn.query("SELECT length($1)", std::string(1000, 'y'))).scalar<int>(), 1000);
}

SIMUL_TEST_REAL_CLOCK(PgCancel, CancellingWhileALargeResultArrivesDropsTheRest) {
    auto conn = co_await connect();
    bool timed_out = false;
    try {
        co_await simul::wait_for(conn.query("SELECT repeat('x', 1000) FROM generate_series(1, 50000)"), 5ms);
    } catch (const simul::TimeoutError&) {
        timed_out = true;
    }
    EXPECT_TRUE(timed_out);
    EXPECT_FALSE(conn.is_broken());
    EXPECT_EQ((co_await conn.query("SELECT count(*) FROM generate_series(1, 10)")).scalar<int>(), 10);
}

SIMUL_TEST_REAL_CLOCK(PgCancel, AStatementThatIgnoresTheCancelBreaksTheConnectionAfterTheCancelTimeout) {
    pg::ConnectOptions options;
    options.cancel_timeout = 300ms;
    auto conn = co_await connect(options);
    // The function catches every cancel and sleeps on.
    co_await conn.execute(R"(CREATE OR REPLACE FUNCTION pg_temp.stubborn() RETURNS void AS $$
        BEGIN
            LOOP
                BEGIN
                    PERFORM pg_sleep(2);
                    EXIT;
                EXCEPTION WHEN query_canceled THEN
                    NULL;
                END;
            END LOOP;
        END $$ LANGUAGE plpgsql)");
    const auto t0 = std::chrono::steady_clock::now();
    bool timed_out = false;
    try {
        co_await simul::wait_for(conn.query("SELECT pg_temp.stubborn()"), 100ms);
    } catch (const simul::TimeoutError&) {
        timed_out = true;
    }
    EXPECT_TRUE(timed_out);
    EXPECT_LT(since(t0), 2s);
    EXPECT_TRUE(conn.is_broken());
    bool refused = false;
    try {
        co_await conn.query("SELECT 1");
    } catch (const pg::ConnectionError& e) {
        refused = std::string(e.what()).find("cancel") != std::string::npos;
    }
    EXPECT_TRUE(refused);
}

SIMUL_TEST_REAL_CLOCK(PgCancel, ATaskCancelledWhileConnectingLeavesNothingOpen) {
    auto admin = co_await connect();
    for (int i = 0; i < 5; ++i) {
        auto h = simul::spawn(pg::Connection::connect(pgtest::shared().conninfo() + " application_name=simul_cancelled_connect"));
        co_await simul::yield();
        h.cancel();
        bool cancelled = false;
        try {
            co_await h;
        } catch (const simul::Cancelled&) {
            cancelled = true;
        }
        EXPECT_TRUE(cancelled);
    }
    co_await simul::sleep(100ms);
    auto left = co_await admin.query("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'simul_cancelled_connect'");
    EXPECT_EQ(left.scalar<int>(), 0);
}

SIMUL_TEST_REAL_CLOCK(PgCancel, ACancelledPrepareOrExecuteLeavesTheConnectionInStep) {
    auto conn = co_await connect();
    // Cancelled right after the request went out, before the answer came.
    auto p = simul::spawn(conn.prepare("late", "SELECT $1::int4 + 1"));
    co_await simul::yield();
    p.cancel();
    bool prepared = true;
    try {
        co_await p;
    } catch (const simul::Cancelled&) {
        prepared = false;
    }
    auto e = simul::spawn(conn.execute("SELECT pg_sleep(5)"));
    co_await simul::sleep(50ms);
    e.cancel();
    bool cancelled = false;
    try {
        co_await e;
    } catch (const simul::Cancelled&) {
        cancelled = true;
    }
    EXPECT_TRUE(cancelled);
    // Whether "late" exists depends on whether the server got to it first; either way the connection answers.
    if (prepared) {
        EXPECT_EQ((co_await conn.query_prepared("late", 1)).scalar<int>(), 2);
    }
    EXPECT_EQ((co_await conn.query("SELECT 9")).scalar<int>(), 9);
}
