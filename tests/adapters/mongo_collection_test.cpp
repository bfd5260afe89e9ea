#include <simul/adapters/mongo/collection.hpp>

#include <gtest/gtest.h>

#include "mongo_test_support.hpp"

// Each operation against CongoDB (a MongoDB-wire server; see
// tests/adapters/setup_congodb.sh), on the real clock with bounded timeouts.
// Every test uses a database of its own: the server is shared by the run.
namespace {

namespace mongo = simul::mongo;
using namespace std::chrono_literals;
using mongo_test::shared_port;
using mongo_test::test_db;

template <class F>
void run_real(F body) {
    simul::testing::run_test(body(), {.virtual_time = false});
}

mongo::Options opts(std::size_t pool = 4) {
    mongo::Options o;
    o.pool_size = pool;
    o.request_timeout = 10s;
    o.connect_timeout = 5s;
    return o;
}

simul::Task<std::vector<mongo::Document>> collect(simul::AsyncGenerator<mongo::Document> gen) {
    std::vector<mongo::Document> out;
    while (auto d = co_await gen.next()) out.push_back(std::move(*d));
    co_return out;
}

TEST(MongoCollection, InsertOneAddsAnObjectIdAndFindOneReadsItBack) {
    run_real([]() -> simul::Task<> {
        mongo::Client client("127.0.0.1", shared_port(), opts());
        auto users = client.database(test_db()).collection("users");
        mongo::doc ada{{"name", "ada"}, {"age", 36}};
        auto r = co_await users.insert_one(ada);
        EXPECT_EQ(r.inserted_id.type(), mongo::Value::Type::object_id);
        mongo::doc by_name{{"name", "ada"}};
        auto found = co_await users.find_one(by_name);
        CO_ASSERT_TRUE(found.has_value());
        EXPECT_EQ((*found)["_id"].as_object_id(), r.inserted_id.as_object_id());
        EXPECT_EQ((*found)["age"].as_int64(), 36);
        EXPECT_EQ(found->keys().front(), "_id");
        mongo::doc nobody{{"name", "nobody"}};
        auto none = co_await users.find_one(nobody);
        EXPECT_FALSE(none.has_value());
        auto given = mongo::ObjectId::generate();
        mongo::doc bob{{"_id", given}, {"name", "bob"}};
        auto r2 = co_await users.insert_one(bob);
        EXPECT_EQ(r2.inserted_id.as_object_id(), given);
        // The braceless form compiles inside a co_await expression (g++ 12).
        auto r3 = co_await users.insert_one(mongo::doc("name", "cy", "tags", mongo::array("x", 1)));
        auto cy = co_await users.find_one(mongo::doc("_id", r3.inserted_id));
        CO_ASSERT_TRUE(cy.has_value());
        EXPECT_EQ((*cy)["tags"].as_array()[1].as_int32(), 1);
    });
}

TEST(MongoCollection, InsertManyKeepsOrderAndIds) {
    run_real([]() -> simul::Task<> {
        mongo::Client client("127.0.0.1", shared_port(), opts());
        auto c = client.database(test_db()).collection("items");
        std::vector<mongo::Document> docs;
        for (int i = 0; i < 50; ++i) docs.push_back(mongo::doc{{"i", i}, {"even", i % 2 == 0}});
        auto r = co_await c.insert_many(std::move(docs));
        EXPECT_EQ(r.inserted_ids.size(), 50u);
        mongo::FindOptions fo;
        fo.sort = mongo::doc{{"i", 1}};
        mongo::doc everything;
        auto all = co_await collect(c.find(everything, fo));
        CO_ASSERT_EQ(all.size(), 50u);
        for (int i = 0; i < 50; ++i) {
            EXPECT_EQ(all[i]["i"].as_int32(), i);
            EXPECT_EQ(all[i]["_id"], r.inserted_ids[i]);
        }
    });
}

TEST(MongoCollection, FindAppliesFilterProjectionSortSkipAndLimit) {
    run_real([]() -> simul::Task<> {
        mongo::Client client("127.0.0.1", shared_port(), opts());
        auto c = client.database(test_db()).collection("people");
        std::vector<mongo::Document> docs;
        for (int i = 0; i < 20; ++i) docs.push_back(mongo::doc{{"age", 20 + i}, {"name", "p" + std::to_string(i)}, {"x", i}});
        co_await c.insert_many(std::move(docs));
        mongo::FindOptions fo;
        fo.projection = mongo::doc{{"name", 1}, {"age", 1}, {"_id", 0}};
        fo.sort = mongo::doc{{"age", -1}};
        fo.skip = 2;
        fo.limit = 3;
        mongo::doc older{{"age", mongo::doc{{"$gt", 30}}}};
        auto got = co_await collect(c.find(older, fo));
        CO_ASSERT_EQ(got.size(), 3u);
        EXPECT_EQ(got[0]["age"].as_int32(), 37);
        EXPECT_EQ(got[1]["age"].as_int32(), 36);
        EXPECT_EQ(got[2]["age"].as_int32(), 35);
        EXPECT_FALSE(got[0].contains("_id"));
        EXPECT_FALSE(got[0].contains("x"));
        EXPECT_EQ(got[0]["name"].as_string(), "p17");
    });
}

TEST(MongoCollection, CursorFetchesSeveralBatchesWithGetMore) {
    run_real([]() -> simul::Task<> {
        mongo::Client client("127.0.0.1", shared_port(), opts(1));
        auto c = client.database(test_db()).collection("many");
        std::vector<mongo::Document> docs;
        for (int i = 0; i < 23; ++i) docs.push_back(mongo::doc{{"i", i}});
        co_await c.insert_many(std::move(docs));
        mongo::FindOptions fo;
        fo.sort = mongo::doc{{"i", 1}};
        fo.batch_size = 5;
        auto gen = c.find({}, fo);
        int expect = 0;
        std::uint64_t opened_before = client.pool().statistics().opened;
        while (auto d = co_await gen.next()) EXPECT_EQ((*d)["i"].as_int32(), expect++);
        EXPECT_EQ(expect, 23);
        EXPECT_EQ(client.pool().statistics().opened, opened_before);  // one connection, reused by each getMore
    });
}

TEST(MongoCollection, StoppingACursorEarlyKillsItOnTheServer) {
    // A server of this test's own: CongoDB numbers cursors with one counter,
    // so with nobody else on it the generator's cursor is the one after ours.
    mongo_test::CongoProcess server;
    server.start();
    run_real([&]() -> simul::Task<> {
        mongo::Client client("127.0.0.1", server.port(), opts());
        auto db = client.database("early");
        auto c = db.collection("early");
        std::vector<mongo::Document> docs;
        for (int i = 0; i < 30; ++i) docs.push_back(mongo::doc{{"i", i}});
        co_await c.insert_many(std::move(docs));
        mongo::Document cmd{{"find", "early"}, {"batchSize", 4}};
        mongo::Document first = co_await db.run_command(std::move(cmd));
        const std::int64_t ours = first["cursor"].as_document()["id"].as_int64();
        CO_ASSERT_TRUE(ours != 0);
        {
            mongo::FindOptions fo;
            fo.batch_size = 4;
            auto gen = c.find({}, fo);
            int seen = 0;
            while (auto d = co_await gen.next()) {
                if (++seen == 6) break;  // into the second batch: the cursor is open
            }
        }
        // killCursors goes out from a task of its own: poll (bounded) until it has run.
        const std::int64_t theirs = ours + 1;
        int code = 0;
        for (int attempt = 0; attempt < 100 && code != 43; ++attempt) {
            mongo::Document probe{{"getMore", theirs}, {"collection", "early"}, {"batchSize", 1}};
            try {
                co_await db.run_command(std::move(probe));
            } catch (const mongo::Error& e) {
                code = e.code();
            }
            if (code != 43) co_await simul::sleep(20ms);
        }
        EXPECT_EQ(code, 43) << "the early-stopped cursor is still open";
        // Our own cursor, never killed, still answers.
        mongo::Document more{{"getMore", ours}, {"collection", "early"}, {"batchSize", 2}};
        mongo::Document r = co_await db.run_command(std::move(more));
        EXPECT_EQ(r["cursor"].as_document()["nextBatch"].as_array().size(), 2u);
    });
}

TEST(MongoCollection, UpdateOneManyAndUpsert) {
    run_real([]() -> simul::Task<> {
        mongo::Client client("127.0.0.1", shared_port(), opts());
        auto c = client.database(test_db()).collection("u");
        std::vector<mongo::Document> docs;
        for (int i = 0; i < 5; ++i) docs.push_back(mongo::doc{{"group", i < 3 ? "a" : "b"}, {"n", i}});
        co_await c.insert_many(std::move(docs));
        mongo::doc group_a{{"group", "a"}};
        mongo::doc set_seen{{"$set", mongo::doc{{"seen", true}}}};
        auto r1 = co_await c.update_one(group_a, set_seen);
        EXPECT_EQ(r1.matched, 1);
        EXPECT_EQ(r1.modified, 1);
        mongo::doc inc{{"$inc", mongo::doc{{"n", 10}}}};
        auto r2 = co_await c.update_many(group_a, inc);
        EXPECT_EQ(r2.matched, 3);
        EXPECT_EQ(r2.modified, 3);
        mongo::doc big_n{{"n", mongo::doc{{"$gte", 10}}}};
        std::int64_t n_big = co_await c.count_documents(big_n);
        EXPECT_EQ(n_big, 3);
        mongo::UpdateOptions up;
        up.upsert = true;
        mongo::doc group_c{{"group", "c"}};
        mongo::doc set_99{{"$set", mongo::doc{{"n", 99}}}};
        auto r3 = co_await c.update_one(group_c, set_99, up);
        EXPECT_TRUE(r3.upserted_id.has_value());
        auto c_doc = co_await c.find_one(group_c);
        CO_ASSERT_TRUE(c_doc.has_value());
        EXPECT_EQ((*c_doc)["n"].as_int32(), 99);
        if (r3.upserted_id) {
            EXPECT_EQ((*c_doc)["_id"], *r3.upserted_id);
        }
        mongo::doc group_z{{"group", "zzz"}};
        mongo::doc set_1{{"$set", mongo::doc{{"n", 1}}}};
        auto r4 = co_await c.update_one(group_z, set_1);
        EXPECT_EQ(r4.matched, 0);
        EXPECT_FALSE(r4.upserted_id.has_value());
    });
}

TEST(MongoCollection, DeleteOneAndMany) {
    run_real([]() -> simul::Task<> {
        mongo::Client client("127.0.0.1", shared_port(), opts());
        auto c = client.database(test_db()).collection("d");
        std::vector<mongo::Document> docs;
        for (int i = 0; i < 6; ++i) docs.push_back(mongo::doc{{"k", i % 2}});
        co_await c.insert_many(std::move(docs));
        mongo::doc k0{{"k", 0}}, k1{{"k", 1}}, k7{{"k", 7}};
        auto r1 = co_await c.delete_one(k0);
        EXPECT_EQ(r1.deleted, 1);
        auto r2 = co_await c.delete_many(k1);
        EXPECT_EQ(r2.deleted, 3);
        std::int64_t left = co_await c.count_documents();
        EXPECT_EQ(left, 2);
        auto r3 = co_await c.delete_many(k7);
        EXPECT_EQ(r3.deleted, 0);
    });
}

TEST(MongoCollection, CountDocumentsWithSkipAndLimit) {
    run_real([]() -> simul::Task<> {
        mongo::Client client("127.0.0.1", shared_port(), opts());
        auto c = client.database(test_db()).collection("cnt");
        std::int64_t n0 = co_await c.count_documents();
        EXPECT_EQ(n0, 0);
        std::vector<mongo::Document> docs;
        for (int i = 0; i < 12; ++i) docs.push_back(mongo::doc{{"i", i}});
        co_await c.insert_many(std::move(docs));
        std::int64_t n12 = co_await c.count_documents();
        EXPECT_EQ(n12, 12);
        mongo::doc lt5{{"i", mongo::doc{{"$lt", 5}}}};
        std::int64_t n5 = co_await c.count_documents(lt5);
        EXPECT_EQ(n5, 5);
        mongo::CountOptions co;
        co.skip = 3;
        co.limit = 4;
        mongo::doc all_docs;
        std::int64_t n4 = co_await c.count_documents(all_docs, co);
        EXPECT_EQ(n4, 4);
    });
}

TEST(MongoCollection, AggregateGroupsAndStreamsBatches) {
    run_real([]() -> simul::Task<> {
        mongo::Client client("127.0.0.1", shared_port(), opts());
        auto c = client.database(test_db()).collection("agg");
        std::vector<mongo::Document> docs;
        for (int i = 0; i < 40; ++i) docs.push_back(mongo::doc{{"g", i % 4}, {"v", i}});
        co_await c.insert_many(std::move(docs));
        std::vector<mongo::Document> pipeline{
            mongo::doc{{"$group", mongo::doc{{"_id", "$g"}, {"total", mongo::doc{{"$sum", "$v"}}}}}},
            mongo::doc{{"$sort", mongo::doc{{"_id", 1}}}}};
        auto groups = co_await collect(c.aggregate(pipeline));
        CO_ASSERT_EQ(groups.size(), 4u);
        for (int g = 0; g < 4; ++g) {
            EXPECT_EQ(groups[g]["_id"].as_int32(), g);
            EXPECT_EQ(groups[g]["total"].as_int64(), 10 * g + 180);  // g + 4k for k = 0..9
        }
        std::vector<mongo::Document> all_stages{mongo::doc{{"$match", mongo::doc{}}}};
        mongo::AggregateOptions ao;
        ao.batch_size = 7;
        auto all = co_await collect(c.aggregate(all_stages, ao));
        EXPECT_EQ(all.size(), 40u);
    });
}

TEST(MongoCollection, CreateIndexReturnsItsName) {
    run_real([]() -> simul::Task<> {
        mongo::Client client("127.0.0.1", shared_port(), opts());
        auto db = client.database(test_db());
        auto c = db.collection("idx");
        mongo::doc a1{{"a", 1}}, keys{{"a", 1}, {"b", -1}}, email{{"email", 1}};
        co_await c.insert_one(a1);
        std::string name = co_await c.create_index(keys);
        EXPECT_EQ(name, "a_1_b_-1");
        mongo::IndexOptions io;
        io.name = "by_email";
        io.unique = true;
        std::string email_name = co_await c.create_index(email, io);
        EXPECT_EQ(email_name, "by_email");
        mongo::Document list{{"listIndexes", "idx"}};
        mongo::Document r = co_await db.run_command(std::move(list));
        std::vector<std::string> names;
        for (const auto& v : r["cursor"].as_document()["firstBatch"].as_array()) names.push_back(v.as_document()["name"].as_string());
        EXPECT_NE(std::find(names.begin(), names.end(), "a_1_b_-1"), names.end());
        EXPECT_NE(std::find(names.begin(), names.end(), "by_email"), names.end());
    });
}

TEST(MongoCollection, RunCommandAndServerErrorsCarryCodeAndCodeName) {
    run_real([]() -> simul::Task<> {
        mongo::Client client("127.0.0.1", shared_port(), opts());
        auto db = client.database(test_db());
        mongo::Document ping{{"ping", 1}};
        mongo::Document r = co_await db.run_command(std::move(ping));
        EXPECT_EQ(r["ok"].as_double(), 1.0);
        bool threw = false;
        try {
            mongo::Document bogus{{"noSuchCommand", 1}};
            co_await db.run_command(std::move(bogus));
        } catch (const mongo::Error& e) {
            threw = true;
            EXPECT_EQ(e.code(), 59);
            EXPECT_EQ(e.code_name(), "CommandNotFound");
            EXPECT_NE(std::string(e.what()).find("noSuchCommand"), std::string::npos) << e.what();
        }
        EXPECT_TRUE(threw);
        // The connection that carried the error is still good.
        EXPECT_EQ(client.pool().statistics().discarded, 0u);
        mongo::Document again{{"ping", 1}};
        co_await db.run_command(std::move(again));
    });
}

TEST(MongoCollection, DropRemovesTheCollectionAndIgnoresAMissingOne) {
    run_real([]() -> simul::Task<> {
        mongo::Client client("127.0.0.1", shared_port(), opts());
        auto c = client.database(test_db()).collection("gone");
        mongo::doc x1{{"x", 1}};
        co_await c.insert_one(x1);
        co_await c.drop();
        std::int64_t n = co_await c.count_documents();
        EXPECT_EQ(n, 0);
        co_await c.drop();
    });
}

simul::Task<> one_request(mongo::Collection c, int i, int& ok) {
    if (i % 2 == 0) {
        mongo::doc d{{"i", i}};
        co_await c.insert_one(d);
    } else {
        mongo::doc f{{"i", i - 1}};
        co_await c.find_one(f);
    }
    ++ok;
}

TEST(MongoCollection, AThousandConcurrentRequestsShareASmallPool) {
    run_real([]() -> simul::Task<> {
        mongo::Client client("127.0.0.1", shared_port(), opts(8));
        auto c = client.database(test_db()).collection("load");
        int ok = 0;
        {
            simul::TaskGroup group;
            for (int i = 0; i < 1000; ++i) group.spawn(one_request(c, i, ok));
            co_await group.join();
        }
        EXPECT_EQ(ok, 1000);
        std::int64_t n = co_await c.count_documents();
        EXPECT_EQ(n, 500);
        auto s = client.pool().statistics();
        EXPECT_LE(s.opened, 8u);
        EXPECT_EQ(s.in_use, 0u);
        EXPECT_EQ(s.discarded, 0u);
    });
}

}  // namespace
