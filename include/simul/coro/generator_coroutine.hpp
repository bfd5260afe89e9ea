// simul/coro/generator_coroutine.hpp: GeneratorCoroutine<T>, the generator-based coroutine of
// async/await's prehistory, driven by the loop as a task.
//
// Before `await` existed, Python's asyncio (3.4, PEP 3156) wrote a coroutine
// as a generator that *yields the things it waits for*: `yield from
// asyncio.sleep(3)`. A driver (asyncio's Task) ran the generator until it
// yielded, waited on what it yielded, and sent the result back in. That is
// all async/await is, with the driver folded into the compiler. This header
// shows it, for the tutorial: a GeneratorCoroutine co_yields awaitables, and
// simul::drive() turns it into a Task that waits on each one on its behalf.
//
//     simul::GeneratorCoroutine<> hello() {
//         std::puts("hello");
//         co_yield simul::sleep(3s);             // "yield from asyncio.sleep(3)"
//         std::puts("world");
//     }
//     simul::run(simul::drive(hello()));
//
// `auto v = co_yield some_future;` gives the awaited value back (or throws its
// exception at the co_yield: generator.throw()); co_return sets the result.
// New code should write Task<T> and co_await: it is the same thing, shorter,
// and without the driver's extra step per wait.
//
// Cancellation: the driver is an ordinary task; cancelling it cancels the
// wait in progress, and simul::Cancelled comes out of the co_yield.
//
// The driving trick (run someone's await_suspend on the driver's behalf, then
// let the suspended code call await_resume itself) is ErasedAwait below; the
// fibers (coro/fiber.hpp) use it too.
#pragma once

#include <coroutine>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

#include <simul/core/error.hpp>
#include <simul/coro/task.hpp>
#include <simul/detail/frame_pool.hpp>

namespace simul {

namespace detail {

template <class A>
concept MemberCoAwait = requires(A&& a) { std::forward<A>(a).operator co_await(); };
template <class A>
concept FreeCoAwait = requires(A&& a) { operator co_await(std::forward<A>(a)); };

// The awaiter that `co_await a` would use: a.operator co_await(), operator
// co_await(a), or a itself.
template <class A>
decltype(auto) get_awaiter(A&& a) {
    if constexpr (MemberCoAwait<A>)
        return std::forward<A>(a).operator co_await();
    else if constexpr (FreeCoAwait<A>)
        return operator co_await(std::forward<A>(a));
    else
        return std::forward<A>(a);
}
template <class A>
using awaiter_t = decltype(get_awaiter(std::declval<A>()));
template <class A>
using await_result_t = decltype(std::declval<std::remove_reference_t<awaiter_t<A>>&>().await_resume());

// An await that someone else performs: the code that wants to wait (a
// generator coroutine, a fiber) keeps the awaiter and builds this; a driver
// task then does `co_await ErasedAwaiter{&op}`, which runs the awaiter's
// await_suspend with the driver's handle (so the wait belongs to the driver's
// task: its cancellation, its name). When the driver resumes, it hands control
// back and the waiting code calls await_resume itself. An exception from
// await_suspend is kept in `error` for the waiting code to rethrow.
struct ErasedAwait {
    void* awaiter = nullptr;
    std::coroutine_handle<> (*suspend)(ErasedAwait& self, std::coroutine_handle<> driver) noexcept = nullptr;
    std::exception_ptr error;

    template <class Aw>
    static std::coroutine_handle<> suspend_as(ErasedAwait& self, std::coroutine_handle<> driver) noexcept {
        auto& aw = *static_cast<Aw*>(self.awaiter);
        try {
            using R = decltype(aw.await_suspend(driver));
            if constexpr (std::is_void_v<R>) {
                aw.await_suspend(driver);
                return std::noop_coroutine();
            } else if constexpr (std::is_same_v<R, bool>) {
                return aw.await_suspend(driver) ? std::coroutine_handle<>(std::noop_coroutine()) : driver;
            } else {
                return aw.await_suspend(driver);
            }
        } catch (...) {
            self.error = std::current_exception();
            return driver;
        }
    }
    template <class Aw>
    static ErasedAwait of(Aw& aw) noexcept {
        ErasedAwait e;
        e.awaiter = std::addressof(aw);
        e.suspend = &suspend_as<Aw>;
        return e;
    }
    void rethrow_if_error() {
        if (error) std::rethrow_exception(std::exchange(error, nullptr));
    }
};

struct ErasedAwaiter {
    ErasedAwait* op;
    bool await_ready() const noexcept { return false; }
    std::coroutine_handle<> await_suspend(std::coroutine_handle<> driver) noexcept { return op->suspend(*op, driver); }
    void await_resume() const noexcept {}
};

template <class T>
struct GeneratorCoroutinePromise;

}  // namespace detail

template <class T = void>
class [[nodiscard]] GeneratorCoroutine {
public:
    using promise_type = detail::GeneratorCoroutinePromise<T>;
    using handle_type = std::coroutine_handle<promise_type>;

    GeneratorCoroutine(GeneratorCoroutine&& o) noexcept : h_(std::exchange(o.h_, {})) {}
    GeneratorCoroutine& operator=(GeneratorCoroutine&&) = delete;
    ~GeneratorCoroutine() {
        if (h_) h_.destroy();
    }

private:
    template <class U>
    friend Task<U> drive(GeneratorCoroutine<U> gen);
    friend promise_type;
    explicit GeneratorCoroutine(handle_type h) noexcept : h_(h) {}
    handle_type h_;
};

namespace detail {

template <class T>
struct GeneratorCoroutineResult {
    std::optional<T> value;
    template <class U>
    void return_value(U&& v) {
        value.emplace(std::forward<U>(v));
    }
};
template <>
struct GeneratorCoroutineResult<void> {
    void return_void() noexcept {}
};

template <class T>
struct GeneratorCoroutinePromise : GeneratorCoroutineResult<T> {
    // Whole 16-byte granules, so that frames stay aligned as operator new's are.
    static void* operator new(std::size_t n) { return frame_alloc((n + 15) & ~std::size_t(15)); }
    static void operator delete(void* p, std::size_t n) noexcept { frame_free(p, (n + 15) & ~std::size_t(15)); }

    ErasedAwait* pending = nullptr;  // what the coroutine yielded, for the driver
    std::exception_ptr error;

    GeneratorCoroutine<T> get_return_object() noexcept {
        return GeneratorCoroutine<T>(std::coroutine_handle<GeneratorCoroutinePromise>::from_promise(*this));
    }
    std::suspend_always initial_suspend() const noexcept { return {}; }
    std::suspend_always final_suspend() const noexcept { return {}; }
    void unhandled_exception() noexcept { error = std::current_exception(); }

    // `co_yield awaitable`: suspend, let the driver wait, then await_resume here.
    // The awaiter is built in place (simul's awaiters neither copy nor move).
    template <class A>
    struct YieldAwaiter {
        A&& awaitable;
        awaiter_t<A> awaiter;  // a reference when the awaitable is its own awaiter
        GeneratorCoroutinePromise* promise;
        ErasedAwait op;

        YieldAwaiter(A&& a, GeneratorCoroutinePromise* p)
            : awaitable(std::forward<A>(a)), awaiter(get_awaiter(std::forward<A>(awaitable))), promise(p) {}
        YieldAwaiter(const YieldAwaiter&) = delete;

        bool await_ready() { return awaiter.await_ready(); }
        void await_suspend(std::coroutine_handle<>) noexcept {
            op = ErasedAwait::of(awaiter);
            promise->pending = &op;
        }
        decltype(auto) await_resume() {
            op.rethrow_if_error();
            return awaiter.await_resume();
        }
    };
    template <class A>
    YieldAwaiter<A> yield_value(A&& a) {
        return YieldAwaiter<A>(std::forward<A>(a), this);
    }

    template <class U>
    std::suspend_never await_transform(U&&) = delete;  // it yields what it waits for
};

}  // namespace detail

// The task that runs `gen`, waiting on each thing it yields; see the top of this file.
template <class T>
Task<T> drive(GeneratorCoroutine<T> gen) {
    if (!gen.h_) throw InvalidStateError("simul::drive: the generator coroutine is empty (moved from)");
    auto& p = gen.h_.promise();
    for (;;) {
        p.pending = nullptr;
        gen.h_.resume();  // runs it to its next co_yield, or to its end
        if (gen.h_.done()) break;
        co_await detail::ErasedAwaiter{p.pending};  // wait on its behalf
    }
    if (p.error) std::rethrow_exception(p.error);
    if constexpr (!std::is_void_v<T>) co_return std::move(*p.value);
}

}  // namespace simul
