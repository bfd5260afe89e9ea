// The inside of a pg::Connection: the PGconn, its socket as the loop sees it,
// and the steps every request is made of (send, flush, read answers, and the
// recovery after a cancellation). Private to src/adapters/pg/.
#pragma once

#include <libpq-fe.h>

#include <exception>
#include <functional>
#include <string>
#include <vector>

#include <simul/adapters/pg/connection.hpp>

namespace simul::pg::detail {

struct ConnState {
    PGconn* pg = nullptr;
    int sock = -1;             // the descriptor the loop knows about
    bool busy = false;         // a request (or a notification wait) is in flight
    bool broken = false;
    bool needs_rollback = false;
    bool server_closing = false;  // a FATAL notice came while idle (shutdown, termination)
    int pipeline_syncs = 0;    // Syncs sent and not yet answered
    std::string broken_reason;
    ConnectOptions options;

    ConnState() = default;
    ConnState(const ConnState&) = delete;
    ~ConnState() { close(); }

    void close() noexcept;
    // Follows libpq's socket: when libpq closed or replaced it, the loop forgets the old one.
    void sync_socket() noexcept;
    void forget_socket() noexcept;
    // Marks the connection broken and throws ConnectionError.
    [[noreturn]] void fail(const std::string& what);
    // Throws unless a request may start now.
    void check_usable() const;
    bool healthy_idle() noexcept;  // the pool's check before lending

    // The I/O steps. Caller holds the use guard.
    Task<> wait(bool read, bool write);
    Task<> flush();
    // Waits for the socket, then reads what came (PQconsumeInput). Callers
    // loop on PQisBusy themselves, so that answers already buffered cost no
    // coroutine call: g++ without optimisation grows the stack on each
    // co_await that completes at once.
    Task<> await_input();
    // Sends with `send` (a PQsend* call), then reads every answer.
    using SendFn = std::function<int(PGconn*)>;
    Task<Result> exchange(SendFn send);
    // check_usable, guard, pending rollback, exchange.
    Task<Result> request(SendFn send);
    Task<std::vector<Result>> run_pipeline(const Pipeline& batch);
    // After a cancellation: cancel on the server, drain, or mark broken. Never throws.
    Task<> recover() noexcept(false);

private:
    Task<Result> read_results();
    Task<std::vector<Result>> read_pipeline(std::size_t n);
    Task<> recover_steps();
    Task<> drain();
};

struct UseGuard {
    ConnState& s;
    explicit UseGuard(ConnState& st) noexcept : s(st) { s.busy = true; }
    ~UseGuard() { s.busy = false; }
    UseGuard(const UseGuard&) = delete;
};

// The server's error in a result, as pg::Error (or ConnectionError for class 08 / a lost connection).
std::exception_ptr make_error(const PGresult* r, const std::string& prefix = {});

}  // namespace simul::pg::detail
