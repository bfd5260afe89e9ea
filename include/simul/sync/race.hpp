// simul/sync/race.hpp: race() and wait_any(): the first task to finish wins, the others are cancelled.
//
// `co_await simul::race(std::move(tasks))` runs the tasks (a
// std::vector<Task<T>>, or several Task<T> arguments) concurrently. The first
// one to finish, with a value or an exception, wins: the others are
// cancelled, race waits until they have all ended (nothing keeps running
// behind the caller's back), then returns the winner's value or rethrows its
// exception. `wait_any` does the same and also says which task won: it
// returns {index, value} (just the index for Task<void>). The loop resumes
// the caller when the last child ends (their completion hook wakes it).
//
//     std::vector<simul::Task<Reply>> asks;
//     for (auto& server : replicas) asks.push_back(ask(server));
//     Reply fastest = co_await simul::race(std::move(asks));
//
// Cancellation: cancelling the task that awaits race/wait_any cancels every
// child, waits for them to end, and throws simul::Cancelled. A loser that
// fails with an exception other than Cancelled while being cancelled is
// reported to the loop's exception handler (errors are never lost silently).
#pragma once

#include <cstddef>
#include <type_traits>
#include <utility>
#include <vector>

#include <simul/core/error.hpp>
#include <simul/coro/spawn.hpp>
#include <simul/coro/task.hpp>
#include <simul/detail/park.hpp>
#include <simul/sync/wait_list.hpp>

namespace simul {

namespace detail {

struct RaceState : Completion, Waiter {
    TaskHeader** children;
    std::size_t count;
    std::size_t remaining;
    TaskHeader* winner = nullptr;
    TaskHeader* parent = nullptr;

    RaceState(TaskHeader** c, std::size_t n) noexcept
        : Completion{&on_child_done}, Waiter{&kOps, {}}, children(c), count(n), remaining(n) {}
    RaceState(const RaceState&) = delete;
    ~RaceState() {
        for (std::size_t i = 0; i < count; ++i)
            if (children[i]->completion_ == this && !children[i]->done()) children[i]->completion_ = nullptr;
    }

    void start(Loop& loop, SourceLocation site) {
        this->site = site;
        for (std::size_t i = 0; i < count; ++i) {
            TaskHeader* t = children[i];
            start_root(loop, t, frame_of(t), 1, {}, site);
            t->completion_ = this;
        }
    }
    void cancel_children() noexcept {
        for (std::size_t i = 0; i < count; ++i)
            if (!children[i]->done()) children[i]->cancel();
    }
    std::size_t winner_index() const noexcept {
        for (std::size_t i = 0; i < count; ++i)
            if (children[i] == winner) return i;
        return count;
    }

    static void on_child_done(Completion* c, TaskHeader* child) noexcept {
        auto* r = static_cast<RaceState*>(c);
        if (!r->winner) {
            r->winner = child;
            r->cancel_children();
        } else if (child->flags_ & kHasError) {
            if (!(child->flags_ & kEndedCancelled) && !(child->flags_ & kObserved))
                Loop::current()->report_unobserved(child);  // a loser's real error
            child->flags_ |= kObserved;
        }
        if (--r->remaining == 0 && r->parent) wake(*Loop::current(), r->parent);
    }
    static void cancel_op(Waiter* w) noexcept { static_cast<RaceState*>(w)->cancel_children(); }
    static constexpr WaitOps kOps{&cancel_op, "race"};

    struct Awaiter {
        RaceState* r;
        bool await_ready() const noexcept { return r->remaining == 0; }
        bool await_suspend(std::coroutine_handle<> h) {
            r->parent = Loop::current()->current_task();
            if (r->parent->flags_ & kCancelRequested) r->cancel_children();
            park_anyway(r->parent, h, r);
            return true;
        }
        void await_resume() {
            if (r->parent) deliver_cancel(r->parent);
        }
    };
    Awaiter wait() noexcept { return Awaiter{this}; }
};

template <class T>
using race_index_result_t = std::conditional_t<std::is_void_v<T>, std::size_t, std::pair<std::size_t, T>>;

template <class T>
Task<race_index_result_t<T>> wait_any_impl(std::vector<Task<T>> tasks, SourceLocation site) {
    Loop& loop = require_loop("simul::wait_any");
    if (tasks.empty()) throw InvalidStateError("simul::wait_any / race: no tasks to wait for");
    std::vector<TaskHeader*> children;
    children.reserve(tasks.size());
    for (auto& t : tasks) {
        if (!t.valid()) throw InvalidStateError("simul::wait_any / race: an empty Task (moved from, or already spawned)");
        children.push_back(&t.handle().promise());
    }
    RaceState state(children.data(), children.size());
    state.start(loop, site);
    co_await state.wait();
    const std::size_t i = state.winner_index();
    // Losers ended by Cancelled (or reported their error): mark them read.
    for (std::size_t k = 0; k < children.size(); ++k)
        if (k != i) children[k]->flags_ |= kObserved;
    if constexpr (std::is_void_v<T>) {
        tasks[i].handle().promise().take();
        co_return i;
    } else {
        co_return std::pair<std::size_t, T>(i, tasks[i].handle().promise().take());
    }
}

template <class T>
Task<T> race_impl(std::vector<Task<T>> tasks, SourceLocation site) {
    if constexpr (std::is_void_v<T>) {
        (void)co_await wait_any_impl(std::move(tasks), site);
    } else {
        auto won = co_await wait_any_impl(std::move(tasks), site);
        co_return std::move(won.second);
    }
}

}  // namespace detail

// The first task to finish wins: {its index, its value} (the index for
// Task<void>); the others are cancelled and waited for.
template <class T>
Task<detail::race_index_result_t<T>> wait_any(std::vector<Task<T>> tasks,
                                              SourceLocation site = SourceLocation::current()) {
    return detail::wait_any_impl(std::move(tasks), site);
}

// The first task to finish wins: its value (or exception); the others are
// cancelled and waited for.
template <class T>
Task<T> race(std::vector<Task<T>> tasks, SourceLocation site = SourceLocation::current()) {
    return detail::race_impl(std::move(tasks), site);
}
template <class T, class... Ts>
    requires(std::is_same_v<T, Ts> && ...)
Task<T> race(Task<T> first, Task<Ts>... rest) {
    std::vector<Task<T>> tasks;
    tasks.reserve(1 + sizeof...(Ts));
    tasks.push_back(std::move(first));
    (tasks.push_back(std::move(rest)), ...);
    return detail::race_impl(std::move(tasks), SourceLocation::current());
}

}  // namespace simul
