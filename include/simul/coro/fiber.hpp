// simul/coro/fiber.hpp: fibers (greenlets): plain functions that wait with calls that look blocking.
//
// `simul::fiber::spawn(fn)` runs fn on a stack of its own. Inside it,
// `simul::fiber::await(x)` waits for any awaitable (a Task, a TaskHandle, a
// Future, sleep(), an AsyncGenerator's next()) and returns its value or
// throws its exception; fiber::sleep(d) and fiber::yield() are the usual
// waits. Each of them suspends the fiber, not the thread: the stack is
// switched back to the loop, which runs the other tasks meanwhile. Code deep
// in a call stack, or written before coroutines (a parser, a callback from a
// C library that expects to block), can thus wait without being rewritten.
//
//     int fetch_twice(Client& c) {                    // an ordinary function
//         simul::fiber::sleep(1s);
//         return simul::fiber::await(c.get("a")) + simul::fiber::await(c.get("b"));
//     }
//     auto h = simul::fiber::spawn([&] { return fetch_twice(c); }, {.name = "fetch"});
//     int n = co_await h;                              // from a task
//
// Who resumes: a fiber is driven by a simul task that owns its stack. The
// task switches into the fiber; fiber::await switches back to the task,
// which co_awaits the awaitable on the fiber's behalf, then switches in
// again. So a fiber *is* a task for everything else: spawn returns a
// TaskHandle (await it, cancel it, drop it), it has a name, a lost exception
// goes to the loop's exception handler, debug mode times its steps.
//
// Cancellation: cancelling the handle throws simul::Cancelled out of the
// fiber's current (or next) blocking-looking call; the fiber may clean up
// (and wait again) and should let it propagate. Calling a fiber-only
// function outside a fiber throws simul::Error saying what to use instead.
//
// Stacks: `stack_size` bytes (default 256 KiB), mapped lazily (an idle fiber
// costs the pages it has touched: 10,000 idle fibers take about 45 MiB) with
// a guard page below: an overflow faults on the guard page and the process
// ends with a report naming the fiber, instead of corrupting memory. Each
// stack is two memory mappings, so a process holds at most about 30,000
// fibers (vm.max_map_count). A switch through the loop costs about 20-27 ns
// here, a task's about 3.5 ns; docs/performance.md has the figures.
//
// Do not catch(...) without rethrowing inside a fiber: a fiber destroyed
// unfinished (its loop closed under it) unwinds its stack with a special
// exception, thrown from its pending wait.
//
// Needs Boost.Context (Debian: libboost-context1.81-dev); the library is
// built with SIMUL_HAVE_FIBERS when it was found.
#pragma once

#include <cstddef>
#include <exception>
#include <optional>
#include <simul/core/source_location.hpp>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#if !__has_include(<boost/context/detail/fcontext.hpp>)
#error "simul/coro/fiber.hpp needs Boost.Context: apt-get install libboost-context1.81-dev, then reconfigure simul"
#endif
#include <boost/context/detail/fcontext.hpp>

#include <simul/core/clock.hpp>
#include <simul/core/error.hpp>
#include <simul/coro/generator_coroutine.hpp>
#include <simul/coro/run.hpp>
#include <simul/coro/sleep.hpp>
#include <simul/coro/spawn.hpp>
#include <simul/coro/task.hpp>

namespace simul::fiber {

inline constexpr std::size_t kDefaultStackSize = 256 * 1024;

// Trivially destructible on purpose: g++ 12 mishandles temporaries with
// destructors in default arguments inside co_await expressions.
struct Options {
    std::size_t stack_size = kDefaultStackSize;  // rounded up to whole pages, plus one guard page
    std::string_view name = {};                  // the task's name in reports (copied at once)
};

// A fiber's handle is its task's handle.
template <class T = void>
using Handle = TaskHandle<T>;

}  // namespace simul::fiber

namespace simul::detail {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SIMUL_FIBER_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SIMUL_FIBER_SANITIZED 1
#endif
#endif

class FiberBase;

// The fiber running on this thread, or null.
inline thread_local constinit FiberBase* tls_current_fiber = nullptr;
inline FiberBase* current_fiber() noexcept { return tls_current_fiber; }

// One fiber: its stack, its context and what it waits on. Lives in the frame
// of the task that drives it. The switches are Boost.Context's fcontext jumps,
// inline here (a switch is on the path of every wait); making the stack, the
// first entry, sanitizer annotations and the guard-page report are in
// src/coro/fiber.cpp.
class FiberBase {
public:
    FiberBase() noexcept = default;
    FiberBase(const FiberBase&) = delete;
    FiberBase& operator=(const FiberBase&) = delete;

    // From the driving task: runs the fiber until it waits or ends (then
    // `finished()`; its exception, if any, is in `error`).
    [[gnu::always_inline]] void switch_in() {
        if (!ctx_) [[unlikely]]
            start();
#ifdef SIMUL_FIBER_SANITIZED
        switch_in_annotated();
#else
        FiberBase* prev = tls_current_fiber;
        tls_current_fiber = this;
        ctx_ = boost::context::detail::jump_fcontext(ctx_, nullptr).fctx;
        tls_current_fiber = prev;
#endif
        if (finished_) [[unlikely]]
            release();
    }
    bool finished() const noexcept { return finished_; }

    // From the fiber: back to the driving task, which waits on `op`.
    [[gnu::always_inline]] void wait_on(ErasedAwait& op) {
        pending = &op;
#ifdef SIMUL_FIBER_SANITIZED
        switch_out_annotated();
#else
        caller_ = boost::context::detail::jump_fcontext(caller_, nullptr).fctx;
#endif
        if (unwinding_) [[unlikely]]
            throw_unwind();
    }

    ErasedAwait* pending = nullptr;
    std::exception_ptr error;

    // For the guard-page report (read in a signal handler).
    char* stack_base = nullptr;  // the guard page; the usable stack is above it
    std::size_t stack_usable = 0;
    const char* name = nullptr;

protected:
    ~FiberBase();  // frees the stack (unwinding it first, if the derived class did not)
    // Unwinds the stack of a fiber destroyed before it ended (its loop closed
    // under it), so that the objects on it are destroyed; the derived class
    // calls it while what the fiber's function uses is still alive.
    void unwind_if_unfinished() noexcept;
    void prepare(std::size_t stack_size, const char* name_for_reports) noexcept {
        stack_size_ = stack_size;
        name = name_for_reports;
    }

private:
    virtual void body() = 0;  // runs fn on the fiber's stack
    void start();             // maps the stack, makes the context
    void release() noexcept;  // gives the stack back (the fiber has ended)
    void switch_in_annotated();
    void switch_out_annotated();
    [[noreturn]] static void throw_unwind();
    static void trampoline(boost::context::detail::transfer_t from) noexcept;
    friend struct FiberAccess;

    boost::context::detail::fcontext_t ctx_ = nullptr;     // the fiber, while suspended
    boost::context::detail::fcontext_t caller_ = nullptr;  // the driver, while the fiber runs
    std::size_t stack_size_ = 0;
    bool finished_ = false;
    bool unwinding_ = false;  // being destroyed unfinished: every wait throws FiberUnwind
    void* sanitizer_ = nullptr;  // sanitizer bookkeeping (src/coro/fiber.cpp)
};

[[noreturn]] void throw_not_in_fiber(const char* what, const char* instead);

template <class R, class F>
class Fiber final : public FiberBase {
public:
    Fiber(F fn, std::size_t stack_size, std::string fiber_name) : fn_(std::move(fn)), fiber_name_(std::move(fiber_name)) {
        prepare(stack_size, fiber_name_.empty() ? nullptr : fiber_name_.c_str());
    }
    ~Fiber() { unwind_if_unfinished(); }
    std::optional<std::conditional_t<std::is_void_v<R>, bool, R>> result;

private:
    void body() override {
        if constexpr (std::is_void_v<R>) {
            fn_();
            result.emplace(true);
        } else {
            result.emplace(fn_());
        }
    }
    F fn_;
    std::string fiber_name_;
};

// The driving task: switch in, wait on what the fiber waits on, repeat.
template <class R, class F>
Task<R> drive_fiber(F fn, std::size_t stack_size, std::string name) {
    Fiber<R, F> f(std::move(fn), stack_size, std::move(name));
    for (;;) {
        f.switch_in();
        if (f.finished()) break;
        co_await ErasedAwaiter{f.pending};
    }
    if (f.error) std::rethrow_exception(f.error);
    if constexpr (!std::is_void_v<R>) co_return std::move(*f.result);
}

}  // namespace simul::detail

namespace simul::fiber {

// True when called on a fiber's stack.
inline bool in_fiber() noexcept { return detail::current_fiber() != nullptr; }

// A task that runs fn as a fiber when awaited or spawned (fiber::spawn is
// simul::spawn of this). `simul::run(simul::fiber::make_task(main))` runs a
// whole program as a fiber.
template <class F, class R = std::invoke_result_t<std::decay_t<F>&>>
Task<R> make_task(F&& fn, Options options = {}) {
    return detail::drive_fiber<R, std::decay_t<F>>(std::forward<F>(fn), options.stack_size, std::string(options.name));
}

// Starts fn as a fiber on the current loop; see the top of this file.
template <class F, class R = std::invoke_result_t<std::decay_t<F>&>>
Handle<R> spawn(F&& fn, Options options = {}, simul::SourceLocation where = simul::SourceLocation::current()) {
    return simul::spawn(make_task(std::forward<F>(fn), options), std::string(options.name), where);
}

// Waits for `a` from inside a fiber, suspending the fiber (not the thread);
// returns its value or throws its exception, as `co_await a` would in a task.
template <class A>
[[gnu::always_inline]] inline decltype(auto) await(A&& a) {  // inline: one return less after each switch
    detail::FiberBase* self = detail::current_fiber();
    if (!self) [[unlikely]]
        detail::throw_not_in_fiber("simul::fiber::await", "in a task write `co_await x`");
    decltype(auto) aw = detail::get_awaiter(std::forward<A>(a));  // built in place
    if (!aw.await_ready()) {
        detail::ErasedAwait op = detail::ErasedAwait::of(aw);
        self->wait_on(op);
        op.rethrow_if_error();
    }
    return aw.await_resume();
}

// Suspends the fiber for at least d on the loop's clock.
[[gnu::always_inline]] inline void sleep(Duration d, simul::SourceLocation site = simul::SourceLocation::current()) {
    if (!in_fiber()) [[unlikely]]
        detail::throw_not_in_fiber("simul::fiber::sleep", "in a task write `co_await simul::sleep(d)`");
    await(simul::sleep(d, site));
}

// Suspends the fiber until the loop's clock reaches `deadline`.
inline void sleep_until(TimePoint deadline, simul::SourceLocation site = simul::SourceLocation::current()) {
    if (!in_fiber()) [[unlikely]]
        detail::throw_not_in_fiber("simul::fiber::sleep_until", "in a task write `co_await simul::sleep_until(t)`");
    await(simul::sleep_until(deadline, site));
}

// Lets every other ready task run before this fiber continues.
[[gnu::always_inline]] inline void yield(simul::SourceLocation site = simul::SourceLocation::current()) {
    if (!in_fiber()) [[unlikely]]
        detail::throw_not_in_fiber("simul::fiber::yield", "in a task write `co_await simul::yield()`");
    await(simul::yield(site));
}

// Runs fn as a fiber on a fresh loop (simul::run for fibers).
template <class F, class R = std::invoke_result_t<std::decay_t<F>&>>
R run(F&& fn, RunOptions run_options = {}, Options options = {}) {
    return simul::run(make_task(std::forward<F>(fn), options), std::move(run_options));
}

}  // namespace simul::fiber
