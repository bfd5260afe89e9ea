// simul/coro/gather.hpp: gather(), running several tasks concurrently and waiting for all.
//
// `co_await simul::gather(a(), b(), c())` runs the three as tasks of their own
// and returns a std::tuple of their results (std::monostate for Task<void>).
// The range form takes a std::vector<Task<T>> and returns std::vector<T> (or
// nothing, for Task<void>).
//
//     auto [page, user] = co_await simul::gather(fetch(url), load_user(id));
//
// Semantics, beside asyncio.gather (whose default is return_exceptions=False):
//   - as in asyncio, the children run concurrently and the results come back
//     in argument order;
//   - unlike asyncio, when one child fails the others are cancelled, gather
//     waits until they have all ended, and then rethrows the first error.
//     Nothing keeps running behind the caller's back (Trio's and asyncio's
//     TaskGroup behaviour). The other children's errors are not reported as
//     lost;
//   - cancelling the task that awaits gather cancels every child, waits for
//     them to end, and throws Cancelled (asyncio cancels the children too).
#pragma once

#include <cstddef>
#include <tuple>
#include <type_traits>
#include <variant>
#include <vector>

#include <simul/coro/spawn.hpp>
#include <simul/coro/task.hpp>

namespace simul {

namespace detail {

template <class T>
using gather_value_t = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

// The shared state of one gather: a counting join over its children.
struct GatherState : Completion, Waiter {
    TaskHeader** children;
    std::size_t count;
    std::size_t remaining;
    TaskHeader* first_error = nullptr;
    TaskHeader* parent = nullptr;

    GatherState(TaskHeader** c, std::size_t n) noexcept
        : Completion{&on_child_done}, Waiter{&kOps, {}}, children(c), count(n), remaining(n) {}
    GatherState(const GatherState&) = delete;
    ~GatherState() {
        for (std::size_t i = 0; i < count; ++i)
            if (children[i]->completion_ == this && !children[i]->done()) children[i]->completion_ = nullptr;
    }

    void start(Loop& loop, simul::SourceLocation site) {
        this->site = site;
        for (std::size_t i = 0; i < count; ++i) {
            TaskHeader* t = children[i];
            start_root(loop, t, frame_of(t), 1, std::string(), site);
            t->completion_ = this;
        }
    }
    void cancel_children() noexcept {
        for (std::size_t i = 0; i < count; ++i)
            if (!children[i]->done()) children[i]->cancel();
    }

    static void on_child_done(Completion* c, TaskHeader* child) noexcept {
        auto* g = static_cast<GatherState*>(c);
        if (child->flags_ & kHasError) {
            child->flags_ |= kObserved;
            if (!g->first_error) {
                g->first_error = child;
                g->cancel_children();
            }
        }
        if (--g->remaining == 0 && g->parent) wake(*Loop::current(), g->parent);
    }
    static void cancel_op(Waiter* w) noexcept { static_cast<GatherState*>(w)->cancel_children(); }
    static constexpr WaitOps kOps{&cancel_op, "gather"};

    struct Awaiter {
        GatherState* g;
        bool await_ready() const noexcept { return g->remaining == 0; }
        bool await_suspend(std::coroutine_handle<> h) {
            Loop& loop = *Loop::current();
            g->parent = loop.current_task();
            if (g->parent->flags_ & kCancelRequested) g->cancel_children();
            g->parent->suspend_at(h, g);
            return true;
        }
        void await_resume() {
            if (g->parent) deliver_cancel(g->parent);
            if (g->first_error) std::rethrow_exception(g->first_error->slot_.error);
        }
    };
    Awaiter wait() noexcept { return Awaiter{this}; }
};

template <class T>
gather_value_t<T> take_gathered(Task<T>& t) {
    if constexpr (std::is_void_v<T>) {
        t.handle().promise().take();
        return {};
    } else {
        return t.handle().promise().take();
    }
}

template <class... Ts>
Task<std::tuple<gather_value_t<Ts>...>> gather_impl(simul::SourceLocation site, Task<Ts>... tasks) {
    static_assert(sizeof...(Ts) > 0, "simul::gather() needs at least one task");
    Loop& loop = require_loop("simul::gather");
    TaskHeader* children[] = {&tasks.handle().promise()...};
    GatherState state(children, sizeof...(Ts));
    state.start(loop, site);
    co_await state.wait();
    co_return std::tuple<gather_value_t<Ts>...>(take_gathered(tasks)...);
}

template <class T>
Task<std::conditional_t<std::is_void_v<T>, void, std::vector<T>>> gather_range(std::vector<Task<T>> tasks,
                                                                               simul::SourceLocation site) {
    Loop& loop = require_loop("simul::gather");
    std::vector<TaskHeader*> children;
    children.reserve(tasks.size());
    for (auto& t : tasks) {
        if (!t.valid()) throw InvalidStateError("simul::gather: an empty Task (moved from, or already spawned)");
        children.push_back(&t.handle().promise());
    }
    GatherState state(children.data(), children.size());
    state.start(loop, site);
    co_await state.wait();
    if constexpr (std::is_void_v<T>) {
        for (auto& t : tasks) t.handle().promise().take();
    } else {
        std::vector<T> out;
        out.reserve(tasks.size());
        for (auto& t : tasks) out.push_back(t.handle().promise().take());
        co_return out;
    }
}

}  // namespace detail

// Runs the tasks concurrently; a tuple of their results. See the top of this file.
template <class... Ts>
Task<std::tuple<detail::gather_value_t<Ts>...>> gather(Task<Ts>... tasks) {
    return detail::gather_impl(simul::SourceLocation::current(), std::move(tasks)...);
}

// Runs every task of the vector concurrently; their results in order.
template <class T>
Task<std::conditional_t<std::is_void_v<T>, void, std::vector<T>>> gather(
    std::vector<Task<T>> tasks, simul::SourceLocation site = simul::SourceLocation::current()) {
    return detail::gather_range(std::move(tasks), site);
}

}  // namespace simul
