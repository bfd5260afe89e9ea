// simul::redis::Subscriber: pub/sub on a dedicated connection, as an
// AsyncGenerator, against a real redis-server.
#include <simul/adapters/redis/subscriber.hpp>

#include <simul/adapters/redis.hpp>
#include <simul/coro/sleep.hpp>
#include <simul/coro/wait_for.hpp>
#include <simul/testing/simul_test.hpp>

#include "redis_test_server.hpp"

using namespace std::chrono_literals;
namespace redis = simul::redis;

namespace {
simul::Task<redis::Connection> connect() {
    co_return co_await redis::Connection::open("127.0.0.1", redis_test::shared_port());
}
}  // namespace

SIMUL_TEST_REAL_CLOCK(RedisPubSub, SubscribeThenReceiveEveryMessageInOrder) {
    auto sub = co_await redis::Subscriber::open("127.0.0.1", redis_test::shared_port());
    const std::string ch = redis_test::prefix() + "ch";
    co_await sub.subscribe(ch);
    auto pub = co_await connect();
    for (int i = 0; i < 100; ++i) {
        redis::Reply n = co_await pub.command("PUBLISH", ch, i);
        EXPECT_EQ(n.as_int(), 1);  // one subscriber: us
    }
    auto messages = sub.messages();
    for (int i = 0; i < 100; ++i) {
        auto m = co_await messages.next();
        CO_ASSERT_TRUE(m.has_value());
        EXPECT_EQ(m->channel, ch);
        EXPECT_EQ(m->payload, std::to_string(i));
        EXPECT_TRUE(m->pattern.empty());
    }
}

SIMUL_TEST_REAL_CLOCK(RedisPubSub, PatternSubscriptionSaysWhichPatternMatched) {
    auto sub = co_await redis::Subscriber::open("127.0.0.1", redis_test::shared_port());
    const std::string pattern = redis_test::prefix() + "news.*";
    co_await sub.psubscribe(pattern);
    auto pub = co_await connect();
    co_await pub.command("PUBLISH", redis_test::prefix() + "news.tech", std::string("a\0b\r\n", 5));
    redis::Message m = co_await sub.next();
    EXPECT_EQ(m.pattern, pattern);
    EXPECT_EQ(m.channel, redis_test::prefix() + "news.tech");
    EXPECT_EQ(m.payload, std::string("a\0b\r\n", 5));
}

SIMUL_TEST_REAL_CLOCK(RedisPubSub, UnsubscribeStopsDeliveryFromThatChannel) {
    auto sub = co_await redis::Subscriber::open("127.0.0.1", redis_test::shared_port());
    const std::string a = redis_test::prefix() + "a", b = redis_test::prefix() + "b";
    co_await sub.subscribe(a, b);
    co_await sub.unsubscribe(a);
    auto pub = co_await connect();
    redis::Reply to_a = co_await pub.command("PUBLISH", a, "lost");
    EXPECT_EQ(to_a.as_int(), 0);
    co_await pub.command("PUBLISH", b, "kept");
    redis::Message m = co_await sub.next();
    EXPECT_EQ(m.channel, b);
    EXPECT_EQ(m.payload, "kept");
}

SIMUL_TEST_REAL_CLOCK(RedisPubSub, LeavingTheLoopUnsubscribes) {
    redis::Pool pool("127.0.0.1", redis_test::shared_port(), {.size = 1});
    const std::string ch = redis_test::prefix() + "ch";
    {
        auto messages = co_await pool.subscribe(ch);
        co_await pool.command("PUBLISH", ch, "one");
        co_await pool.command("PUBLISH", ch, "two");
        int seen = 0;
        while (auto m = co_await messages.next()) {
            ++seen;
            if (m->payload == "two") break;
        }
        EXPECT_EQ(seen, 2);
    }  // the generator, and its connection, end here
    long long subscribers = -1;
    for (int i = 0; i < 100 && subscribers != 0; ++i) {
        redis::Reply r = co_await pool.command("PUBSUB", "NUMSUB", ch);
        subscribers = r.as_array()[1].as_int();
        if (subscribers != 0) co_await simul::sleep(10ms);
    }
    EXPECT_EQ(subscribers, 0);
}

SIMUL_TEST_REAL_CLOCK(RedisPubSub, CancelledNextLosesNoMessage) {
    auto sub = co_await redis::Subscriber::open("127.0.0.1", redis_test::shared_port());
    const std::string ch = redis_test::prefix() + "ch";
    co_await sub.subscribe(ch);
    EXPECT_THROW(co_await simul::wait_for(sub.next(), 30ms), simul::TimeoutError);
    auto pub = co_await connect();
    co_await pub.command("PUBLISH", ch, "first");
    redis::Message m = co_await sub.next();
    EXPECT_EQ(m.payload, "first");
}

SIMUL_TEST_REAL_CLOCK(RedisPubSub, CancelledSubscribeLeavesTheConnectionInStep) {
    auto sub = co_await redis::Subscriber::open("127.0.0.1", redis_test::shared_port());
    const std::string a = redis_test::prefix() + "a", b = redis_test::prefix() + "b";
    auto h = simul::spawn(sub.subscribe(a));
    h.cancel();  // before it ran: nothing sent
    EXPECT_THROW(co_await h, simul::Cancelled);
    auto h2 = simul::spawn(sub.subscribe(a));
    co_await simul::yield();
    h2.cancel();  // sent: its confirmation is read and dropped
    EXPECT_THROW(co_await h2, simul::Cancelled);
    co_await sub.subscribe(b);
    auto pub = co_await connect();
    co_await pub.command("PUBLISH", b, "to b");
    redis::Message m = co_await sub.next();
    EXPECT_EQ(m.channel, b);
}

TEST(RedisPubSub, ServerGoneEndsTheStreamWithConnectionError) {
    redis_test::Server server;
    simul::run(
        [](redis_test::Server& server) -> simul::Task<> {
            auto sub = co_await redis::Subscriber::open("127.0.0.1", server.port());
            co_await sub.subscribe("ch");
            auto messages = sub.messages();
            server.stop();
            EXPECT_THROW(co_await messages.next(), redis::ConnectionError);
            EXPECT_FALSE(sub.is_open());
        }(server));
}
