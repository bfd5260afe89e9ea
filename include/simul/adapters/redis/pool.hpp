// simul/adapters/redis/pool.hpp: Pool, a bounded set of Redis connections shared by many tasks.
//
// `redis::Pool pool("127.0.0.1", 6379, {.size = 4})` connects lazily: the
// first commands open connections, up to `size`. `co_await
// pool.command("GET", key)` sends the command on the least busy connection
// (an idle one, else a new one while fewer than `size` are open, else the one
// with the fewest requests in flight) and returns its Reply; many tasks'
// commands are pipelined on each connection (see connection.hpp), so a pool
// of a few connections serves thousands of concurrent tasks.
//
//     redis::Pool pool("127.0.0.1", port, {.size = 4});
//     co_await pool.command("SET", "user:1", json);
//     redis::Reply r = co_await pool.command("GET", "user:1");
//
// Commands that block the connection (BLPOP, BRPOP, BLMOVE, BZPOPMIN, WAIT,
// XREAD ... BLOCK, ...) run on a connection leased for their duration, so they
// never hold up other tasks' replies. Commands that change a connection's
// state (MULTI, WATCH, SELECT, SUBSCRIBE, ...) are refused by command() with
// a simul::Error that says what to use instead: `co_await pool.acquire()`
// leases a connection for a sequence of commands (a WATCH/MULTI/EXEC), and
// pool.subscribe() opens a dedicated connection for pub/sub. A MULTI ... EXEC
// inside one Pipeline is fine: its bytes go out together.
//
// Leases are exclusive and bounded: when every connection is leased, acquire()
// and command() wait, FIFO, for one to come back. A connection that broke
// (reset, server restart) is dropped and replaced by a new one on the next
// request, so the pool recovers by itself when the server comes back; the
// requests that were in flight on it fail with redis::ConnectionError (they
// are not retried: a write may have been applied).
//
// Cancellation: a cancelled command leaves a tombstone on its connection (its
// reply is read and dropped; see connection.hpp). A leased connection returned
// with an abandoned request in flight (a cancelled BLPOP) is discarded, not
// reused; a connection whose request hit the command_timeout stops taking new
// requests and closes once its other requests are answered. A task cancelled
// while waiting for a lease takes none. The pool stays healthy either way.
//
// A Pool belongs to the loop that uses it and must not outlive it; leases
// must not outlive their pool.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <simul/coro/async_generator.hpp>
#include <simul/coro/task.hpp>
#include <simul/sync/semaphore.hpp>
#include <simul/adapters/redis/connection.hpp>
#include <simul/adapters/redis/subscriber.hpp>

namespace simul::redis {

namespace detail {
struct PoolAccess;
}

struct PoolOptions {
    std::size_t size = 4;  // connections at most
    Duration connect_timeout = std::chrono::seconds(5);
    Duration command_timeout = Duration::zero();
    std::string username = {};
    std::string password = {};
    int db = 0;

    Options connection() const {
        Options o;
        o.connect_timeout = connect_timeout;
        o.command_timeout = command_timeout;
        o.username = username;
        o.password = password;
        o.db = db;
        return o;
    }
};

class Pool {
public:
    Pool(std::string host, std::uint16_t port, PoolOptions options = {});
    Pool(const Pool&) = delete;
    Pool& operator=(const Pool&) = delete;
    ~Pool();  // close()

    // The arguments are encoded at the call, so the Task may be awaited later.
    template <class... A>
    Task<Reply> command(const A&... args) {
        return command_args(ArgList{Arg(args)...});
    }
    Task<Reply> command(const std::vector<std::string>& argv);
    Task<Reply> command_args(const ArgList& args);

    // A Pipeline on one connection (one write; replies in order).
    Task<std::vector<Reply>> execute(const Pipeline& p);
    Pipeline pipeline();

    // Exclusive use of one connection until the Lease ends.
    class Lease {
    public:
        Lease() = default;
        Lease(Lease&& o) noexcept;
        Lease& operator=(Lease&& o) noexcept;
        ~Lease();  // returns the connection (or discards it; see above)
        Connection& operator*() noexcept { return conn_; }
        Connection* operator->() noexcept { return &conn_; }
        explicit operator bool() const noexcept { return pool_ != nullptr; }

    private:
        friend class Pool;
        Lease(Pool* p, std::size_t slot, Connection c, SemaphoreGuard g) noexcept;
        void release() noexcept;
        Pool* pool_ = nullptr;
        std::size_t slot_ = 0;
        Connection conn_;
        SemaphoreGuard permit_;
    };
    Task<Lease> acquire();

    // Subscribes on a dedicated connection (made with this pool's address and
    // options, not counted in `size`) and returns its messages; leaving the
    // loop over them (destroying the generator) closes that connection.
    Task<AsyncGenerator<Message>> subscribe(std::vector<std::string> channels, std::vector<std::string> patterns);
    Task<AsyncGenerator<Message>> subscribe(std::vector<std::string> channels) {
        return subscribe(std::move(channels), std::vector<std::string>());
    }
    // pool.subscribe("a", "b"): no braces, which g++ 12 mishandles next to co_await.
    template <class... S>
        requires(sizeof...(S) >= 1 && (std::is_convertible_v<const S&, std::string_view> && ...))
    Task<AsyncGenerator<Message>> subscribe(const S&... channels) {
        return subscribe(std::vector<std::string>{std::string(std::string_view(channels))...});
    }

    struct Statistics {
        std::size_t size;       // the bound
        std::size_t open;       // connections open or connecting
        std::size_t leased;     // of those, leased
        std::size_t waiting;    // tasks waiting for a lease
        std::size_t in_flight;  // requests in flight over all connections
        std::size_t replaced;   // connections dropped (broken, timed out, abandoned) so far
    };
    Statistics statistics() const;

    // Closes every connection; requests in flight fail with ConnectionError.
    void close() noexcept;

private:
    friend struct detail::PoolAccess;
    struct Slot {
        std::shared_ptr<detail::ConnState> conn;
        bool leased = false;
    };
    // The connection for one multiplexed request (never a leased one).
    std::shared_ptr<detail::ConnState> pick();
    std::size_t pick_for_lease();
    std::shared_ptr<detail::ConnState> open_slot(std::size_t i);
    void give_back(std::size_t slot) noexcept;
    Task<Reply> blocking(Command command);

    std::string host_;
    std::uint16_t port_;
    PoolOptions options_;
    std::vector<Slot> slots_;
    Semaphore free_;  // slots not leased
    std::size_t replaced_ = 0;
    bool closed_ = false;
};

}  // namespace simul::redis
