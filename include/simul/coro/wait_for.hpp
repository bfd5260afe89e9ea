// simul/coro/wait_for.hpp: wait_for(), an await with a deadline.
//
// `co_await simul::wait_for(op, 2s)` awaits `op` (a Task, a TaskHandle, a
// Future, any awaitable) and returns its result, or, if it has not finished
// after 2 s, cancels it and throws simul::TimeoutError (asyncio.wait_for).
//
//     try {
//         Reply r = co_await simul::wait_for(ask(server), 500ms);
//     } catch (const simul::TimeoutError&) { ... }
//
// How: a timer in this frame cancels the current task when the deadline
// passes; the Cancelled that comes out of `op` is turned into TimeoutError
// here, and only if no other cancellation is pending (asyncio 3.11's
// uncancel() counting). So exactly one of three things happens: the result
// (even if the deadline passed in the same loop turn as the completion), a
// TimeoutError, or Cancelled when the task itself was cancelled from outside
// (that is never swallowed).
#pragma once

#include <chrono>
#include <coroutine>
#include <string>
#include <type_traits>
#include <utility>

#include <simul/coro/task.hpp>
#include <simul/detail/park.hpp>

namespace simul {

namespace detail {

// Cancels `task` when the deadline passes.
struct Deadline : TimerNode {
    TaskHeader* task;
    bool expired = false;
    explicit Deadline(TaskHeader* t) noexcept : TimerNode(&kOps, {}), task(t) {}
    Deadline(const Deadline&) = delete;
    ~Deadline() { disarm(); }
    void arm(Loop& loop, std::int64_t deadline_ns) noexcept {
        loop.timers().insert(this, loop.tick_for(deadline_ns));
    }
    void disarm() noexcept {
        if (linked()) Loop::current()->timers().remove(this);
    }
    static void on_fire(TimerNode* n) noexcept {
        auto* d = static_cast<Deadline*>(n);
        d->expired = true;
        d->task->cancel();
    }
    static constexpr WaitOps kOps{nullptr, "deadline", &on_fire};
};

// Withdraws the deadline's own cancel request; if no other request came
// since `before` (the count on entry), nothing is left pending either, even
// when the task had been cancelled (and caught it) earlier.
inline void withdraw(TaskHeader* self, std::uint16_t before) noexcept {
    if (self->uncancel() <= before) self->flags_ &= ~kCancelRequested;
}

template <class A>
concept HasMemberCoAwait = requires(A&& a) { std::forward<A>(a).operator co_await(); };

template <class A>
struct awaited {
    using type = decltype(std::declval<A&>().await_resume());
};
template <class A>
    requires HasMemberCoAwait<A>
struct awaited<A> {
    using type = decltype(std::declval<A>().operator co_await().await_resume());
};
template <class A>
using awaited_t = typename awaited<A>::type;

}  // namespace detail

// Awaits `op` with a timeout; see the top of this file.
template <class Awaitable>
Task<detail::awaited_t<Awaitable>> wait_for(Awaitable op, Duration timeout) {
    using R = detail::awaited_t<Awaitable>;
    Loop& loop = detail::require_loop("simul::wait_for");
    detail::TaskHeader* self = loop.current_task();
    const std::uint16_t cancels_before = self->cancels_;
    detail::Deadline deadline(self);
    deadline.arm(loop, loop.now_ns() + timeout.count());
    try {
        if constexpr (std::is_void_v<R>) {
            co_await std::move(op);
        } else {
            R r = co_await std::move(op);
            deadline.disarm();
            // The deadline fired in the same turn as the completion: the
            // result wins, and our cancel request is withdrawn.
            if (deadline.expired) withdraw(self, cancels_before);
            co_return r;
        }
    } catch (const Cancelled&) {
        deadline.disarm();
        if (!deadline.expired || self->uncancel() > cancels_before) throw;
        throw TimeoutError("simul::wait_for: the operation did not finish within " + detail::format_duration(timeout) +
                           " and was cancelled");
    }
    if constexpr (std::is_void_v<R>) {
        deadline.disarm();
        if (deadline.expired) withdraw(self, cancels_before);
    } else {
        __builtin_unreachable();  // the non-void path returned or threw above
    }
}

}  // namespace simul
