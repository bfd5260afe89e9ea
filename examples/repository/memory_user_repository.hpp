// examples/repository/memory_user_repository.hpp: the users in a std::map.
//
// For tests and for running the service with no database at all. Nothing
// here waits: each call completes at once, on the loop's thread, so it needs
// no lock (one loop, one thread; see docs/tutorial/02).
#pragma once

#include <cstdint>
#include <map>

#include "user_repository.hpp"

namespace repo {

class MemoryUserRepository final : public UserRepository {
public:
    simul::Task<User> add(std::string name, std::string email) override;
    simul::Task<std::optional<User>> get(UserId id) override;
    simul::Task<std::vector<User>> find_by_name(std::string name) override;
    simul::Task<std::vector<User>> list(UserId after, std::size_t limit) override;
    simul::Task<bool> update(User user) override;
    simul::Task<bool> remove(UserId id) override;

private:
    std::map<std::int64_t, User> users_;  // by numeric id: id order
    std::int64_t last_id_ = 0;
};

}  // namespace repo
