#include "memory_user_repository.hpp"

#include <charconv>

namespace repo {

namespace {
// The key of `id`, or 0 (never used) when it is not one of our ids.
std::int64_t key_of(const UserId& id) {
    std::int64_t k = 0;
    auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), k);
    return ec == std::errc() && end == id.data() + id.size() && k > 0 ? k : 0;
}
}  // namespace

simul::Task<User> MemoryUserRepository::add(std::string name, std::string email) {
    const std::int64_t k = ++last_id_;
    User user{std::to_string(k), std::move(name), std::move(email)};
    users_.emplace(k, user);
    co_return user;
}

simul::Task<std::optional<User>> MemoryUserRepository::get(UserId id) {
    auto it = users_.find(key_of(id));
    if (it == users_.end()) co_return std::nullopt;
    co_return it->second;
}

simul::Task<std::vector<User>> MemoryUserRepository::find_by_name(std::string name) {
    std::vector<User> found;
    for (const auto& [k, user] : users_)
        if (user.name == name) found.push_back(user);
    co_return found;
}

simul::Task<std::vector<User>> MemoryUserRepository::list(UserId after, std::size_t limit) {
    std::vector<User> page;
    for (auto it = users_.upper_bound(after.empty() ? 0 : key_of(after)); it != users_.end() && page.size() < limit; ++it)
        page.push_back(it->second);
    co_return page;
}

simul::Task<bool> MemoryUserRepository::update(User user) {
    auto it = users_.find(key_of(user.id));
    if (it == users_.end()) co_return false;
    it->second = std::move(user);
    co_return true;
}

simul::Task<bool> MemoryUserRepository::remove(UserId id) {
    co_return users_.erase(key_of(id)) == 1;
}

}  // namespace repo
