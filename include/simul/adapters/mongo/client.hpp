// simul/adapters/mongo/client.hpp: Client and Database, the entry to a MongoDB server.
//
// A Client owns a connection Pool to one server (host and port; no replica
// sets, no TLS, no authentication yet). database(name) and then
// collection(name) give cheap handles that share the pool; they may be
// copied and kept. No connection opens until the first request.
//
//     simul::mongo::Client client("127.0.0.1", 27017, {.pool_size = 4});
//     auto users = client.database("app").collection("users");
//     co_await users.insert_one(mongo::doc("name", "ada"));
//     mongo::Document r = co_await client.database("admin").run_command(mongo::doc("ping", 1));
//
// The Client, its Databases and Collections, and running cursors all hold
// the pool; it lives until the last of them goes. close() closes the idle
// connections. Use a Client on the loop (thread) it was first used on.
//
// Cancellation and errors: see pool.hpp and error.hpp.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <simul/adapters/mongo/collection.hpp>
#include <simul/adapters/mongo/pool.hpp>

namespace simul::mongo {

class Database {
public:
    Database(std::shared_ptr<Pool> pool, std::string name) : pool_(std::move(pool)), name_(std::move(name)) {}

    const std::string& name() const noexcept { return name_; }
    Collection collection(std::string name) const { return Collection(pool_, name_, std::move(name)); }

    // Any command, as a document whose first key names it; the reply. Throws
    // mongo::Error when the reply says ok:0.
    Task<Document> run_command(Document command) const;
    Task<> drop() const;

private:
    std::shared_ptr<Pool> pool_;
    std::string name_;
};

class Client {
public:
    Client(std::string host, std::uint16_t port) : Client(std::move(host), port, Options()) {}
    Client(std::string host, std::uint16_t port, Options options)
        : pool_(std::make_shared<Pool>(std::move(host), port, std::move(options))) {}

    Database database(std::string name) const { return Database(pool_, std::move(name)); }
    Pool& pool() const noexcept { return *pool_; }
    void close() noexcept { pool_->close(); }

private:
    std::shared_ptr<Pool> pool_;
};

}  // namespace simul::mongo
