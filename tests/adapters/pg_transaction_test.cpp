#include <simul/adapters/pg/transaction.hpp>

#include <chrono>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

#include <simul/adapters/pg.hpp>
#include <simul/simul.hpp>
#include <simul/testing/simul_test.hpp>

#include "pg_server.hpp"

using namespace std::chrono_literals;
namespace pg = simul::pg;

namespace {

simul::Task<pg::Connection> connect() { co_return co_await pg::Connection::connect(pgtest::shared().conninfo()); }

// A table of the test's own (tests run in parallel on one server).
simul::Task<std::string> fresh_table(pg::Connection& c, const char* name) {
    const std::string t = std::string(name) + "_" + std::to_string(c.backend_pid());
    co_await c.execute_script("DROP TABLE IF EXISTS " + t + "; CREATE TABLE " + t + " (id int8 PRIMARY KEY, v text)");
    co_return t;
}

simul::Task<std::int64_t> count(pg::Connection& c, const std::string& table) {
    co_return (co_await c.query("SELECT count(*) FROM " + table)).scalar<std::int64_t>();
}

}  // namespace

SIMUL_TEST_REAL_CLOCK(PgTransaction, CommitsWhenTheBodyReturns) {
    auto conn = co_await connect();
    auto other = co_await connect();
    const std::string t = co_await fresh_table(conn, "tx_commit");
    co_await conn.transaction([&](pg::Transaction& tx) -> simul::Task<> {
        co_await tx.execute("INSERT INTO " + t + " VALUES ($1, $2)", 1, "a");
        co_await tx.execute("INSERT INTO " + t + " VALUES ($1, $2)", 2, "b");
        EXPECT_TRUE(tx.connection().in_transaction());
        EXPECT_EQ(co_await count(other, t), 0);  // not visible before COMMIT
    });
    EXPECT_FALSE(conn.in_transaction());
    EXPECT_EQ(co_await count(other, t), 2);
}

SIMUL_TEST_REAL_CLOCK(PgTransaction, ReturnsTheBodysValue) {
    auto conn = co_await connect();
    const std::string t = co_await fresh_table(conn, "tx_value");
    std::int64_t id = co_await conn.transaction([&](pg::Transaction& tx) -> simul::Task<std::int64_t> {
        auto r = co_await tx.query("INSERT INTO " + t + " VALUES ($1, $2) RETURNING id", 77, "x");
        co_return r.scalar<std::int64_t>();
    });
    EXPECT_EQ(id, 77);
}

SIMUL_TEST_REAL_CLOCK(PgTransaction, RollsBackWhenTheBodyThrows) {
    auto conn = co_await connect();
    const std::string t = co_await fresh_table(conn, "tx_throw");
    std::string what;
    try {
        co_await conn.transaction([&](pg::Transaction& tx) -> simul::Task<> {
            co_await tx.execute("INSERT INTO " + t + " VALUES ($1, $2)", 1, "a");
            throw std::runtime_error("changed my mind");
        });
    } catch (const std::runtime_error& e) {
        what = e.what();
    }
    EXPECT_EQ(what, "changed my mind");
    EXPECT_FALSE(conn.in_transaction());
    EXPECT_EQ(co_await count(conn, t), 0);
}

SIMUL_TEST_REAL_CLOCK(PgTransaction, RollsBackWhenAStatementFails) {
    auto conn = co_await connect();
    const std::string t = co_await fresh_table(conn, "tx_fail");
    std::string state;
    try {
        co_await conn.transaction([&](pg::Transaction& tx) -> simul::Task<> {
            co_await tx.execute("INSERT INTO " + t + " VALUES ($1, $2)", 1, "a");
            co_await tx.execute("INSERT INTO " + t + " VALUES ($1, $2)", 1, "dup");
        });
    } catch (const pg::Error& e) {
        state = e.sqlstate();
    }
    EXPECT_EQ(state, "23505");
    EXPECT_FALSE(conn.in_transaction());
    EXPECT_EQ(co_await count(conn, t), 0);
}

SIMUL_TEST_REAL_CLOCK(PgTransaction, RollsBackWhenTheTaskIsCancelled) {
    auto conn = co_await connect();
    auto other = co_await connect();
    const std::string t = co_await fresh_table(conn, "tx_cancel");
    const auto t0 = std::chrono::steady_clock::now();
    bool timed_out = false;
    try {
        co_await simul::wait_for(conn.transaction([&](pg::Transaction& tx) -> simul::Task<> {
                                     co_await tx.execute("INSERT INTO " + t + " VALUES ($1, $2)", 1, "a");
                                     co_await tx.query("SELECT pg_sleep(5)");
                                 }),
                                 200ms);
    } catch (const simul::TimeoutError&) {
        timed_out = true;
    }
    EXPECT_TRUE(timed_out);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
    EXPECT_FALSE(conn.in_transaction());
    EXPECT_FALSE(conn.is_broken());
    EXPECT_EQ(co_await count(other, t), 0);
    EXPECT_EQ(co_await count(conn, t), 0);
}

SIMUL_TEST_REAL_CLOCK(PgTransaction, CancelledTwiceTheConnectionIsClosedAndNothingIsCommitted) {
    auto conn = co_await connect();
    auto other = co_await connect();
    const std::string t = co_await fresh_table(conn, "tx_cancel2");
    auto h = simul::spawn(conn.transaction([&](pg::Transaction& tx) -> simul::Task<> {
        co_await tx.execute("INSERT INTO " + t + " VALUES ($1, $2)", 1, "a");
        co_await tx.query("SELECT pg_sleep(5)");
    }));
    co_await simul::sleep(100ms);
    h.cancel();
    co_await simul::yield();
    h.cancel();  // lands while the first cancel is being sent to the server
    bool cancelled = false;
    try {
        co_await h;
    } catch (const simul::Cancelled&) {
        cancelled = true;
    }
    EXPECT_TRUE(cancelled);
    EXPECT_TRUE(conn.is_broken());
    EXPECT_EQ(co_await count(other, t), 0);
}

SIMUL_TEST_REAL_CLOCK(PgTransaction, ACommitAfterACaughtStatementErrorSaysTheTransactionWasRolledBack) {
    auto conn = co_await connect();
    const std::string t = co_await fresh_table(conn, "tx_caught");
    std::string state;
    try {
        co_await conn.transaction([&](pg::Transaction& tx) -> simul::Task<> {
            co_await tx.execute("INSERT INTO " + t + " VALUES ($1, $2)", 1, "a");
            try {
                co_await tx.execute("INSERT INTO " + t + " VALUES ($1, $2)", 1, "dup");
            } catch (const pg::Error&) {
            }
        });
    } catch (const pg::Error& e) {
        state = e.sqlstate();
    }
    EXPECT_EQ(state, "25P02");
    EXPECT_EQ(co_await count(conn, t), 0);
}

SIMUL_TEST_REAL_CLOCK(PgTransaction, ANestedTransactionIsRefused) {
    auto conn = co_await connect();
    bool refused = false;
    try {
        co_await conn.transaction([&](pg::Transaction& tx) -> simul::Task<> {
            co_await tx.connection().transaction([](pg::Transaction&) -> simul::Task<> { co_return; });
        });
    } catch (const simul::InvalidStateError& e) {
        refused = std::string(e.what()).find("SAVEPOINT") != std::string::npos;
    }
    EXPECT_TRUE(refused);
    EXPECT_FALSE(conn.in_transaction());
}
