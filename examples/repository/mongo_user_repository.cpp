#include "mongo_user_repository.hpp"

namespace repo {

namespace mongo = simul::mongo;

namespace {

// The ObjectId `id` stands for; nullopt when it is not 24 hex digits.
std::optional<mongo::ObjectId> parse_id(const UserId& id) {
    if (id.size() != 24 || id.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) return std::nullopt;
    return mongo::ObjectId::parse(id);
}

User to_user(const mongo::Document& d) {
    return User{d["_id"].as_object_id().to_string(), d["name"].as_string(), d["email"].as_string()};
}

mongo::FindOptions in_id_order() {
    mongo::FindOptions options;
    options.sort = mongo::doc("_id", 1);
    return options;
}

}  // namespace

simul::Task<> MongoUserRepository::create_schema() {
    co_await users_.create_index(mongo::doc("name", 1));
}

simul::Task<> MongoUserRepository::drop_schema() {
    co_await users_.drop();
}

simul::Task<User> MongoUserRepository::add(std::string name, std::string email) {
    // The ObjectId is made here, not by the server: insert_one adds it.
    mongo::InsertOneResult r = co_await users_.insert_one(mongo::doc("name", name, "email", email));
    co_return User{r.inserted_id.as_object_id().to_string(), std::move(name), std::move(email)};
}

simul::Task<std::optional<User>> MongoUserRepository::get(UserId id) {
    const auto oid = parse_id(id);
    if (!oid) co_return std::nullopt;
    std::optional<mongo::Document> d = co_await users_.find_one(mongo::doc("_id", *oid));
    if (!d) co_return std::nullopt;
    co_return to_user(*d);
}

simul::Task<std::vector<User>> MongoUserRepository::find_by_name(std::string name) {
    co_return co_await find_all(mongo::doc("name", name), in_id_order());
}

simul::Task<std::vector<User>> MongoUserRepository::list(UserId after, std::size_t limit) {
    mongo::doc filter;
    if (const auto oid = parse_id(after)) filter = mongo::doc("_id", mongo::doc("$gt", *oid));
    mongo::FindOptions options = in_id_order();
    options.limit = std::int64_t(limit);
    co_return co_await find_all(std::move(filter), std::move(options));
}

simul::Task<bool> MongoUserRepository::update(User user) {
    const auto oid = parse_id(user.id);
    if (!oid) co_return false;
    mongo::doc set("$set", mongo::doc("name", user.name, "email", user.email));
    mongo::UpdateResult r = co_await users_.update_one(mongo::doc("_id", *oid), std::move(set));
    co_return r.matched == 1;
}

simul::Task<bool> MongoUserRepository::remove(UserId id) {
    const auto oid = parse_id(id);
    if (!oid) co_return false;
    mongo::DeleteResult r = co_await users_.delete_one(mongo::doc("_id", *oid));
    co_return r.deleted == 1;
}

// Drains a cursor: find() is an AsyncGenerator that fetches batches as we go.
simul::Task<std::vector<User>> MongoUserRepository::find_all(mongo::Document filter, mongo::FindOptions options) {
    std::vector<User> users;
    auto cursor = users_.find(std::move(filter), std::move(options));
    for (;;) {
        std::optional<mongo::Document> d = co_await cursor.next();  // not in the loop's condition: g++ 12
        if (!d) break;
        users.push_back(to_user(*d));
    }
    co_return users;
}

}  // namespace repo
