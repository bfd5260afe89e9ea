// simul/sync/wait.hpp: wait(), asyncio.wait for spawned tasks: which are done, which are pending.
//
// `auto [done, pending] = co_await simul::wait(handles, when, timeout);`
// waits on a std::vector<TaskHandle<T>> (spawned tasks, left where they are)
// until `when` holds, or the optional timeout passes, and returns the indices
// of the tasks done and of those still pending (each in vector order):
//   - ReturnWhen::first_completed: at least one task has finished;
//   - ReturnWhen::first_exception: a task ended with an exception (other than
//     Cancelled), or all have finished;
//   - ReturnWhen::all_completed (the default): all have finished.
// It cancels nothing and takes no result: read them with handle.result() (or
// co_await the handle). A timeout is not an error: the pending list just is
// not empty. The loop resumes the caller when a task's completion hook finds
// the condition met, or when the timer fires (ready queue, never inline). If
// the condition already holds, the await does not suspend. The vector must
// outlive the await; a handle already awaited by another task is an
// InvalidStateError, as is an empty vector or an empty handle.
//
//     std::vector<simul::TaskHandle<Page>> fetches;
//     for (auto& url : urls) fetches.push_back(simul::spawn(fetch(url)));
//     auto r = co_await simul::wait(fetches, simul::ReturnWhen::first_completed, 2s);
//     for (std::size_t i : r.done) show(fetches[i].result());
//     for (std::size_t i : r.pending) fetches[i].cancel();
//
// Cancellation: cancelling the caller stops the wait at once with
// simul::Cancelled; the tasks are not cancelled and keep running (the
// handles still own them). If the condition was met (the caller is on the
// ready queue) before the cancel came, wait() returns normally and the cancel
// is delivered at the next suspension point.
#pragma once

#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include <simul/core/clock.hpp>
#include <simul/core/error.hpp>
#include <simul/core/source_location.hpp>
#include <simul/coro/spawn.hpp>
#include <simul/coro/task.hpp>
#include <simul/detail/park.hpp>
#include <simul/sync/wait_list.hpp>

namespace simul {

enum class ReturnWhen { first_completed, first_exception, all_completed };

struct WaitResult {
    std::vector<std::size_t> done;     // indices of the finished tasks
    std::vector<std::size_t> pending;  // indices of the others
};

namespace detail {

struct WaitState : Waiter {
    struct Child : Completion {
        WaitState* st;
        TaskHeader* t;
        Child(WaitState* s, TaskHeader* h) noexcept : Completion{&on_child_done}, st(s), t(h) {}
    };
    struct Timer : TimerNode {
        WaitState* st;
        explicit Timer(WaitState* s) noexcept : TimerNode(&kTimerOps, {}), st(s) {}
        static void on_fire(TimerNode* n) noexcept { static_cast<Timer*>(n)->st->wake_once(); }
        static constexpr WaitOps kTimerOps{nullptr, "wait timeout", &on_fire};
    };

    std::vector<Child> children;
    Timer timer{this};
    TaskHeader* self = nullptr;
    ReturnWhen when;
    std::size_t pending = 0;
    bool failed = false;  // a task ended with an exception other than Cancelled
    bool parked = false;
    bool woken = false;
    bool cancelled = false;

    WaitState(ReturnWhen w, SourceLocation site) noexcept : Waiter{&kOps, site}, when(w) {}
    WaitState(const WaitState&) = delete;
    ~WaitState() { detach(); }

    static bool failed_task(const TaskHeader* t) noexcept {
        return (t->flags_ & kHasError) && !(t->flags_ & kEndedCancelled);
    }
    bool satisfied() const noexcept {
        switch (when) {
            case ReturnWhen::first_completed: return pending < children.size();
            case ReturnWhen::first_exception: return failed || pending == 0;
            case ReturnWhen::all_completed: break;
        }
        return pending == 0;
    }
    void detach() noexcept {
        for (Child& c : children)
            if (!c.t->done() && c.t->completion_ == &c) c.t->completion_ = nullptr;
        if (timer.linked()) Loop::current()->timers().remove(&timer);
    }
    void wake_once() noexcept {
        if (!parked || woken) return;
        woken = true;
        wake(*Loop::current(), self);
    }
    static void on_child_done(Completion* c, TaskHeader* t) noexcept {
        WaitState* st = static_cast<Child*>(c)->st;
        --st->pending;
        if (failed_task(t)) st->failed = true;
        if (st->satisfied()) st->wake_once();
    }
    static void cancel_op(Waiter* w) noexcept {
        auto* st = static_cast<WaitState*>(w);
        if (st->woken) return;  // already queued: it returns normally
        st->cancelled = true;
        st->wake_once();
    }
    static constexpr WaitOps kOps{&cancel_op, "wait"};

    struct Awaiter {
        WaitState* st;
        bool await_ready() const noexcept { return st->satisfied(); }
        bool await_suspend(std::coroutine_handle<> h) {
            st->self = Loop::current()->current_task();
            if (!park(st->self, h, st)) {
                st->cancelled = true;
                return false;
            }
            st->parked = true;
            return true;
        }
        void await_resume() {
            st->detach();
            if (st->cancelled) finish_cancelled(st->self);
        }
    };
};

template <class T>
Task<WaitResult> wait_impl(std::vector<TaskHandle<T>>& tasks, ReturnWhen when, std::optional<Duration> timeout,
                           SourceLocation site) {
    Loop& loop = require_loop("simul::wait");
    if (tasks.empty()) throw InvalidStateError("simul::wait: no tasks to wait for");
    WaitState st(when, site);
    st.children.reserve(tasks.size());
    for (auto& h : tasks) {
        if (!h.valid()) throw InvalidStateError("simul::wait: an empty TaskHandle");
        TaskHeader* t = h.header();
        if (!t->done() && t->completion_)
            throw InvalidStateError("simul::wait: a task is already being awaited by another task");
        st.children.emplace_back(&st, t);
    }
    for (auto& c : st.children) {
        if (c.t->done()) {
            if (WaitState::failed_task(c.t)) st.failed = true;
        } else {
            ++st.pending;
            c.t->completion_ = &c;
        }
    }
    if (!st.satisfied() && !(timeout && timeout->count() <= 0)) {
        if (timeout) loop.timers().insert(&st.timer, loop.tick_for(loop.now_ns() + timeout->count()));
        co_await WaitState::Awaiter{&st};
    }
    st.detach();
    WaitResult r;
    for (std::size_t i = 0; i < tasks.size(); ++i) (tasks[i].done() ? r.done : r.pending).push_back(i);
    co_return r;
}

}  // namespace detail

// Waits until `when` holds for the spawned tasks, or `timeout` passes; see the
// top of this file. Cancels nothing.
template <class T>
Task<WaitResult> wait(std::vector<TaskHandle<T>>& tasks, ReturnWhen when = ReturnWhen::all_completed,
                      std::optional<Duration> timeout = std::nullopt, SourceLocation site = SourceLocation::current()) {
    return detail::wait_impl(tasks, when, timeout, site);
}

}  // namespace simul
