// simul/sync/cancel_scope.hpp: deadlines around a block of awaits: move_on_after, fail_after, timeout.
//
// `co_await simul::fail_after(2s, body)` runs `body` (a callable returning
// simul::Task<>, taking a CancelScope& or nothing) in the calling task; if it
// has not finished after 2 s, the task is cancelled where it waits, the
// Cancelled that comes out of the body is caught here, and TimeoutError is
// thrown instead (asyncio.timeout; `timeout` is the same function).
// `move_on_after` stops quietly instead: it returns true if the deadline cut
// the body short (Trio's `cancelled_caught`). The `_at` forms take a
// TimePoint. Inside, the CancelScope can move its deadline (`reschedule`) or
// cancel the body at once (`cancel`). The loop's timer fires the deadline and
// cancels the task; nothing is allocated beyond the scope's coroutine frame.
//
// Nesting: scopes nest, and the scope that expired catches its own
// cancellation; when an inner and an outer scope both expire, the outer one
// catches it (the inner passes it on). Cancellation from outside (a cancel()
// of the task, a TaskGroup, wait_for) is never swallowed: scopes count
// cancel requests as wait_for does (asyncio 3.11's uncancel()), so an outer
// cancel comes out as Cancelled even if a deadline expired in the same turn.
//
//     bool late = co_await simul::move_on_after(500ms, [&]() -> simul::Task<> {
//         reply = co_await ask(server);
//     });
//     co_await simul::fail_after(5s, [&](simul::CancelScope& scope) -> simul::Task<> {
//         co_await handshake();
//         scope.reschedule_after(30s);         // the transfer gets longer
//         co_await transfer();
//     });
//
// Loop-thread objects. See also: wait_for (coro/wait_for.hpp), TaskGroup (sync/task_group.hpp).
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>

#include <simul/core/clock.hpp>
#include <simul/core/error.hpp>
#include <simul/coro/task.hpp>
#include <simul/coro/wait_for.hpp>
#include <simul/detail/park.hpp>

namespace simul {

class CancelScope;
namespace detail {
template <class Body>
Task<bool> run_cancel_scope(std::int64_t deadline_ns, Body body, bool raise, const char* what);
}  // namespace detail

// The deadline of one move_on_after/fail_after block.
class CancelScope {
public:
    CancelScope(const CancelScope&) = delete;
    CancelScope& operator=(const CancelScope&) = delete;

    TimePoint deadline() const noexcept { return TimePoint(Duration(deadline_ns_)); }
    // Moves the deadline (earlier or later). No effect once it has passed.
    void reschedule(TimePoint deadline) noexcept {
        if (deadline_.expired) return;
        deadline_.disarm();
        deadline_ns_ = deadline.time_since_epoch().count();
        deadline_.arm(*Loop::current(), deadline_ns_);
    }
    void reschedule_after(Duration d) noexcept { reschedule(simul::now() + d); }
    // Cancels the block now, as if its deadline had passed.
    void cancel() noexcept {
        if (deadline_.expired) return;
        deadline_.disarm();
        deadline_.expired = true;
        deadline_.task->cancel();
    }
    // The deadline passed, or cancel() was called.
    bool cancel_called() const noexcept { return deadline_.expired; }

private:
    template <class Body>
    friend Task<bool> detail::run_cancel_scope(std::int64_t deadline_ns, Body body, bool raise, const char* what);

    CancelScope(detail::TaskHeader* task, std::int64_t deadline_ns) noexcept : deadline_(task), deadline_ns_(deadline_ns) {}

    detail::Deadline deadline_;
    std::int64_t deadline_ns_;
};

namespace detail {

template <class Body>
Task<bool> run_cancel_scope(std::int64_t deadline_ns, Body body, bool raise, const char* what) {
    Loop& loop = detail::require_loop(what);
    detail::TaskHeader* self = &detail::current_task_or_throw(what);
    const std::uint16_t cancels_before = self->cancels_;
    const bool pending_at_entry = self->flags_ & detail::kCancelRequested;
    CancelScope scope(self, deadline_ns);
    scope.deadline_.arm(loop, deadline_ns);
    bool caught = false;
    try {
        if constexpr (std::is_invocable_v<Body&, CancelScope&>)
            co_await body(scope);
        else
            co_await body();
    } catch (const Cancelled&) {
        scope.deadline_.disarm();
        if (!scope.deadline_.expired) throw;                   // not ours
        if (self->uncancel() > cancels_before) throw;          // ours and another: pass it on
        caught = true;
    }
    scope.deadline_.disarm();
    if (!caught && scope.deadline_.expired) {
        // Expired in the turn the body finished: withdraw the undelivered request.
        if (self->uncancel() <= cancels_before && !pending_at_entry) self->flags_ &= ~detail::kCancelRequested;
    }
    if (caught && raise)
        throw TimeoutError(std::string(what) + ": the deadline passed and the block was cancelled");
    co_return caught;
}

}  // namespace detail

// Runs body; at `deadline` cancels it and returns true (false if it finished).
template <class Body>
Task<bool> move_on_at(TimePoint deadline, Body body) {
    return detail::run_cancel_scope(deadline.time_since_epoch().count(), std::move(body), false, "simul::move_on_at");
}
template <class Body>
Task<bool> move_on_after(Duration d, Body body) {
    return detail::run_cancel_scope(detail::require_loop("simul::move_on_after").now_ns() + d.count(), std::move(body), false,
                            "simul::move_on_after");
}

// Runs body; at `deadline` cancels it and throws TimeoutError.
template <class Body>
Task<> fail_at(TimePoint deadline, Body body) {
    co_await detail::run_cancel_scope(deadline.time_since_epoch().count(), std::move(body), true, "simul::fail_at");
}
template <class Body>
Task<> fail_after(Duration d, Body body) {
    co_await detail::run_cancel_scope(detail::require_loop("simul::fail_after").now_ns() + d.count(), std::move(body), true,
                              "simul::fail_after");
}

// asyncio.timeout / timeout_at: the same as fail_after / fail_at.
template <class Body>
Task<> timeout(Duration d, Body body) {
    co_await detail::run_cancel_scope(detail::require_loop("simul::timeout").now_ns() + d.count(), std::move(body), true,
                              "simul::timeout");
}
template <class Body>
Task<> timeout_at(TimePoint deadline, Body body) {
    co_await detail::run_cancel_scope(deadline.time_since_epoch().count(), std::move(body), true, "simul::timeout_at");
}

}  // namespace simul
