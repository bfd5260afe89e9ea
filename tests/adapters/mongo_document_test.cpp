#include <simul/adapters/mongo/document.hpp>

#include <gtest/gtest.h>

#include <simul/adapters/mongo/json.hpp>

namespace mongo = simul::mongo;
using nlohmann::json;

TEST(MongoDocument, InitializerListsReadLikeTheJson) {
    mongo::doc filter{{"age", mongo::doc{{"$gt", 30}}}, {"name", "ada"}};
    EXPECT_EQ(filter.size(), 2u);
    EXPECT_EQ(filter.keys(), (std::vector<std::string>{"age", "name"}));
    EXPECT_EQ(filter["name"].as_string(), "ada");
    EXPECT_EQ(filter["age"].as_document()["$gt"].as_int32(), 30);
    EXPECT_EQ(filter.to_json(), R"({ "age" : { "$gt" : 30 }, "name" : "ada" })");
}

TEST(MongoDocument, EveryScalarTypeRoundTripsThroughBson) {
    auto id = mongo::ObjectId::generate();
    auto when = mongo::DateTime::from_ms(1'700'000'000'123);
    mongo::doc d{{"i32", 7},         {"i64", std::int64_t(1) << 40}, {"dbl", 2.5},  {"yes", true},
                 {"nil", nullptr},   {"s", std::string("x")},        {"id", id},    {"when", when},
                 {"arr", mongo::array{1, "two", mongo::doc{{"three", 3}}}},
                 {"bin", mongo::Binary{0, std::string("\0\1\2", 3)}}};
    mongo::Document copy = mongo::Document::from_bytes(d.bytes());
    EXPECT_EQ(copy, d);
    EXPECT_EQ(copy["i32"].type(), mongo::Value::Type::int32);
    EXPECT_EQ(copy["i64"].type(), mongo::Value::Type::int64);
    EXPECT_EQ(copy["i64"].as_int64(), std::int64_t(1) << 40);
    EXPECT_DOUBLE_EQ(copy["dbl"].as_double(), 2.5);
    EXPECT_TRUE(copy["yes"].as_bool());
    EXPECT_TRUE(copy["nil"].is_null());
    EXPECT_EQ(copy["id"].as_object_id(), id);
    EXPECT_EQ(copy["when"].as_date_time(), when);
    EXPECT_EQ(copy["arr"].as_array().size(), 3u);
    EXPECT_EQ(copy["arr"].as_array()[1].as_string(), "two");
    EXPECT_EQ(copy["arr"].as_array()[2].as_document()["three"].as_int64(), 3);
    EXPECT_EQ(copy["bin"].as_binary().bytes, std::string("\0\1\2", 3));
    EXPECT_EQ(copy.at_path("arr.2.three")->as_int32(), 3);
}

TEST(MongoDocument, IntegersWidenButNeverNarrowSilently) {
    mongo::doc d{{"small", std::int64_t(5)}, {"big", std::int64_t(1) << 40}, {"whole", 3.0}, {"half", 3.5}};
    EXPECT_EQ(d["small"].as_int32(), 5);
    EXPECT_EQ(d["whole"].as_int64(), 3);
    EXPECT_THROW((void)d["big"].as_int32(), mongo::TypeError);
    EXPECT_THROW((void)d["half"].as_int64(), mongo::TypeError);
    EXPECT_THROW((void)mongo::Value(std::uint64_t(1) << 63), mongo::TypeError);
}

TEST(MongoDocument, WrongTypeAndMissingKeyGiveClearErrors) {
    mongo::doc d{{"name", "ada"}};
    try {
        (void)d["name"].as_int64();
        FAIL() << "no TypeError";
    } catch (const mongo::TypeError& e) {
        EXPECT_NE(std::string(e.what()).find("string"), std::string::npos) << e.what();
    }
    try {
        (void)d["age"];
        FAIL() << "no TypeError";
    } catch (const mongo::TypeError& e) {
        EXPECT_NE(std::string(e.what()).find("age"), std::string::npos) << e.what();
    }
    EXPECT_FALSE(d.find("age").has_value());
    EXPECT_FALSE(d.contains("age"));
}

TEST(MongoDocument, MalformedBytesAreRejected) {
    mongo::doc d{{"a", 1}};
    std::string bytes(d.bytes());
    EXPECT_THROW(mongo::Document::from_bytes(bytes.substr(0, 4)), mongo::TypeError);
    std::string bad = bytes;
    bad[0] = char(200);  // length prefix larger than the buffer
    EXPECT_THROW(mongo::Document::from_bytes(bad), mongo::TypeError);
    bad = bytes;
    bad[4] = char(0x7c);  // an unknown element type
    EXPECT_THROW(mongo::Document::from_bytes(bad), mongo::TypeError);
}

TEST(MongoDocument, ObjectIdParsesAndPrintsHex) {
    auto id = mongo::ObjectId::parse("507f1f77bcf86cd799439011");
    EXPECT_EQ(id.to_string(), "507f1f77bcf86cd799439011");
    EXPECT_THROW(mongo::ObjectId::parse("nothex"), mongo::TypeError);
    auto a = mongo::ObjectId::generate(), b = mongo::ObjectId::generate();
    EXPECT_NE(a, b);
    auto age = std::chrono::system_clock::now() - a.time();
    EXPECT_LT(std::chrono::abs(age), std::chrono::seconds(5));
}

TEST(MongoDocument, ExtendedJsonParsesToTypedValues) {
    auto d = mongo::Document::parse_json(
        R"({"_id": {"$oid": "507f1f77bcf86cd799439011"}, "n": {"$numberLong": "9000000000"}, "x": 1.5})");
    EXPECT_EQ(d["_id"].as_object_id().to_string(), "507f1f77bcf86cd799439011");
    EXPECT_EQ(d["n"].as_int64(), 9'000'000'000);
    EXPECT_THROW(mongo::Document::parse_json("{not json"), mongo::TypeError);
}

TEST(MongoDocument, NlohmannJsonConvertsBothWays) {
    json j = R"({"age": {"$gt": 30}, "name": "ada", "tags": [1, "x"], "big": 9000000000,
                 "id": {"$oid": "507f1f77bcf86cd799439011"}, "at": {"$date": 1700000000000}})"_json;
    mongo::Document d = mongo::from_json(j);
    EXPECT_EQ(d["age"].as_document()["$gt"].type(), mongo::Value::Type::int32);
    EXPECT_EQ(d["big"].type(), mongo::Value::Type::int64);
    EXPECT_EQ(d["id"].as_object_id().to_string(), "507f1f77bcf86cd799439011");
    EXPECT_EQ(d["at"].as_date_time().ms, 1700000000000);
    json back = d;
    EXPECT_EQ(back, j);
    EXPECT_EQ(back.get<mongo::Document>(), d);
    EXPECT_THROW(mongo::from_json(json::array()), mongo::TypeError);
}

TEST(MongoDocument, CopiesAreIndependentAndMovesAreCheap) {
    mongo::doc a{{"x", 1}};
    mongo::doc b = a;
    b.append("y", 2);
    EXPECT_EQ(a.size(), 1u);
    EXPECT_EQ(b.size(), 2u);
    mongo::doc c = std::move(b);
    EXPECT_EQ(c.size(), 2u);
    mongo::doc e;
    EXPECT_TRUE(e.empty());
    e.extend(c);
    EXPECT_EQ(e, c);
}

TEST(MongoDocument, TheBracelessFormBuildsTheSameDocument) {
    mongo::doc braced{{"age", mongo::doc{{"$gt", 30}}}, {"name", "ada"}, {"tags", mongo::array{1, "x"}}};
    mongo::doc parens("age", mongo::doc("$gt", 30), "name", "ada", "tags", mongo::array(1, "x"));
    EXPECT_EQ(parens, braced);
    EXPECT_EQ(mongo::array(7).size(), 1u);
}
