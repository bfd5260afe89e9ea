// simul/coro/wait_fd.hpp: wait_readable() and wait_writable(), readiness of a file descriptor.
//
// `co_await simul::wait_readable(fd)` suspends the task until the loop's
// poller reports fd readable (or hung up, or in error); then the task does
// its own non-blocking read. This is the lowest level of simul's I/O: the
// byte streams and sockets are built on it. The descriptor should be
// non-blocking, and the loop must be told before it is closed
// (loop.forget_fd(fd)), so that no stale event reaches a new descriptor with
// the same number.
//
//     for (;;) {
//         ssize_t n = ::read(fd, buf, sizeof buf);
//         if (n >= 0) break;
//         if (errno != EAGAIN) throw std::system_error(errno, std::generic_category());
//         co_await simul::wait_readable(fd);
//     }
//
// One task at a time may wait for each direction of a descriptor.
// Cancellation: a cancelled waiter is unregistered at once and gets Cancelled.
// If the descriptor is forgotten while a task waits, the wait throws
// std::system_error(EBADF).
#pragma once

#include <cerrno>
#include <coroutine>
#include <simul/core/source_location.hpp>
#include <system_error>

#include <simul/core/loop.hpp>
#include <simul/detail/park.hpp>

namespace simul {

namespace detail {

struct FdAwaiter : IoWatch, Waiter {
    int fd;
    IoDirection dir;
    TaskHeader* task = nullptr;
    bool registered = false;
    bool closed = false;

    FdAwaiter(int f, IoDirection d, simul::SourceLocation where) noexcept
        : IoWatch{&on_ready}, Waiter{d == kRead ? &kReadOps : &kWriteOps, where}, fd(f), dir(d) {}
    FdAwaiter(FdAwaiter&& o) noexcept : IoWatch{&on_ready}, Waiter(o), fd(o.fd), dir(o.dir) {}
    ~FdAwaiter() {
        if (registered) Loop::current()->unwatch_fd(fd, dir, this);
    }

    bool await_ready() const noexcept { return false; }
    bool await_suspend(std::coroutine_handle<> h) {
        Loop& loop = require_loop("simul::wait_readable/wait_writable");
        task = loop.current_task();
        if (!park(task, h, this)) return false;
        loop.watch_fd(fd, dir, this);
        registered = true;
        return true;
    }
    void await_resume() const {
        deliver_cancel(task);
        if (closed) throw std::system_error(EBADF, std::generic_category(), "simul: the descriptor was closed while a task waited on it");
    }

    static void on_ready(IoWatch* w, bool was_closed) noexcept {
        auto* a = static_cast<FdAwaiter*>(w);
        a->registered = false;  // one-shot: the loop has dropped the watch
        a->closed = was_closed;
        wake(*Loop::current(), a->task);
    }
    static void cancel_op(Waiter* w) noexcept {
        auto* a = static_cast<FdAwaiter*>(w);
        Loop& loop = *Loop::current();
        if (a->registered) {
            loop.unwatch_fd(a->fd, a->dir, a);
            a->registered = false;
        }
        wake(loop, a->task);
    }
    static void describe(const Waiter* w, std::string& out) {
        out += "fd " + std::to_string(static_cast<const FdAwaiter*>(w)->fd);
    }
    static constexpr WaitOps kReadOps{&cancel_op, "readable fd", nullptr, &describe};
    static constexpr WaitOps kWriteOps{&cancel_op, "writable fd", nullptr, &describe};
};

}  // namespace detail

inline detail::FdAwaiter wait_readable(int fd, simul::SourceLocation site = simul::SourceLocation::current()) {
    return detail::FdAwaiter(fd, detail::kRead, site);
}
inline detail::FdAwaiter wait_writable(int fd, simul::SourceLocation site = simul::SourceLocation::current()) {
    return detail::FdAwaiter(fd, detail::kWrite, site);
}

}  // namespace simul
