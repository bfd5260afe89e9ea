// repository_demo: the same UserService on MongoDB, PostgreSQL or memory,
// with or without a Redis cache in front, under 1,000 concurrent requests.
//
//   repository_demo --backend memory
//   repository_demo --backend postgres --pool 10 host=127.0.0.1 port=5432 dbname=postgres user=postgres
//   repository_demo --backend mongo --cache-redis 127.0.0.1:6379 127.0.0.1:27017
//
// Prints the throughput and checks every answer; exits 1 if one was wrong.
// Each run works in a table (collection) of its own, dropped at the end.
// See README.md beside this file for starting the servers.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <exception>
#include <memory>
#include <string>

#include <simul/simul.hpp>

#include "cached_user_repository.hpp"
#include "memory_user_repository.hpp"
#include "mongo_user_repository.hpp"
#include "pg_user_repository.hpp"
#include "user_service.hpp"

namespace pg = simul::pg;
namespace mongo = simul::mongo;
namespace redis = simul::redis;

namespace {

struct Args {
    std::string backend;
    std::string cache;       // HOST:PORT of a Redis, or empty
    std::size_t requests = 1000;
    std::size_t pool = 10;
    std::string connection;  // the CONNECTION words, joined by spaces
};

const char* const kUsage =
    "usage: repository_demo --backend memory|postgres|mongo [--cache-redis HOST:PORT] [--requests N] [--pool N] "
    "CONNECTION...\n"
    "  postgres: CONNECTION is a libpq connection string, e.g. host=127.0.0.1 port=5432 dbname=postgres user=postgres\n"
    "  mongo:    CONNECTION is HOST:PORT, e.g. 127.0.0.1:27017\n"
    "  memory:   no CONNECTION\n";

Args parse(int argc, char** argv) {
    Args a;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        const bool has_value = i + 1 < argc;
        if (arg == "--backend" && has_value) a.backend = argv[++i];
        else if (arg == "--cache-redis" && has_value) a.cache = argv[++i];
        else if (arg == "--requests" && has_value) a.requests = std::stoul(argv[++i]);
        else if (arg == "--pool" && has_value) a.pool = std::stoul(argv[++i]);
        else if (arg.rfind("--", 0) == 0) throw std::invalid_argument("unknown option or missing value: " + arg);
        else a.connection += (a.connection.empty() ? "" : " ") + arg;
    }
    if (a.backend != "memory" && a.backend != "postgres" && a.backend != "mongo")
        throw std::invalid_argument("--backend must be memory, postgres or mongo");
    if (a.backend != "memory" && a.connection.empty()) throw std::invalid_argument("--backend " + a.backend + " needs a CONNECTION");
    if (a.pool == 0) throw std::invalid_argument("--pool must be at least 1");
    return a;
}

// "127.0.0.1:6379" -> host and port.
std::pair<std::string, std::uint16_t> host_port(const std::string& s) {
    const auto colon = s.rfind(':');
    if (colon == std::string::npos) throw std::invalid_argument("'" + s + "' is not HOST:PORT");
    return {s.substr(0, colon), std::uint16_t(std::stoul(s.substr(colon + 1)))};
}

simul::Task<int> amain(Args args) {
    // A run of its own: a table (or collection) made now and dropped at the
    // end, and cache keys of its own. The cache's keys must name where the
    // ids come from: two stores that both have a user "1" (two runs of the
    // memory backend, two tables) would otherwise be served each other's.
    const std::string run = "demo_" + std::to_string(::getpid()) + "_" +
                            std::to_string(std::chrono::system_clock::now().time_since_epoch() / std::chrono::milliseconds(1));

    // The backend. Whatever is made here lives until amain returns, inside the loop.
    std::unique_ptr<pg::Pool> pg_pool;
    std::unique_ptr<mongo::Client> mongo_client;
    std::unique_ptr<repo::PgUserRepository> pg_users;
    std::unique_ptr<repo::MongoUserRepository> mongo_users;
    repo::MemoryUserRepository memory_users;
    repo::UserRepository* backend = &memory_users;
    if (args.backend == "postgres") {
        pg::PoolOptions options;
        options.size = args.pool;
        pg_pool = std::make_unique<pg::Pool>(args.connection, options);
        pg_users = std::make_unique<repo::PgUserRepository>(*pg_pool, run);
        co_await pg_users->create_schema();
        backend = pg_users.get();
    } else if (args.backend == "mongo") {
        auto [host, port] = host_port(args.connection);
        mongo::Options options;
        options.pool_size = args.pool;
        mongo_client = std::make_unique<mongo::Client>(host, port, options);
        mongo_users = std::make_unique<repo::MongoUserRepository>(mongo_client->database("simul_example").collection(run));
        co_await mongo_users->create_schema();
        backend = mongo_users.get();
    }

    // The cache, if asked for: a decorator, so the service does not change.
    std::unique_ptr<redis::Pool> redis_pool;
    std::unique_ptr<repo::CachedUserRepository> cached;
    repo::UserRepository* users = backend;
    if (!args.cache.empty()) {
        auto [host, port] = host_port(args.cache);
        redis::PoolOptions options;
        options.size = args.pool;
        redis_pool = std::make_unique<redis::Pool>(host, port, options);
        co_await redis_pool->command("PING");  // an unreachable cache is an error now, not in every request
        cached = std::make_unique<repo::CachedUserRepository>(*backend, *redis_pool, run + ":user:");
        users = cached.get();
    }

    repo::UserService service(*users);
    repo::ServeOptions options;
    options.requests = args.requests;
    options.tag = run;
    repo::ServeReport report;
    std::exception_ptr failure;
    try {
        report = co_await repo::serve(service, options);
    } catch (...) {  // Ctrl-C (Cancelled) too: drop the run's table first
        failure = std::current_exception();
    }
    if (pg_users) co_await pg_users->drop_schema();
    if (mongo_users) co_await mongo_users->drop_schema();
    if (failure) std::rethrow_exception(failure);

    const double seconds = std::chrono::duration<double>(report.elapsed).count();
    std::printf("backend %s", args.backend.c_str());
    if (args.backend != "memory") std::printf(", pool of %zu connections", args.pool);
    if (!args.cache.empty()) std::printf(", Redis cache at %s", args.cache.c_str());
    std::printf("\n");
    std::printf("%zu concurrent requests in %.1f ms: %.0f requests/s; %zu of %zu answered correctly\n", report.requests,
                seconds * 1e3, double(report.requests) / seconds, report.correct, report.requests);
    for (std::size_t i = 0; i < report.failures.size() && i < 10; ++i) std::printf("  wrong: %s\n", report.failures[i].c_str());
    co_return report.correct == report.requests ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    Args args;
    try {
        args = parse(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "repository_demo: %s\n%s", e.what(), kUsage);
        return 2;
    }
    try {
        return simul::run(amain(std::move(args)));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "repository_demo: %s\n", e.what());
        return 1;
    }
}
