#include <simul/adapters/pg/pool.hpp>

#include <chrono>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <simul/adapters/pg.hpp>
#include <simul/simul.hpp>
#include <simul/testing/simul_test.hpp>

#include "pg_server.hpp"

using namespace std::chrono_literals;
namespace pg = simul::pg;

namespace {
pg::PoolOptions sized(std::size_t n) {
    pg::PoolOptions o;
    o.size = n;
    return o;
}
}  // namespace

SIMUL_TEST_REAL_CLOCK(PgPool, NeverOpensMoreConnectionsThanItsSize) {
    pg::Pool pool(pgtest::shared().conninfo(), sized(3));
    std::set<int> pids;
    std::vector<simul::TaskHandle<int>> tasks;
    for (int i = 0; i < 12; ++i)
        tasks.push_back(simul::spawn([](pg::Pool& p) -> simul::Task<int> {
            auto r = co_await p.query("SELECT pg_backend_pid() FROM pg_sleep(0.03)");
            co_return r.scalar<int>();
        }(pool)));
    for (auto& t : tasks) pids.insert(co_await t);
    EXPECT_LE(pids.size(), 3u);
    auto st = pool.statistics();
    EXPECT_LE(st.opened, 3u);
    EXPECT_EQ(st.open, st.idle);
    EXPECT_EQ(st.waiting, 0u);
}

SIMUL_TEST_REAL_CLOCK(PgPool, WaitersAreServedInArrivalOrder) {
    pg::Pool pool(pgtest::shared().conninfo(), sized(1));
    std::vector<int> order;
    std::vector<simul::TaskHandle<>> tasks;
    {
        auto held = co_await pool.acquire();
        for (int i = 0; i < 6; ++i) {
            tasks.push_back(simul::spawn([](pg::Pool& p, std::vector<int>& out, int i) -> simul::Task<> {
                auto c = co_await p.acquire();
                out.push_back(i);
                co_await c->query("SELECT 1");
            }(pool, order, i)));
            co_await simul::yield();
        }
        EXPECT_EQ(pool.statistics().waiting, 6u);
    }
    for (auto& t : tasks) co_await t;
    EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4, 5}));
}

SIMUL_TEST_REAL_CLOCK(PgPool, ACancelledWaiterTakesNoSlot) {
    pg::Pool pool(pgtest::shared().conninfo(), sized(1));
    auto held = std::make_unique<pg::PooledConnection>(co_await pool.acquire());
    bool timed_out = false;
    try {
        co_await simul::wait_for(pool.acquire(), 50ms);
    } catch (const simul::TimeoutError&) {
        timed_out = true;
    }
    EXPECT_TRUE(timed_out);
    held.reset();
    auto r = co_await simul::wait_for(pool.query("SELECT 5"), 2s);
    EXPECT_EQ(r.scalar<int>(), 5);
    EXPECT_EQ(pool.statistics().opened, 1u);
}

SIMUL_TEST_REAL_CLOCK(PgPool, AConnectionKilledWhileIdleIsDiscardedAndReplaced) {
    pg::Pool pool(pgtest::shared().conninfo(), sized(2));
    auto admin = co_await pg::Connection::connect(pgtest::shared().conninfo());
    const int first = (co_await pool.query("SELECT pg_backend_pid()")).scalar<int>();
    co_await admin.query("SELECT pg_terminate_backend($1)", first);
    co_await simul::sleep(100ms);
    const int second = (co_await pool.query("SELECT pg_backend_pid()")).scalar<int>();
    EXPECT_NE(first, second);
    EXPECT_EQ(pool.statistics().discarded, 1u);
    EXPECT_EQ(pool.statistics().open, 1u);
}

SIMUL_TEST_REAL_CLOCK(PgPool, ABrokenConnectionIsNotGivenBack) {
    pg::Pool pool(pgtest::shared().conninfo(), sized(2));
    auto admin = co_await pg::Connection::connect(pgtest::shared().conninfo());
    {
        auto c = co_await pool.acquire();
        co_await admin.query("SELECT pg_terminate_backend($1)", c->backend_pid());
        bool lost = false;
        for (int i = 0; i < 50 && !lost; ++i) {
            try {
                co_await c->query("SELECT 1");
                co_await simul::sleep(20ms);
            } catch (const pg::ConnectionError&) {
                lost = true;
            }
        }
        EXPECT_TRUE(lost);
    }
    EXPECT_EQ(pool.statistics().open, 0u);
    EXPECT_EQ(pool.statistics().discarded, 1u);
    EXPECT_EQ((co_await pool.query("SELECT 2")).scalar<int>(), 2);
}

SIMUL_TEST_REAL_CLOCK(PgPool, AConnectionLeftInATransactionIsNotReused) {
    pg::Pool pool(pgtest::shared().conninfo(), sized(1));
    {
        auto c = co_await pool.acquire();
        co_await c->execute("BEGIN");
    }
    EXPECT_EQ(pool.statistics().discarded, 1u);
    auto c = co_await pool.acquire();
    EXPECT_FALSE(c->in_transaction());
}

SIMUL_TEST_REAL_CLOCK(PgPool, ACancelledRequestGivesItsConnectionBackInStep) {
    pg::Pool pool(pgtest::shared().conninfo(), sized(1));
    const int pid = (co_await pool.query("SELECT pg_backend_pid()")).scalar<int>();
    const auto t0 = std::chrono::steady_clock::now();
    bool timed_out = false;
    try {
        co_await simul::wait_for(pool.query("SELECT pg_sleep(5)"), 200ms);
    } catch (const simul::TimeoutError&) {
        timed_out = true;
    }
    EXPECT_TRUE(timed_out);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
    EXPECT_EQ((co_await pool.query("SELECT pg_backend_pid()")).scalar<int>(), pid);
    EXPECT_EQ(pool.statistics().discarded, 0u);
}

SIMUL_TEST_REAL_CLOCK(PgPool, TransactionsAndPipelinesBorrowAConnection) {
    pg::Pool pool(pgtest::shared().conninfo(), sized(2));
    const std::string t = "pool_tx_" + std::to_string(::getpid());
    co_await pool.execute("DROP TABLE IF EXISTS " + t);
    co_await pool.execute("CREATE TABLE " + t + " (id int4)");
    co_await pool.transaction([&](pg::Transaction& tx) -> simul::Task<> {
        co_await tx.execute("INSERT INTO " + t + " VALUES (1), (2)");
    });
    pg::Pipeline batch;
    batch.add("INSERT INTO " + t + " VALUES (3)").add("SELECT count(*) FROM " + t);
    auto rs = co_await pool.pipeline(std::move(batch));
    EXPECT_EQ(rs[1].scalar<int>(), 3);
    co_await pool.execute("DROP TABLE " + t);
}

SIMUL_TEST_REAL_CLOCK(PgPool, AThousandConcurrentRequestsThroughAPoolOfTen) {
    pg::Pool pool(pgtest::shared().conninfo(), sized(10));
    std::vector<simul::TaskHandle<int>> tasks;
    tasks.reserve(1000);
    for (int i = 0; i < 1000; ++i)
        tasks.push_back(simul::spawn([](pg::Pool& p, int i) -> simul::Task<int> {
            auto r = co_await p.query("SELECT $1::int4 + 1", i);
            co_return r.scalar<int>();
        }(pool, i)));
    std::int64_t sum = 0;
    for (auto& t : tasks) sum += co_await t;
    EXPECT_EQ(sum, 1000 * 1001 / 2);
    EXPECT_LE(pool.statistics().opened, 10u);
    EXPECT_EQ(pool.statistics().discarded, 0u);
}

SIMUL_TEST_REAL_CLOCK(PgPool, RecoversAfterAServerRestart) {
    pgtest::PrivateServer server;  // restarting the shared one would disturb other tests
    pg::Pool pool(server.info().conninfo(), sized(4));
    std::vector<simul::TaskHandle<int>> tasks;
    for (int i = 0; i < 8; ++i) tasks.push_back(simul::spawn([](pg::Pool& p) -> simul::Task<int> {
        co_return (co_await p.query("SELECT 1 FROM pg_sleep(0.02)")).scalar<int>();
    }(pool)));
    for (auto& t : tasks) co_await t;
    const auto opened = pool.statistics().opened;
    EXPECT_GE(opened, 2u);
    // A request running while the server goes down fails with a ConnectionError.
    auto running = simul::spawn([](pg::Pool& p) -> simul::Task<std::string> {
        try {
            co_await p.query("SELECT pg_sleep(10)");
        } catch (const pg::ConnectionError& e) {
            co_return e.what();
        }
        co_return "";
    }(pool));
    co_await simul::sleep(50ms);
    co_await simul::to_thread([&] { server.restart(); });
    const std::string lost = co_await simul::wait_for(std::move(running), 5s);
    EXPECT_NE(lost.find("terminating connection due to administrator command"), std::string::npos) << lost;
    int ok = 0;
    for (int i = 0; i < 8; ++i) ok += (co_await pool.query("SELECT 1")).scalar<int>();
    EXPECT_EQ(ok, 8);
    EXPECT_EQ(pool.statistics().discarded, opened);  // every old connection was found dead before use
}

SIMUL_TEST_REAL_CLOCK(PgPool, TheShortFormsReadAsTheDocsSay) {
    auto pool = pg::Pool(pgtest::shared().conninfo(), {.size = 2});
    auto rows = co_await pool.query("SELECT $1::int8 AS id, $2 AS name", std::int64_t(9), "nine");
    EXPECT_EQ(rows[0].get<std::int64_t>("id"), 9);
    EXPECT_EQ(rows[0].get<std::string>("name"), "nine");
    auto conn = co_await pg::Connection::connect(pgtest::shared().conninfo(), {.connect_timeout = 5s, .cancel_timeout = 2s});
    EXPECT_EQ((co_await conn.query("SELECT 1")).scalar<int>(), 1);
}
