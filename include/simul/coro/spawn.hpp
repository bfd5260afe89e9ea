// simul/coro/spawn.hpp: spawn(), which hands a task to the loop, and TaskHandle<T>.
//
// `simul::spawn(task, name)` schedules the task on the current loop, which
// then owns it until it ends (asyncio.create_task, tokio::spawn). The
// returned TaskHandle may be awaited (value or rethrow), cancelled, asked
// whether it is done, or dropped: dropping it never stops or destroys the
// task. An exception from a task that nobody awaits goes to the loop's
// exception handler (default: stderr, with the task's name).
//
//     auto h = simul::spawn(fetch(url), "fetch");
//     ...
//     Page p = co_await h;          // or h.cancel();
//
// Cancellation: h.cancel() throws simul::Cancelled at the task's current
// suspension point (or its next one; a task cancelled before it starts never
// runs its body). A task awaiting a handle that is cancelled itself cancels
// the awaited task too, then waits for it to end and throws Cancelled.
#pragma once

#include <coroutine>
#include <simul/core/source_location.hpp>
#include <string>
#include <utility>

#include <simul/coro/task.hpp>
#include <simul/detail/park.hpp>

namespace simul {

namespace detail {

// Makes a task frame a loop-owned root with `refs` owners besides the loop's
// "running" reference, registers it and puts it on the ready queue.
inline void make_root(TaskHeader* t, std::coroutine_handle<> h, std::uint16_t owners) {
    if (t->flags_ & kSpawned) [[unlikely]]
        throw InvalidStateError("simul: this task was already spawned");
    t->flags_ |= kSpawned;
    t->refs_ = std::uint8_t(1 + owners);
    t->completion_ = nullptr;
    t->slot_.resume = h;
}
inline void start_root(Loop& loop, TaskHeader* t, std::coroutine_handle<> h, std::uint16_t owners,
                       std::string&& name, simul::SourceLocation where) {
    make_root(t, h, owners);
    loop.adopt(t, std::move(name), where);
    loop.schedule(t);
}
// Without a name: no string to make and free, on the path of every spawn.
inline void start_root(Loop& loop, TaskHeader* t, std::coroutine_handle<> h, std::uint16_t owners,
                       simul::SourceLocation where) {
    make_root(t, h, owners);
    loop.adopt(t, where);
    loop.schedule(t);
}

// Awaiting a spawned task: registers as its completion, forwards cancellation.
struct JoinAwaiterBase : Completion, Waiter {
    TaskHeader* child;
    TaskHeader* self = nullptr;
    // Where the awaiting coroutine called await_suspend, i.e. the line of its
    // `co_await handle` (operator co_await cannot take a SourceLocation
    // default argument); task dumps symbolize it (debug info needed).
    const void* caller = nullptr;

    JoinAwaiterBase(TaskHeader* c, simul::SourceLocation site) noexcept
        : Completion{&on_child_done}, Waiter{&kOps, site}, child(c) {}
    JoinAwaiterBase(const JoinAwaiterBase&) = delete;
    ~JoinAwaiterBase() {
        if (child && !child->done() && child->completion_ == this) child->completion_ = nullptr;
    }

    bool await_ready() const {
        if (!child) throw InvalidStateError("simul: co_await on an empty TaskHandle");
        return child->done();
    }
    [[gnu::noinline]] bool await_suspend(std::coroutine_handle<> h) {
        caller = __builtin_return_address(0);
        Loop& loop = require_loop("co_await on a task handle");
        self = loop.current_task();
        if (child->completion_)
            throw InvalidStateError("simul: this task is already being awaited by another task; await it once, or share a simul::Future");
        if (self->flags_ & kCancelRequested) {
            child->cancel();  // cancelling through the chain; then wait for the end
        }
        child->completion_ = this;
        self->suspend_at(h, this);
        return true;
    }
    void after_resume() {
        if (self) deliver_cancel(self);
    }

    static void on_child_done(Completion* c, TaskHeader*) noexcept {
        auto* a = static_cast<JoinAwaiterBase*>(c);
        Loop::current()->schedule(a->self);
    }
    static void cancel_op(Waiter* w) noexcept {
        static_cast<JoinAwaiterBase*>(w)->child->cancel();  // keep waiting for it to end
    }
    static constexpr WaitOps kOps{&cancel_op, "task"};
};

}  // namespace detail

template <class T = void>
class TaskHandle {
public:
    using handle_type = std::coroutine_handle<detail::TaskPromise<T>>;

    TaskHandle() noexcept = default;
    explicit TaskHandle(handle_type h) noexcept : h_(h) {}
    TaskHandle(TaskHandle&& o) noexcept : h_(std::exchange(o.h_, {})) {}
    TaskHandle& operator=(TaskHandle&& o) noexcept {
        if (this != &o) {
            reset();
            h_ = std::exchange(o.h_, {});
        }
        return *this;
    }
    ~TaskHandle() { reset(); }

    bool valid() const noexcept { return bool(h_); }
    bool done() const noexcept { return h_ && h_.promise().done(); }
    // True if the task ended by simul::Cancelled.
    bool cancelled() const noexcept { return done() && (h_.promise().flags_ & detail::kEndedCancelled); }
    // Requests cancellation; false if the task already finished.
    bool cancel() noexcept { return h_ && h_.promise().cancel(); }
    std::string name() const { return h_ ? Loop::current() ? Loop::current()->task_name(&h_.promise()) : "" : ""; }
    // The result of a finished task (rethrows its exception).
    T result() {
        if (!done()) throw InvalidStateError("simul: TaskHandle::result() on a task that has not finished; co_await it instead");
        return h_.promise().take();
    }

    struct Awaiter : detail::JoinAwaiterBase {
        Awaiter(handle_type h, simul::SourceLocation site) noexcept
            : JoinAwaiterBase(h ? &h.promise() : nullptr, site), typed(h) {}
        T await_resume() {
            after_resume();
            return typed.promise().take();
        }
        handle_type typed;
    };
    Awaiter operator co_await() noexcept { return Awaiter(h_, {}); }

    detail::TaskHeader* header() const noexcept { return h_ ? &h_.promise() : nullptr; }

private:
    void reset() noexcept {
        if (!h_) return;
        auto h = std::exchange(h_, {});
        auto& p = h.promise();
        if (p.done() && (p.flags_ & detail::kHasError) && !(p.flags_ & (detail::kObserved | detail::kEndedCancelled))) {
            if (Loop* loop = Loop::current()) loop->report_unobserved(&p);
        }
        if (--p.refs_ == 0) h.destroy();
    }
    handle_type h_;
};

namespace detail {
// spawn(), with or without a name (`name` is empty or one std::string).
template <class T, class... Name>
TaskHandle<T> spawn_root(Task<T>&& task, simul::SourceLocation where, Name&&... name) {
    Loop& loop = require_loop("simul::spawn");
    auto h = task.release();
    if (!h) throw InvalidStateError("simul::spawn: the task is empty (moved from, or already spawned)");
    try {
        start_root(loop, &h.promise(), h, 1, std::forward<Name>(name)..., where);
    } catch (...) {
        h.destroy();
        throw;
    }
    return TaskHandle<T>(h);
}
}  // namespace detail

// Schedules `task` on the current loop; see the top of this file. The name
// is for reports and task dumps; without one, a task is named after the line
// that spawned it (and spawning makes no string).
template <class T>
TaskHandle<T> spawn(Task<T> task, std::string name,
                    simul::SourceLocation where = simul::SourceLocation::current()) {
    return detail::spawn_root(std::move(task), where, std::move(name));
}
template <class T>
TaskHandle<T> spawn(Task<T> task, simul::SourceLocation where = simul::SourceLocation::current()) {
    return detail::spawn_root(std::move(task), where);
}

}  // namespace simul
