// simul/adapters/pg/connection.hpp: Connection, one PostgreSQL session on simul's loop.
//
// A Connection drives libpq's non-blocking API: connect() is PQconnectStart
// and PQconnectPoll, each request is PQsendQueryParams (or PQsendPrepare,
// PQsendQueryPrepared) followed by PQflush, and answers are read with
// PQconsumeInput / PQisBusy / PQgetResult. Whenever libpq would block, the
// task waits for the connection's socket with the loop's poller, so the loop
// thread never blocks. The loop resumes the waiting task when the socket is
// readable (or writable, while a large request is still being sent).
//
//     auto conn = co_await pg::Connection::connect("host=/run/postgresql dbname=app");
//     co_await conn.execute("CREATE TABLE t (id int8 PRIMARY KEY, name text)");
//     co_await conn.execute("INSERT INTO t VALUES ($1, $2)", 1, "ada");
//     pg::Result r = co_await conn.query("SELECT name FROM t WHERE id = $1", 1);
//     std::string name = r[0].get<std::string>("name");
//
// One request at a time: a Connection serves one task at a time; a second
// task that uses it while a request is in flight gets simul::InvalidStateError
// (use a pg::Pool to share connections between tasks).
//
// Cancellation (a cancelled task, or simul::wait_for's timeout): if the
// request is still running on the server, a cancel request is sent to the
// server (PQcancel, on a worker thread through simul::to_thread), then the
// remaining answers are read and dropped until libpq reports the request
// finished, so the connection is back in step and can be used again; then
// the task gets simul::Cancelled. (A cancel that reaches the server before
// it starts executing is ignored there, so while the answers are slow to
// come the cancel is sent again.) All of it is bounded by
// ConnectOptions::cancel_timeout; if it cannot finish in that time (or the
// task is cancelled again meanwhile), the connection is closed and marked
// broken: every later request throws pg::ConnectionError, and a Pool
// replaces it.
// Whether a cancelled statement took effect is unknown to the client (the
// server may have finished it before the cancel arrived).
//
// Errors: pg::Error with the SQLSTATE for statements the server rejected
// (the connection stays usable); pg::ConnectionError when connecting fails
// or the connection is lost (the connection is then broken). See error.hpp.
//
// See also: Result (result.hpp), Transaction (transaction.hpp), Pipeline
// (pipeline.hpp), Pool (pool.hpp), docs/adapters/pg.md.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <simul/adapters/pg/error.hpp>
#include <simul/adapters/pg/params.hpp>
#include <simul/adapters/pg/pipeline.hpp>
#include <simul/adapters/pg/result.hpp>
#include <simul/core/clock.hpp>
#include <simul/coro/async_generator.hpp>
#include <simul/coro/task.hpp>

struct pg_conn;  // libpq's PGconn

namespace simul::pg {

struct ConnectOptions {
    // Connecting (name lookup, TCP or Unix connect, startup, authentication)
    // longer than this throws simul::TimeoutError.
    Duration connect_timeout = std::chrono::seconds(10);
    // How long a cancelled request may take to send the server's cancel and
    // read the late answers before the connection is given up as broken.
    Duration cancel_timeout = std::chrono::seconds(5);
};

// A NOTIFY received on a channel this connection LISTENs to.
struct Notification {
    std::string channel;
    std::string payload;
    int backend_pid = 0;  // the notifying session's process
};

class Transaction;

namespace detail {
struct ConnState;
template <class F>
using tx_result_t = typename std::invoke_result_t<F&, Transaction&>::value_type;
}  // namespace detail

class Connection {
public:
    // Connects with a libpq connection string ("host=... port=... dbname=...",
    // or a postgresql:// URI). A host name (host=, or PGHOST) is looked up
    // with simul::resolve (on the thread pool); host=/dir means the Unix
    // socket in /dir.
    static Task<Connection> connect(std::string conninfo, ConnectOptions options = {});
    // The same, from keyword/value pairs ({"host", "127.0.0.1"}, {"port", "5432"}).
    static Task<Connection> connect(std::vector<std::pair<std::string, std::string>> params, ConnectOptions options = {});

    Connection() noexcept;
    Connection(Connection&&) noexcept;
    Connection& operator=(Connection&&) noexcept;
    ~Connection();  // closes (see close())

    // Sends Terminate and closes the socket, without waiting. Idempotent.
    void close() noexcept;
    bool is_open() const noexcept;
    // True once the connection was lost or a cancelled request could not be
    // brought back in step; every request then throws pg::ConnectionError.
    bool is_broken() const noexcept;
    // True between BEGIN and COMMIT/ROLLBACK (the server's view).
    bool in_transaction() const noexcept;
    // The server process serving this connection (pg_backend_pid()).
    int backend_pid() const noexcept;

    // Runs one statement with parameters $1, $2, ... (params.hpp) and returns its rows.
    template <class... A>
    Task<Result> query(std::string sql, const A&... args) {
        return query_params(std::move(sql), Params(args...));
    }
    // Runs one statement and returns the number of rows it changed.
    template <class... A>
    Task<std::int64_t> execute(std::string sql, const A&... args) {
        return execute_params(std::move(sql), Params(args...));
    }
    Task<Result> query_params(std::string sql, Params params);
    Task<std::int64_t> execute_params(std::string sql, Params params);

    // Prepares `sql` under `name` on this connection (PQsendPrepare); then
    // query_prepared/execute_prepared run it with parameters.
    Task<> prepare(std::string name, std::string sql);
    template <class... A>
    Task<Result> query_prepared(std::string name, const A&... args) {
        return query_prepared_params(std::move(name), Params(args...));
    }
    template <class... A>
    Task<std::int64_t> execute_prepared(std::string name, const A&... args) {
        return execute_prepared_params(std::move(name), Params(args...));
    }
    Task<Result> query_prepared_params(std::string name, Params params);
    Task<std::int64_t> execute_prepared_params(std::string name, Params params);

    // Runs several statements separated by ';' with the simple query protocol
    // (no parameters), e.g. a schema; returns the last statement's result.
    Task<Result> execute_script(std::string sql);

    // Sends every statement of `batch` in one round trip; see pipeline.hpp.
    Task<std::vector<Result>> pipeline(const Pipeline& batch);

    // Runs fn(tx) between BEGIN and COMMIT; see transaction.hpp.
    template <class F>
    Task<detail::tx_result_t<F>> transaction(F fn);

    // LISTEN / UNLISTEN on `channel` (quoted as an identifier), NOTIFY with a payload.
    Task<> listen(std::string channel);
    Task<> unlisten(std::string channel);
    Task<> notify(std::string channel, std::string payload = {});
    // The notifications of the channels this connection listens to, as they
    // arrive. While the generator waits for the socket, the connection is in
    // use (other requests throw InvalidStateError); between two next() calls
    // it may be used, and notifications that arrive meanwhile are kept for
    // the next next(). Cancelling the consumer while it waits just stops the
    // wait. A lost connection ends the stream with pg::ConnectionError.
    AsyncGenerator<Notification> notifications();

    // The libpq connection, for what the adapter does not wrap; do not use
    // blocking libpq calls on it from the loop's thread.
    pg_conn* native() const noexcept;

    // Internal: the state shared with the pool and the transaction scope.
    detail::ConnState* state() const noexcept { return s_.get(); }

private:
    explicit Connection(std::unique_ptr<detail::ConnState> s) noexcept;
    Task<> begin_transaction();
    Task<> commit_transaction();
    // Rolls back after fn failed; never throws but Cancelled (a second cancel).
    Task<> rollback_transaction() noexcept(false);
    std::unique_ptr<detail::ConnState> s_;
};

}  // namespace simul::pg

#include <simul/adapters/pg/transaction.hpp>
