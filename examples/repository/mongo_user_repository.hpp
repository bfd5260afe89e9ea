// examples/repository/mongo_user_repository.hpp: the users in a MongoDB collection.
//
// One document per user, {_id: ObjectId, name, email}. Every call borrows a
// connection from the Client's bounded pool for one round trip (and a cursor
// for each batch); requests beyond the pool's size wait for a connection.
//
// Ids are the ObjectIds as 24 hex digits. An ObjectId starts with its
// creation time and ends with a counter, so ids from one process grow with
// each add(), and sorting on _id is insertion order.
#pragma once

#include <simul/adapters/mongo.hpp>

#include "user_repository.hpp"

namespace repo {

class MongoUserRepository final : public UserRepository {
public:
    explicit MongoUserRepository(simul::mongo::Collection users) : users_(std::move(users)) {}

    // The index on name that find_by_name() uses; once, at start-up.
    simul::Task<> create_schema();
    simul::Task<> drop_schema();

    simul::Task<User> add(std::string name, std::string email) override;
    simul::Task<std::optional<User>> get(UserId id) override;
    simul::Task<std::vector<User>> find_by_name(std::string name) override;
    simul::Task<std::vector<User>> list(UserId after, std::size_t limit) override;
    simul::Task<bool> update(User user) override;
    simul::Task<bool> remove(UserId id) override;

private:
    simul::Task<std::vector<User>> find_all(simul::mongo::Document filter, simul::mongo::FindOptions options);
    simul::mongo::Collection users_;
};

}  // namespace repo
