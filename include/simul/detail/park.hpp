// simul/detail/park.hpp: how every simul awaitable suspends the current task.
//
// park() records where the task stopped (the innermost frame and its wait)
// and tells await_suspend whether to suspend at all: if a cancellation is
// already pending, the task does not suspend and the awaiter's await_resume
// throws Cancelled at once (asyncio delivers a pending cancel at the next
// suspension point the same way).
#pragma once

#include <coroutine>

#include <simul/core/loop.hpp>
#include <simul/detail/task_header.hpp>

namespace simul::detail {

// The running task, or an error saying that awaiting needs one.
TaskHeader& current_task_or_throw(const char* what);

// The thread's loop, or an error saying how to get one.
Loop& require_loop(const char* what);

inline bool park(TaskHeader* t, std::coroutine_handle<> h, Waiter* w) noexcept {
    if (t->flags_ & kCancelRequested) [[unlikely]]
        return false;
    t->suspend_at(h, w);
    return true;
}

// Wakes a parked task: it runs in a later step, never inline.
inline void wake(Loop& loop, TaskHeader* t) noexcept { loop.schedule(t); }

}  // namespace simul::detail
