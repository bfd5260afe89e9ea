// simul/adapters/mongo/pool.hpp: Pool, a bounded set of Connections to one server.
//
// command() borrows a connection, runs one command on it, and gives it back.
// At most Options::pool_size connections exist; a request that finds them all
// busy waits (FIFO) for one to come back. Each connection carries one
// request at a time (no multiplexing): a MongoDB server runs the requests
// of one connection one after another anyway, so multiplexing would only
// queue them there instead of here, and one-at-a-time makes cancellation
// simple (see below).
//
//     auto pool = std::make_shared<mongo::Pool>("127.0.0.1", 27017, mongo::Options{.pool_size = 8});
//     mongo::Document r = co_await pool->command("admin", mongo::doc("ping", 1));
//
// Who resumes: the loop, when a connection comes back (the waiting request
// takes it) or when the socket has its reply.
//
// Health: a connection is given back only if its exchange finished cleanly;
// before reuse the pool checks (one poll, no wait) that the server has not
// closed it while it sat idle, and opens a fresh one otherwise. So after a
// server restart the pool discards every stale connection and goes on with
// new ones; only a request already on a connection when the server went away
// fails (ConnectionError). Connections open lazily, on demand.
//
// Cancellation: a request cancelled while it waits for a connection takes
// none; one cancelled (or timed out) with its command on the wire closes
// that connection (Connection's rule) and gives back its slot, so the pool
// never hands out a connection with a reply pending.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <simul/adapters/mongo/connection.hpp>
#include <simul/core/clock.hpp>
#include <simul/sync/semaphore.hpp>

namespace simul::mongo {

struct Options {
    std::size_t pool_size = 4;                                  // connections at most
    Duration connect_timeout = std::chrono::seconds(10);       // TCP connect + hello; 0: none
    Duration request_timeout = std::chrono::seconds(30);       // one command's round trip; 0: none
    std::string app_name;                                       // shown in the server's logs
};

class Pool {
public:
    Pool(std::string host, std::uint16_t port, Options options);
    Pool(const Pool&) = delete;
    Pool& operator=(const Pool&) = delete;

    // Runs `cmd` on database `db` on a pooled connection; see the top of this file.
    Task<Document> command(std::string db, Document cmd) { return command(std::move(db), std::move(cmd), std::vector<Sequence>()); }
    Task<Document> command(std::string db, Document cmd, std::vector<Sequence> sequences);

    // The limits from the last hello (defaults until a connection opened).
    const ServerInfo& server() const noexcept { return info_; }
    const std::string& host() const noexcept { return host_; }
    std::uint16_t port() const noexcept { return port_; }
    const Options& options() const noexcept { return options_; }

    // Closes the idle connections (those lent out close when they come back).
    void close() noexcept;

    struct Statistics {
        std::size_t idle;       // open, waiting in the pool
        std::size_t in_use;     // lent to a request now
        std::size_t waiting;    // requests queued for a connection
        std::uint64_t opened;   // connections opened so far
        std::uint64_t discarded;  // closed after a failure, a cancellation or a stale check
    };
    Statistics statistics() const noexcept;

private:
    Task<std::unique_ptr<Connection>> take();
    void give_back(std::unique_ptr<Connection> c) noexcept;

    std::string host_;
    std::uint16_t port_;
    Options options_;
    Semaphore slots_;
    std::vector<std::unique_ptr<Connection>> idle_;
    ServerInfo info_;
    std::size_t in_use_ = 0;
    std::uint64_t opened_ = 0;
    std::uint64_t discarded_ = 0;
    bool closed_ = false;
};

}  // namespace simul::mongo
