// simul/sync/shield.hpp: shield(), an await that the caller's cancellation cannot reach.
//
// `co_await simul::shield(task)` spawns `task` at once (shield() itself does
// that, before any await) as a task of its own, then waits for it and returns
// its value or rethrows its exception (asyncio.shield). The loop resumes the
// caller when the shielded task ends (its completion hook puts the caller on
// the ready queue). `shield(std::move(handle))` does the same for a task
// already spawned. Use it for cleanup that must finish: a commit, a goodbye
// message, releasing a remote lease.
//
// Cancellation: cancelling the caller does not cancel the shielded task. The
// caller stops waiting at once and throws simul::Cancelled; the shielded task
// keeps running to its end on the loop (an exception it ends with then goes to
// the loop's exception handler, as for any dropped handle). If the shielded
// task had already finished when the cancel came (the caller is on the ready
// queue), the caller returns its result normally and sees the cancel at its
// next suspension point. Cancelling the shielded task itself (through a
// handle) does reach it: the caller then gets its simul::Cancelled.
//
//     simul::Task<> session(Conn& c) {
//         try {
//             co_await serve(c);
//         } catch (const simul::Cancelled&) {
//             co_await simul::shield(c.send_goodbye());   // finishes even if cancelled again
//             throw;
//         }
//     }
//
// See also: TaskGroup (sync/task_group.hpp), move_on_after (sync/cancel_scope.hpp).
#pragma once

#include <coroutine>
#include <string>
#include <utility>

#include <simul/core/error.hpp>
#include <simul/core/source_location.hpp>
#include <simul/coro/spawn.hpp>
#include <simul/coro/task.hpp>
#include <simul/detail/park.hpp>
#include <simul/sync/wait_list.hpp>

namespace simul {

namespace detail {

// Waits for a spawned task without forwarding the waiter's cancellation to it.
struct ShieldAwaiter : Completion, Waiter {
    TaskHeader* child;
    TaskHeader* self = nullptr;
    bool cancelled = false;

    ShieldAwaiter(TaskHeader* c, SourceLocation site) noexcept
        : Completion{&on_child_done}, Waiter{&kOps, site}, child(c) {}
    ShieldAwaiter(const ShieldAwaiter&) = delete;
    ~ShieldAwaiter() { detach(); }

    void detach() noexcept {
        if (child && !child->done() && child->completion_ == this) child->completion_ = nullptr;
    }
    bool await_ready() const noexcept { return child->done(); }
    bool await_suspend(std::coroutine_handle<> h) {
        Loop& loop = require_loop("simul::shield");
        self = loop.current_task();
        if (child->completion_)
            throw InvalidStateError("simul::shield: this task is already being awaited by another task");
        if (!park(self, h, this)) {  // a cancel is pending: do not wait at all
            cancelled = true;
            return false;
        }
        child->completion_ = this;
        return true;
    }
    void await_resume() {
        if (cancelled) finish_cancelled(self);
    }

    static void on_child_done(Completion* c, TaskHeader*) noexcept {
        wake(*Loop::current(), static_cast<ShieldAwaiter*>(c)->self);
    }
    static void cancel_op(Waiter* w) noexcept {
        auto* a = static_cast<ShieldAwaiter*>(w);
        a->detach();  // the child runs on; it reports its own error if it fails
        a->cancelled = true;
        wake(*Loop::current(), a->self);
    }
    static constexpr WaitOps kOps{&cancel_op, "shield"};
};

template <class T>
Task<T> shield_wait(TaskHandle<T> handle, SourceLocation site) {
    co_await ShieldAwaiter(handle.header(), site);
    co_return handle.result();
}

}  // namespace detail

// Spawns `task` now and returns an awaitable for its result that the
// caller's cancellation does not reach. See the top of this file.
template <class T>
[[nodiscard]] Task<T> shield(Task<T> task, std::string name = {}, SourceLocation site = SourceLocation::current()) {
    return detail::shield_wait(spawn(std::move(task), std::move(name), site), site);
}

// The same for a task already spawned: the handle is taken over.
template <class T>
[[nodiscard]] Task<T> shield(TaskHandle<T>&& handle, SourceLocation site = SourceLocation::current()) {
    if (!handle.valid()) throw InvalidStateError("simul::shield: an empty TaskHandle");
    return detail::shield_wait(std::move(handle), site);
}

}  // namespace simul
