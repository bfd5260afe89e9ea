// simul::redis::Pool: spreading requests, bounded FIFO leases, blocking
// commands, cancellation, timeouts and a server restart, against a real
// redis-server.
#include <simul/adapters/redis/pool.hpp>

#include <simul/adapters/redis.hpp>
#include <simul/coro/gather.hpp>
#include <simul/coro/sleep.hpp>
#include <simul/coro/wait_for.hpp>
#include <simul/testing/simul_test.hpp>

#include "redis_test_server.hpp"

using namespace std::chrono_literals;
namespace redis = simul::redis;

namespace {

simul::Task<int> counter_task(redis::Pool& pool, std::string key, int rounds) {
    int wrong = 0;
    for (int i = 1; i <= rounds; ++i) {
        redis::Reply r = co_await pool.command("INCR", key);
        if (r.as_int() != i) ++wrong;
    }
    co_return wrong;
}

}  // namespace

SIMUL_TEST_REAL_CLOCK(RedisPool, ManyTasksShareAtMostSizeConnections) {
    redis::Pool pool("127.0.0.1", redis_test::shared_port(), {.size = 4});
    const std::string p = redis_test::prefix();
    std::vector<simul::TaskHandle<int>> tasks;
    for (int t = 0; t < 200; ++t) tasks.push_back(simul::spawn(counter_task(pool, p + std::to_string(t), 10)));
    co_await simul::yield();
    auto st = pool.statistics();
    EXPECT_EQ(st.open, 4u);  // every connection is busy, so all four are opened
    EXPECT_GE(st.in_flight, 100u);
    int wrong = 0;
    for (auto& t : tasks) wrong += co_await t;
    EXPECT_EQ(wrong, 0);
    EXPECT_EQ(pool.statistics().open, 4u);
    EXPECT_EQ(pool.statistics().in_flight, 0u);
}

SIMUL_TEST_REAL_CLOCK(RedisPool, AThousandConcurrentRequests) {
    redis::Pool pool("127.0.0.1", redis_test::shared_port(), {.size = 4});
    const std::string p = redis_test::prefix();
    std::vector<simul::Task<redis::Reply>> sets;
    for (int i = 0; i < 1000; ++i) sets.push_back(pool.command("SET", p + std::to_string(i), i));
    co_await simul::gather(std::move(sets));
    std::vector<simul::Task<redis::Reply>> gets;
    for (int i = 0; i < 1000; ++i) gets.push_back(pool.command("GET", p + std::to_string(i)));
    std::vector<redis::Reply> got = co_await simul::gather(std::move(gets));
    int wrong = 0;
    for (int i = 0; i < 1000; ++i)
        if (got[std::size_t(i)].as_int() != i) ++wrong;
    EXPECT_EQ(wrong, 0);
    EXPECT_LE(pool.statistics().open, 4u);
}

SIMUL_TEST_REAL_CLOCK(RedisPool, LeasesAreExclusiveAndWaitersAreServedFirstComeFirstServed) {
    redis::Pool pool("127.0.0.1", redis_test::shared_port(), {.size = 2});
    auto a = co_await pool.acquire();
    auto b = co_await pool.acquire();
    EXPECT_NE(a->state(), b->state());
    std::vector<int> order;
    auto waiter = [&](int id) -> simul::Task<> {
        auto lease = co_await pool.acquire();
        order.push_back(id);
        co_await lease->command("PING");
    };
    std::vector<simul::TaskHandle<>> ws;
    for (int i = 0; i < 3; ++i) ws.push_back(simul::spawn(waiter(i)));
    // A plain command waits too while every connection is leased.
    auto ping = simul::spawn(pool.command("PING"));
    co_await simul::sleep(20ms);
    EXPECT_TRUE(order.empty());
    EXPECT_FALSE(ping.done());
    EXPECT_EQ(pool.statistics().waiting, 4u);
    a = redis::Pool::Lease();  // returns it
    b = redis::Pool::Lease();
    for (auto& w : ws) co_await w;
    redis::Reply r = co_await ping;
    EXPECT_EQ(r.as_string(), "PONG");
    EXPECT_EQ(order, (std::vector<int>{0, 1, 2}));
    EXPECT_EQ(pool.statistics().leased, 0u);
}

SIMUL_TEST_REAL_CLOCK(RedisPool, TransactionOnALease) {
    redis::Pool pool("127.0.0.1", redis_test::shared_port(), {.size = 2});
    const std::string k = redis_test::prefix() + "k";
    co_await pool.command("SET", k, 10);
    {
        auto lease = co_await pool.acquire();
        co_await lease->command("WATCH", k);
        redis::Reply v = co_await lease->command("GET", k);
        co_await lease->command("MULTI");
        co_await lease->command("SET", k, v.as_int() * 2);
        redis::Reply done = co_await lease->command("EXEC");
        CO_ASSERT_TRUE(done.is_array());
    }
    redis::Reply r = co_await pool.command("GET", k);
    EXPECT_EQ(r.as_int(), 20);
}

SIMUL_TEST_REAL_CLOCK(RedisPool, StatefulCommandsAreRefusedWithAClearMessage) {
    redis::Pool pool("127.0.0.1", redis_test::shared_port(), {.size = 1});
    const std::vector<std::string> refused = {"MULTI", "watch", "SELECT", "SUBSCRIBE", "MONITOR"};
    for (const std::string& c : refused) {
        bool thrown = false;
        try {
            (void)pool.command(c, "x");
        } catch (const simul::Error& e) {
            thrown = true;
            const std::string what = e.what();
            EXPECT_TRUE(what.find("acquire()") != std::string::npos || what.find("subscribe()") != std::string::npos)
                << what;
        }
        EXPECT_TRUE(thrown) << c;
    }
    redis::Reply r = co_await pool.command("PING");
    EXPECT_EQ(r.as_string(), "PONG");
}

SIMUL_TEST_REAL_CLOCK(RedisPool, BlockingCommandDoesNotHoldUpOtherTasks) {
    redis::Pool pool("127.0.0.1", redis_test::shared_port(), {.size = 2});
    const std::string list = redis_test::prefix() + "list";
    auto pop = simul::spawn(pool.command("BLPOP", list, 2));
    co_await simul::sleep(20ms);
    EXPECT_EQ(pool.statistics().leased, 1u);
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < 10; ++i) co_await pool.command("PING");
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 500ms);
    co_await pool.command("RPUSH", list, "x");
    redis::Reply r = co_await pop;
    EXPECT_EQ(r.as_array()[1].as_string(), "x");
}

SIMUL_TEST_REAL_CLOCK(RedisPool, CancelledBlpopDiscardsItsConnectionAndThePoolStaysHealthy) {
    redis::Pool pool("127.0.0.1", redis_test::shared_port(), {.size = 1});
    const std::string list = redis_test::prefix() + "list";
    auto pop = simul::spawn(pool.command("BLPOP", list, 5));
    co_await simul::sleep(30ms);
    pop.cancel();
    EXPECT_THROW(co_await pop, simul::Cancelled);
    EXPECT_EQ(pool.statistics().replaced, 1u);
    // The next command does not wait for the abandoned BLPOP...
    const auto t0 = std::chrono::steady_clock::now();
    redis::Reply r = co_await pool.command("PING");
    EXPECT_EQ(r.as_string(), "PONG");
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
    // ...and the BLPOP went with its connection: a pushed item stays.
    co_await simul::sleep(50ms);
    co_await pool.command("RPUSH", list, "kept");
    co_await simul::sleep(50ms);
    redis::Reply len = co_await pool.command("LLEN", list);
    EXPECT_EQ(len.as_int(), 1);
    co_await pool.command("DEL", list);
}

SIMUL_TEST_REAL_CLOCK(RedisPool, CancelledCommandsLeaveTombstonesAndTheOthersGetTheirReplies) {
    redis::Pool pool("127.0.0.1", redis_test::shared_port(), {.size = 1});
    const std::string p = redis_test::prefix();
    for (int i = 0; i < 50; ++i) co_await pool.command("SET", p + std::to_string(i), i);
    std::vector<simul::TaskHandle<redis::Reply>> gets;
    for (int i = 0; i < 50; ++i) gets.push_back(simul::spawn(pool.command("GET", p + std::to_string(i))));
    co_await simul::yield();  // all sent (or queued)
    for (int i = 0; i < 50; i += 2) gets[std::size_t(i)].cancel();
    int wrong = 0, cancelled = 0;
    for (int i = 0; i < 50; ++i) {
        try {
            redis::Reply r = co_await gets[std::size_t(i)];
            if (r.as_int() != i) ++wrong;
        } catch (const simul::Cancelled&) {
            ++cancelled;
        }
    }
    EXPECT_EQ(wrong, 0);
    EXPECT_EQ(cancelled, 25);
    redis::Reply r = co_await pool.command("GET", p + "7");
    EXPECT_EQ(r.as_int(), 7);
    EXPECT_EQ(pool.statistics().in_flight, 0u);
    EXPECT_EQ(pool.statistics().replaced, 0u);  // tombstones keep the connection in step
}

TEST(RedisPool, CommandTimeoutRetiresTheConnection) {
    redis_test::Server server;  // private: CLIENT PAUSE stalls every client of a server
    simul::run(
        [](std::uint16_t port) -> simul::Task<> {
            redis::Pool pool("127.0.0.1", port, {.size = 1, .command_timeout = 100ms});
            co_await pool.command("CLIENT", "PAUSE", 300, "ALL");
            EXPECT_THROW(co_await pool.command("PING"), simul::TimeoutError);
            co_await simul::sleep(400ms);
            redis::Reply r = co_await pool.command("PING");
            EXPECT_EQ(r.as_string(), "PONG");
            EXPECT_EQ(pool.statistics().replaced, 1u);
        }(server.port()));
}

TEST(RedisPool, RecoversAfterAServerRestart) {
    redis_test::Server server;
    simul::run(
        [](redis_test::Server& server) -> simul::Task<> {
            redis::Pool pool("127.0.0.1", server.port(), {.size = 2});
            co_await pool.command("SET", "k", "before");
            auto blocked = simul::spawn(pool.command("BLPOP", "list", 10));
            co_await simul::sleep(20ms);
            server.stop();
            // In flight at the crash: a clear ConnectionError.
            EXPECT_THROW(co_await blocked, redis::ConnectionError);
            co_await simul::sleep(20ms);
            // While it is down: ConnectionError (connection refused), no hang.
            EXPECT_THROW(co_await pool.command("GET", "k"), redis::ConnectionError);
            server.start();
            // Back up: the broken connections are replaced on the next request.
            redis::Reply r = co_await pool.command("GET", "k");
            EXPECT_TRUE(r.is_nil());  // a fresh server (nothing saved)
            co_await pool.command("SET", "k", "after");
            redis::Reply s = co_await pool.command("GET", "k");
            EXPECT_EQ(s.as_string(), "after");
            EXPECT_GE(pool.statistics().replaced, 1u);
            EXPECT_LE(pool.statistics().open, 2u);
        }(server));
}

SIMUL_TEST_REAL_CLOCK(RedisPool, ACommandMadeEarlierWaitsWhileEveryConnectionIsLeased) {
    redis::Pool pool("127.0.0.1", redis_test::shared_port(), {.size = 1});
    simul::Task<redis::Reply> early = pool.command("PING");  // made now, awaited later
    auto lease = co_await pool.acquire();
    auto h = simul::spawn(std::move(early));
    co_await simul::sleep(20ms);
    EXPECT_FALSE(h.done());
    lease = redis::Pool::Lease();
    redis::Reply r = co_await h;
    EXPECT_EQ(r.as_string(), "PONG");
}

SIMUL_TEST_REAL_CLOCK(RedisPool, CancelledLeaseWaiterTakesNone) {
    redis::Pool pool("127.0.0.1", redis_test::shared_port(), {.size = 1});
    auto lease = co_await pool.acquire();
    auto first = simul::spawn(pool.acquire());
    auto second = simul::spawn(pool.acquire());
    co_await simul::sleep(10ms);
    first.cancel();
    EXPECT_THROW(co_await first, simul::Cancelled);
    lease = redis::Pool::Lease();
    auto got = co_await simul::wait_for(std::move(second), 1s);
    EXPECT_TRUE(bool(got));
    redis::Reply r = co_await got->command("PING");
    EXPECT_EQ(r.as_string(), "PONG");
    EXPECT_EQ(pool.statistics().leased, 1u);
    EXPECT_EQ(pool.statistics().waiting, 0u);
}
