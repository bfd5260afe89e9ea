#include "cached_user_repository.hpp"

namespace repo {

namespace redis = simul::redis;

// Not cached: straight to the backend (its Task, not a coroutine of our own).
simul::Task<User> CachedUserRepository::add(std::string name, std::string email) {
    return backend_.add(std::move(name), std::move(email));
}

simul::Task<std::optional<User>> CachedUserRepository::get(UserId id) {
    const std::string k = key(id);
    // A hash {name, email}: HGETALL answers [field, value, ...], or [] for a missing key.
    redis::Reply cached = co_await redis_.command("HGETALL", k);
    if (!cached.as_array().empty()) {
        User user{id, {}, {}};
        const auto& fields = cached.as_array();
        for (std::size_t i = 0; i + 1 < fields.size(); i += 2) {
            if (fields[i].as_string() == "name") user.name = fields[i + 1].as_string();
            if (fields[i].as_string() == "email") user.email = fields[i + 1].as_string();
        }
        co_return user;
    }
    std::optional<User> user = co_await backend_.get(id);
    if (user) {
        // Both commands go out in one write; the hash never lives without its TTL for long.
        redis::Pipeline fill;
        fill.command("HSET", k, "name", user->name, "email", user->email).command("EXPIRE", k, ttl_.count());
        co_await redis_.execute(fill);
    }
    co_return user;
}

simul::Task<std::vector<User>> CachedUserRepository::find_by_name(std::string name) {
    return backend_.find_by_name(std::move(name));
}

simul::Task<std::vector<User>> CachedUserRepository::list(UserId after, std::size_t limit) {
    return backend_.list(std::move(after), limit);
}

simul::Task<bool> CachedUserRepository::update(User user) {
    const std::string k = key(user.id);
    const bool found = co_await backend_.update(std::move(user));
    co_await redis_.command("DEL", k);  // after the write: the next get() misses and reads the new state
    co_return found;
}

simul::Task<bool> CachedUserRepository::remove(UserId id) {
    const std::string k = key(id);
    const bool found = co_await backend_.remove(std::move(id));
    co_await redis_.command("DEL", k);
    co_return found;
}

}  // namespace repo
