// examples/repository/cached_user_repository.hpp: a Redis read-through cache in front of any UserRepository.
//
// CachedUserRepository is itself a UserRepository (a decorator): the service
// does not know it is there. get() looks in Redis first (HGETALL user:<id>);
// on a hit the backend is not asked at all; on a miss it asks the backend
// and, if the user exists, stores it in Redis with a time to live. update()
// and remove() change the backend first and then delete the Redis key, so
// the next get() reads the new state. The other calls go straight through.
//
// What this cache does not promise: a get() that read the old user from the
// backend just before an update, and stores it just after the update's
// delete, leaves a stale entry for up to `ttl`. The TTL bounds that window;
// keep it short for data that changes. And while Redis is unreachable every
// call that touches it fails with redis::ConnectionError: a cache could let
// reads fall back to the backend, but never writes (the stale entry would
// outlive the change), and this one keeps to the simple rule.
//
// Cancellation: a get() cancelled after the backend answered may leave the
// entry unfilled (harmless: the next get() fills it). An update() or
// remove() cancelled between the backend write and the delete leaves the
// old entry until its TTL; redis::Pool never leaves a connection out of step.
#pragma once

#include <chrono>

#include <simul/adapters/redis.hpp>

#include "user_repository.hpp"

namespace repo {

class CachedUserRepository final : public UserRepository {
public:
    // Keys are `prefix` + id; entries expire after `ttl`. Ids are unique only
    // within the store that made them, so the prefix must name that store
    // (a table, a collection): two stores behind one Redis would otherwise
    // be served each other's users.
    CachedUserRepository(UserRepository& backend, simul::redis::Pool& redis, std::string prefix = "user:",
                         std::chrono::seconds ttl = std::chrono::seconds(60))
        : backend_(backend), redis_(redis), prefix_(std::move(prefix)), ttl_(ttl) {}

    simul::Task<User> add(std::string name, std::string email) override;
    simul::Task<std::optional<User>> get(UserId id) override;
    simul::Task<std::vector<User>> find_by_name(std::string name) override;
    simul::Task<std::vector<User>> list(UserId after, std::size_t limit) override;
    simul::Task<bool> update(User user) override;
    simul::Task<bool> remove(UserId id) override;

private:
    std::string key(const UserId& id) const { return prefix_ + id; }

    UserRepository& backend_;
    simul::redis::Pool& redis_;
    std::string prefix_;
    std::chrono::seconds ttl_;
};

}  // namespace repo
