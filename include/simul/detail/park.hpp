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

// For awaiters that have already completed their operation (the item is
// taken, the bytes are read) but must still let the others run because the
// budget ran out: puts the task back on the ready queue and suspends. The
// result stays in the awaiter, so a cancellation that arrives meanwhile
// loses nothing (it is delivered at the task's next suspension).
inline void requeue_after_budget(Loop& loop, TaskHeader* t, std::coroutine_handle<> h, Waiter* w) noexcept {
    loop.note_forced_yield();
    if (loop.debug()) t->wait_ = w;  // keeps the line for reports; the queue link takes the word next
    t->slot_.resume = h;
    loop.schedule(t);
}


}  // namespace simul::detail
