// The contract of examples/repository's UserRepository, the same test on
// every backend: memory, PostgreSQL and MongoDB, each alone and behind the
// Redis cache (CachedUserRepository); then what only the cache promises.
// The servers are the runs' shared ones (the fixtures pg, redis, mongo);
// each test has a table, a database and a key prefix of its own.
#include "user_repository.hpp"

#include <unistd.h>

#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <simul/adapters/mongo.hpp>
#include <simul/adapters/pg.hpp>
#include <simul/adapters/redis.hpp>
#include <simul/simul.hpp>
#include <simul/testing/simul_test.hpp>

#include "cached_user_repository.hpp"
#include "memory_user_repository.hpp"
#include "mongo_test_support.hpp"
#include "mongo_user_repository.hpp"
#include "pg_server.hpp"
#include "pg_user_repository.hpp"
#include "redis_test_server.hpp"
#include "user_service.hpp"

namespace pg = simul::pg;
namespace mongo = simul::mongo;
namespace redis = simul::redis;
using repo::User;
using repo::UserId;

namespace repo {
// How GoogleTest shows a User in a failure (found by ADL).
void PrintTo(const User& u, std::ostream* os) { *os << "{" << u.id << ", " << u.name << ", " << u.email << "}"; }
}  // namespace repo

namespace {

constexpr std::size_t kPoolSize = 8;

// A decorator that counts the calls that reach the repository it wraps.
class CountingUserRepository final : public repo::UserRepository {
public:
    explicit CountingUserRepository(repo::UserRepository& inner) : inner_(inner) {}
    std::size_t calls = 0;
    std::size_t gets = 0;

    simul::Task<User> add(std::string name, std::string email) override {
        ++calls;
        co_return co_await inner_.add(std::move(name), std::move(email));
    }
    simul::Task<std::optional<User>> get(UserId id) override {
        ++calls;
        ++gets;
        co_return co_await inner_.get(std::move(id));
    }
    simul::Task<std::vector<User>> find_by_name(std::string name) override {
        ++calls;
        co_return co_await inner_.find_by_name(std::move(name));
    }
    simul::Task<std::vector<User>> list(UserId after, std::size_t limit) override {
        ++calls;
        co_return co_await inner_.list(std::move(after), limit);
    }
    simul::Task<bool> update(User user) override {
        ++calls;
        co_return co_await inner_.update(std::move(user));
    }
    simul::Task<bool> remove(UserId id) override {
        ++calls;
        co_return co_await inner_.remove(std::move(id));
    }

private:
    repo::UserRepository& inner_;
};

enum class Backend { memory, postgres, mongo };

struct Config {
    Backend backend;
    bool cached;
};

std::string to_string(const Config& c) {
    const char* names[] = {"Memory", "Postgres", "Mongo"};
    return std::string(names[int(c.backend)]) + (c.cached ? "Cached" : "");
}
std::string config_name(const ::testing::TestParamInfo<Config>& info) { return to_string(info.param); }
// GoogleTest prints a parameter in the test's listing; without this, as raw bytes.
void PrintTo(const Config& c, std::ostream* os) { *os << to_string(c); }

// What a test body gets: the repository to test, and beside it the pieces
// it may look at.
struct Env {
    repo::UserRepository* users = nullptr;       // the cache when there is one, else the backend
    CountingUserRepository* backend = nullptr;   // the backend, its calls counted
    redis::Pool* redis = nullptr;                // when cached
    std::string key_prefix;                      // the cache's keys
    pg::Pool* pg_pool = nullptr;
    mongo::Client* mongo_client = nullptr;
};

using Body = simul::Task<> (*)(Env&);

// Makes the backend (and cache) of `config` inside the loop, runs `body`,
// and drops the test's table or database whatever way the body ended.
simul::Task<> with_env(Config config, Body body) {
    const std::string tag = std::to_string(::getpid());
    Env env;
    std::unique_ptr<pg::Pool> pg_pool;
    std::unique_ptr<mongo::Client> mongo_client;
    std::unique_ptr<repo::PgUserRepository> pg_users;
    std::unique_ptr<repo::MongoUserRepository> mongo_users;
    repo::MemoryUserRepository memory_users;
    repo::UserRepository* backend = &memory_users;
    if (config.backend == Backend::postgres) {
        pg::PoolOptions options;
        options.size = kPoolSize;
        pg_pool = std::make_unique<pg::Pool>(pgtest::shared().conninfo(), options);
        pg_users = std::make_unique<repo::PgUserRepository>(*pg_pool, "repository_test_" + tag);
        co_await pg_users->drop_schema();  // a leftover of a crashed run with this pid
        co_await pg_users->create_schema();
        backend = pg_users.get();
        env.pg_pool = pg_pool.get();
    } else if (config.backend == Backend::mongo) {
        mongo::Options options;
        options.pool_size = kPoolSize;
        mongo_client = std::make_unique<mongo::Client>("127.0.0.1", mongo_test::shared_port(), options);
        mongo_users = std::make_unique<repo::MongoUserRepository>(
            mongo_client->database("repository_test_" + tag).collection("users"));
        co_await mongo_users->drop_schema();
        co_await mongo_users->create_schema();
        backend = mongo_users.get();
        env.mongo_client = mongo_client.get();
    }
    CountingUserRepository counted(*backend);
    env.users = env.backend = &counted;

    std::unique_ptr<redis::Pool> redis_pool;
    std::unique_ptr<repo::CachedUserRepository> cached;
    if (config.cached) {
        redis::PoolOptions options;
        options.size = 2;
        redis_pool = std::make_unique<redis::Pool>("127.0.0.1", redis_test::shared_port(), options);
        env.key_prefix = redis_test::prefix() + "user:";  // the test's name and pid: no two tests share a key
        cached = std::make_unique<repo::CachedUserRepository>(counted, *redis_pool, env.key_prefix, std::chrono::seconds(30));
        env.users = cached.get();
        env.redis = redis_pool.get();
    }

    std::exception_ptr failure;
    try {
        co_await body(env);
    } catch (...) {
        failure = std::current_exception();
    }
    if (pg_users) co_await pg_users->drop_schema();
    if (mongo_users) co_await mongo_users->drop_schema();
    if (failure) std::rethrow_exception(failure);
}

void run(Config config, Body body) {
    simul::testing::run_test(with_env(config, body), simul::RunOptions{});
}

// ---- the contract ------------------------------------------------------------

simul::Task<> added_user_comes_back_by_id(Env& env) {
    User ada = co_await env.users->add("ada", "ada@example.org");
    User bob = co_await env.users->add("bob", "bob@example.org");
    EXPECT_FALSE(ada.id.empty());
    EXPECT_NE(ada.id, bob.id);
    EXPECT_EQ(ada.name, "ada");
    EXPECT_EQ(ada.email, "ada@example.org");
    std::optional<User> read = co_await env.users->get(ada.id);
    EXPECT_EQ(read, ada);
    read = co_await env.users->get(bob.id);
    EXPECT_EQ(read, bob);
}

simul::Task<> unknown_and_malformed_ids_are_not_found(Env& env) {
    User ada = co_await env.users->add("ada", "ada@example.org");
    // Ids no backend made, ids of the other backends' forms, and junk.
    for (std::string id : {std::string(), std::string("0"), std::string("-1"), std::string("999999999"),
                           std::string("ffffffffffffffffffffffff"), std::string("not an id"), ada.id + "0"}) {
        std::optional<User> read = co_await env.users->get(id);
        EXPECT_EQ(read, std::nullopt) << "id '" << id << "'";
        User ghost{id, "ghost", "ghost@example.org"};
        const bool updated = co_await env.users->update(ghost);
        EXPECT_FALSE(updated) << "id '" << id << "'";
        const bool removed = co_await env.users->remove(id);
        EXPECT_FALSE(removed) << "id '" << id << "'";
    }
    std::optional<User> still = co_await env.users->get(ada.id);
    EXPECT_EQ(still, ada);
}

simul::Task<> find_by_name_returns_every_match_in_id_order(Env& env) {
    User a = co_await env.users->add("grace", "g1@example.org");
    co_await env.users->add("alan", "alan@example.org");
    User c = co_await env.users->add("grace", "g2@example.org");
    std::vector<User> found = co_await env.users->find_by_name("grace");
    EXPECT_EQ(found, (std::vector<User>{a, c}));
    found = co_await env.users->find_by_name("nobody");
    EXPECT_TRUE(found.empty());
    found = co_await env.users->find_by_name("Grace");  // exact match
    EXPECT_TRUE(found.empty());
}

simul::Task<> pages_walk_every_user_once_in_id_order(Env& env) {
    std::vector<User> added;
    for (int i = 0; i < 12; ++i) added.push_back(co_await env.users->add("u" + std::to_string(i), "u@example.org"));
    std::vector<User> walked;
    std::vector<std::size_t> sizes;
    UserId after;
    for (int guard = 0; guard < 10; ++guard) {
        std::vector<User> page = co_await env.users->list(after, 5);
        sizes.push_back(page.size());
        if (page.empty()) break;
        walked.insert(walked.end(), page.begin(), page.end());
        after = page.back().id;
    }
    EXPECT_EQ(walked, added);
    EXPECT_EQ(sizes, (std::vector<std::size_t>{5, 5, 2, 0}));
    std::vector<User> one = co_await env.users->list(added[3].id, 1);
    EXPECT_EQ(one, (std::vector<User>{added[4]}));
    std::vector<User> none = co_await env.users->list(added.back().id, 5);
    EXPECT_TRUE(none.empty());
}

simul::Task<> update_changes_what_every_read_returns(Env& env) {
    User ada = co_await env.users->add("ada", "ada@example.org");
    std::optional<User> before = co_await env.users->get(ada.id);  // (fills the cache, if any)
    EXPECT_EQ(before, ada);
    User changed{ada.id, "ada lovelace", "ada@engines.example.org"};
    const bool updated = co_await env.users->update(changed);
    EXPECT_TRUE(updated);
    std::optional<User> after = co_await env.users->get(ada.id);
    EXPECT_EQ(after, changed);
    std::vector<User> by_new_name = co_await env.users->find_by_name("ada lovelace");
    EXPECT_EQ(by_new_name, (std::vector<User>{changed}));
    std::vector<User> by_old_name = co_await env.users->find_by_name("ada");
    EXPECT_TRUE(by_old_name.empty());
    std::vector<User> all = co_await env.users->list("", 10);
    EXPECT_EQ(all, (std::vector<User>{changed}));
}

simul::Task<> remove_deletes_the_user_once(Env& env) {
    User ada = co_await env.users->add("ada", "ada@example.org");
    User bob = co_await env.users->add("bob", "bob@example.org");
    std::optional<User> cached = co_await env.users->get(ada.id);  // (fills the cache, if any)
    EXPECT_EQ(cached, ada);
    const bool removed = co_await env.users->remove(ada.id);
    EXPECT_TRUE(removed);
    std::optional<User> gone = co_await env.users->get(ada.id);
    EXPECT_EQ(gone, std::nullopt);
    const bool again = co_await env.users->remove(ada.id);
    EXPECT_FALSE(again);
    std::vector<User> all = co_await env.users->list("", 10);
    EXPECT_EQ(all, (std::vector<User>{bob}));
    std::vector<User> by_name = co_await env.users->find_by_name("ada");
    EXPECT_TRUE(by_name.empty());
}

simul::Task<> a_thousand_concurrent_requests_are_all_answered_correctly(Env& env) {
    repo::UserService service(*env.users);
    repo::ServeOptions options;
    options.requests = 1000;
    options.seed_users = 50;
    options.tag = "t";
    repo::ServeReport report = co_await simul::wait_for(repo::serve(service, options), std::chrono::seconds(30));
    EXPECT_EQ(report.requests, 1000u);
    EXPECT_EQ(report.correct, 1000u);
    for (std::size_t i = 0; i < report.failures.size() && i < 5; ++i) ADD_FAILURE() << report.failures[i];
    // The 1,000 requests shared a bounded pool, and gave every connection back.
    if (env.pg_pool) {
        const pg::PoolStatistics st = env.pg_pool->statistics();
        EXPECT_LE(st.opened, kPoolSize);
        EXPECT_EQ(st.open, st.idle);
        EXPECT_EQ(st.waiting, 0u);
    }
    if (env.mongo_client) {
        const mongo::Pool::Statistics st = env.mongo_client->pool().statistics();
        EXPECT_LE(st.opened, kPoolSize);
        EXPECT_EQ(st.in_use, 0u);
        EXPECT_EQ(st.waiting, 0u);
    }
    // Every request reached the backend through the one repository (10%
    // of them are pure cache candidates, so fewer with a cache).
    EXPECT_GT(env.backend->calls, 1000u);
}

// Each get() below is cancelled while its request is on the wire: it runs
// until it waits for the database's answer, then its task is cancelled.
// Whatever each adapter does about it (PostgreSQL: cancel on the server and
// drain; Redis: read and drop the late reply; MongoDB: close the
// connection), the next requests must get their own, right answers.
simul::Task<> cancelled_requests_leave_the_repository_usable(Env& env) {
    User ada = co_await env.users->add("ada", "ada@example.org");
    std::size_t cancelled = 0;
    for (int i = 0; i < 20; ++i) {
        simul::TaskHandle<std::optional<User>> request = simul::spawn(env.users->get(ada.id));
        co_await simul::yield();  // the request runs until it waits for its answer
        request.cancel();
        try {
            std::optional<User> read = co_await request;
            EXPECT_EQ(read, ada);  // the memory backend answered without waiting
        } catch (const simul::Cancelled&) {
            ++cancelled;
        }
        std::optional<User> read = co_await simul::wait_for(env.users->get(ada.id), std::chrono::seconds(5));
        EXPECT_EQ(read, ada);
        std::vector<User> page = co_await simul::wait_for(env.users->list("", 10), std::chrono::seconds(5));
        EXPECT_EQ(page, (std::vector<User>{ada}));
    }
    const bool waits = env.pg_pool || env.mongo_client || env.redis;  // memory alone never does
    EXPECT_EQ(cancelled, waits ? 20u : 0u);
    if (env.pg_pool) {
        EXPECT_LE(env.pg_pool->statistics().open, kPoolSize);
    }
}

class UserRepositoryContract : public ::testing::TestWithParam<Config> {};

TEST_P(UserRepositoryContract, AnAddedUserComesBackByTheIdTheDatabaseGave) { run(GetParam(), added_user_comes_back_by_id); }
TEST_P(UserRepositoryContract, UnknownAndMalformedIdsAreNotFound) { run(GetParam(), unknown_and_malformed_ids_are_not_found); }
TEST_P(UserRepositoryContract, FindByNameReturnsEveryMatchInIdOrder) { run(GetParam(), find_by_name_returns_every_match_in_id_order); }
TEST_P(UserRepositoryContract, PagesWalkEveryUserOnceInIdOrder) { run(GetParam(), pages_walk_every_user_once_in_id_order); }
TEST_P(UserRepositoryContract, UpdateChangesWhatEveryReadReturns) { run(GetParam(), update_changes_what_every_read_returns); }
TEST_P(UserRepositoryContract, RemoveDeletesTheUserOnce) { run(GetParam(), remove_deletes_the_user_once); }
TEST_P(UserRepositoryContract, CancelledRequestsLeaveTheRepositoryUsable) {
    run(GetParam(), cancelled_requests_leave_the_repository_usable);
}
TEST_P(UserRepositoryContract, AThousandConcurrentRequestsThroughTheBoundedPoolAreAllAnsweredCorrectly) {
    run(GetParam(), a_thousand_concurrent_requests_are_all_answered_correctly);
}

INSTANTIATE_TEST_SUITE_P(Backends, UserRepositoryContract,
                         ::testing::Values(Config{Backend::memory, false}, Config{Backend::postgres, false},
                                           Config{Backend::mongo, false}, Config{Backend::memory, true},
                                           Config{Backend::postgres, true}, Config{Backend::mongo, true}),
                         config_name);

// ---- the cache ---------------------------------------------------------------

simul::Task<> a_hit_does_not_touch_the_backend(Env& env) {
    User ada = co_await env.users->add("ada", "ada@example.org");
    std::optional<User> first = co_await env.users->get(ada.id);  // a miss: the backend answers, Redis is filled
    EXPECT_EQ(first, ada);
    EXPECT_EQ(env.backend->gets, 1u);
    redis::Reply ttl = co_await env.redis->command("TTL", env.key_prefix + ada.id);
    EXPECT_GT(ttl.as_int(), 0);  // the entry expires
    EXPECT_LE(ttl.as_int(), 30);
    const std::size_t calls = env.backend->calls;
    for (int i = 0; i < 5; ++i) {
        std::optional<User> hit = co_await env.users->get(ada.id);
        EXPECT_EQ(hit, ada);
    }
    EXPECT_EQ(env.backend->calls, calls);  // five hits, no backend call
    // Proof that the answers came from Redis: a change made behind the
    // cache's back (straight to the backend) is not seen until invalidated.
    User renamed{ada.id, "ada lovelace", "ada@example.org"};
    const bool updated = co_await env.backend->update(renamed);
    EXPECT_TRUE(updated);
    std::optional<User> stale = co_await env.users->get(ada.id);
    EXPECT_EQ(stale, ada);
    co_await env.redis->command("DEL", env.key_prefix + ada.id);
    std::optional<User> fresh = co_await env.users->get(ada.id);
    EXPECT_EQ(fresh, renamed);
    EXPECT_EQ(env.backend->gets, 2u);
}

simul::Task<> update_and_remove_invalidate_the_entry(Env& env) {
    User ada = co_await env.users->add("ada", "ada@example.org");
    std::optional<User> filled = co_await env.users->get(ada.id);
    EXPECT_EQ(filled, ada);
    User moved{ada.id, "ada", "ada@new.example.org"};
    const bool updated = co_await env.users->update(moved);  // through the cache: deletes the entry
    EXPECT_TRUE(updated);
    redis::Reply exists = co_await env.redis->command("EXISTS", env.key_prefix + ada.id);
    EXPECT_EQ(exists.as_int(), 0);
    std::optional<User> read = co_await env.users->get(ada.id);  // a miss, then filled again
    EXPECT_EQ(read, moved);
    EXPECT_EQ(env.backend->gets, 2u);
    const bool removed = co_await env.users->remove(ada.id);
    EXPECT_TRUE(removed);
    exists = co_await env.redis->command("EXISTS", env.key_prefix + ada.id);
    EXPECT_EQ(exists.as_int(), 0);
    std::optional<User> gone = co_await env.users->get(ada.id);
    EXPECT_EQ(gone, std::nullopt);  // not the cached copy
    // A missing user is not cached: each get asks the backend.
    std::optional<User> gone_again = co_await env.users->get(ada.id);
    EXPECT_EQ(gone_again, std::nullopt);
    EXPECT_EQ(env.backend->gets, 4u);
}

class CachedUserRepositoryTest : public ::testing::TestWithParam<Config> {};

TEST_P(CachedUserRepositoryTest, AHitDoesNotTouchTheBackend) { run(GetParam(), a_hit_does_not_touch_the_backend); }
TEST_P(CachedUserRepositoryTest, UpdateAndRemoveInvalidateTheEntry) { run(GetParam(), update_and_remove_invalidate_the_entry); }

INSTANTIATE_TEST_SUITE_P(Backends, CachedUserRepositoryTest,
                         ::testing::Values(Config{Backend::memory, true}, Config{Backend::postgres, true},
                                           Config{Backend::mongo, true}),
                         config_name);

}  // namespace
