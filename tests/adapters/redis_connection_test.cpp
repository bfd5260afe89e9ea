// simul::redis::Connection: pipelining (automatic and explicit), cancellation
// in the middle of each kind of request, timeouts, broken connections, AUTH
// and SELECT, against a real redis-server.
#include <simul/adapters/redis/connection.hpp>

#include <simul/adapters/redis.hpp>
#include <simul/coro/gather.hpp>
#include <simul/coro/sleep.hpp>
#include <simul/coro/wait_for.hpp>
#include <simul/net/tcp.hpp>
#include <simul/testing/simul_test.hpp>

#include "redis_test_server.hpp"

using namespace std::chrono_literals;
namespace redis = simul::redis;

namespace {

simul::Task<redis::Connection> connect() {
    co_return co_await redis::Connection::open("127.0.0.1", redis_test::shared_port());
}

// Each task increments its own counter `rounds` times and checks that every
// reply is its own, in order.
simul::Task<int> counter_task(redis::Connection& conn, std::string key, int rounds) {
    int wrong = 0;
    for (int i = 1; i <= rounds; ++i) {
        redis::Reply r = co_await conn.command("INCR", key);
        if (r.as_int() != i) ++wrong;
    }
    co_return wrong;
}

}  // namespace

SIMUL_TEST_REAL_CLOCK(RedisConnection, ConcurrentTasksArePipelinedAndGetTheirOwnRepliesInOrder) {
    auto conn = co_await connect();
    const std::string p = redis_test::prefix();
    std::vector<simul::TaskHandle<int>> tasks;
    for (int t = 0; t < 100; ++t) tasks.push_back(simul::spawn(counter_task(conn, p + std::to_string(t), 20)));
    co_await simul::yield();
    co_await simul::yield();
    // Every task's first command is queued before the writer's first turn.
    EXPECT_GE(conn.in_flight(), 50u);
    int wrong = 0;
    for (auto& t : tasks) wrong += co_await t;
    EXPECT_EQ(wrong, 0);
    EXPECT_EQ(conn.in_flight(), 0u);
}

SIMUL_TEST_REAL_CLOCK(RedisConnection, AThousandConcurrentRequestsOnOneConnection) {
    auto conn = co_await connect();
    const std::string p = redis_test::prefix();
    std::vector<simul::Task<redis::Reply>> sets;
    for (int i = 0; i < 1000; ++i) sets.push_back(conn.command("SET", p + std::to_string(i), i * 7));
    co_await simul::gather(std::move(sets));
    std::vector<simul::Task<redis::Reply>> gets;
    std::vector<std::string> keys;
    keys.reserve(1000);
    for (int i = 0; i < 1000; ++i) keys.push_back(p + std::to_string(i));
    for (int i = 0; i < 1000; ++i) gets.push_back(conn.command("GET", keys[std::size_t(i)]));
    std::vector<redis::Reply> got = co_await simul::gather(std::move(gets));
    CO_ASSERT_EQ(got.size(), 1000u);
    int wrong = 0;
    for (int i = 0; i < 1000; ++i)
        if (got[std::size_t(i)].as_int() != i * 7) ++wrong;
    EXPECT_EQ(wrong, 0);
}

SIMUL_TEST_REAL_CLOCK(RedisConnection, ExplicitPipelineReturnsRepliesInOrderWithErrorsAsReplies) {
    auto conn = co_await connect();
    const std::string k = redis_test::prefix() + "k";
    redis::Pipeline p = conn.pipeline();
    p.command("SET", k, "v").command("GET", k).command("INCR", k).command("DEL", k).command("GET", k);
    EXPECT_EQ(p.size(), 5u);
    std::vector<redis::Reply> rs = co_await p.execute();
    CO_ASSERT_EQ(rs.size(), 5u);
    EXPECT_EQ(rs[0].as_string(), "OK");
    EXPECT_EQ(rs[1].as_string(), "v");
    EXPECT_TRUE(rs[2].is_error());  // not an integer: an error Reply, not an exception
    EXPECT_EQ(rs[3].as_int(), 1);
    EXPECT_TRUE(rs[4].is_nil());
    // A transaction in one pipeline.
    redis::Pipeline tx;
    tx.command("MULTI").command("INCR", k).command("INCR", k).command("EXEC");
    std::vector<redis::Reply> t = co_await conn.execute(tx);
    CO_ASSERT_EQ(t.size(), 4u);
    EXPECT_EQ(t[1].as_string(), "QUEUED");
    CO_ASSERT_TRUE(t[3].is_array());
    EXPECT_EQ(t[3].as_array()[1].as_int(), 2);
    redis::Pipeline empty;
    EXPECT_TRUE((co_await conn.execute(empty)).empty());
}

SIMUL_TEST_REAL_CLOCK(RedisConnection, CancelledBlpopLeavesTheConnectionInStep) {
    auto conn = co_await connect();
    auto other = co_await connect();
    const std::string list = redis_test::prefix() + "list";
    const std::string k = redis_test::prefix() + "k";
    auto blocked = simul::spawn(conn.command("BLPOP", list, 5));
    co_await simul::sleep(50ms);
    EXPECT_EQ(conn.in_flight(), 1u);
    blocked.cancel();
    bool cancelled = false;
    try {
        co_await blocked;
    } catch (const simul::Cancelled&) {
        cancelled = true;
    }
    EXPECT_TRUE(cancelled);
    // The BLPOP is still on the server: a push answers it, and its reply is
    // read and dropped; the next command gets its own reply.
    co_await other.command("RPUSH", list, "item");
    co_await conn.command("SET", k, "mine");
    redis::Reply r = co_await conn.command("GET", k);
    EXPECT_EQ(r.as_string(), "mine");
    redis::Reply len = co_await other.command("LLEN", list);
    EXPECT_EQ(len.as_int(), 0);  // the cancelled BLPOP did take the item
    EXPECT_EQ(conn.in_flight(), 0u);
}

SIMUL_TEST_REAL_CLOCK(RedisConnection, CancelledPipelineLeavesTheConnectionInStep) {
    auto conn = co_await connect();
    auto other = co_await connect();
    const std::string list = redis_test::prefix() + "list";
    redis::Pipeline p;
    p.command("PING").command("BLPOP", list, 5).command("ECHO", "after");
    auto h = simul::spawn(conn.execute(p));
    co_await simul::sleep(50ms);
    h.cancel();
    EXPECT_THROW(co_await h, simul::Cancelled);
    EXPECT_EQ(conn.in_flight(), 2u);  // the BLPOP and the ECHO, tombstones now
    // A command now waits behind the BLPOP (replies come in order)...
    EXPECT_THROW(co_await simul::wait_for(conn.command("ECHO", "late"), 100ms), simul::TimeoutError);
    // ...until the BLPOP is answered; then every later command gets its own.
    co_await other.command("RPUSH", list, "item");
    redis::Reply r = co_await conn.command("ECHO", "own");
    EXPECT_EQ(r.as_string(), "own");
    EXPECT_EQ(conn.in_flight(), 0u);
}

SIMUL_TEST_REAL_CLOCK(RedisConnection, CommandTimeoutThrowsAndTheNextCommandGetsItsOwnReply) {
    redis::Options o;
    o.command_timeout = 100ms;
    auto conn = co_await redis::Connection::open("127.0.0.1", redis_test::shared_port(), o);
    const std::string list = redis_test::prefix() + "list";
    const auto t0 = std::chrono::steady_clock::now();
    bool timed_out = false;
    try {
        co_await conn.command("BLPOP", list, 0.3);
    } catch (const simul::TimeoutError& e) {
        timed_out = true;
        EXPECT_NE(std::string(e.what()).find("BLPOP"), std::string::npos) << e.what();
    }
    EXPECT_TRUE(timed_out);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 280ms);
    EXPECT_EQ(conn.in_flight(), 1u);  // its tombstone
    // The BLPOP's nil reply (after 0.3 s) is read and dropped; PING gets PONG.
    co_await simul::sleep(400ms);
    EXPECT_EQ(conn.in_flight(), 0u);
    redis::Reply r = co_await conn.command("PING");
    EXPECT_EQ(r.as_string(), "PONG");
    EXPECT_TRUE(conn.is_open());
}

SIMUL_TEST_REAL_CLOCK(RedisConnection, WaitForAroundACommandIsCancellationSafe) {
    auto conn = co_await connect();
    const std::string list = redis_test::prefix() + "list";
    const std::string k = redis_test::prefix() + "k";
    for (int i = 0; i < 3; ++i)
        EXPECT_THROW(co_await simul::wait_for(conn.command("BLPOP", list, 0.2), 20ms), simul::TimeoutError);
    co_await conn.command("SET", k, 1);
    redis::Reply r = co_await conn.command("INCR", k);
    EXPECT_EQ(r.as_int(), 2);
}

SIMUL_TEST_REAL_CLOCK(RedisConnection, CloseFailsTheRequestsInFlightWithConnectionError) {
    auto conn = co_await connect();
    auto blocked = simul::spawn(conn.command("BLPOP", redis_test::prefix() + "list", 5));
    co_await simul::sleep(20ms);
    conn.close();
    EXPECT_THROW(co_await blocked, redis::ConnectionError);
    EXPECT_FALSE(conn.is_open());
    EXPECT_THROW(co_await conn.command("PING"), redis::ConnectionError);
}

SIMUL_TEST_REAL_CLOCK(RedisConnection, RefusedConnectionIsConnectionError) {
    const std::uint16_t port = redis_test::free_port();  // nothing listens there
    bool thrown = false;
    try {
        co_await redis::Connection::open("127.0.0.1", port);
    } catch (const redis::ConnectionError& e) {
        thrown = true;
        EXPECT_NE(std::string(e.what()).find(std::to_string(port)), std::string::npos) << e.what();
    }
    EXPECT_TRUE(thrown);
}

SIMUL_TEST_REAL_CLOCK(RedisConnection, ConnectTimeoutWhenTheServerNeverAnswers) {
    // A server that accepts and reads but never answers the AUTH.
    auto silent = co_await simul::start_server(
        [](simul::Stream s) -> simul::Task<> {
            char buf[256];
            for (;;) {
                const std::size_t n = co_await s.read_some(buf, sizeof buf);
                if (n == 0) break;
            }
        },
        "127.0.0.1", 0);
    redis::Options o;
    o.password = "secret";
    o.connect_timeout = 150ms;
    bool thrown = false;
    try {
        co_await redis::Connection::open("127.0.0.1", silent.port(), o);
    } catch (const redis::ConnectionError& e) {
        thrown = true;
        EXPECT_NE(std::string(e.what()).find("within"), std::string::npos) << e.what();
    }
    EXPECT_TRUE(thrown);
    silent.close();
    co_await silent.wait_closed(1s);
}

SIMUL_TEST_REAL_CLOCK(RedisConnection, ServerClosingMidRequestFailsItWithConnectionError) {
    auto rude = co_await simul::start_server(
        [](simul::Stream s) -> simul::Task<> {
            char buf[256];
            (void)co_await s.read_some(buf, sizeof buf);
            s.close();
        },
        "127.0.0.1", 0);
    auto conn = co_await redis::Connection::open("127.0.0.1", rude.port());
    EXPECT_THROW(co_await conn.command("GET", "k"), redis::ConnectionError);
    EXPECT_FALSE(conn.is_open());
    EXPECT_THROW(co_await conn.command("GET", "k"), redis::ConnectionError);
    rude.close();
    co_await rude.wait_closed(1s);
}

SIMUL_TEST_REAL_CLOCK(RedisConnection, MalformedReplyIsConnectionError) {
    auto liar = co_await simul::start_server(
        [](simul::Stream s) -> simul::Task<> {
            char buf[256];
            (void)co_await s.read_some(buf, sizeof buf);
            co_await s.write("?this is not RESP\r\n");
            (void)co_await s.read_some(buf, sizeof buf);
        },
        "127.0.0.1", 0);
    auto conn = co_await redis::Connection::open("127.0.0.1", liar.port());
    bool thrown = false;
    try {
        co_await conn.command("PING");
    } catch (const redis::ConnectionError& e) {
        thrown = true;
        EXPECT_NE(std::string(e.what()).find("malformed"), std::string::npos) << e.what();
    }
    EXPECT_TRUE(thrown);
    conn.close();
    liar.close();
    co_await liar.wait_closed(1s);
}

SIMUL_TEST_REAL_CLOCK(RedisConnection, SelectOptionPicksTheDatabase) {
    redis::Options o;
    o.db = 5;
    auto five = co_await redis::Connection::open("127.0.0.1", redis_test::shared_port(), o);
    auto zero = co_await connect();
    const std::string k = redis_test::prefix() + "k";
    co_await five.command("SET", k, "in five");
    redis::Reply in_zero = co_await zero.command("GET", k);
    EXPECT_TRUE(in_zero.is_nil());
    redis::Reply in_five = co_await five.command("GET", k);
    EXPECT_EQ(in_five.as_string(), "in five");
    co_await five.command("DEL", k);
}

TEST(RedisConnection, AuthOptionLogsIn) {
    redis_test::Server server({"--requirepass", "s3cret"});
    simul::run(
        [](std::uint16_t port) -> simul::Task<> {
            auto anonymous = co_await redis::Connection::open("127.0.0.1", port);
            try {
                co_await anonymous.command("GET", "k");
                ADD_FAILURE() << "no NOAUTH error";
            } catch (const redis::Error& e) {
                EXPECT_EQ(e.code(), "NOAUTH");
            }
            redis::Options good;
            good.password = "s3cret";
            auto conn = co_await redis::Connection::open("127.0.0.1", port, good);
            redis::Reply r = co_await conn.command("PING");
            EXPECT_EQ(r.as_string(), "PONG");
            redis::Options bad;
            bad.password = "wrong";
            bad.username = "default";
            EXPECT_THROW(co_await redis::Connection::open("127.0.0.1", port, bad), redis::Error);
        }(server.port()));
}

SIMUL_TEST_REAL_CLOCK(RedisConnection, CancellingAtEveryStepNeverPutsTheConnectionOutOfStep) {
    auto conn = co_await connect();
    const std::string k = redis_test::prefix() + "k";
    co_await conn.command("SET", k, "value");
    // Cancel a GET after 0, 1, 2, ... loop turns: before it ran, queued but
    // not written, written, answered but not resumed. The next command must
    // always get its own reply.
    for (int turns = 0; turns < 12; ++turns) {
        auto h = simul::spawn(conn.command("GET", k));
        for (int i = 0; i < turns; ++i) co_await simul::yield();
        h.cancel();
        try {
            redis::Reply r = co_await h;
            EXPECT_EQ(r.as_string(), "value");  // it finished first: its own reply
        } catch (const simul::Cancelled&) {
        }
        redis::Reply e = co_await conn.command("ECHO", turns);
        EXPECT_EQ(e.as_int(), turns);
    }
    EXPECT_EQ(conn.in_flight(), 0u);
}

SIMUL_TEST_REAL_CLOCK(RedisConnection, RepliesSplitIntoSingleBytesAreParsed) {
    // A server that sends a nested reply one byte per write, to two clients
    // at once: the parser keeps a partial reply per connection across reads.
    auto slow = co_await simul::start_server(
        [](simul::Stream s) -> simul::Task<> {
            static const char kReply[] = "*3\r\n:1\r\n*2\r\n$5\r\nhe\0lo\r\n$-1\r\n+OK\r\n";
            const std::string r(kReply, sizeof kReply - 1);
            char buf[256];
            for (;;) {
                const std::size_t n = co_await s.read_some(buf, sizeof buf);
                if (n == 0) break;
                for (char c : r) {
                    co_await s.write(std::string_view(&c, 1));
                    co_await simul::sleep(std::chrono::microseconds(200));
                }
            }
        },
        "127.0.0.1", 0);
    auto one = co_await redis::Connection::open("127.0.0.1", slow.port());
    auto two = co_await redis::Connection::open("127.0.0.1", slow.port());
    auto [a, b] = co_await simul::gather(one.command("X"), two.command("Y"));
    for (const redis::Reply* r : {&a, &b}) {
        CO_ASSERT_TRUE(r->is_array());
        const auto& v = r->as_array();
        CO_ASSERT_EQ(v.size(), 3u);
        EXPECT_EQ(v[0].as_int(), 1);
        EXPECT_EQ(v[1].as_array()[0].as_string(), std::string("he\0lo", 5));
        EXPECT_TRUE(v[1].as_array()[1].is_nil());
        EXPECT_EQ(v[2].as_string(), "OK");
    }
    one.close();
    two.close();
    slow.close();
    co_await slow.wait_closed(1s);
}
