#include <simul/adapters/mongo/collection.hpp>

#include <gtest/gtest.h>

#include <simul/io/subprocess.hpp>

#include "mongo_test_support.hpp"

// simul's requests parsed by mockupdb (Debian's python3-mockupdb, on
// pymongo's BSON and OP_MSG code), which checks each one and scripts the
// replies: tests/adapters/mongo_mockupdb_server.py.
namespace {

namespace mongo = simul::mongo;
namespace sp = simul::subprocess;
using namespace std::chrono_literals;

TEST(MongoMockupdb, RequestsParseAndScriptedRepliesComeBack) {
    simul::testing::run_test(
        []() -> simul::Task<> {
            std::vector<std::string> argv{"/usr/bin/python3", std::string(SIMUL_MONGO_TESTS_DIR) + "/mongo_mockupdb_server.py"};
            sp::Options o;
            o.std_out = sp::Stdio::pipe();
            o.kill_on_destroy = true;
            auto p = sp::exec(argv, o);
            std::string line = co_await simul::wait_for(p.stdout_stream().read_line(), 20s);
            CO_ASSERT_TRUE(!line.empty() && std::isdigit(static_cast<unsigned char>(line[0])));
            const auto port = std::uint16_t(std::stoi(line));
            {
                mongo::Options opts;
                opts.pool_size = 1;
                opts.request_timeout = 10s;
                mongo::Client client("localhost", port, opts);
                auto people = client.database("app").collection("people");

                std::vector<mongo::Document> docs{mongo::doc("name", "a"), mongo::doc("name", "b"), mongo::doc("name", "c")};
                int code = 0, index = -1;
                try {
                    co_await people.insert_many(std::move(docs));
                } catch (const mongo::Error& e) {
                    code = e.code();
                    if (!e.write_errors().empty()) index = e.write_errors().front().index;
                }
                EXPECT_EQ(code, 11000);
                EXPECT_EQ(index, 1);

                mongo::FindOptions fo;
                fo.batch_size = 2;
                {
                    auto cursor = people.find(mongo::doc("age", mongo::doc("$gt", 30)), fo);
                    auto first = co_await cursor.next();
                    CO_ASSERT_TRUE(first.has_value());
                    EXPECT_EQ((*first)["name"].as_string(), "x");
                }  // stopped early: killCursors goes out, from a task of its own
                co_await simul::sleep(100ms);  // let it go first: the script wants it before the update

                mongo::UpdateOptions up;
                up.upsert = true;
                auto r = co_await people.update_one(mongo::doc("name", "z"), mongo::doc("$set", mongo::doc("age", 40)), up);
                EXPECT_EQ(r.matched, 0);
                CO_ASSERT_TRUE(r.upserted_id.has_value());
                EXPECT_EQ(r.upserted_id->as_string(), "new-id");
            }
            std::string rest = co_await simul::wait_for(p.stdout_stream().read(), 20s);
            EXPECT_EQ(rest, "ok\n");
            auto status = co_await simul::wait_for(p.wait(), 20s);
            EXPECT_TRUE(status.success()) << status.to_string();
        }(),
        {.virtual_time = false});
}

}  // namespace
