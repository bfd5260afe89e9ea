// examples/repository/user_repository.hpp: UserRepository, where users are kept.
//
// The rest of the program talks to this interface and never learns which
// database is behind it: MongoDB (mongo_user_repository.hpp), PostgreSQL
// (pg_user_repository.hpp) or a std::map (memory_user_repository.hpp); a
// Redis cache can sit in front of any of them (cached_user_repository.hpp).
//
// Every operation is a Task: an implementation waits for its database by
// suspending the calling task, and the loop serves other requests meanwhile.
//
// Ids are strings chosen by the database: a PostgreSQL identity ("42"), a
// MongoDB ObjectId ("65a1f0c2e4b0a1b2c3d4e5f6"), a counter in memory. To the
// caller they are opaque: compare them, pass them back, never parse them. An
// id a backend could not have made (a word, a number for MongoDB) is simply
// not found. Ids grow with each add(), so "id order" is insertion order,
// and pages are walked by the last id seen (keyset paging), not by offset:
// a page stays right while others add users. (An `after` that is not an id
// of the backend's form counts as "": the first page.)
//
// Cancellation: as the adapter underneath says. A cancelled call may or may
// not have reached the database (an add() may have happened); the
// connection it used is never left out of step.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <simul/coro/task.hpp>

namespace repo {

using UserId = std::string;

struct User {
    UserId id;
    std::string name;
    std::string email;
    bool operator==(const User&) const = default;
};

class UserRepository {
public:
    virtual ~UserRepository() = default;

    // Stores a new user and returns it with the id the database gave it.
    virtual simul::Task<User> add(std::string name, std::string email) = 0;
    virtual simul::Task<std::optional<User>> get(UserId id) = 0;
    // Every user called `name` (names are not unique), in id order.
    virtual simul::Task<std::vector<User>> find_by_name(std::string name) = 0;
    // Up to `limit` users whose id comes after `after` ("" for the first page), in id order.
    virtual simul::Task<std::vector<User>> list(UserId after, std::size_t limit) = 0;
    // Replaces the name and email of user.id; false if there is no such user.
    virtual simul::Task<bool> update(User user) = 0;
    // False if there was no such user.
    virtual simul::Task<bool> remove(UserId id) = 0;
};

}  // namespace repo
