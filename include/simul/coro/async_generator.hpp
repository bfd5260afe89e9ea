// simul/coro/async_generator.hpp: AsyncGenerator<T>, a stream whose producer may wait between elements.
//
// A function returning simul::AsyncGenerator<T> may both co_await (a sleep, a
// read, a task) and co_yield. The consumer, a task, asks for one element at a
// time with `co_await gen.next()`, which returns std::optional<T>: a value, or
// nullopt once the producer has returned. for_each() is the loop written out.
//
//     simul::AsyncGenerator<int> ticks(int n) {
//         for (int i = 0; i < n; ++i) {
//             co_await simul::sleep(1s);
//             co_yield i;
//         }
//     }
//     simul::Task<> consume() {
//         auto gen = ticks(3);
//         while (auto i = co_await gen.next()) std::printf("%d\n", *i);
//     }
//
// Who resumes: the producer runs as part of the consuming task, by symmetric
// transfer (no trip through the ready queue): next() transfers into the
// producer, co_yield transfers back. When the producer waits, the consuming
// task is suspended on that wait, and the loop resumes the producer when it
// is over. Nothing runs ahead: the producer is suspended at its co_yield until
// the next next(). An exception escaping the producer comes out of next(),
// after which the stream is over.
//
// Cancellation: cancelling the consuming task while the producer waits throws
// simul::Cancelled at the producer's co_await (it may clean up, even await),
// and then out of next(). Destroying the generator (the consumer breaks out,
// returns or throws) destroys the producer's frame where it stopped, at a
// co_yield or before its start: its locals' destructors run. One next() at a
// time: a second concurrent next() throws InvalidStateError.
#pragma once

#include <coroutine>
#include <exception>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include <simul/core/error.hpp>
#include <simul/coro/task.hpp>
#include <simul/detail/frame_pool.hpp>

namespace simul {

template <class T>
class AsyncGenerator;

namespace detail {

template <class T>
struct AsyncGeneratorPromise {
    // Whole 16-byte granules, so that frames stay aligned as operator new's are.
    static void* operator new(std::size_t n) { return frame_alloc((n + 15) & ~std::size_t(15)); }
    static void operator delete(void* p, std::size_t n) noexcept { frame_free(p, (n + 15) & ~std::size_t(15)); }

    T* value_ = nullptr;
    std::exception_ptr error_;
    std::coroutine_handle<> consumer_;  // who is in next(), while the producer runs

    AsyncGenerator<T> get_return_object() noexcept;
    std::suspend_always initial_suspend() const noexcept { return {}; }

    // co_yield and the end both hand control back to the consumer.
    struct ToConsumer {
        bool await_ready() const noexcept { return false; }
        std::coroutine_handle<> await_suspend(std::coroutine_handle<AsyncGeneratorPromise> h) noexcept {
            return std::exchange(h.promise().consumer_, nullptr);
        }
        void await_resume() const noexcept {}
    };
    ToConsumer final_suspend() const noexcept { return {}; }
    void unhandled_exception() noexcept { error_ = std::current_exception(); }
    void return_void() const noexcept {}

    ToConsumer yield_value(T& v) noexcept {
        value_ = std::addressof(v);
        return {};
    }
    ToConsumer yield_value(T&& v) noexcept {
        value_ = std::addressof(v);
        return {};
    }
    // Anything else convertible to T: a copy kept in the frame until resumed.
    struct CopyToConsumer : ToConsumer {
        T copy;
        AsyncGeneratorPromise* p;
        std::coroutine_handle<> await_suspend(std::coroutine_handle<AsyncGeneratorPromise> h) noexcept {
            p->value_ = std::addressof(copy);
            return ToConsumer::await_suspend(h);
        }
    };
    template <class U>
        requires(!std::is_same_v<std::remove_cvref_t<U>, T> && std::is_constructible_v<T, U &&>)
    CopyToConsumer yield_value(U&& v) noexcept(std::is_nothrow_constructible_v<T, U&&>) {
        return CopyToConsumer{{}, T(std::forward<U>(v)), this};
    }
    CopyToConsumer yield_value(const T& v) noexcept(std::is_nothrow_copy_constructible_v<T>)
        requires std::is_copy_constructible_v<T>
    {
        return CopyToConsumer{{}, T(v), this};
    }
};

}  // namespace detail

template <class T>
class [[nodiscard]] AsyncGenerator {
    static_assert(!std::is_reference_v<T>, "simul::AsyncGenerator<T&> is not supported: yield pointers or values");

public:
    using promise_type = detail::AsyncGeneratorPromise<T>;
    using handle_type = std::coroutine_handle<promise_type>;
    using value_type = T;

    AsyncGenerator() noexcept = default;
    AsyncGenerator(AsyncGenerator&& o) noexcept : h_(std::exchange(o.h_, {})) {}
    AsyncGenerator& operator=(AsyncGenerator&& o) noexcept {
        if (this != &o) {
            reset();
            h_ = std::exchange(o.h_, {});
        }
        return *this;
    }
    ~AsyncGenerator() { reset(); }

    // True once the producer has returned (or thrown) and next() gives nullopt.
    bool done() const noexcept { return !h_ || h_.done(); }

    struct NextAwaiter {
        handle_type h;
        bool await_ready() const {
            if (!h) throw InvalidStateError("simul::AsyncGenerator::next: the generator is empty (moved from)");
            if (h.promise().consumer_)
                throw InvalidStateError("simul::AsyncGenerator::next: another next() is still waiting; ask for one element at a time");
            return h.done();
        }
        std::coroutine_handle<> await_suspend(std::coroutine_handle<> consumer) noexcept {
            h.promise().consumer_ = consumer;
            h.promise().value_ = nullptr;
            return h;  // run the producer to its next co_yield, inline
        }
        std::optional<T> await_resume() {
            auto& p = h.promise();
            if (p.error_) std::rethrow_exception(std::exchange(p.error_, nullptr));
            if (h.done() || !p.value_) return std::nullopt;
            return std::optional<T>(std::move(*p.value_));
        }
    };
    // The next element, or nullopt at the end; rethrows the producer's exception.
    NextAwaiter next() noexcept { return NextAwaiter{h_}; }

private:
    friend promise_type;
    explicit AsyncGenerator(handle_type h) noexcept : h_(h) {}
    void reset() noexcept {
        if (h_) std::exchange(h_, {}).destroy();
    }
    handle_type h_;
};

namespace detail {
template <class T>
AsyncGenerator<T> AsyncGeneratorPromise<T>::get_return_object() noexcept {
    return AsyncGenerator<T>(std::coroutine_handle<AsyncGeneratorPromise>::from_promise(*this));
}

template <class F, class T>
concept ReturnsAwaitable = !std::is_void_v<std::invoke_result_t<F&, T&>>;
}  // namespace detail

// Runs fn on every element of gen, in order, then returns. fn(T&) may return
// void, or an awaitable (a Task<>) that is awaited before the next element.
//
//     co_await simul::for_each(ticks(3), [](int i) { std::printf("%d\n", i); });
template <class T, class F>
Task<> for_each(AsyncGenerator<T> gen, F fn) {
    while (auto item = co_await gen.next()) {
        if constexpr (detail::ReturnsAwaitable<F, T>)
            co_await fn(*item);
        else
            fn(*item);
    }
}

}  // namespace simul
