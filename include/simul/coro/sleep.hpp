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

#include <chrono>
#include <coroutine>
#include <type_traits>
#include <simul/core/source_location.hpp>

#include <simul/core/clock.hpp>
#include <simul/core/loop.hpp>
#include <simul/core/timer_queue.hpp>
#include <simul/detail/park.hpp>

namespace simul {

namespace detail {

// 16 bytes: the line of the co_await and the deadline. The sleeping task
// itself is the timer: the loop files its header in the sleep wheel through
// the header's live-list links (Loop::sleep_task), and the task is found
// again as the running one when it resumes. Until the timer is filed, the
// deadline is in nanoseconds.
struct SleepAwaiter : TaskSleep {
    SleepAwaiter(std::int64_t deadline, simul::SourceLocation site) noexcept
        : TaskSleep(std::uint64_t(deadline), site) {}
    // Movable until it is awaited (so it can be passed to wait_for and the like).
    SleepAwaiter(SleepAwaiter&& o) noexcept : TaskSleep(o.sleep_tick, o.site) {}
    SleepAwaiter& operator=(SleepAwaiter&&) = delete;
    // No unlinking here: the task leaves the wheel when it wakes or is
    // cancelled, before this awaiter can go (a sleeping frame is destroyed
    // only by a loop's teardown, which empties the wheel first).

    bool await_ready() const noexcept { return false; }
    template <class P>  // the exact handle type: a converted one would be kept in the frame
    bool await_suspend(std::coroutine_handle<P> h) {
        Loop& loop = *Loop::current();
        TaskHeader* task = loop.current_task();
        if (!park(task, h, this)) return false;
        loop.sleep_task(task, loop.tick_for(deadline_ns()));
        return true;
    }
    void await_resume() const { deliver_cancel(Loop::current()->current_task()); }
    std::int64_t deadline_ns() const noexcept { return std::int64_t(sleep_tick); }  // before it is filed
    // No WaitOps: TaskHeader::cancel() sees kSleeping and asks the loop.
};

// Empty: the task is the running one again when it resumes, so it is not
// kept, and it goes straight back to the ready queue, whose link takes the
// word of the current wait, so no Waiter is kept either. The line of the
// co_await matters only when the loop is unusual() (debug mode, named
// tasks): yield() then leaves it with the loop (Loop::yield_site), and a
// Waiter on the stack hands it over for a moment. A frame that yields is 8
// bytes smaller for it, which a switch between many tasks measures (3-4%).
struct YieldAwaiter {
    bool await_ready() const noexcept { return false; }
    // Always to the back of the queue, even with a cancel already requested:
    // await_resume delivers it when the task's turn comes, after the others
    // have run, as asyncio delivers a cancel at `await sleep(0)`. (One test
    // fewer per switch than resuming at once.)
    template <class P>  // the exact handle type: a converted one would be kept in the frame
    void await_suspend(std::coroutine_handle<P> h) {
        Loop* loop = Loop::current();
        TaskHeader* task = loop ? loop->current_task() : nullptr;
        if (!task) [[unlikely]]
            current_task_or_throw("simul::yield");
        task->slot_.resume = h;
        if (loop->unusual()) [[unlikely]] {
            Waiter w{&kOps, loop->yield_site()};
            task->wait_ = &w;  // read by schedule() (the line the task wakes from), then overwritten
            loop->schedule(task);
            return;
        }
        loop->schedule_plain(task);
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
inline detail::SleepAwaiter sleep_until(TimePoint deadline, SiteArg site = SIMUL_SITE_HERE) {
    detail::loop_for_await("simul::sleep_until");
    return detail::SleepAwaiter(deadline.time_since_epoch().count(), to_location(site));
}

// Suspends the current task for `d` (at least; see the top of this file).
inline detail::SleepAwaiter sleep(Duration d, SiteArg site = SIMUL_SITE_HERE) {
    Loop& loop = detail::loop_for_await("simul::sleep");
    return detail::SleepAwaiter(loop.now_ns() + d.count(), to_location(site));
}
// The same for any std::chrono duration that converts to Duration without
// loss. (A template, so that `sleep(500ms)` passes the milliseconds as they
// are: a converted temporary would sit in the awaiting frame for the whole
// sleep, 8 bytes a sleeping task.)
template <class Rep, class Period>
    requires(std::is_convertible_v<std::chrono::duration<Rep, Period>, Duration> &&
             !std::is_same_v<std::chrono::duration<Rep, Period>, Duration>)
inline detail::SleepAwaiter sleep(std::chrono::duration<Rep, Period> d, SiteArg site = SIMUL_SITE_HERE) {
    Loop& loop = detail::loop_for_await("simul::sleep");
    return detail::SleepAwaiter(loop.now_ns() + std::chrono::duration_cast<Duration>(d).count(), to_location(site));
}

namespace detail {
inline YieldAwaiter yield_at(SourceLocation site) {
    if (Loop* loop = Loop::current(); loop && loop->unusual()) [[unlikely]]
        loop->set_yield_site(site);  // read when it suspends, in the same expression
    return {};
}
}  // namespace detail

// Lets every other ready task run before this one continues.
inline detail::YieldAwaiter yield(SiteArg site = SIMUL_SITE_HERE) {
    return detail::yield_at(to_location(site));
}

#ifdef SIMUL_SITE_IS_POINTER
// For wrappers that pass on their own caller's line (fiber::sleep and the like).
inline detail::SleepAwaiter sleep_until(TimePoint deadline, SourceLocation site) {
    detail::loop_for_await("simul::sleep_until");
    return detail::SleepAwaiter(deadline.time_since_epoch().count(), site);
}
inline detail::SleepAwaiter sleep(Duration d, SourceLocation site) {
    Loop& loop = detail::loop_for_await("simul::sleep");
    return detail::SleepAwaiter(loop.now_ns() + d.count(), site);
}
inline detail::YieldAwaiter yield(SourceLocation site) {
    return detail::yield_at(site);
}
#endif

namespace detail {
// The starvation budget ran out (Loop::consume_budget() said no): the
// operation that could have completed at once yields first. Counted in
// simul::stats().forced_yields.
inline YieldAwaiter forced_yield(SiteArg site = SIMUL_SITE_HERE) {
    if (Loop* loop = Loop::current()) loop->note_forced_yield();
    return yield_at(to_location(site));
}
}  // namespace detail

}  // namespace simul
