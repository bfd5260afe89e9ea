// simul/coro/task.hpp: Task<T>, a lazy coroutine that returns a T.
//
// A function returning simul::Task<T> is a coroutine. Calling it only creates
// its frame (one allocation, from the frame pool); nothing runs until the
// task is awaited (`co_await task` runs it inline, as part of the awaiting
// task) or spawned (`simul::spawn(task)` hands it to the loop). co_await
// returns its value or rethrows its exception. The hand-over between awaiter
// and awaited is symmetric transfer, so a chain of a million nested awaits
// does not grow the stack.
//
//     simul::Task<int> answer() { co_await simul::sleep(1s); co_return 42; }
//     simul::Task<> main_task() { int x = co_await answer(); std::cout << x; }
//
// Tasks are move-only and [[nodiscard]]: a task that is neither awaited nor
// spawned is a compile warning, not a silent no-op.
//
// Cancellation: a task awaited inline is part of its awaiter's task, and is
// cancelled with it (simul::Cancelled comes out of the innermost co_await).
#pragma once

#include <coroutine>
#include <exception>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

#include <simul/core/error.hpp>
#include <simul/core/loop.hpp>
#include <simul/detail/frame_pool.hpp>
#include <simul/detail/task_header.hpp>

namespace simul {

template <class T = void>
class Task;

namespace detail {

// A spawned task cancelled before it ran never starts its body. The check
// reads the running task instead of keeping a pointer in every frame: at a
// root's first step the running task is that root, not yet kStarted; a
// frame awaited inline starts inside a task that has started already.
struct InitialAwaiter {
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<>) const noexcept {}
    void await_resume() const {
        Loop* loop = Loop::current();
        TaskHeader* t = loop ? loop->current_task() : nullptr;
        if (t && !(t->flags_ & kStarted)) [[unlikely]] {
            t->flags_ |= kStarted;
            if (t->flags_ & kCancelRequested) {
                t->flags_ &= ~kCancelRequested;
                throw_cancelled();
            }
        }
    }
};

struct FinalAwaiter {
    bool await_ready() const noexcept { return false; }
    template <class P>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<P> h) const noexcept {
        P& p = h.promise();
        if (!(p.flags_ & kSpawned)) [[likely]] {
            if (p.continuation_) return p.continuation_;
            return std::noop_coroutine();
        }
        Loop::current()->finish_task(&p);
        if (--p.refs_ == 0) h.destroy();
        return std::noop_coroutine();
    }
    void await_resume() const noexcept {}
};

template <class P>
struct PromiseOps : TaskHeader {
    static void* operator new(std::size_t n) { return frame_alloc(n); }
    static void operator delete(void* p, std::size_t n) noexcept { frame_free(p, n); }

    InitialAwaiter initial_suspend() noexcept { return {}; }
    FinalAwaiter final_suspend() noexcept { return {}; }

    // No await_transform, on purpose: with one, g++ 12 copies every awaiter
    // or needs a wrapper, and the frame of every task grows by the wrapper
    // and the site argument (16-40 bytes a co_await). Awaitables that want
    // the line of their co_await take a SourceLocation default argument;
    // `co_await handle` records its return address (spawn.hpp).
    void unhandled_exception() noexcept {
        flags_ |= kFinishing;
        try {
            throw;
        } catch (const Cancelled&) {
            flags_ |= kEndedCancelled;
        } catch (...) {
        }
        set_error(std::current_exception());
    }
    // Rethrows the stored exception, marking it observed.
    void rethrow_if_error() {
        if (flags_ & kHasError) {
            flags_ |= kObserved;
            std::rethrow_exception(slot_.error);
        }
    }
};

template <class T>
struct TaskPromise final : PromiseOps<TaskPromise<T>> {
    TaskPromise() noexcept {}
    ~TaskPromise() {
        if (this->flags_ & kHasValue) value_.~T();
    }
    Task<T> get_return_object() noexcept;

    template <class U = T>
        requires std::is_convertible_v<U&&, T>
    void return_value(U&& v) noexcept(std::is_nothrow_constructible_v<T, U&&>) {
        this->flags_ |= kFinishing;
        ::new (static_cast<void*>(std::addressof(value_))) T(std::forward<U>(v));
        this->flags_ |= kHasValue;
    }
    T take() {
        this->rethrow_if_error();
        if (!(this->flags_ & kHasValue)) throw InvalidStateError("simul: task result taken twice");
        this->flags_ |= kObserved;
        return std::move(value_);
    }

    union {
        T value_;
    };
};

template <>
struct TaskPromise<void> final : PromiseOps<TaskPromise<void>> {
    Task<void> get_return_object() noexcept;
    void return_void() noexcept { flags_ |= kFinishing; }
    void take() {
        rethrow_if_error();
        flags_ |= kObserved;
    }
};

}  // namespace detail

template <class T>
class [[nodiscard]] Task {
    static_assert(!std::is_reference_v<T>, "simul::Task<T&> is not supported: return a pointer or std::reference_wrapper");
    static_assert(alignof(detail::TaskPromise<T>) <= alignof(std::max_align_t),
                  "simul::Task<T>: over-aligned results are not supported");

public:
    using promise_type = detail::TaskPromise<T>;
    using value_type = T;
    using handle_type = std::coroutine_handle<promise_type>;

    Task() noexcept = default;
    explicit Task(handle_type h) noexcept : h_(h) {}
    Task(Task&& o) noexcept : h_(std::exchange(o.h_, {})) {}
    Task& operator=(Task&& o) noexcept {
        if (this != &o) {
            reset();
            h_ = std::exchange(o.h_, {});
        }
        return *this;
    }
    Task(const Task&) = delete;
    Task& operator=(const Task&) = delete;
    ~Task() { reset(); }

    bool valid() const noexcept { return bool(h_); }
    bool done() const noexcept { return h_ && h_.done(); }

    struct Awaiter {
        handle_type h;
        bool await_ready() const {
            if (!h) throw InvalidStateError("simul: co_await on an empty Task (moved from, or already spawned)");
            return h.done();
        }
        std::coroutine_handle<> await_suspend(std::coroutine_handle<> parent) noexcept {
            h.promise().continuation_ = parent;
            return h;
        }
        T await_resume() { return h.promise().take(); }
    };
    Awaiter operator co_await() && noexcept { return Awaiter{h_}; }
    Awaiter operator co_await() & noexcept { return Awaiter{h_}; }

    // Gives up ownership of the frame (spawn and gather take it this way).
    handle_type release() noexcept { return std::exchange(h_, {}); }
    handle_type handle() const noexcept { return h_; }

private:
    void reset() noexcept {
        if (!h_) return;
        auto h = std::exchange(h_, {});
        auto& p = h.promise();
        // A spawned frame is shared with the loop: drop our reference only.
        if (p.flags_ & detail::kSpawned) {
            if (--p.refs_ == 0) h.destroy();
        } else {
            h.destroy();
        }
    }
    handle_type h_;
};

namespace detail {
template <class T>
Task<T> TaskPromise<T>::get_return_object() noexcept {
    return Task<T>(std::coroutine_handle<TaskPromise<T>>::from_promise(*this));
}
inline Task<void> TaskPromise<void>::get_return_object() noexcept {
    return Task<void>(std::coroutine_handle<TaskPromise<void>>::from_promise(*this));
}
static_assert(sizeof(void*) != 8 || sizeof(TaskHeader) == 48, "the task header is meant to stay at 48 bytes");
static_assert(alignof(TaskPromise<void>) == alignof(FrameProbe), "frame_of() relies on equal alignment");
}  // namespace detail

}  // namespace simul
