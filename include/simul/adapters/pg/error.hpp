// simul/adapters/pg/error.hpp: the errors of the PostgreSQL adapter.
//
// Every error simul::pg raises is a pg::Error (a simul::Error). A statement
// the server rejected carries the server's SQLSTATE (PG_DIAG_SQLSTATE, e.g.
// "23505" for a unique violation, "57014" for a cancelled statement) and its
// message; detail() and hint() hold the server's DETAIL and HINT lines when
// it sent them.
//
//     try {
//         co_await conn.execute("INSERT INTO users (id) VALUES ($1)", 1);
//     } catch (const simul::pg::Error& e) {
//         if (e.sqlstate() == "23505") { ... }      // duplicate key
//     }
//
// Subclasses say what kind of failure it was:
// - ConnectionError: connecting failed (libpq's message), or the connection
//   was lost or is broken (SQLSTATE class 08: "08001" could not connect,
//   "08006" lost). A broken connection refuses every later request with this
//   error; a Pool discards it and opens a new one.
// - ColumnError: a result was read the wrong way (no such column, a value of
//   another type, NULL read into a type that cannot hold it). Raised on the
//   client; sqlstate() is empty.
// A timeout is simul::TimeoutError (from simul::wait_for or the connect
// timeout); a cancelled request ends in simul::Cancelled.
#pragma once

#include <string>

#include <simul/core/error.hpp>

namespace simul::pg {

class Error : public simul::Error {
public:
    explicit Error(const std::string& message, std::string sqlstate = {}, std::string detail = {}, std::string hint = {})
        : simul::Error(message), sqlstate_(std::move(sqlstate)), detail_(std::move(detail)), hint_(std::move(hint)) {}
    // The five-character SQLSTATE, or "" for an error found by the client.
    const std::string& sqlstate() const noexcept { return sqlstate_; }
    const std::string& detail() const noexcept { return detail_; }
    const std::string& hint() const noexcept { return hint_; }

private:
    std::string sqlstate_, detail_, hint_;
};

class ConnectionError : public Error {
public:
    using Error::Error;
};

class ColumnError : public Error {
public:
    explicit ColumnError(const std::string& message) : Error(message) {}
};

}  // namespace simul::pg
