#include <simul/adapters/mongo/pool.hpp>

#include <gtest/gtest.h>

#include "mongo_test_support.hpp"

// The pool after a server restart: a CongoDB of the test's own is stopped
// and started again on the same port while the pool holds connections to it.
namespace {

namespace mongo = simul::mongo;
using namespace std::chrono_literals;

template <class F>
void run_real(F body) {
    simul::testing::run_test(body(), {.virtual_time = false});
}

mongo::Options opts() {
    mongo::Options o;
    o.pool_size = 2;
    o.request_timeout = 5s;
    o.connect_timeout = 2s;
    return o;
}

simul::Task<> ping(mongo::Database db) {
    mongo::doc cmd{{"ping", 1}};
    co_await db.run_command(cmd);
}

TEST(MongoRestart, IdleConnectionsToARestartedServerAreReplacedUnseen) {
    mongo_test::CongoProcess server;
    server.start();
    run_real([&]() -> simul::Task<> {
        mongo::Client client("127.0.0.1", server.port(), opts());
        auto db = client.database("restart");
        {
            simul::TaskGroup g;  // two at once: two connections
            g.spawn(ping(db));
            g.spawn(ping(db));
            co_await g.join();
        }
        EXPECT_EQ(client.pool().statistics().idle, 2u);
        std::uint16_t port = server.port();
        co_await simul::to_thread([&] {  // starting a process blocks: not on the loop
            server.stop();
            server.start(port);
        });
        // Both idle connections are dead; the pool sees it before use.
        mongo::doc d{{"after", true}};
        co_await db.collection("c").insert_one(d);
        std::int64_t n = co_await db.collection("c").count_documents();
        EXPECT_EQ(n, 1);
        auto s = client.pool().statistics();
        EXPECT_EQ(s.discarded, 2u);
        EXPECT_EQ(s.opened, 3u);
    });
}

TEST(MongoRestart, RequestsFailClearlyWhileTheServerIsDownAndSucceedOnceItIsBack) {
    mongo_test::CongoProcess server;
    server.start();
    run_real([&]() -> simul::Task<> {
        mongo::Client client("127.0.0.1", server.port(), opts());
        auto db = client.database("restart");
        co_await ping(db);
        std::uint16_t port = server.port();
        co_await simul::to_thread([&] { server.stop(); });
        std::string what;
        try {
            co_await ping(db);
        } catch (const mongo::ConnectionError& e) {
            what = e.what();
        }
        EXPECT_NE(what.find("could not connect"), std::string::npos) << what;
        EXPECT_EQ(client.pool().statistics().in_use, 0u);
        co_await simul::to_thread([&] { server.start(port); });
        for (int i = 0; i < 10; ++i) co_await ping(db);  // every slot works again
        auto s = client.pool().statistics();
        EXPECT_EQ(s.in_use, 0u);
        EXPECT_EQ(s.idle, 1u);
    });
}

}  // namespace
