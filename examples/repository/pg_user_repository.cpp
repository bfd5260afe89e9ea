#include "pg_user_repository.hpp"

#include <charconv>
#include <cstdint>
#include <stdexcept>

namespace repo {

namespace pg = simul::pg;

namespace {

// Our ids are positive int8 values; anything else cannot be in the table.
std::optional<std::int64_t> parse_id(const UserId& id) {
    std::int64_t v = 0;
    auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), v);
    if (ec != std::errc() || end != id.data() + id.size() || v <= 0) return std::nullopt;
    return v;
}

User to_user(const pg::Row& row) {
    return User{row.get<std::string>("id"), row.get<std::string>("name"), row.get<std::string>("email")};
}

std::vector<User> to_users(const pg::Result& rows) {
    std::vector<User> users;
    users.reserve(rows.size());
    for (pg::Row row : rows) users.push_back(to_user(row));
    return users;
}

}  // namespace

PgUserRepository::PgUserRepository(pg::Pool& pool, std::string table) : pool_(pool), table_(std::move(table)) {
    const bool plain = !table_.empty() && table_.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") == std::string::npos;
    if (!plain) throw std::invalid_argument("PgUserRepository: table name '" + table_ + "' must be lower-case letters, digits and _");
}

simul::Task<> PgUserRepository::create_schema() {
    co_await pool_.execute("CREATE TABLE IF NOT EXISTS " + table_ +
                           " (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
                           "  name text NOT NULL, email text NOT NULL)");
    co_await pool_.execute("CREATE INDEX IF NOT EXISTS " + table_ + "_name ON " + table_ + " (name)");
}

simul::Task<> PgUserRepository::drop_schema() {
    co_await pool_.execute("DROP TABLE IF EXISTS " + table_);
}

simul::Task<User> PgUserRepository::add(std::string name, std::string email) {
    pg::Result rows = co_await pool_.query("INSERT INTO " + table_ + " (name, email) VALUES ($1, $2) RETURNING id, name, email",
                                           name, email);
    co_return to_user(rows.at(0));
}

simul::Task<std::optional<User>> PgUserRepository::get(UserId id) {
    const auto key = parse_id(id);
    if (!key) co_return std::nullopt;
    pg::Result rows = co_await pool_.query("SELECT id, name, email FROM " + table_ + " WHERE id = $1", *key);
    if (rows.empty()) co_return std::nullopt;
    co_return to_user(rows[0]);
}

simul::Task<std::vector<User>> PgUserRepository::find_by_name(std::string name) {
    pg::Result rows = co_await pool_.query("SELECT id, name, email FROM " + table_ + " WHERE name = $1 ORDER BY id", name);
    co_return to_users(rows);
}

simul::Task<std::vector<User>> PgUserRepository::list(UserId after, std::size_t limit) {
    const std::int64_t from = parse_id(after).value_or(0);
    pg::Result rows = co_await pool_.query("SELECT id, name, email FROM " + table_ + " WHERE id > $1 ORDER BY id LIMIT $2",
                                           from, std::int64_t(limit));
    co_return to_users(rows);
}

simul::Task<bool> PgUserRepository::update(User user) {
    const auto key = parse_id(user.id);
    if (!key) co_return false;
    const std::int64_t changed =
        co_await pool_.execute("UPDATE " + table_ + " SET name = $2, email = $3 WHERE id = $1", *key, user.name, user.email);
    co_return changed == 1;
}

simul::Task<bool> PgUserRepository::remove(UserId id) {
    const auto key = parse_id(id);
    if (!key) co_return false;
    const std::int64_t changed = co_await pool_.execute("DELETE FROM " + table_ + " WHERE id = $1", *key);
    co_return changed == 1;
}

}  // namespace repo
