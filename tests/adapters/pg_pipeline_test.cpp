#include <simul/adapters/pg/pipeline.hpp>

#include <chrono>
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
}  // namespace

SIMUL_TEST_REAL_CLOCK(PgPipeline, ManyStatementsComeBackInOrder) {
    auto conn = co_await connect();
    co_await conn.execute("CREATE TEMP TABLE p (id int4 PRIMARY KEY, v text)");
    pg::Pipeline batch;
    for (int i = 0; i < 200; ++i) batch.add("INSERT INTO p VALUES ($1, $2)", i, "v" + std::to_string(i));
    batch.add("SELECT count(*), max(id) FROM p");
    batch.add("SELECT v FROM p WHERE id = $1", 123);
    auto results = co_await conn.pipeline(batch);
    EXPECT_EQ(results.size(), 202u);
    EXPECT_EQ(results[0].affected_rows(), 1);
    EXPECT_EQ(results[200][0].get<int>(0), 200);
    EXPECT_EQ(results[200][0].get<int>(1), 199);
    EXPECT_EQ(results[201].scalar<std::string>(), "v123");
}

SIMUL_TEST_REAL_CLOCK(PgPipeline, PipelineIsFasterThanOneRoundTripAStatement) {
    auto conn = co_await connect();
    // The same statements: one round trip each, or one for all.
    constexpr int n = 300;
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < n; ++i) co_await conn.query("SELECT $1::int4", i);
    const auto one_by_one = std::chrono::steady_clock::now() - t0;
    pg::Pipeline batch;
    for (int i = 0; i < n; ++i) batch.add("SELECT $1::int4", i);
    t0 = std::chrono::steady_clock::now();
    auto results = co_await conn.pipeline(batch);
    const auto piped = std::chrono::steady_clock::now() - t0;
    EXPECT_EQ(results.back().scalar<int>(), n - 1);
    EXPECT_LT(piped, one_by_one);
}

SIMUL_TEST_REAL_CLOCK(PgPipeline, AFailingStatementThrowsAfterTheSyncAndRollsBackTheBatch) {
    auto conn = co_await connect();
    co_await conn.execute("CREATE TEMP TABLE q (id int4 PRIMARY KEY)");
    pg::Pipeline batch;
    batch.add("INSERT INTO q VALUES (1)").add("INSERT INTO q VALUES (1)").add("INSERT INTO q VALUES (3)");
    std::string state, what;
    try {
        co_await conn.pipeline(batch);
    } catch (const pg::Error& e) {
        state = e.sqlstate();
        what = e.what();
    }
    EXPECT_EQ(state, "23505");
    EXPECT_NE(what.find("pipeline statement 1"), std::string::npos) << what;
    EXPECT_EQ((co_await conn.query("SELECT count(*) FROM q")).scalar<int>(), 0);
    EXPECT_FALSE(conn.is_broken());
}

SIMUL_TEST_REAL_CLOCK(PgPipeline, PreparedStatementsRunInAPipeline) {
    auto conn = co_await connect();
    co_await conn.prepare("sq", "SELECT $1::int8 * $1::int8");
    pg::Pipeline batch;
    for (int i = 0; i < 50; ++i) batch.add_prepared("sq", i);
    auto results = co_await conn.pipeline(batch);
    std::int64_t sum = 0;
    for (auto& r : results) sum += r.scalar<std::int64_t>();
    EXPECT_EQ(sum, 40425);
}

SIMUL_TEST_REAL_CLOCK(PgPipeline, AHugeBatchWithLargeAnswersDoesNotDeadlock) {
    // Megabytes both ways: the client must read answers while it still sends.
    auto conn = co_await connect();
    pg::Pipeline batch;
    const std::string pad(200, 'p');
    for (int i = 0; i < 20000; ++i) batch.add("SELECT $1::int4, repeat($2, 2)", i, pad);
    auto results = co_await simul::wait_for(conn.pipeline(batch), 20s);
    EXPECT_EQ(results.size(), 20000u);
    EXPECT_EQ(results[19999][0].get<int>(0), 19999);
    EXPECT_EQ(results[5][0].get<std::string>(1).size(), 400u);
}

SIMUL_TEST_REAL_CLOCK(PgPipeline, AnEmptyPipelineReturnsNothing) {
    auto conn = co_await connect();
    pg::Pipeline batch;
    auto results = co_await conn.pipeline(batch);
    EXPECT_TRUE(results.empty());
    EXPECT_EQ((co_await conn.query("SELECT 1")).scalar<int>(), 1);
}
