// simul/adapters/pg/pool.hpp: Pool, a bounded set of connections shared by tasks.
//
// A Pool opens connections on demand, up to `size`, and lends one to a task
// at a time. `co_await pool.acquire()` returns a PooledConnection (a handle
// that gives the connection back when it ends); query(), execute(),
// transaction() and pipeline() borrow one for a single call:
//
//     pg::Pool pool("host=/run/postgresql dbname=app", {.size = 10});
//     pg::Result rows = co_await pool.query("SELECT name FROM users WHERE id = $1", id);
//     co_await pool.transaction([&](pg::Transaction& tx) -> simul::Task<> { ... });
//     {
//         auto conn = co_await pool.acquire();
//         co_await conn->execute("SET search_path TO app");
//     }   // back to the pool
//
// Who resumes a waiter: when every connection is lent, acquire() queues the
// task (FIFO, a simul::Semaphore) and the next give-back wakes the first in
// line. A connection comes back to the idle list only if it is healthy:
// broken, still busy (its request was abandoned) or inside a transaction, it
// is closed instead and its slot freed. An idle connection is checked before
// it is lent: if the server closed it meanwhile (a restart, an idle timeout:
// the socket is readable and libpq finds it gone), it is dropped and another
// one taken or opened. So after a server restart the pool recovers by itself:
// a request fails only if its connection dies while it runs.
//
// Cancellation: a task cancelled while queued leaves the queue and takes no
// slot; one cancelled while connecting closes the half-open connection; one
// cancelled during a request behaves as Connection says (cancel sent to the
// server, connection drained or discarded), then its connection is given
// back (or closed) as above. Connection errors propagate to the caller; the
// pool itself stays usable.
//
// A Pool and its handles belong to the thread of the loop that uses them. A
// PooledConnection may outlive its Pool (the connection is then closed).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <utility>

#include <simul/adapters/pg/connection.hpp>

namespace simul::pg {

struct PoolOptions {
    std::size_t size = 10;  // connections open at most (lent + idle)
    ConnectOptions connect = {};
};

namespace detail {
struct PoolState;
}

class PooledConnection {
public:
    PooledConnection() noexcept = default;
    PooledConnection(std::shared_ptr<detail::PoolState> pool, Connection conn) noexcept;
    PooledConnection(PooledConnection&&) noexcept;
    PooledConnection& operator=(PooledConnection&&) noexcept;
    ~PooledConnection();  // gives the connection back (or closes it if unhealthy)

    Connection* operator->() noexcept { return &conn_; }
    Connection& operator*() noexcept { return conn_; }
    explicit operator bool() const noexcept { return bool(pool_); }
    // Closes the connection instead of giving it back.
    void discard() noexcept;

private:
    void give_back() noexcept;
    std::shared_ptr<detail::PoolState> pool_;
    Connection conn_;
};

struct PoolStatistics {
    std::size_t size;     // the bound
    std::size_t open;     // connections open (lent + idle)
    std::size_t idle;     // open and not lent
    std::size_t waiting;  // tasks queued in acquire()
    std::size_t opened;   // connections opened since the pool was made
    std::size_t discarded;  // connections closed as broken, busy or in a transaction
};

class Pool {
public:
    explicit Pool(std::string conninfo, PoolOptions options = {});
    Pool(Pool&&) noexcept = default;
    Pool& operator=(Pool&&) noexcept = default;
    ~Pool();  // closes the idle connections; lent ones close when given back

    Task<PooledConnection> acquire();

    template <class... A>
    Task<Result> query(std::string sql, const A&... args) {
        return query_params(std::move(sql), Params(args...));
    }
    template <class... A>
    Task<std::int64_t> execute(std::string sql, const A&... args) {
        return execute_params(std::move(sql), Params(args...));
    }
    Task<Result> query_params(std::string sql, Params params);
    Task<std::int64_t> execute_params(std::string sql, Params params);
    Task<std::vector<Result>> pipeline(Pipeline batch);

    template <class F>
    Task<detail::tx_result_t<F>> transaction(F fn) {
        PooledConnection conn = co_await acquire();
        co_return co_await conn->transaction(std::move(fn));
    }

    PoolStatistics statistics() const noexcept;
    // Closes the idle connections now (lent ones when given back); later acquire() throws.
    void close() noexcept;

private:
    std::shared_ptr<detail::PoolState> s_;
};

}  // namespace simul::pg
