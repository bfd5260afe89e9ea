#include <simul/adapters/pg/connection.hpp>

#include <chrono>
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
simul::Task<pg::Connection> connect() { co_return co_await pg::Connection::connect(pgtest::shared().conninfo()); }
std::string unique(const char* name) { return std::string(name) + "_" + std::to_string(::getpid()); }
}  // namespace

SIMUL_TEST_REAL_CLOCK(PgNotify, AListenerGetsNotificationsInOrderAsAnAsyncGenerator) {
    auto listener = co_await connect();
    auto notifier = co_await connect();
    const std::string chan = unique("jobs");
    co_await listener.listen(chan);
    auto consumer = simul::spawn([](pg::Connection& c) -> simul::Task<std::vector<pg::Notification>> {
        std::vector<pg::Notification> got;
        auto gen = c.notifications();
        while (got.size() < 3) {
            auto n = co_await gen.next();
            if (!n) break;
            got.push_back(*n);
        }
        co_return got;
    }(listener));
    co_await simul::sleep(50ms);  // the consumer waits on the socket
    for (const char* p : {"one", "two", "three"}) co_await notifier.notify(chan, p);
    auto got = co_await simul::wait_for(std::move(consumer), 5s);
    EXPECT_EQ(got.size(), 3u);
    if (got.size() != 3u) co_return;
    EXPECT_EQ(got[0].payload, "one");
    EXPECT_EQ(got[1].payload, "two");
    EXPECT_EQ(got[2].payload, "three");
    EXPECT_EQ(got[0].channel, chan);
    EXPECT_EQ(got[0].backend_pid, notifier.backend_pid());
}

SIMUL_TEST_REAL_CLOCK(PgNotify, NotificationsThatArriveDuringAQueryAreKeptForTheNextNext) {
    auto listener = co_await connect();
    auto notifier = co_await connect();
    const std::string chan = unique("during");
    co_await listener.listen(chan);
    co_await notifier.notify(chan, "early");
    co_await listener.query("SELECT pg_sleep(0.05)");  // the notification arrives with this answer
    auto gen = listener.notifications();
    auto n = co_await simul::wait_for(gen.next(), 1s);
    EXPECT_TRUE(n && n->payload == "early");
}

SIMUL_TEST_REAL_CLOCK(PgNotify, ChannelNamesAreQuotedAndUnlistenStopsDelivery) {
    auto listener = co_await connect();
    auto notifier = co_await connect();
    const std::string chan = "Mixed Case \"and quotes\" " + unique("x");
    co_await listener.listen(chan);
    co_await notifier.notify(chan, "hi");
    auto gen = listener.notifications();
    auto n = co_await simul::wait_for(gen.next(), 2s);
    EXPECT_TRUE(n && n->channel == chan && n->payload == "hi");
    co_await listener.unlisten(chan);
    co_await notifier.notify(chan, "unheard");
    co_await listener.query("SELECT pg_sleep(0.05)");
    bool timed_out = false;
    try {
        co_await simul::wait_for(gen.next(), 200ms);
    } catch (const simul::TimeoutError&) {
        timed_out = true;
    }
    EXPECT_TRUE(timed_out);
}

SIMUL_TEST_REAL_CLOCK(PgNotify, ATimedOutWaitLeavesTheConnectionUsable) {
    auto listener = co_await connect();
    co_await listener.listen(unique("quiet"));
    bool timed_out = false;
    {
        auto gen = listener.notifications();
        try {
            co_await simul::wait_for(gen.next(), 100ms);
        } catch (const simul::TimeoutError&) {
            timed_out = true;
        }
    }
    EXPECT_TRUE(timed_out);
    EXPECT_EQ((co_await listener.query("SELECT 3")).scalar<int>(), 3);
}

SIMUL_TEST_REAL_CLOCK(PgNotify, AListenerWhoseSessionIsKilledEndsWithAConnectionError) {
    auto listener = co_await connect();
    auto admin = co_await connect();
    co_await listener.listen(unique("doomed"));
    auto consumer = simul::spawn([](pg::Connection& c) -> simul::Task<bool> {
        auto gen = c.notifications();
        try {
            for (;;) {
                auto n = co_await gen.next();
                if (!n) co_return false;
            }
        } catch (const pg::ConnectionError&) {
            co_return true;
        }
    }(listener));
    co_await simul::sleep(50ms);
    co_await admin.query("SELECT pg_terminate_backend($1)", listener.backend_pid());
    EXPECT_TRUE(co_await simul::wait_for(std::move(consumer), 5s));
    EXPECT_TRUE(listener.is_broken());
}
