// Collection's operations as MongoDB commands (insert, find + getMore +
// killCursors, update, delete, aggregate, createIndexes), and Database's.
//
// Each member function hands a copy of what it needs to a free coroutine, so
// a Task or cursor made from a temporary Collection never points at it.
// (g++ 12: commands are built into locals before any co_await expression.)
#include <simul/adapters/mongo/client.hpp>
#include <simul/adapters/mongo/collection.hpp>

#include <simul/coro/spawn.hpp>

namespace simul::mongo {

namespace {

std::vector<WriteError> write_errors_of(const Document& reply, std::size_t offset) {
    std::vector<WriteError> out;
    auto we = reply.find("writeErrors");
    if (!we || we->type() != Value::Type::array) return out;
    for (const Value& v : we->as_array()) {
        if (v.type() != Value::Type::document) continue;
        const Document& d = v.as_document();
        WriteError e;
        if (auto x = d.find("index"); x && x->is_number()) e.index = int(x->as_int64() + std::int64_t(offset));
        if (auto x = d.find("code"); x && x->is_number()) e.code = int(x->as_int64());
        if (auto x = d.find("codeName"); x && x->type() == Value::Type::string) e.code_name = x->as_string();
        if (auto x = d.find("errmsg"); x && x->type() == Value::Type::string) e.message = x->as_string();
        if (e.code_name.empty() && e.code == 11000) e.code_name = "DuplicateKey";
        out.push_back(std::move(e));
    }
    return out;
}

// writeErrors / writeConcernError in an ok:1 reply become mongo::Error.
void check_write(const Document& reply, const std::string& what, std::size_t offset = 0) {
    auto errors = write_errors_of(reply, offset);
    if (!errors.empty()) {
        const WriteError& first = errors.front();
        std::string msg = "simul::mongo: " + what + " failed for document " + std::to_string(first.index) + ": " +
                          first.message + " (code " + std::to_string(first.code) +
                          (first.code_name.empty() ? "" : " " + first.code_name) + ")";
        if (errors.size() > 1) msg += " and " + std::to_string(errors.size() - 1) + " more";
        int code = first.code;
        std::string name = first.code_name;
        throw Error(std::move(msg), code, std::move(name), reply, std::move(errors));
    }
    if (auto wce = reply.find("writeConcernError"); wce && wce->type() == Value::Type::document) {
        const Document& d = wce->as_document();
        int code = 0;
        std::string name, text;
        if (auto x = d.find("code"); x && x->is_number()) code = int(x->as_int64());
        if (auto x = d.find("codeName"); x && x->type() == Value::Type::string) name = x->as_string();
        if (auto x = d.find("errmsg"); x && x->type() == Value::Type::string) text = x->as_string();
        throw Error("simul::mongo: " + what + ": write concern error: " + text + " (code " + std::to_string(code) + ")", code,
                    name, reply);
    }
}

std::int64_t int_field(const Document& d, std::string_view key) {
    auto v = d.find(key);
    return v && v->is_number() ? v->as_int64() : 0;
}

// The document with an ObjectId _id in front, unless it has an _id already.
Document with_id(Document d, Value& id) {
    if (auto existing = d.find("_id")) {
        id = std::move(*existing);
        return d;
    }
    ObjectId oid = ObjectId::generate();
    id = Value(oid);
    Document out;
    out.append("_id", id);
    out.extend(d);
    return out;
}

std::vector<Document> batch_of(const Document& cursor, std::string_view key) {
    std::vector<Document> out;
    auto b = cursor.find(key);
    if (!b) return out;
    if (b->type() != Value::Type::array)
        throw ProtocolError(std::string("simul::mongo: a cursor reply whose \"") + std::string(key) + "\" is not an array");
    for (const Value& v : b->as_array()) out.push_back(v.as_document());
    return out;
}

Task<> kill_cursor(std::shared_ptr<Pool> pool, std::string db, std::string coll, std::int64_t id) {
    Array ids{id};
    Document cmd{{"killCursors", coll}, {"cursors", ids}};
    try {
        co_await pool->command(std::move(db), std::move(cmd));
    } catch (const simul::Error&) {
        // Best effort: the server times an abandoned cursor out after 10 minutes.
    } catch (const std::exception&) {
    }
}

// Kills the server's cursor unless it was exhausted (id 0) by the time the
// generator's frame goes.
struct CursorKiller {
    std::shared_ptr<Pool> pool;
    std::string db, coll;
    std::int64_t id = 0;
    CursorKiller() = default;
    CursorKiller(const CursorKiller&) = delete;
    ~CursorKiller() {
        if (id == 0) return;
        Loop* loop = Loop::current();
        if (!loop || !loop->is_running()) return;
        try {
            spawn(kill_cursor(std::move(pool), std::move(db), std::move(coll), id), "mongo killCursors");
        } catch (...) {
        }
    }
};

AsyncGenerator<Document> run_cursor(std::shared_ptr<Pool> pool, std::string db, std::string coll, Document cmd,
                                    std::int32_t batch_size) {
    Document reply = co_await pool->command(db, std::move(cmd));
    Value cursor_value = reply.at("cursor");
    Document cursor = cursor_value.as_document();
    CursorKiller killer;
    killer.pool = pool;
    killer.db = db;
    killer.coll = coll;
    killer.id = cursor.at("id").as_int64();
    // getMore names the collection the cursor is on (aggregate's $out/$lookup
    // keep the one asked for); take it from "ns" when present.
    if (auto ns = cursor.find("ns"); ns && ns->type() == Value::Type::string) {
        const std::string& s = ns->as_string();
        auto dot = s.find('.');
        if (dot != std::string::npos && dot + 1 < s.size()) killer.coll = s.substr(dot + 1);
    }
    std::vector<Document> batch = batch_of(cursor, "firstBatch");
    for (Document& d : batch) co_yield std::move(d);
    while (killer.id != 0) {
        Document more{{"getMore", Value(killer.id)}, {"collection", killer.coll}};
        if (batch_size > 0) more.append("batchSize", batch_size);
        Document r = co_await pool->command(db, std::move(more));
        Value next_value = r.at("cursor");
        Document next = next_value.as_document();
        killer.id = next.at("id").as_int64();
        batch = batch_of(next, "nextBatch");
        for (Document& d : batch) co_yield std::move(d);
    }
}

Document find_command(const std::string& coll, Document filter, const FindOptions& o) {
    Document cmd{{"find", coll}, {"filter", std::move(filter)}};
    if (o.projection) cmd.append("projection", *o.projection);
    if (o.sort) cmd.append("sort", *o.sort);
    if (o.skip > 0) cmd.append("skip", o.skip);
    if (o.limit > 0) cmd.append("limit", o.limit);
    if (o.batch_size > 0) cmd.append("batchSize", o.batch_size);
    return cmd;
}

Task<InsertOneResult> do_insert_one(std::shared_ptr<Pool> pool, std::string db, std::string coll, Document document) {
    InsertOneResult result;
    std::vector<Document> docs;
    docs.push_back(with_id(std::move(document), result.inserted_id));
    Document cmd{{"insert", coll}, {"ordered", true}};
    std::vector<Sequence> seq{Sequence{"documents", docs}};
    Document reply = co_await pool->command(std::move(db), std::move(cmd), std::move(seq));
    check_write(reply, "insert_one");
    co_return result;
}

Task<InsertManyResult> do_insert_many(std::shared_ptr<Pool> pool, std::string db, std::string coll,
                                      std::vector<Document> documents, bool ordered) {
    InsertManyResult result;
    result.inserted_ids.resize(documents.size());
    for (std::size_t i = 0; i < documents.size(); ++i) documents[i] = with_id(std::move(documents[i]), result.inserted_ids[i]);
    std::size_t start = 0;
    std::vector<WriteError> failures;
    while (start < documents.size()) {
        // As many documents as the server takes in one message.
        const ServerInfo& info = pool->server();
        const std::size_t max_bytes = std::size_t(info.max_message_size_bytes) - 16 * 1024;
        std::size_t end = start, bytes = 0;
        while (end < documents.size() && end - start < std::size_t(info.max_write_batch_size) &&
               (end == start || bytes + documents[end].bytes().size() <= max_bytes)) {
            bytes += documents[end].bytes().size();
            ++end;
        }
        Document cmd{{"insert", coll}, {"ordered", ordered}};
        std::span<const Document> part(documents.data() + start, end - start);
        std::vector<Sequence> seq{Sequence{"documents", part}};
        Document reply = co_await pool->command(db, std::move(cmd), std::move(seq));
        auto errors = write_errors_of(reply, start);
        if (!errors.empty() && ordered) check_write(reply, "insert_many", start);
        for (auto& e : errors) failures.push_back(std::move(e));
        if (errors.empty()) check_write(reply, "insert_many", start);  // write concern
        start = end;
    }
    if (!failures.empty()) {
        const WriteError& first = failures.front();
        int code = first.code;
        std::string name = first.code_name;
        std::string msg = "simul::mongo: insert_many failed for " + std::to_string(failures.size()) +
                          " document(s), the first at " + std::to_string(first.index) + ": " + first.message;
        throw Error(std::move(msg), code, std::move(name), Document{}, std::move(failures));
    }
    co_return result;
}

Task<UpdateResult> do_update(std::shared_ptr<Pool> pool, std::string db, std::string coll, Document filter, Document update,
                             UpdateOptions options, bool multi) {
    Document one{{"q", std::move(filter)}, {"u", std::move(update)}, {"multi", multi}, {"upsert", options.upsert}};
    Array updates{std::move(one)};
    Document cmd{{"update", coll}, {"updates", std::move(updates)}, {"ordered", true}};
    Document reply = co_await pool->command(std::move(db), std::move(cmd));
    check_write(reply, multi ? "update_many" : "update_one");
    UpdateResult r;
    r.matched = int_field(reply, "n");
    r.modified = int_field(reply, "nModified");
    if (auto up = reply.find("upserted"); up && up->type() == Value::Type::array && !up->as_array().empty()) {
        const Value& first = up->as_array()[0];
        if (first.type() == Value::Type::document) r.upserted_id = first.as_document().find("_id");
        r.matched = 0;  // n counts the upserted document too
    }
    co_return r;
}

Task<DeleteResult> do_delete(std::shared_ptr<Pool> pool, std::string db, std::string coll, Document filter, bool multi) {
    Document one{{"q", std::move(filter)}, {"limit", multi ? 0 : 1}};
    Array deletes{std::move(one)};
    Document cmd{{"delete", coll}, {"deletes", std::move(deletes)}, {"ordered", true}};
    Document reply = co_await pool->command(std::move(db), std::move(cmd));
    check_write(reply, multi ? "delete_many" : "delete_one");
    co_return DeleteResult{int_field(reply, "n")};
}

Task<std::optional<Document>> do_find_one(std::shared_ptr<Pool> pool, std::string db, std::string coll, Document filter,
                                          FindOptions options) {
    options.limit = 1;
    Document cmd = find_command(coll, std::move(filter), options);
    cmd.append("singleBatch", true);
    Document reply = co_await pool->command(db, std::move(cmd));
    Value cursor_value = reply.at("cursor");
    Document cursor = cursor_value.as_document();
    std::vector<Document> batch = batch_of(cursor, "firstBatch");
    if (std::int64_t id = cursor.at("id").as_int64(); id != 0) {
        CursorKiller k;  // a server that kept a cursor open for one document
        k.pool = pool;
        k.db = db;
        k.coll = coll;
        k.id = id;
    }
    if (batch.empty()) co_return std::nullopt;
    co_return std::move(batch.front());
}

Task<std::int64_t> do_count(std::shared_ptr<Pool> pool, std::string db, std::string coll, Document filter,
                            CountOptions options) {
    Array pipeline{Document{{"$match", std::move(filter)}}};
    if (options.skip > 0) pipeline.push_back(Document{{"$skip", options.skip}});
    if (options.limit > 0) pipeline.push_back(Document{{"$limit", options.limit}});
    pipeline.push_back(Document{{"$group", Document{{"_id", 1}, {"n", Document{{"$sum", 1}}}}}});
    Document cmd{{"aggregate", coll}, {"pipeline", std::move(pipeline)}, {"cursor", Document{}}};
    Document reply = co_await pool->command(std::move(db), std::move(cmd));
    Value cursor_value = reply.at("cursor");
    std::vector<Document> batch = batch_of(cursor_value.as_document(), "firstBatch");
    if (batch.empty()) co_return 0;
    co_return batch.front().at("n").as_int64();
}

std::string index_name(const Document& keys) {
    std::string name;
    for (auto& [k, v] : keys.items()) {
        if (!name.empty()) name += '_';
        name += k + "_" + (v.is_number() ? std::to_string(v.as_int64()) : v.type() == Value::Type::string ? v.as_string() : "x");
    }
    return name;
}

Task<std::string> do_create_index(std::shared_ptr<Pool> pool, std::string db, std::string coll, Document keys,
                                  IndexOptions options) {
    std::string name = options.name.empty() ? index_name(keys) : options.name;
    Document index{{"key", std::move(keys)}, {"name", name}};
    if (options.unique) index.append("unique", true);
    if (options.sparse) index.append("sparse", true);
    if (options.expire_after_seconds) index.append("expireAfterSeconds", *options.expire_after_seconds);
    Array indexes{std::move(index)};
    Document cmd{{"createIndexes", coll}, {"indexes", std::move(indexes)}};
    co_await pool->command(std::move(db), std::move(cmd));
    co_return name;
}

Task<> do_drop(std::shared_ptr<Pool> pool, std::string db, Document cmd) {
    try {
        co_await pool->command(std::move(db), std::move(cmd));
    } catch (const Error& e) {
        if (e.code() != 26 && e.code_name() != "NamespaceNotFound") throw;
    }
}

Task<Document> do_run_command(std::shared_ptr<Pool> pool, std::string db, Document cmd) {
    co_return co_await pool->command(std::move(db), std::move(cmd));
}

}  // namespace

Task<InsertOneResult> Collection::insert_one(Document document) const {
    return do_insert_one(pool_, db_, name_, std::move(document));
}

Task<InsertManyResult> Collection::insert_many(std::vector<Document> documents, bool ordered) const {
    return do_insert_many(pool_, db_, name_, std::move(documents), ordered);
}

AsyncGenerator<Document> Collection::find(Document filter, FindOptions options) const {
    Document cmd = find_command(name_, std::move(filter), options);
    return run_cursor(pool_, db_, name_, std::move(cmd), options.batch_size);
}

Task<std::optional<Document>> Collection::find_one(Document filter, FindOptions options) const {
    return do_find_one(pool_, db_, name_, std::move(filter), std::move(options));
}

Task<UpdateResult> Collection::update_one(Document filter, Document update, UpdateOptions options) const {
    return do_update(pool_, db_, name_, std::move(filter), std::move(update), options, false);
}

Task<UpdateResult> Collection::update_many(Document filter, Document update, UpdateOptions options) const {
    return do_update(pool_, db_, name_, std::move(filter), std::move(update), options, true);
}

Task<DeleteResult> Collection::delete_one(Document filter) const { return do_delete(pool_, db_, name_, std::move(filter), false); }

Task<DeleteResult> Collection::delete_many(Document filter) const { return do_delete(pool_, db_, name_, std::move(filter), true); }

Task<std::int64_t> Collection::count_documents(Document filter, CountOptions options) const {
    return do_count(pool_, db_, name_, std::move(filter), options);
}

AsyncGenerator<Document> Collection::aggregate(std::vector<Document> pipeline, AggregateOptions options) const {
    Array stages;
    for (Document& d : pipeline) stages.push_back(std::move(d));
    Document cursor;
    if (options.batch_size > 0) cursor.append("batchSize", options.batch_size);
    Document cmd{{"aggregate", name_}, {"pipeline", std::move(stages)}, {"cursor", std::move(cursor)}};
    if (options.allow_disk_use) cmd.append("allowDiskUse", true);
    return run_cursor(pool_, db_, name_, std::move(cmd), options.batch_size);
}

Task<std::string> Collection::create_index(Document keys, IndexOptions options) const {
    return do_create_index(pool_, db_, name_, std::move(keys), std::move(options));
}

Task<> Collection::drop() const { return do_drop(pool_, db_, Document{{"drop", name_}}); }

Task<Document> Database::run_command(Document command) const { return do_run_command(pool_, name_, std::move(command)); }

Task<> Database::drop() const { return do_drop(pool_, name_, Document{{"dropDatabase", 1}}); }

}  // namespace simul::mongo
