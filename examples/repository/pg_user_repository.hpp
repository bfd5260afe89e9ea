// examples/repository/pg_user_repository.hpp: the users in a PostgreSQL table.
//
// Every call borrows a connection from a pg::Pool for one statement. The
// pool is bounded: with 1,000 requests in flight and a pool of 10, ten
// statements run on the server and the other tasks wait, in order, in the
// pool's queue (a suspended task costs a coroutine frame, not a thread).
//
// Ids are the table's `bigint` identity, as decimal strings.
#pragma once

#include <simul/adapters/pg.hpp>

#include "user_repository.hpp"

namespace repo {

class PgUserRepository final : public UserRepository {
public:
    // `table` is a plain lower-case SQL name (it is put into the statements).
    explicit PgUserRepository(simul::pg::Pool& pool, std::string table = "users");

    // CREATE TABLE IF NOT EXISTS, and an index on name; once, at start-up.
    simul::Task<> create_schema();
    simul::Task<> drop_schema();

    simul::Task<User> add(std::string name, std::string email) override;
    simul::Task<std::optional<User>> get(UserId id) override;
    simul::Task<std::vector<User>> find_by_name(std::string name) override;
    simul::Task<std::vector<User>> list(UserId after, std::size_t limit) override;
    simul::Task<bool> update(User user) override;
    simul::Task<bool> remove(UserId id) override;

private:
    simul::pg::Pool& pool_;
    std::string table_;
};

}  // namespace repo
