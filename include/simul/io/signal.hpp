// simul/io/signal.hpp: POSIX signals as events on the loop: signal(), on_signal(), SignalStream.
//
// `co_await simul::signal(SIGUSR1)` suspends the task until the next SIGUSR1
// reaches the process; every task waiting for that signal wakes, each with
// the same SignalInfo. `simul::on_signal(sig, fn)` runs fn on the loop for
// each delivery until the returned SignalHandler is dropped. A SignalStream
// counts deliveries from its construction on, so none is missed between two
// awaits (tokio's signal()). The loop resumes the waiters and runs the
// handlers as ordinary steps, never inside an async signal handler, so they
// may do anything a task may do.
//
//     simul::Task<> reload_on_hangup(Config& cfg) {
//         simul::SignalStream hup(SIGHUP);
//         for (;;) {
//             co_await hup.next();
//             cfg = co_await load_config();
//         }
//     }
//     auto guard = simul::on_signal(SIGUSR1, [](const simul::SignalInfo& i) { dump_stats(i.pid); });
//
// How: one signalfd per loop, watched like any descriptor. While a signal has
// a listener, the loop's thread blocks it (pthread_sigmask), so the kernel
// queues it for the signalfd instead of running its disposition; when the
// last listener goes, the signal is unblocked again (an instance still pending
// then is discarded). A signal sent to the whole process (kill, Ctrl-C) goes to
// any thread that does not block it: **other threads must block the signals
// the loop listens for** (create them after calling pthread_sigmask, or block
// the signals in main() before starting any thread), or a delivery may run the
// default action (for SIGINT, killing the process) on that thread instead.
// Standard signals do not queue: several sent before the loop reads them
// arrive as one. Children started by simul::subprocess get an empty mask.
// SIGKILL, SIGSTOP and the fault signals (SIGSEGV, SIGBUS, SIGFPE, SIGILL) cannot
// be listened for (simul::Error).
//
// Ctrl-C: simul::run() cancels its main task on the first SIGINT or SIGTERM,
// so the program shuts down through its normal cleanup; a second one while
// main is still ending kills the process with the signal's default action.
// run() does this only on the process's main thread, on the real clock, and
// for a signal whose disposition is still the default; if the program listens
// for SIGINT (SIGTERM) itself, with any of the calls here, it decides instead
// and main is not cancelled.
//
// Cancellation: a task cancelled while it waits in signal() or next()
// unregisters and gets Cancelled; a delivery that already reached it is
// returned instead (the cancel comes at the next suspension point), so a
// delivery is never lost to a cancel. A SignalStream keeps counting
// while nobody waits.
//
// Registrations belong to the loop of the thread that made them and must end
// before that loop does.
#pragma once

#include <sys/types.h>

#include <coroutine>
#include <cstdint>
#include <functional>
#include <simul/core/source_location.hpp>

#include <simul/core/loop.hpp>
#include <simul/detail/park.hpp>

namespace simul {

// One delivery: the signal, and who sent it (pid 0 when the kernel did).
struct SignalInfo {
    int signo = 0;
    pid_t pid = 0;
    uid_t uid = 0;
};

namespace detail {

// A listener for one signal, linked in the loop's signal hub.
struct SignalListener {
    void (*deliver)(SignalListener* self, const SignalInfo& info) noexcept = nullptr;
    SignalListener* prev = nullptr;
    SignalListener* next = nullptr;
    std::uint64_t epoch = 0;  // the hub's delivery count when it was linked
    int signo = 0;
    bool linked = false;
};

// Links l for `sig` on the current loop (blocking the signal on this thread).
void signal_listen(SignalListener* l, int sig);
// Unlinks l; the last listener of a signal unblocks it. Safe while delivering.
void signal_unlisten(SignalListener* l) noexcept;
// Number of listeners for sig on this thread's hub.
std::size_t signal_listeners(int sig) noexcept;
// Throws simul::Error if sig cannot be listened for.
void check_signal(int sig, const char* what);

struct SignalAwaiter : SignalListener, Waiter {
    TaskHeader* task = nullptr;
    SignalInfo info{};
    bool got = false;

    SignalAwaiter(int sig, simul::SourceLocation where) : Waiter{&kOps, where} {
        check_signal(sig, "simul::signal");
        signo = sig;
        deliver = &on_deliver;
    }
    SignalAwaiter(SignalAwaiter&& o) noexcept : SignalListener{&on_deliver}, Waiter(o) { signo = o.signo; }
    ~SignalAwaiter() {
        if (linked) signal_unlisten(this);
    }

    bool await_ready() const noexcept { return false; }
    bool await_suspend(std::coroutine_handle<> h) {
        Loop& loop = require_loop("simul::signal");
        task = loop.current_task();
        signal_listen(this, signo);
        if (park(task, h, this)) return true;
        signal_unlisten(this);
        return false;
    }
    SignalInfo await_resume() {
        if (!got) deliver_cancel(task);
        return info;
    }
    static void on_deliver(SignalListener* l, const SignalInfo& i) noexcept {
        auto* a = static_cast<SignalAwaiter*>(l);
        a->info = i;
        a->got = true;
        signal_unlisten(a);
        wake(*Loop::current(), a->task);
    }
    static void cancel_op(Waiter* w) noexcept {
        auto* a = static_cast<SignalAwaiter*>(w);
        if (a->linked) signal_unlisten(a);
        wake(*Loop::current(), a->task);
    }
    static constexpr WaitOps kOps{&cancel_op, "signal"};
};

struct SignalHandlerNode;

}  // namespace detail

// Waits for the next delivery of sig; see the top of this file.
inline detail::SignalAwaiter signal(int sig, simul::SourceLocation site = simul::SourceLocation::current()) {
    return detail::SignalAwaiter(sig, site);
}

// A registered handler; dropping it (or reset()) unregisters. Move-only.
class [[nodiscard]] SignalHandler {
public:
    SignalHandler() noexcept = default;
    SignalHandler(SignalHandler&& o) noexcept : node_(std::exchange(o.node_, nullptr)) {}
    SignalHandler& operator=(SignalHandler&& o) noexcept {
        if (this != &o) {
            reset();
            node_ = std::exchange(o.node_, nullptr);
        }
        return *this;
    }
    ~SignalHandler() { reset(); }
    void reset() noexcept;
    bool active() const noexcept { return node_ != nullptr; }

private:
    friend SignalHandler on_signal(int, std::function<void(const SignalInfo&)>);
    explicit SignalHandler(detail::SignalHandlerNode* n) noexcept : node_(n) {}
    detail::SignalHandlerNode* node_ = nullptr;
};

// Runs fn on the loop for every delivery of sig while the handle lives. An
// exception from fn goes to the loop's exception handler.
SignalHandler on_signal(int sig, std::function<void(const SignalInfo&)> fn);

// Deliveries of one signal, counted from construction: next() returns at
// once if one arrived since the last next(), else waits. One task at a time
// may wait in next(). Not movable (it is linked in the loop's hub).
class SignalStream : detail::SignalListener {
public:
    explicit SignalStream(int sig);
    ~SignalStream();
    SignalStream(const SignalStream&) = delete;
    SignalStream& operator=(const SignalStream&) = delete;

    // Deliveries not yet taken by next().
    std::size_t pending() const noexcept { return pending_; }

    struct Awaiter : detail::Waiter {
        SignalStream* s;
        detail::TaskHeader* task = nullptr;
        bool await_ready() const noexcept { return s->pending_ > 0; }
        bool await_suspend(std::coroutine_handle<> h);
        SignalInfo await_resume();
        static void cancel_op(detail::Waiter* w) noexcept;
        static constexpr detail::WaitOps kOps{&cancel_op, "signal stream"};
    };
    Awaiter next(simul::SourceLocation site = simul::SourceLocation::current()) noexcept {
        return Awaiter{{&Awaiter::kOps, site}, this};
    }

private:
    static void on_deliver(detail::SignalListener* l, const SignalInfo& i) noexcept;
    std::size_t pending_ = 0;
    SignalInfo last_{};
    Awaiter* waiting_ = nullptr;
};

namespace detail {

// What simul::run() installs: SIGINT and SIGTERM cancel `main`; see the top
// of this file. Does nothing (an empty guard) where it does not apply.
class InterruptGuard {
public:
    InterruptGuard() noexcept = default;
    InterruptGuard(InterruptGuard&&) noexcept = default;
    InterruptGuard& operator=(InterruptGuard&&) noexcept = default;
    ~InterruptGuard() = default;

private:
    friend InterruptGuard install_default_interrupts(Loop& loop, TaskHeader* main);
    SignalHandler handlers_[2];
};
InterruptGuard install_default_interrupts(Loop& loop, TaskHeader* main);

}  // namespace detail

}  // namespace simul
