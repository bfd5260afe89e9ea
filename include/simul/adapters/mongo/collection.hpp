// simul/adapters/mongo/collection.hpp: Collection, the CRUD operations on one collection.
//
// A Collection is a small value (the client's pool, a database name, a
// collection name): copy it freely. Every operation is a Task that borrows a
// pooled connection for each round trip; find() and aggregate() return a
// cursor, an AsyncGenerator of documents.
//
//     auto users = client.database("app").collection("users");
//     auto r = co_await users.insert_one(mongo::doc("name", "ada", "age", 36));
//     auto cursor = users.find(mongo::doc{{"age", mongo::doc{{"$gt", 30}}}},
//                              {.sort = mongo::doc{{"age", 1}}, .limit = 10});
//     while (auto user = co_await cursor.next())
//         std::cout << (*user)["name"].as_string() << '\n';
//
// Cursors: find() sends nothing until the first next(); it then yields the
// first batch, and fetches each further batch with getMore when the
// consumer reaches its end (batch_size documents a batch; 0: the server's
// default). A consumer that stops early (breaks out, throws, is cancelled)
// destroys the generator, and the cursor is killed on the server
// (killCursors, sent by a small task of its own, since a destructor cannot
// wait). An exhausted cursor needs no kill.
//
// insert_one/insert_many add an ObjectId `_id` in front of a document that
// has none, and return the ids. Write errors (writeErrors, writeConcernError)
// throw mongo::Error with the server's code and codeName, e.g. 11000
// "DuplicateKey".
//
// Cancellation: as Pool's. A cancelled find() request closes its connection;
// a cursor already open on the server is killed when the generator goes.
// A cancelled write may or may not have been applied (the server may have
// received it): as with any database, retry only what is idempotent.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <simul/adapters/mongo/document.hpp>
#include <simul/adapters/mongo/pool.hpp>
#include <simul/coro/async_generator.hpp>
#include <simul/coro/task.hpp>

namespace simul::mongo {

struct FindOptions {
    std::optional<Document> projection;  // {"name": 1, "_id": 0}
    std::optional<Document> sort;        // {"age": -1}
    std::int64_t skip = 0;
    std::int64_t limit = 0;              // 0: no limit
    std::int32_t batch_size = 0;         // documents per batch; 0: the server's default (101 first)
};

struct AggregateOptions {
    std::int32_t batch_size = 0;
    bool allow_disk_use = false;
};

struct UpdateOptions {
    bool upsert = false;  // insert when nothing matches
};

struct CountOptions {
    std::int64_t skip = 0;
    std::int64_t limit = 0;
};

struct IndexOptions {
    std::string name;  // default: keys joined, e.g. "age_1_name_-1"
    bool unique = false;
    bool sparse = false;
    std::optional<std::int32_t> expire_after_seconds;
};

struct InsertOneResult {
    Value inserted_id;
};
struct InsertManyResult {
    std::vector<Value> inserted_ids;
};
struct UpdateResult {
    std::int64_t matched = 0;
    std::int64_t modified = 0;
    std::optional<Value> upserted_id;
};
struct DeleteResult {
    std::int64_t deleted = 0;
};

class Collection {
public:
    Collection(std::shared_ptr<Pool> pool, std::string database, std::string name)
        : pool_(std::move(pool)), db_(std::move(database)), name_(std::move(name)) {}

    const std::string& name() const noexcept { return name_; }
    const std::string& database_name() const noexcept { return db_; }

    Task<InsertOneResult> insert_one(Document document) const;
    // Sent in as few requests as the server's limits allow; stops at the
    // first failed document when `ordered`.
    Task<InsertManyResult> insert_many(std::vector<Document> documents, bool ordered = true) const;

    // (Overloads instead of `= {}` default arguments: g++ 12 miscompiles a
    // braced default argument inside a co_await expression.)
    AsyncGenerator<Document> find() const { return find(Document(), FindOptions()); }
    AsyncGenerator<Document> find(Document filter) const { return find(std::move(filter), FindOptions()); }
    AsyncGenerator<Document> find(Document filter, FindOptions options) const;
    Task<std::optional<Document>> find_one(Document filter) const { return find_one(std::move(filter), FindOptions()); }
    Task<std::optional<Document>> find_one(Document filter, FindOptions options) const;

    Task<UpdateResult> update_one(Document filter, Document update) const {
        return update_one(std::move(filter), std::move(update), UpdateOptions());
    }
    Task<UpdateResult> update_one(Document filter, Document update, UpdateOptions options) const;
    Task<UpdateResult> update_many(Document filter, Document update) const {
        return update_many(std::move(filter), std::move(update), UpdateOptions());
    }
    Task<UpdateResult> update_many(Document filter, Document update, UpdateOptions options) const;
    Task<DeleteResult> delete_one(Document filter) const;
    Task<DeleteResult> delete_many(Document filter) const;

    Task<std::int64_t> count_documents() const { return count_documents(Document(), CountOptions()); }
    Task<std::int64_t> count_documents(Document filter) const { return count_documents(std::move(filter), CountOptions()); }
    Task<std::int64_t> count_documents(Document filter, CountOptions options) const;
    AsyncGenerator<Document> aggregate(std::vector<Document> pipeline) const {
        return aggregate(std::move(pipeline), AggregateOptions());
    }
    AsyncGenerator<Document> aggregate(std::vector<Document> pipeline, AggregateOptions options) const;

    // Creates an index on `keys` ({"age": 1}); returns its name.
    Task<std::string> create_index(Document keys) const { return create_index(std::move(keys), IndexOptions()); }
    Task<std::string> create_index(Document keys, IndexOptions options) const;
    // Drops the collection; no error if it does not exist.
    Task<> drop() const;

private:
    std::shared_ptr<Pool> pool_;
    std::string db_;
    std::string name_;
};

}  // namespace simul::mongo
