#include <simul/adapters/mongo/pool.hpp>

#include <memory>
#include <set>

#include <gtest/gtest.h>

#include "mongo_test_support.hpp"

// What CongoDB cannot show: server errors it never sends (duplicate keys,
// write-concern errors), dropped connections, stalls and malformed replies,
// and cancellation in the middle of each kind of request. The server is a
// scripted one on loopback (mongo_test_support.hpp), written with simul.
namespace {

namespace mongo = simul::mongo;
using namespace std::chrono_literals;
using mongo_test::Request;

template <class F>
void run_real(F body) {
    simul::testing::run_test(body(), {.virtual_time = false});
}

mongo::Options opts(std::size_t pool = 1, simul::Duration timeout = 5s) {
    mongo::Options o;
    o.pool_size = pool;
    o.request_timeout = timeout;
    o.connect_timeout = 2s;
    return o;
}

// A well-behaved scripted server that can hold some replies back.
struct Script {
    std::vector<std::string> seen;       // every command but hello, in order
    std::vector<mongo::Document> bodies;
    std::set<std::string> hold;          // reply to these late (each once)
    simul::Event held;                   // a held request has arrived
    simul::Duration hold_for = 300ms;
};

mongo::Document canned(const Request& r) {
    if (r.name == "ping") return mongo::doc{{"ok", 1.0}, {"pong", true}};
    if (r.name == "find") {
        mongo::array batch{mongo::doc{{"i", 0}}, mongo::doc{{"i", 1}}};
        mongo::doc cursor{{"id", std::int64_t(42)}, {"ns", "db.c"}, {"firstBatch", batch}};
        return mongo::doc{{"cursor", cursor}, {"ok", 1.0}};
    }
    if (r.name == "getMore") {
        mongo::array batch{mongo::doc{{"i", 2}}};
        mongo::doc cursor{{"id", std::int64_t(0)}, {"ns", "db.c"}, {"nextBatch", batch}};
        return mongo::doc{{"cursor", cursor}, {"ok", 1.0}};
    }
    if (r.name == "aggregate") {
        mongo::array batch{mongo::doc{{"_id", 1}, {"n", 3}}};
        mongo::doc cursor{{"id", std::int64_t(0)}, {"ns", "db.c"}, {"firstBatch", batch}};
        return mongo::doc{{"cursor", cursor}, {"ok", 1.0}};
    }
    if (r.name == "killCursors") return mongo::doc{{"cursorsKilled", mongo::array{std::int64_t(42)}}, {"ok", 1.0}};
    return mongo::doc{{"n", 1}, {"nModified", 1}, {"ok", 1.0}};
}

simul::Task<simul::Server> start_script(std::shared_ptr<Script> st) {
    auto on_request = [st](simul::Stream& s, const Request& r) -> simul::Task<bool> {
        st->seen.push_back(r.name);
        st->bodies.push_back(r.body);
        if (st->hold.erase(r.name)) {
            st->held.set();
            co_await simul::sleep(st->hold_for);
        }
        mongo::Document body = canned(r);
        co_await mongo_test::reply(s, r, std::move(body));
        co_return true;
    };
    co_return co_await mongo_test::scripted_server(on_request);
}

simul::Task<> stop(simul::Server& server) {
    server.close();
    co_await server.wait_closed(0s);
}

TEST(MongoFailure, DuplicateKeyBecomesErrorWithCodeAndCodeName) {
    run_real([]() -> simul::Task<> {
        auto on_request = [](simul::Stream& s, const Request& r) -> simul::Task<bool> {
            mongo::doc e{{"index", 0}, {"code", 11000}, {"errmsg", "E11000 duplicate key error collection: db.c index: _id_"}};
            mongo::doc body{{"n", 0}, {"writeErrors", mongo::array{e}}, {"ok", 1.0}};
            co_await mongo_test::reply(s, r, std::move(body));
            co_return true;
        };
        auto server = co_await mongo_test::scripted_server(on_request);
        {
            mongo::Client client("127.0.0.1", server.port(), opts());
            auto c = client.database("db").collection("c");
            mongo::doc d{{"_id", 1}};
            int code = 0;
            std::string name;
            std::size_t n_errors = 0;
            try {
                co_await c.insert_one(d);
            } catch (const mongo::Error& e) {
                code = e.code();
                name = e.code_name();
                n_errors = e.write_errors().size();
            }
            EXPECT_EQ(code, 11000);
            EXPECT_EQ(name, "DuplicateKey");
            EXPECT_EQ(n_errors, 1u);
            EXPECT_EQ(client.pool().statistics().discarded, 0u);  // a server error leaves the connection in step
        }
        co_await stop(server);
    });
}

TEST(MongoFailure, OkZeroAndWriteConcernErrorsAreErrors) {
    run_real([]() -> simul::Task<> {
        auto on_request = [](simul::Stream& s, const Request& r) -> simul::Task<bool> {
            mongo::Document body;
            if (r.name == "update") {
                mongo::doc wce{{"code", 64}, {"codeName", "WriteConcernFailed"}, {"errmsg", "waiting for replication timed out"}};
                body = mongo::doc{{"n", 1}, {"nModified", 1}, {"writeConcernError", wce}, {"ok", 1.0}};
            } else {
                body = mongo::doc{{"ok", 0.0}, {"code", 13}, {"codeName", "Unauthorized"}, {"errmsg", "not authorized on db"}};
            }
            co_await mongo_test::reply(s, r, std::move(body));
            co_return true;
        };
        auto server = co_await mongo_test::scripted_server(on_request);
        {
            mongo::Client client("127.0.0.1", server.port(), opts());
            auto db = client.database("db");
            mongo::doc cmd{{"find", "c"}};
            int code = 0;
            std::string name;
            try {
                co_await db.run_command(cmd);
            } catch (const mongo::Error& e) {
                code = e.code();
                name = e.code_name();
            }
            EXPECT_EQ(code, 13);
            EXPECT_EQ(name, "Unauthorized");
            mongo::doc f{{"a", 1}}, u{{"$set", mongo::doc{{"b", 2}}}};
            code = 0;
            try {
                co_await db.collection("c").update_one(f, u);
            } catch (const mongo::Error& e) {
                code = e.code();
                name = e.code_name();
            }
            EXPECT_EQ(code, 64);
            EXPECT_EQ(name, "WriteConcernFailed");
        }
        co_await stop(server);
    });
}

TEST(MongoFailure, ConnectionRefusedIsAConnectionError) {
    run_real([]() -> simul::Task<> {
        // A port that was just free: nothing listens there.
        simul::ConnectionHandler nothing = [](simul::Stream) -> simul::Task<> { co_return; };
        std::string host = "127.0.0.1";
        auto probe = co_await simul::start_server(nothing, host, 0);
        std::uint16_t port = probe.port();
        probe.close();
        co_await probe.wait_closed(0s);
        mongo::Client client("127.0.0.1", port, opts());
        mongo::doc ping{{"ping", 1}};
        std::string what;
        try {
            co_await client.database("admin").run_command(ping);
        } catch (const mongo::ConnectionError& e) {
            what = e.what();
        }
        EXPECT_NE(what.find("could not connect"), std::string::npos) << what;
    });
}

TEST(MongoFailure, ServerThatNeverSaysHelloTimesOutTheConnect) {
    run_real([]() -> simul::Task<> {
        simul::ConnectionHandler mute = [](simul::Stream s) -> simul::Task<> {
            std::string ignored = co_await s.read(1 << 16);  // takes the hello, never answers
            co_await simul::sleep(5s);
        };
        std::string host = "127.0.0.1";
        auto server = co_await simul::start_server(mute, host, 0);
        {
            mongo::Options o = opts();
            o.connect_timeout = 200ms;
            mongo::Client client("127.0.0.1", server.port(), o);
            mongo::doc ping{{"ping", 1}};
            auto t0 = simul::now();
            std::string what;
            try {
                co_await client.database("admin").run_command(ping);
            } catch (const simul::TimeoutError& e) {
                what = e.what();
            }
            EXPECT_NE(what.find("connect_timeout"), std::string::npos) << what;
            EXPECT_LT(simul::now() - t0, 2s);
            EXPECT_EQ(client.pool().statistics().in_use, 0u);
        }
        co_await stop(server);
    });
}

TEST(MongoFailure, ServerClosingBeforeTheReplyIsAConnectionErrorAndThePoolRecovers) {
    run_real([]() -> simul::Task<> {
        auto drops = std::make_shared<int>(1);
        auto on_request = [drops](simul::Stream& s, const Request& r) -> simul::Task<bool> {
            if ((*drops)-- > 0) co_return false;  // close without a word
            mongo::Document body = canned(r);
            co_await mongo_test::reply(s, r, std::move(body));
            co_return true;
        };
        auto server = co_await mongo_test::scripted_server(on_request);
        {
            mongo::Client client("127.0.0.1", server.port(), opts());
            auto db = client.database("admin");
            mongo::doc ping{{"ping", 1}};
            std::string what;
            try {
                co_await db.run_command(ping);
            } catch (const mongo::ConnectionError& e) {
                what = e.what();
            }
            EXPECT_NE(what.find("closed the connection"), std::string::npos) << what;
            mongo::Document r = co_await db.run_command(ping);
            EXPECT_TRUE(r["pong"].as_bool());
            auto st = client.pool().statistics();
            EXPECT_EQ(st.opened, 2u);
            EXPECT_EQ(st.discarded, 1u);
        }
        co_await stop(server);
    });
}

TEST(MongoFailure, ServerClosingInTheMiddleOfAReplyIsAConnectionError) {
    run_real([]() -> simul::Task<> {
        auto on_request = [](simul::Stream& s, const Request& r) -> simul::Task<bool> {
            mongo::doc body{{"ok", 1.0}, {"payload", std::string(1000, 'x')}};
            std::string bytes = mongo_test::frame(r.id, body);
            co_await s.write(std::string_view(bytes).substr(0, bytes.size() / 2));
            co_return false;
        };
        auto server = co_await mongo_test::scripted_server(on_request);
        {
            mongo::Client client("127.0.0.1", server.port(), opts());
            mongo::doc ping{{"ping", 1}};
            std::string what;
            try {
                co_await client.database("admin").run_command(ping);
            } catch (const mongo::ConnectionError& e) {
                what = e.what();
            }
            EXPECT_NE(what.find("in the middle of a reply"), std::string::npos) << what;
            EXPECT_EQ(client.pool().statistics().discarded, 1u);
        }
        co_await stop(server);
    });
}

TEST(MongoFailure, StalledServerGivesATimeoutAndTheNextRequestGetsItsOwnReply) {
    run_real([]() -> simul::Task<> {
        auto st = std::make_shared<Script>();
        st->hold = {"ping"};
        st->hold_for = 600ms;
        auto server = co_await start_script(st);
        {
            mongo::Client client("127.0.0.1", server.port(), opts(1, 150ms));
            auto db = client.database("admin");
            mongo::doc ping{{"ping", 1}};
            auto t0 = simul::now();
            bool timed_out = false;
            try {
                co_await db.run_command(ping);
            } catch (const simul::TimeoutError& e) {
                timed_out = true;
                EXPECT_NE(std::string(e.what()).find("request_timeout"), std::string::npos) << e.what();
            }
            EXPECT_TRUE(timed_out);
            auto waited = simul::now() - t0;
            EXPECT_GE(waited, 140ms);
            EXPECT_LT(waited, 550ms);
            // The late reply goes to a closed socket; this one is answered on a new connection.
            mongo::doc find{{"find", "c"}};
            mongo::Document r = co_await db.run_command(find);
            EXPECT_TRUE(r.contains("cursor"));
            EXPECT_EQ(client.pool().statistics().discarded, 1u);
            EXPECT_EQ(client.pool().statistics().opened, 2u);
        }
        co_await stop(server);
    });
}

// A reply made by hand: `mangle` edits the bytes of a good one.
template <class Mangle>
simul::Task<std::string> malformed_reply_error(Mangle mangle) {
    auto on_request = [mangle](simul::Stream& s, const Request& r) -> simul::Task<bool> {
        mongo::doc body{{"ok", 1.0}, {"v", "hello"}};
        std::string bytes = mongo_test::frame(r.id, body);
        mangle(bytes);
        co_await s.write(bytes);
        co_await simul::sleep(2s);  // the client must not wait for more
        co_return false;
    };
    auto server = co_await mongo_test::scripted_server(on_request);
    std::string what;
    {
        mongo::Client client("127.0.0.1", server.port(), opts(1, 1s));
        mongo::doc ping{{"ping", 1}};
        try {
            co_await client.database("admin").run_command(ping);
            what = "no error";
        } catch (const mongo::ProtocolError& e) {
            what = e.what();
        } catch (const std::exception& e) {
            what = std::string("wrong error: ") + e.what();
        }
        EXPECT_EQ(client.pool().statistics().discarded, 1u);
    }
    co_await stop(server);
    co_return what;
}

void set32(std::string& b, std::size_t at, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) b[at + i] = char((v >> (8 * i)) & 0xff);
}

TEST(MongoFailure, MalformedRepliesAreProtocolErrors) {
    run_real([]() -> simul::Task<> {
        std::string e = co_await malformed_reply_error([](std::string& b) { set32(b, 0, 5); });
        EXPECT_NE(e.find("message length 5 is out of range"), std::string::npos) << e;
        e = co_await malformed_reply_error([](std::string& b) { set32(b, 0, 0x7fffffff); });
        EXPECT_NE(e.find("out of range"), std::string::npos) << e;
        e = co_await malformed_reply_error([](std::string& b) { set32(b, 12, 1); });  // OP_REPLY
        EXPECT_NE(e.find("opCode 1"), std::string::npos) << e;
        e = co_await malformed_reply_error([](std::string& b) { set32(b, 8, 999); });
        EXPECT_NE(e.find("answers request 999"), std::string::npos) << e;
        e = co_await malformed_reply_error([](std::string& b) { b[21] = char(200); });  // BSON length past the end
        EXPECT_NE(e.find("BSON body claims"), std::string::npos) << e;
        e = co_await malformed_reply_error([](std::string& b) { b[25] = char(0x7c); });  // unknown element type
        EXPECT_NE(e.find("malformed BSON"), std::string::npos) << e;
        e = co_await malformed_reply_error([](std::string& b) { b[20] = char(7); });  // unknown section kind
        EXPECT_NE(e.find("section kind 7"), std::string::npos) << e;
    });
}

// Starts `op` on a pool of one, cancels it once the server has its request
// (the reply is held back), then checks that the pool answers a ping with
// the ping's own reply on a fresh connection.
template <class Op>
void cancel_in_the_middle(std::string command, Op op) {
    run_real([command, op]() -> simul::Task<> {
        auto st = std::make_shared<Script>();
        st->hold = {command};
        auto server = co_await start_script(st);
        {
            mongo::Client client("127.0.0.1", server.port(), opts(1));
            auto coll = client.database("db").collection("c");
            simul::TaskHandle<> handle;
            if constexpr (std::is_invocable_v<Op, mongo::Collection>)
                handle = simul::spawn(op(coll));
            else
                handle = simul::spawn(op(coll, client.database("db")));
            co_await simul::wait_for(st->held.wait(), 2s);
            EXPECT_TRUE(handle.cancel());
            bool cancelled = false;
            try {
                co_await handle;
            } catch (const simul::Cancelled&) {
                cancelled = true;
            }
            EXPECT_TRUE(cancelled) << command;
            mongo::doc ping{{"ping", 1}};
            mongo::Document r = co_await client.database("admin").run_command(ping);
            EXPECT_TRUE(r.contains("pong")) << command << ": got " << r.to_json();
            auto s = client.pool().statistics();
            EXPECT_EQ(s.in_use, 0u);
            EXPECT_GE(s.discarded, 1u) << command;
            // One more round trip on the pooled connection: still in step.
            mongo::Document r2 = co_await client.database("admin").run_command(ping);
            EXPECT_TRUE(r2.contains("pong"));
        }
        co_await stop(server);
    });
}

simul::Task<> drain(simul::AsyncGenerator<mongo::Document> gen) {
    while (auto d = co_await gen.next()) {
    }
}

TEST(MongoFailure, CancelledInsertOneLeavesThePoolInStep) {
    cancel_in_the_middle("insert", [](mongo::Collection c) -> simul::Task<> {
        mongo::doc d{{"a", 1}};
        co_await c.insert_one(d);
    });
}

TEST(MongoFailure, CancelledInsertManyLeavesThePoolInStep) {
    cancel_in_the_middle("insert", [](mongo::Collection c) -> simul::Task<> {
        std::vector<mongo::Document> docs(10, mongo::doc{{"a", 1}});
        co_await c.insert_many(std::move(docs));
    });
}

TEST(MongoFailure, CancelledFindLeavesThePoolInStep) {
    cancel_in_the_middle("find", [](mongo::Collection c) -> simul::Task<> { co_await drain(c.find()); });
}

TEST(MongoFailure, CancelledFindOneLeavesThePoolInStep) {
    cancel_in_the_middle("find", [](mongo::Collection c) -> simul::Task<> {
        mongo::doc f{{"a", 1}};
        co_await c.find_one(f);
    });
}

TEST(MongoFailure, CancelledGetMoreLeavesThePoolInStepAndKillsTheCursor) {
    auto st = std::make_shared<Script>();
    st->hold = {"getMore"};
    run_real([st]() -> simul::Task<> {
        auto server = co_await start_script(st);
        {
            mongo::Client client("127.0.0.1", server.port(), opts(1));
            auto coll = client.database("db").collection("c");
            auto handle = simul::spawn(drain(coll.find()));
            co_await simul::wait_for(st->held.wait(), 2s);
            handle.cancel();
            try {
                co_await handle;
            } catch (const simul::Cancelled&) {
            }
            // The cursor's killCursors runs in a task of its own: wait (bounded) for it.
            for (int i = 0; i < 100 && std::find(st->seen.begin(), st->seen.end(), "killCursors") == st->seen.end(); ++i)
                co_await simul::sleep(10ms);
            mongo::doc ping{{"ping", 1}};
            mongo::Document r = co_await client.database("admin").run_command(ping);
            EXPECT_TRUE(r.contains("pong"));
        }
        co_await stop(server);
    });
    auto it = std::find(st->seen.begin(), st->seen.end(), "killCursors");
    ASSERT_NE(it, st->seen.end());
    const mongo::Document& kill = st->bodies[std::size_t(it - st->seen.begin())];
    EXPECT_EQ(kill["killCursors"].as_string(), "c");
    EXPECT_EQ(kill["cursors"].as_array()[0].as_int64(), 42);
}

TEST(MongoFailure, CancelledUpdateOneLeavesThePoolInStep) {
    cancel_in_the_middle("update", [](mongo::Collection c) -> simul::Task<> {
        mongo::doc f{{"a", 1}}, u{{"$set", mongo::doc{{"b", 1}}}};
        co_await c.update_one(f, u);
    });
}

TEST(MongoFailure, CancelledUpdateManyLeavesThePoolInStep) {
    cancel_in_the_middle("update", [](mongo::Collection c) -> simul::Task<> {
        mongo::doc f{{"a", 1}}, u{{"$set", mongo::doc{{"b", 1}}}};
        co_await c.update_many(f, u);
    });
}

TEST(MongoFailure, CancelledDeleteLeavesThePoolInStep) {
    cancel_in_the_middle("delete", [](mongo::Collection c) -> simul::Task<> {
        mongo::doc f{{"a", 1}};
        co_await c.delete_many(f);
    });
}

TEST(MongoFailure, CancelledCountLeavesThePoolInStep) {
    cancel_in_the_middle("aggregate", [](mongo::Collection c) -> simul::Task<> { co_await c.count_documents(); });
}

TEST(MongoFailure, CancelledAggregateLeavesThePoolInStep) {
    cancel_in_the_middle("aggregate", [](mongo::Collection c) -> simul::Task<> {
        std::vector<mongo::Document> p{mongo::doc{{"$match", mongo::doc{}}}};
        co_await drain(c.aggregate(std::move(p)));
    });
}

TEST(MongoFailure, CancelledCreateIndexLeavesThePoolInStep) {
    cancel_in_the_middle("createIndexes", [](mongo::Collection c) -> simul::Task<> {
        mongo::doc k{{"a", 1}};
        co_await c.create_index(k);
    });
}

TEST(MongoFailure, CancelledRunCommandLeavesThePoolInStep) {
    cancel_in_the_middle("dbStats", [](mongo::Collection, mongo::Database db) -> simul::Task<> {
        mongo::doc cmd{{"dbStats", 1}};
        co_await db.run_command(cmd);
    });
}

TEST(MongoFailure, EarlyStopSendsKillCursorsWithTheCursorsId) {
    auto st = std::make_shared<Script>();
    run_real([st]() -> simul::Task<> {
        auto server = co_await start_script(st);
        {
            mongo::Client client("127.0.0.1", server.port(), opts(1));
            auto coll = client.database("db").collection("c");
            {
                auto gen = coll.find();
                auto first = co_await gen.next();
                EXPECT_TRUE(first.has_value());
            }  // dropped with the cursor open (id 42)
            for (int i = 0; i < 100 && std::find(st->seen.begin(), st->seen.end(), "killCursors") == st->seen.end(); ++i)
                co_await simul::sleep(10ms);
            // A cursor read to its end needs no kill.
            std::size_t kills = std::count(st->seen.begin(), st->seen.end(), "killCursors");
            co_await drain(coll.find());
            co_await simul::sleep(50ms);
            EXPECT_EQ(std::size_t(std::count(st->seen.begin(), st->seen.end(), "killCursors")), kills);
        }
        co_await stop(server);
    });
    auto it = std::find(st->seen.begin(), st->seen.end(), "killCursors");
    ASSERT_NE(it, st->seen.end());
    const mongo::Document& kill = st->bodies[std::size_t(it - st->seen.begin())];
    EXPECT_EQ(kill["cursors"].as_array()[0].as_int64(), 42);
    EXPECT_EQ(kill["$db"].as_string(), "db");
}

TEST(MongoFailure, CancelledWhileWaitingForAConnectionTakesNone) {
    run_real([]() -> simul::Task<> {
        auto st = std::make_shared<Script>();
        st->hold = {"find"};
        st->hold_for = 200ms;
        auto server = co_await start_script(st);
        {
            mongo::Client client("127.0.0.1", server.port(), opts(1));
            auto db = client.database("db");
            mongo::doc find{{"find", "c"}}, ping{{"ping", 1}};
            auto busy = simul::spawn(db.run_command(find));
            co_await simul::wait_for(st->held.wait(), 2s);
            auto queued = simul::spawn(db.run_command(ping));
            co_await simul::sleep(20ms);
            EXPECT_EQ(client.pool().statistics().waiting, 1u);
            queued.cancel();
            try {
                co_await queued;
            } catch (const simul::Cancelled&) {
            }
            EXPECT_EQ(client.pool().statistics().waiting, 0u);
            mongo::Document r = co_await busy;  // the held request still completes
            EXPECT_TRUE(r.contains("cursor"));
            EXPECT_EQ(client.pool().statistics().discarded, 0u);
        }
        co_await stop(server);
    });
}

}  // namespace
