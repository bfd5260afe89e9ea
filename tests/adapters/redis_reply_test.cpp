// simul::redis replies: every reply type from a real server, binary-safe
// arguments and values, server errors.
#include <simul/adapters/redis/reply.hpp>

#include <simul/adapters/redis.hpp>
#include <simul/testing/simul_test.hpp>

#include "redis_test_server.hpp"

using namespace std::chrono_literals;
namespace redis = simul::redis;

namespace {
simul::Task<redis::Connection> connect() {
    co_return co_await redis::Connection::open("127.0.0.1", redis_test::shared_port());
}
}  // namespace

SIMUL_TEST_REAL_CLOCK(RedisReply, MissingKeyIsNil) {
    auto conn = co_await connect();
    redis::Reply r = co_await conn.command("GET", redis_test::prefix() + "missing");
    EXPECT_TRUE(r.is_nil());
    EXPECT_EQ(r.type(), redis::Reply::Type::nil);
    EXPECT_THROW((void)r.as_string(), redis::TypeError);
}

SIMUL_TEST_REAL_CLOCK(RedisReply, SetAnswersStatusOkAndGetAnswersTheBulkString) {
    auto conn = co_await connect();
    const std::string key = redis_test::prefix() + "k";
    redis::Reply ok = co_await conn.command("SET", key, "value");
    EXPECT_TRUE(ok.is_status());
    EXPECT_EQ(ok.as_string(), "OK");
    redis::Reply v = co_await conn.command("GET", key);
    EXPECT_TRUE(v.is_string());
    EXPECT_EQ(v.as_string(), "value");
}

SIMUL_TEST_REAL_CLOCK(RedisReply, IncrAnswersAnIntegerAndNumbersGoAsArguments) {
    auto conn = co_await connect();
    const std::string key = redis_test::prefix() + "n";
    co_await conn.command("SET", key, 40);
    redis::Reply r = co_await conn.command("INCRBY", key, 2LL);
    EXPECT_TRUE(r.is_int());
    EXPECT_EQ(r.as_int(), 42);
    redis::Reply s = co_await conn.command("GET", key);
    EXPECT_TRUE(s.is_string());
    EXPECT_EQ(s.as_int(), 42);  // a decimal bulk string converts
    redis::Reply f = co_await conn.command("INCRBYFLOAT", key, 0.5);
    EXPECT_EQ(f.as_string(), "42.5");
    EXPECT_THROW((void)f.as_int(), redis::TypeError);
}

SIMUL_TEST_REAL_CLOCK(RedisReply, ArraysComeBackInOrderAndNested) {
    auto conn = co_await connect();
    const std::string key = redis_test::prefix() + "list";
    co_await conn.command("RPUSH", key, "a", "b", "c");
    redis::Reply r = co_await conn.command("LRANGE", key, 0, -1);
    CO_ASSERT_TRUE(r.is_array());
    const auto& a = r.as_array();
    CO_ASSERT_EQ(a.size(), 3u);
    EXPECT_EQ(a[0].as_string(), "a");
    EXPECT_EQ(a[2].as_string(), "c");
    // A script returns nested arrays with integers, strings, nil and an error inside.
    redis::Reply n = co_await conn.command("EVAL", "return {1, {2, 'x', false}, redis.error_reply('MYERR inner')}", 0);
    CO_ASSERT_TRUE(n.is_array());
    CO_ASSERT_EQ(n.as_array().size(), 3u);
    EXPECT_EQ(n.as_array()[0].as_int(), 1);
    const auto& inner = n.as_array()[1].as_array();
    CO_ASSERT_EQ(inner.size(), 3u);
    EXPECT_EQ(inner[0].as_int(), 2);
    EXPECT_EQ(inner[1].as_string(), "x");
    EXPECT_TRUE(inner[2].is_nil());
    EXPECT_TRUE(n.as_array()[2].is_error());
    EXPECT_EQ(n.as_array()[2].error_message(), "MYERR inner");
    redis::Reply empty = co_await conn.command("LRANGE", redis_test::prefix() + "none", 0, -1);
    EXPECT_TRUE(empty.is_array());
    EXPECT_TRUE(empty.as_array().empty());
}

SIMUL_TEST_REAL_CLOCK(RedisReply, ServerErrorIsThrownAsRedisErrorWithTheMessage) {
    auto conn = co_await connect();
    const std::string key = redis_test::prefix() + "s";
    co_await conn.command("SET", key, "text");
    bool thrown = false;
    try {
        co_await conn.command("LPUSH", key, "x");
    } catch (const redis::Error& e) {
        thrown = true;
        EXPECT_EQ(e.code(), "WRONGTYPE");
        EXPECT_NE(e.message().find("wrong kind of value"), std::string::npos) << e.message();
    }
    EXPECT_TRUE(thrown);
    EXPECT_THROW(co_await conn.command("NOSUCHCOMMAND"), redis::Error);
    // The connection is still in step after errors.
    redis::Reply r = co_await conn.command("GET", key);
    EXPECT_EQ(r.as_string(), "text");
}

SIMUL_TEST_REAL_CLOCK(RedisReply, ValuesAreBinarySafe) {
    auto conn = co_await connect();
    std::string key = redis_test::prefix() + std::string("bin\0\r\nkey", 10);
    std::string value("a\0b\r\n$3\r\n*1\r\n\xff\x00", 16);
    co_await conn.command("SET", key, value);
    redis::Reply r = co_await conn.command("GET", key);
    EXPECT_EQ(r.as_string(), value);
    EXPECT_EQ(r.as_string().size(), 16u);
    // A large value crosses many reads.
    std::string big(3 * 1024 * 1024 + 7, '\0');
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = char(i * 31 + 7);
    co_await conn.command("SET", key, big);
    redis::Reply b = co_await conn.command("GET", key);
    EXPECT_TRUE(b.as_string() == big);
    // The vector form.
    std::vector<std::string> argv = {"SET", key, std::string("\r\n\0", 3)};
    co_await conn.command(argv);
    const std::vector<std::string> get = {"GET", key};  // (no braced temporaries next to co_await: g++ 12)
    redis::Reply c = co_await conn.command(get);
    EXPECT_EQ(c.as_string(), std::string("\r\n\0", 3));
}

SIMUL_TEST_REAL_CLOCK(RedisReply, EmptyCommandIsRefusedClearly) {
    auto conn = co_await connect();
    const std::vector<std::string> none;
    EXPECT_THROW(co_await conn.command(none), simul::Error);
    redis::Reply r = co_await conn.command("PING");
    EXPECT_EQ(r.as_string(), "PONG");
}

TEST(RedisReply, ToStringIsReadable) {
    EXPECT_EQ(redis::Reply().to_string(), "(nil)");
    EXPECT_EQ(redis::Reply::integer(3).to_string(), "(integer) 3");
    EXPECT_EQ(redis::Reply::string(std::string("a\0", 2)).to_string(), "\"a\\x00\"");
    EXPECT_EQ(redis::Reply::array({redis::Reply::status("OK"), redis::Reply()}).to_string(), "[(status) OK, (nil)]");
    try {
        (void)redis::Reply::integer(1).as_array();
        ADD_FAILURE() << "no TypeError";
    } catch (const redis::TypeError& e) {
        EXPECT_NE(std::string(e.what()).find("asked for an array but the reply is (integer) 1"), std::string::npos);
    }
}
