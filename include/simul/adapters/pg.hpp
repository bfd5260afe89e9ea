// simul/adapters/pg.hpp: simul::pg, a PostgreSQL client on simul's loop (libpq's non-blocking API).
//
// Link simul::pg. The parts, one header each in simul/adapters/pg/:
//   connection.hpp  Connection: connect, query/execute with parameters, prepared
//                   statements, LISTEN/NOTIFY as an AsyncGenerator, cancellation
//   params.hpp      how C++ values become parameters ($1, $2, ...)
//   result.hpp      Result and Row: typed access to rows
//   transaction.hpp Transaction: commit on success, rollback on exception or cancellation
//   pipeline.hpp    Pipeline: many statements in one round trip
//   pool.hpp        Pool: bounded, FIFO, health-checked connections shared by tasks
//   error.hpp       pg::Error (SQLSTATE), ConnectionError, ColumnError
//
//     simul::Task<> amain() {
//         simul::pg::Pool pool("host=/run/postgresql dbname=app", {.size = 10});
//         auto rows = co_await pool.query("SELECT name FROM users WHERE id = $1", 42);
//         if (!rows.empty()) std::puts(rows[0].get<std::string>("name").c_str());
//     }
//
// docs/adapters/pg.md is the reference page.
#pragma once

#include <simul/adapters/pg/connection.hpp>
#include <simul/adapters/pg/error.hpp>
#include <simul/adapters/pg/params.hpp>
#include <simul/adapters/pg/pipeline.hpp>
#include <simul/adapters/pg/pool.hpp>
#include <simul/adapters/pg/result.hpp>
#include <simul/adapters/pg/transaction.hpp>
