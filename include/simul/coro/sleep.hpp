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

struct SleepAwaiter : TimerNode, Waiter {
    TaskHeader* task = nullptr;
    std::int64_t deadline_ns;

    SleepAwaiter(std::int64_t deadline, simul::SourceLocation site) noexcept
        : Waiter{&kOps, site}, deadline_ns(deadline) {
        fire_ = &on_fire;
    }
    // Movable until it is awaited (so it can be passed to wait_for and the like).
    SleepAwaiter(SleepAwaiter&& o) noexcept : TimerNode(), Waiter(o), task(o.task), deadline_ns(o.deadline_ns) {
        fire_ = &on_fire;
    }
    SleepAwaiter& operator=(SleepAwaiter&&) = delete;
    ~SleepAwaiter() {
        if (linked()) Loop::current()->timers().remove(this);
    }

    bool await_ready() const noexcept { return false; }
    bool await_suspend(std::coroutine_handle<> h) {
        Loop& loop = *Loop::current();
        task = loop.current_task();
        if (!park(task, h, this)) return false;
        loop.timers().insert(this, loop.tick_for(deadline_ns));
        return true;
    }
    void await_resume() const { deliver_cancel(task); }

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
    static constexpr WaitOps kOps{&cancel_op, "sleep"};
};

struct YieldAwaiter : Waiter {
    TaskHeader* task = nullptr;
    bool await_ready() const noexcept { return false; }
    bool await_suspend(std::coroutine_handle<> h) noexcept {
        Loop& loop = *Loop::current();
        task = loop.current_task();
        if (!park(task, h, this)) return false;
        loop.schedule(task);
        return true;
    }
    void await_resume() const { deliver_cancel(task); }
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
    detail::loop_for_await("simul::yield");
    return detail::YieldAwaiter{{&detail::YieldAwaiter::kOps, site}};
}

}  // namespace simul
