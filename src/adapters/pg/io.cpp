// How a request runs on the loop. libpq never blocks here: the connection is
// in non-blocking mode, and whenever libpq has more to send (PQflush returns
// 1) or waits for the server (PQisBusy), the task waits for the socket
// through the loop's poller. While sending it also waits for readability
// and reads what arrived, so a large pipeline cannot deadlock with a server
// that is itself blocked writing its answers to us.
//
// A cancelled request (recover()) first finishes sending what libpq holds,
// then, if the server is still working on it, sends a cancel request from a
// worker thread (PQcancel blocks: it opens a connection of its own) and
// reads and drops the answers until libpq is idle again, cancelling again if
// they are slow to come. All of it under options.cancel_timeout; failing
// that, the connection is broken (and closed).
#include "conn_state.hpp"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

#include <simul/coro/sleep.hpp>
#include <simul/core/loop.hpp>
#include <simul/coro/wait_for.hpp>
#include <simul/detail/park.hpp>
#include <simul/io/to_thread.hpp>

namespace simul::pg::detail {

namespace {

using simul::detail::IoWatch;
using simul::detail::TaskHeader;
using simul::detail::Waiter;
using simul::detail::WaitOps;

// Waits until the socket is readable, writable, or either.
struct SocketAwaiter : Waiter {
    struct Watch : IoWatch {
        SocketAwaiter* owner;
    };
    int fd;
    bool want[2];
    bool registered[2] = {false, false};
    bool closed = false;
    Watch watch[2];
    TaskHeader* task = nullptr;

    SocketAwaiter(int f, bool read, bool write) noexcept : Waiter{&kOps, SourceLocation::current()}, fd(f), want{read, write} {
        for (int d = 0; d < 2; ++d) {
            watch[d].ready = &on_ready;
            watch[d].owner = this;
        }
    }
    SocketAwaiter(const SocketAwaiter&) = delete;
    ~SocketAwaiter() { unregister(); }

    void unregister() noexcept {
        Loop* loop = Loop::current();
        for (int d = 0; d < 2; ++d) {
            if (registered[d] && loop) loop->unwatch_fd(fd, simul::detail::IoDirection(d), &watch[d]);
            registered[d] = false;
        }
    }
    bool await_ready() const noexcept { return false; }
    bool await_suspend(std::coroutine_handle<> h) {
        Loop& loop = simul::detail::require_loop("simul::pg");
        task = loop.current_task();
        if (!simul::detail::park(task, h, this)) return false;
        for (int d = 0; d < 2; ++d) {
            if (!want[d]) continue;
            loop.watch_fd(fd, simul::detail::IoDirection(d), &watch[d]);
            registered[d] = true;
        }
        return true;
    }
    void await_resume() const {
        simul::detail::deliver_cancel(task);
        if (closed) throw std::system_error(EBADF, std::generic_category(), "simul::pg: the connection's socket was closed while a task waited on it");
    }
    static void on_ready(IoWatch* w, bool was_closed) noexcept {
        SocketAwaiter* a = static_cast<Watch*>(w)->owner;
        const int d = w == &a->watch[0] ? 0 : 1;
        a->registered[d] = false;  // the loop dropped this one
        a->closed = a->closed || was_closed;
        a->unregister();           // and we drop the other direction
        simul::detail::wake(*Loop::current(), a->task);
    }
    static void cancel_op(Waiter* w) noexcept {
        auto* a = static_cast<SocketAwaiter*>(w);
        a->unregister();
        simul::detail::wake(*Loop::current(), a->task);
    }
    static constexpr WaitOps kOps{&cancel_op, "postgres socket"};
};

std::string trimmed(const char* s) {
    std::string m = s ? s : "";
    while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
    return m;
}

}  // namespace

std::exception_ptr make_error(const PGresult* r, const std::string& prefix) {
    auto field = [&](int code) {
        const char* v = PQresultErrorField(r, code);
        return std::string(v ? v : "");
    };
    std::string state = field(PG_DIAG_SQLSTATE);
    std::string severity = field(PG_DIAG_SEVERITY_NONLOCALIZED);
    std::string primary = field(PG_DIAG_MESSAGE_PRIMARY);
    if (primary.empty()) primary = trimmed(PQresultErrorMessage(r));
    std::string detail = field(PG_DIAG_MESSAGE_DETAIL), hint = field(PG_DIAG_MESSAGE_HINT);
    std::string msg = "simul::pg: " + prefix + (severity.empty() ? "ERROR" : severity) + (state.empty() ? "" : " " + state) + ": " + primary;
    if (!detail.empty()) msg += " (DETAIL: " + detail + ")";
    if (!hint.empty()) msg += " (HINT: " + hint + ")";
    if (state.rfind("08", 0) == 0) return std::make_exception_ptr(ConnectionError(msg, state, detail, hint));
    return std::make_exception_ptr(Error(msg, state, detail, hint));
}

void ConnState::forget_socket() noexcept {
    if (sock >= 0) {
        if (Loop* loop = Loop::current()) loop->forget_fd(sock);
        sock = -1;
    }
}

void ConnState::sync_socket() noexcept {
    const int s = pg ? PQsocket(pg) : -1;
    if (s != sock) {
        forget_socket();
        sock = s;
    }
}

void ConnState::close() noexcept {
    if (!pg) return;
    forget_socket();  // before libpq closes it, so no stale event reaches a reused number
    PQfinish(pg);
    pg = nullptr;
}

void ConnState::fail(const std::string& what) {
    broken = true;
    std::string libpq = pg ? trimmed(PQerrorMessage(pg)) : "";
    broken_reason = what + (libpq.empty() ? "" : ": " + libpq);
    sync_socket();
    throw ConnectionError("simul::pg: " + broken_reason, "08006");
}

void ConnState::check_usable() const {
    if (broken)
        throw ConnectionError("simul::pg: the connection is broken (" + broken_reason + "); open a new one, or let a pg::Pool replace it",
                              "08006");
    if (!pg) throw ConnectionError("simul::pg: the connection is closed (or was moved from); open a new one", "08003");
    if (busy)
        throw InvalidStateError(
            "simul::pg: this connection is already running a request for another task; a Connection serves one request at "
            "a time: use a pg::Pool, or one connection per task");
}

bool ConnState::healthy_idle() noexcept {
    if (!pg || broken || busy || needs_rollback || server_closing) return false;
    if (PQstatus(pg) != CONNECTION_OK || PQtransactionStatus(pg) != PQTRANS_IDLE) return false;
    // An idle session gets nothing from the server unless it is going away
    // (or it listens): look without waiting.
    pollfd p{sock, POLLIN, 0};
    if (::poll(&p, 1, 0) > 0) {
        if (p.revents & (POLLHUP | POLLERR)) return false;  // the server closed it
        const int ok = PQconsumeInput(pg);
        sync_socket();
        if (!ok || PQstatus(pg) != CONNECTION_OK) return false;
        (void)PQisBusy(pg);  // parses what came: a FATAL notice sets server_closing
        if (server_closing) return false;
        while (PGnotify* n = PQnotifies(pg)) PQfreemem(n);
    }
    return true;
}

Task<> ConnState::wait(bool read, bool write) {
    sync_socket();
    if (sock < 0) fail("the connection was lost");
    co_await SocketAwaiter(sock, read, write);
}

Task<> ConnState::flush() {
    for (;;) {
        const int r = PQflush(pg);
        if (r == 0) co_return;
        if (r < 0) fail("sending to the server failed");
        co_await wait(true, true);
        if (!PQconsumeInput(pg)) fail("the connection was lost while sending");
    }
}

Task<> ConnState::await_input() {
    co_await wait(true, false);
    if (!PQconsumeInput(pg)) fail("the connection was lost while waiting for the server's answer");
}

// Every answer until PQgetResult returns null. Server errors are kept until
// then, so the connection is in step when they are thrown.
Task<Result> ConnState::read_results() {
    Result last;
    std::exception_ptr error;
    for (;;) {
        while (PQisBusy(pg)) co_await await_input();
        PGresult* raw = PQgetResult(pg);
        if (!raw) break;
        Result r(raw);
        switch (PQresultStatus(raw)) {
            case PGRES_FATAL_ERROR:
                if (!error) error = make_error(raw);
                break;
            case PGRES_COPY_IN:
            case PGRES_COPY_OUT:
            case PGRES_COPY_BOTH:
                fail("COPY is not supported by simul::pg (the connection is closed)");
            default:
                last = std::move(r);
        }
    }
    if (PQstatus(pg) == CONNECTION_BAD) {
        broken = true;
        broken_reason = "the server closed the connection";
        sync_socket();
        if (error) {
            try {
                std::rethrow_exception(error);
            } catch (const Error& e) {
                throw ConnectionError(std::string(e.what()) + " (the connection is closed)", e.sqlstate(), e.detail(), e.hint());
            }
        }
        fail("the server closed the connection");
    }
    if (error) std::rethrow_exception(error);
    co_return last;
}

Task<Result> ConnState::exchange(SendFn send) {
    if (!send(pg)) {
        if (PQstatus(pg) == CONNECTION_BAD) fail("the connection was lost");
        throw Error("simul::pg: libpq refused the request: " + trimmed(PQerrorMessage(pg)));
    }
    bool cancelled = false;
    std::exception_ptr error;
    Result out;
    try {
        co_await flush();
        out = co_await read_results();
    } catch (const Cancelled&) {
        cancelled = true;
    } catch (...) {
        error = std::current_exception();
    }
    if (cancelled) {
        co_await recover();
        throw Cancelled();
    }
    if (error) std::rethrow_exception(error);
    co_return out;
}

Task<Result> ConnState::request(SendFn send) {
    check_usable();
    UseGuard guard(*this);
    if (needs_rollback) {
        needs_rollback = false;
        co_await exchange([](PGconn* c) { return PQsendQueryParams(c, "ROLLBACK", 0, nullptr, nullptr, nullptr, nullptr, 0); });
    }
    co_return co_await exchange(std::move(send));
}

Task<> ConnState::recover() {
    if (broken || !pg) co_return;
    bool ok = true;
    std::string why;
    try {
        co_await wait_for(recover_steps(), options.cancel_timeout);
    } catch (const Cancelled&) {
        ok = false;
        why = "the task was cancelled again while the request was being cancelled";
    } catch (const TimeoutError&) {
        ok = false;
        why = "the cancelled request did not end within the cancel timeout";
    } catch (const std::exception& e) {
        ok = false;
        why = e.what();
    }
    if (!ok && !broken) {
        broken = true;
        broken_reason = why;
    }
    if (broken) {
        // Out of step for good: close now, so the server stops the statement
        // and rolls back; later requests get ConnectionError.
        forget_socket();
        PQfinish(pg);
        pg = nullptr;
        sock = -1;
    }
}

Task<> ConnState::recover_steps() {
    co_await flush();
    if (!PQconsumeInput(pg)) fail("the connection was lost");
    // A cancel that reaches the server before it starts executing (it is
    // still reading a large request) is ignored by the server: so while the
    // answer does not come, cancel again, a little less often each time.
    Duration patience = std::chrono::milliseconds(250);
    for (;;) {
        if (PQisBusy(pg) || pipeline_syncs > 0) {
            if (PGcancel* cancel = PQgetCancel(pg)) {
                co_await to_thread([cancel] {
                    char err[256];
                    PQcancel(cancel, err, sizeof err);  // blocks: it connects to the server
                    PQfreeCancel(cancel);
                });
            }
        }
        bool drained = false;
        try {
            co_await wait_for(drain(), patience);
            drained = true;
        } catch (const TimeoutError&) {
        }
        if (drained) break;
        patience = std::min<Duration>(patience * 2, std::chrono::seconds(1));
    }
    if (PQstatus(pg) == CONNECTION_BAD) fail("the connection was lost");
}

// Reads and drops answers until the request is over (for a pipeline: up to
// its Sync, then leaves pipeline mode). Safe to interrupt and start again.
Task<> ConnState::drain() {
    if (PQpipelineStatus(pg) != PQ_PIPELINE_OFF) {
        for (int nulls = 0; pipeline_syncs > 0;) {
            while (PQisBusy(pg)) co_await await_input();
            PGresult* r = PQgetResult(pg);
            if (!r) {
                if (++nulls > 2 || PQstatus(pg) == CONNECTION_BAD) fail("the pipeline's Sync never came");
                continue;
            }
            nulls = 0;
            if (PQresultStatus(r) == PGRES_PIPELINE_SYNC) --pipeline_syncs;
            PQclear(r);
        }
        PQexitPipelineMode(pg);
    } else {
        for (;;) {
            while (PQisBusy(pg)) co_await await_input();
            PGresult* r = PQgetResult(pg);
            if (!r) break;
            const auto st = PQresultStatus(r);
            PQclear(r);
            if (st == PGRES_COPY_IN || st == PGRES_COPY_OUT || st == PGRES_COPY_BOTH) fail("COPY in a cancelled request");
        }
    }
}

Task<std::vector<Result>> ConnState::run_pipeline(const Pipeline& batch) {
    check_usable();
    UseGuard guard(*this);
    if (needs_rollback) {
        needs_rollback = false;
        co_await exchange([](PGconn* c) { return PQsendQueryParams(c, "ROLLBACK", 0, nullptr, nullptr, nullptr, nullptr, 0); });
    }
    std::vector<Result> results;
    if (batch.empty()) co_return results;
    if (!PQenterPipelineMode(pg)) throw Error("simul::pg: cannot enter pipeline mode: " + trimmed(PQerrorMessage(pg)));
    // A huge batch is queued in slices: between two, the starvation budget
    // may let the other tasks run. A cancel that arrives then still ends the
    // pipeline with its Sync, and recover() drains it.
    bool cancelled_while_queueing = false;
    std::size_t queued = 0;
    for (const Pipeline::Item& item : batch.items()) {
        const Params::View v = item.params.view();
        const int ok = item.prepared ? PQsendQueryPrepared(pg, item.sql.c_str(), v.n, v.values, v.lengths, v.formats, 0)
                                     : PQsendQueryParams(pg, item.sql.c_str(), v.n, v.types, v.values, v.lengths, v.formats, 0);
        if (!ok) fail("sending a pipeline statement failed");
        Loop* loop = Loop::current();
        if (++queued % 64 == 0 && loop && !loop->consume_budget()) {
            try {
                co_await simul::detail::forced_yield();
            } catch (const Cancelled&) {
                cancelled_while_queueing = true;
                break;
            }
        }
    }
    if (!PQpipelineSync(pg)) fail("sending the pipeline's Sync failed");
    pipeline_syncs = 1;
    if (cancelled_while_queueing) {
        co_await recover();
        throw Cancelled();
    }
    bool cancelled = false;
    std::exception_ptr error;
    try {
        co_await flush();
        results = co_await read_pipeline(batch.size());
    } catch (const Cancelled&) {
        cancelled = true;
    } catch (...) {
        error = std::current_exception();
    }
    if (cancelled) {
        co_await recover();
        throw Cancelled();
    }
    if (error) std::rethrow_exception(error);
    co_return results;
}

Task<std::vector<Result>> ConnState::read_pipeline(std::size_t n) {
    std::vector<Result> results;
    results.reserve(n);
    std::exception_ptr error;
    for (std::size_t i = 0; i < n; ++i) {
        Result mine;
        for (;;) {
            while (PQisBusy(pg)) co_await await_input();
            PGresult* raw = PQgetResult(pg);
            if (!raw) break;
            Result r(raw);
            const auto st = PQresultStatus(raw);
            if (st == PGRES_FATAL_ERROR) {
                if (!error) error = make_error(raw, "pipeline statement " + std::to_string(i) + ": ");
            } else if (st == PGRES_COPY_IN || st == PGRES_COPY_OUT || st == PGRES_COPY_BOTH) {
                fail("COPY is not supported by simul::pg (the connection is closed)");
            } else {
                mine = std::move(r);  // PIPELINE_ABORTED too: an empty answer for a skipped statement
            }
        }
        results.push_back(std::move(mine));
    }
    for (int nulls = 0;;) {
        while (PQisBusy(pg)) co_await await_input();
        PGresult* raw = PQgetResult(pg);
        if (!raw) {
            if (++nulls > 2 || PQstatus(pg) == CONNECTION_BAD) fail("the pipeline's Sync never came");
            continue;
        }
        const auto st = PQresultStatus(raw);
        PQclear(raw);
        if (st == PGRES_PIPELINE_SYNC) break;
    }
    pipeline_syncs = 0;
    if (!PQexitPipelineMode(pg)) fail("leaving pipeline mode failed");
    if (PQstatus(pg) == CONNECTION_BAD) fail("the server closed the connection");
    if (error) std::rethrow_exception(error);
    co_return results;
}

}  // namespace simul::pg::detail
