// simul/adapters/pg/transaction.hpp: Transaction, a scope that commits or rolls back.
//
// `co_await conn.transaction(fn)` sends BEGIN, runs `co_await fn(tx)`, and
// sends COMMIT if fn returns; if fn throws (or COMMIT fails), it sends
// ROLLBACK and rethrows. Its value is fn's value. `tx` runs statements on
// the same connection (tx.query, tx.execute, ...).
//
//     co_await conn.transaction([&](pg::Transaction& tx) -> simul::Task<> {
//         co_await tx.execute("UPDATE accounts SET balance = balance - $1 WHERE id = $2", 10, from);
//         co_await tx.execute("UPDATE accounts SET balance = balance + $1 WHERE id = $2", 10, to);
//     });
//
// Cancellation: if the task is cancelled inside fn, the statement in flight
// is cancelled on the server and the connection brought back in step
// (connection.hpp), then ROLLBACK is sent before simul::Cancelled goes on;
// so a cancelled transaction never commits. If the task is cancelled again
// meanwhile, or the connection is lost, the connection is closed and the
// server rolls back. A Pool never hands out a connection with a
// transaction left open.
// A cancel that lands while COMMIT is in flight leaves the outcome unknown,
// as for any statement.
#pragma once

#include <exception>
#include <string>
#include <type_traits>
#include <utility>

#include <simul/adapters/pg/connection.hpp>

namespace simul::pg {

class Transaction {
public:
    explicit Transaction(Connection& c) noexcept : conn_(&c) {}
    template <class... A>
    Task<Result> query(std::string sql, const A&... args) {
        return conn_->query(std::move(sql), args...);
    }
    template <class... A>
    Task<std::int64_t> execute(std::string sql, const A&... args) {
        return conn_->execute(std::move(sql), args...);
    }
    template <class... A>
    Task<Result> query_prepared(std::string name, const A&... args) {
        return conn_->query_prepared(std::move(name), args...);
    }
    template <class... A>
    Task<std::int64_t> execute_prepared(std::string name, const A&... args) {
        return conn_->execute_prepared(std::move(name), args...);
    }
    Task<std::vector<Result>> pipeline(const Pipeline& batch) { return conn_->pipeline(batch); }
    Connection& connection() const noexcept { return *conn_; }

private:
    Connection* conn_;
};

template <class F>
Task<detail::tx_result_t<F>> Connection::transaction(F fn) {
    using R = detail::tx_result_t<F>;
    co_await begin_transaction();
    Transaction tx(*this);
    std::exception_ptr error;
    try {
        if constexpr (std::is_void_v<R>) {
            co_await fn(tx);
            co_await commit_transaction();
            co_return;
        } else {
            R r = co_await fn(tx);
            co_await commit_transaction();
            co_return r;
        }
    } catch (...) {
        error = std::current_exception();
    }
    co_await rollback_transaction();  // no co_await inside a handler: C++ forbids it
    std::rethrow_exception(error);
}

}  // namespace simul::pg
