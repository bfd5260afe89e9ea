#include <simul/adapters/mongo/client.hpp>

#include <gtest/gtest.h>

#include <simul/io/subprocess.hpp>

#include "mongo_test_support.hpp"

// Cross-checks with a client nobody here wrote: a document simul writes is
// read back by pymongo (Debian's python3-pymongo), and one pymongo writes is
// read by simul, each side checking every BSON type it holds.
namespace {

namespace mongo = simul::mongo;
namespace sp = simul::subprocess;
using namespace std::chrono_literals;

template <class F>
void run_real(F body) {
    simul::testing::run_test(body(), {.virtual_time = false});
}

simul::Task<std::string> pymongo(std::uint16_t port, std::string db, std::string mode) {
    std::vector<std::string> argv{"/usr/bin/python3", std::string(SIMUL_MONGO_TESTS_DIR) + "/mongo_pymongo_check.py",
                                  std::to_string(port), db, mode};
    sp::Options o;
    o.std_out = sp::Stdio::pipe();
    o.std_err = sp::Stdio::to_stdout();
    auto p = sp::exec(argv, o);
    std::string no_input;
    sp::Output out = co_await simul::wait_for(p.communicate(no_input, 1 << 20), 20s);
    EXPECT_TRUE(out.status.success()) << out.status.to_string() << ": " << out.out;
    co_return out.out;
}

mongo::Document sample(std::string source) {
    return mongo::doc{{"source", source},
                      {"i32", 42},
                      {"i64", std::int64_t(1) << 40},
                      {"dbl", 2.5},
                      {"s", "h\xc3\xa9llo"},
                      {"yes", true},
                      {"nil", nullptr},
                      {"when", mongo::DateTime::from_ms(1700000000123)},
                      {"oid", mongo::ObjectId::parse("507f1f77bcf86cd799439011")},
                      {"arr", mongo::array{1, "two", mongo::doc{{"three", 3}}}},
                      {"sub", mongo::doc{{"a", mongo::doc{{"b", "deep"}}}}}};
}

TEST(MongoPymongo, PymongoReadsWhatSimulWrote) {
    run_real([]() -> simul::Task<> {
        std::uint16_t port = mongo_test::shared_port();
        std::string db = mongo_test::test_db();
        mongo::Client client("127.0.0.1", port);
        auto c = client.database(db).collection("cross");
        mongo::Document d = sample("simul");
        co_await c.insert_one(d);
        std::string out = co_await pymongo(port, db, "read");
        EXPECT_EQ(out, "ok\n");
    });
}

TEST(MongoPymongo, SimulReadsWhatPymongoWrote) {
    run_real([]() -> simul::Task<> {
        std::uint16_t port = mongo_test::shared_port();
        std::string db = mongo_test::test_db();
        std::string out = co_await pymongo(port, db, "write");
        EXPECT_EQ(out, "ok\n");
        mongo::Client client("127.0.0.1", port);
        auto c = client.database(db).collection("cross");
        mongo::doc filter{{"source", "pymongo"}};
        auto got = co_await c.find_one(filter);
        CO_ASSERT_TRUE(got.has_value());
        const mongo::Document& d = *got;
        EXPECT_EQ(d["_id"].type(), mongo::Value::Type::object_id);
        EXPECT_EQ(d["i32"].as_int32(), 42);
        EXPECT_EQ(d["i64"].as_int64(), std::int64_t(1) << 40);
        EXPECT_EQ(d["dbl"].type(), mongo::Value::Type::double_);
        EXPECT_DOUBLE_EQ(d["dbl"].as_double(), 2.5);
        EXPECT_EQ(d["s"].as_string(), "h\xc3\xa9llo");
        EXPECT_TRUE(d["yes"].as_bool());
        EXPECT_TRUE(d["nil"].is_null());
        EXPECT_EQ(d["when"].as_date_time().ms, 1700000000123);
        EXPECT_EQ(d["oid"].as_object_id().to_string(), "507f1f77bcf86cd799439011");
        const mongo::Array arr = d["arr"].as_array();
        CO_ASSERT_EQ(arr.size(), 3u);
        EXPECT_EQ(arr[0].as_int32(), 1);
        EXPECT_EQ(arr[1].as_string(), "two");
        EXPECT_EQ(arr[2].as_document()["three"].as_int32(), 3);
        EXPECT_EQ(d.at_path("sub.a.b")->as_string(), "deep");
        // Everything but _id and source equals what simul would have written.
        mongo::Document mine = sample("pymongo");
        for (auto& [k, v] : mine.items()) {
            auto theirs = d.find(k);
            EXPECT_TRUE(theirs.has_value()) << k;
            if (theirs && v.type() != mongo::Value::Type::int64) {
                EXPECT_EQ(*theirs, v) << k << ": " << theirs->to_json() << " vs " << v.to_json();
            }
        }
    });
}

}  // namespace
