// simul/coro/sleep.hpp: sleep(), sleep_until() and yield().
//
// `co_await simul::sleep(d)` suspends the task for at least d on the loop's
// clock (never less: deadlines round up to the next millisecond tick); other
// tasks run meanwhile. `co_await simul::yield()` is asyncio's sleep(0): the
// task goes to the back of the ready queue, so a long computation can let the
// others run. The timer node lives in the awaiting frame: sleeping allocates
// nothing.
//
//     simul::Task<> blink() {
//         for (int i = 0; i < 3; ++i) { toggle(); co_await simul::sleep(500ms); }
//     }
//
// Cancellation: cancelling a sleeping task removes its timer and wakes it at
// once with simul::Cancelled; a yielding task gets Cancelled when it resumes.
#pragma once

#include <coroutine>
#include <simul/core/source_location.hpp>

#include <simul/core/clock.hpp>
#include <simul/core/loop.hpp>
#include <simul/core/timer_queue.hpp>
#include <simul/detail/park.hpp>

namespace simul {

namespace detail {

// 48 bytes: the timer (with the waiter inside) and the task to wake. Until
// the timer is filed, tick_ holds the deadline in nanoseconds.
struct SleepAwaiter : TimerNode {
    TaskHeader* task = nullptr;

    SleepAwaiter(std::int64_t deadline, simul::SourceLocation site) noexcept
        : TimerNode(&kOps, site) {
        tick_ = std::uint64_t(deadline);
    }
    // Movable until it is awaited (so it can be passed to wait_for and the like).
    SleepAwaiter(SleepAwaiter&& o) noexcept : TimerNode(o.ops, o.site), task(o.task) { tick_ = o.tick_; }
    SleepAwaiter& operator=(SleepAwaiter&&) = delete;
    ~SleepAwaiter() {
        if (linked()) Loop::current()->timers().remove(this);
    }

    bool await_ready() const noexcept { return false; }
    bool await_suspend(std::coroutine_handle<> h) {
        Loop& loop = *Loop::current();
        task = loop.current_task();
        if (!park(task, h, this)) return false;
        loop.timers().insert(this, loop.tick_for(deadline_ns()));
        return true;
    }
    void await_resume() const { deliver_cancel(task); }
    std::int64_t deadline_ns() const noexcept { return std::int64_t(tick_); }  // before it is filed

    static void on_fire(TimerNode* n) noexcept {
        auto* self = static_cast<SleepAwaiter*>(n);
        wake(*Loop::current(), self->task);
    }
    static void cancel_op(Waiter* w) noexcept {
        auto* self = static_cast<SleepAwaiter*>(w);
        Loop& loop = *Loop::current();
        loop.timers().remove(self);
        wake(loop, self->task);
    }
    static constexpr WaitOps kOps{&cancel_op, "sleep", &on_fire};
};

// 16 bytes: nothing but the waiter; the task is the running one again when
// it resumes, so it is not kept.
struct YieldAwaiter : Waiter {
    bool await_ready() const noexcept { return false; }
    bool await_suspend(std::coroutine_handle<> h) {
        Loop* loop = Loop::current();
        TaskHeader* task = loop ? loop->current_task() : nullptr;
        if (!task) [[unlikely]]
            current_task_or_throw("simul::yield");
        if (task->flags_ & kCancelRequested) [[unlikely]]
            return false;  // delivered by await_resume
        // No wait to record: the task goes straight back to the queue, whose
        // link takes the wait's word anyway (debug mode keeps the line).
        if (loop->debug()) [[unlikely]]
            task->wait_ = this;
        task->slot_.resume = h;
        loop->schedule(task);
        return true;
    }
    void await_resume() const { deliver_cancel(Loop::current()->current_task()); }
    static void cancel_op(Waiter*) noexcept {}  // already in the ready queue
    static constexpr WaitOps kOps{&cancel_op, "yield"};
};

inline Loop& loop_for_await(const char* what) {
    Loop* loop = Loop::current();
    if (!loop || !loop->current_task()) [[unlikely]]
        current_task_or_throw(what);
    return *loop;
}

}  // namespace detail

// Suspends the current task until the loop's clock reaches `deadline`.
inline detail::SleepAwaiter sleep_until(TimePoint deadline,
                                        simul::SourceLocation site = simul::SourceLocation::current()) {
    detail::loop_for_await("simul::sleep_until");
    return detail::SleepAwaiter(deadline.time_since_epoch().count(), site);
}

// Suspends the current task for `d` (at least; see the top of this file).
inline detail::SleepAwaiter sleep(Duration d, simul::SourceLocation site = simul::SourceLocation::current()) {
    Loop& loop = detail::loop_for_await("simul::sleep");
    return detail::SleepAwaiter(loop.now_ns() + d.count(), site);
}

// Lets every other ready task run before this one continues.
inline detail::YieldAwaiter yield(simul::SourceLocation site = simul::SourceLocation::current()) {
    return detail::YieldAwaiter{{&detail::YieldAwaiter::kOps, site}};
}

namespace detail {
// The starvation budget ran out (Loop::consume_budget() said no): the
// operation that could have completed at once yields first. Counted in
// simul::stats().forced_yields.
inline YieldAwaiter forced_yield(simul::SourceLocation site = simul::SourceLocation::current()) {
    if (Loop* loop = Loop::current()) loop->note_forced_yield();
    return YieldAwaiter{{&YieldAwaiter::kOps, site}};
}
}  // namespace detail

}  // namespace simul
