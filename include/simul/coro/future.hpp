// simul/coro/future.hpp: Future<T>, a result that arrives later: the bridge between callbacks and tasks.
//
// A Future is set once, by set_result() or set_exception() (or cancel()), and
// can be awaited by any number of tasks; each gets the value (a copy) or the
// exception. add_done_callback() runs a callback on the loop once it is set,
// which is how callback code hears about it. Copies of a Future share one
// state (a single allocation).
//
//     simul::Future<int> f;
//     legacy_api_async([f](int v) mutable { f.set_result(v); });   // a C callback
//     int v = co_await f;
//
// Futures are loop-thread objects: set them from the loop's thread (from
// another thread, go through loop.call_soon_threadsafe).
//
// Cancellation: a task that is cancelled while awaiting a Future stops
// waiting (Cancelled is thrown in it) and the Future is left as it is, for
// its other waiters (unlike asyncio, where it would cancel the Future).
// Future::cancel() sets the Future itself to Cancelled.
#pragma once

#include <coroutine>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <simul/core/source_location.hpp>
#include <type_traits>
#include <utility>
#include <vector>

#include <simul/core/error.hpp>
#include <simul/core/loop.hpp>
#include <simul/detail/park.hpp>

namespace simul {

namespace detail {

struct FutureWaiter : Waiter {
    FutureWaiter* prev = nullptr;  // in the state's list while waiting
    FutureWaiter* next = nullptr;
    TaskHeader* task = nullptr;
    struct FutureStateBase* state = nullptr;
};

struct FutureStateBase {
    enum class Status : unsigned char { pending, value, error };
    Status status = Status::pending;
    bool cancelled = false;
    bool retrieved = false;
    std::exception_ptr error;
    FutureWaiter* head = nullptr;
    FutureWaiter* tail = nullptr;
    std::vector<std::function<void()>> callbacks;

    FutureStateBase() = default;
    FutureStateBase(const FutureStateBase&) = delete;
    ~FutureStateBase();

    void link(FutureWaiter* w) noexcept {
        w->state = this;
        w->prev = tail;
        w->next = nullptr;
        if (tail)
            tail->next = w;
        else
            head = w;
        tail = w;
    }
    void unlink(FutureWaiter* w) noexcept {
        (w->prev ? w->prev->next : head) = w->next;
        (w->next ? w->next->prev : tail) = w->prev;
        w->prev = w->next = nullptr;
        w->state = nullptr;
    }
    // Wakes every waiter and schedules the callbacks.
    void complete();
    void check_pending(const char* what) const;
};

}  // namespace detail

template <class T = void>
class Future {
    using Stored = std::conditional_t<std::is_void_v<T>, bool, T>;
    struct State : detail::FutureStateBase {
        std::optional<Stored> value;
    };

public:
    Future() : s_(std::make_shared<State>()) {}

    bool done() const noexcept { return s_->status != detail::FutureStateBase::Status::pending; }
    bool cancelled() const noexcept { return s_->cancelled; }

    template <class U = T>
        requires(!std::is_void_v<U>)
    void set_result(U value) {
        s_->check_pending("set_result");
        s_->value.emplace(std::move(value));
        s_->status = detail::FutureStateBase::Status::value;
        s_->complete();
    }
    template <class U = T>
        requires std::is_void_v<U>
    void set_result() {
        s_->check_pending("set_result");
        s_->value.emplace(true);
        s_->status = detail::FutureStateBase::Status::value;
        s_->complete();
    }
    void set_exception(std::exception_ptr e) {
        if (!e) throw Error("simul::Future::set_exception: the exception_ptr is empty");
        s_->check_pending("set_exception");
        s_->error = std::move(e);
        s_->status = detail::FutureStateBase::Status::error;
        s_->complete();
    }
    // Sets the future to Cancelled (its waiters get simul::Cancelled). False if already done.
    bool cancel() {
        if (done()) return false;
        s_->cancelled = true;
        set_exception(std::make_exception_ptr(Cancelled{}));
        return true;
    }

    // The value of a finished future; rethrows its exception.
    T result() const {
        if (!done()) throw InvalidStateError("simul::Future::result(): the future is not done yet; co_await it instead");
        s_->retrieved = true;
        if (s_->status == detail::FutureStateBase::Status::error) std::rethrow_exception(s_->error);
        if constexpr (!std::is_void_v<T>) return *s_->value;
    }
    std::exception_ptr exception() const {
        if (!done()) throw InvalidStateError("simul::Future::exception(): the future is not done yet");
        s_->retrieved = true;
        return s_->error;
    }

    // fn(future) runs on the loop (as call_soon) once the future is done.
    void add_done_callback(std::function<void(Future<T>)> fn) {
        auto cb = [fn = std::move(fn), self = *this]() { fn(self); };
        if (done()) {
            detail::require_loop("simul::Future").call_soon(std::move(cb));
        } else {
            s_->callbacks.emplace_back(std::move(cb));
        }
    }

    struct Awaiter : detail::FutureWaiter {
        std::shared_ptr<State> s;
        bool woken_by_cancel = false;
        Awaiter(std::shared_ptr<State> st, simul::SourceLocation where) : s(std::move(st)) {
            ops = &kOps;
            site = where;
        }
        Awaiter(const Awaiter&) = delete;
        ~Awaiter() {
            if (state) state->unlink(this);
        }
        bool await_ready() const noexcept { return s->status != detail::FutureStateBase::Status::pending; }
        bool await_suspend(std::coroutine_handle<> h) {
            Loop& loop = detail::require_loop("simul::Future");
            task = loop.current_task();
            if (!detail::park(task, h, this)) return false;
            s->link(this);
            return true;
        }
        T await_resume() {
            // A result that arrived is returned even if a cancel came after
            // it (that one is delivered at the next suspension point): a
            // cancelled waiter never loses a value.
            if (task && (woken_by_cancel || s->status == detail::FutureStateBase::Status::pending))
                detail::deliver_cancel(task);
            s->retrieved = true;
            if (s->status == detail::FutureStateBase::Status::error) std::rethrow_exception(s->error);
            if constexpr (!std::is_void_v<T>) return *s->value;
        }
        static void cancel_op(detail::Waiter* w) noexcept {
            auto* a = static_cast<Awaiter*>(w);
            a->woken_by_cancel = true;
            if (a->state) a->state->unlink(a);
            detail::wake(*Loop::current(), a->task);
        }
        static constexpr detail::WaitOps kOps{&cancel_op, "future"};
    };
    Awaiter operator co_await() const { return Awaiter(s_, {}); }
    // The same, recording the line of the await for task dumps.
    Awaiter wait(simul::SourceLocation site = simul::SourceLocation::current()) const { return Awaiter(s_, site); }

private:
    std::shared_ptr<State> s_;
};

}  // namespace simul
