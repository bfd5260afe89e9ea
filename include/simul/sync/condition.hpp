// simul/sync/condition.hpp: Condition, waiting for a change announced under a Lock.
//
// A task holding the condition's lock calls `co_await cond.wait()`: the lock
// is released and the task queues (FIFO) until notify() or notify_all(); then
// it queues for the lock again, and wait() returns once it holds it (the
// guard the task took stays valid). notify(n) moves the first n waiters over
// to the lock's queue (or gives them the lock if it is free) and puts them on
// the ready queue as they get it; so a notification goes to a waiter that is
// still there, never to one that has left. `wait_for(pred)` loops on wait()
// until pred() is true. notify() and wait() need the lock held (simul::Error
// otherwise). No allocation in wait(): its node lives in the caller's frame.
//
// Cancellation: a task cancelled while it waits for a notification leaves the
// notification queue, takes the lock back (waiting for it if needed: the
// caller's guard must stay truthful) and then throws simul::Cancelled. A task
// cancelled after it was notified returns normally, holding the lock; the
// cancel is delivered at its next suspension point. A notification is never
// swallowed by a cancelled waiter.
//
//     simul::Condition cond;
//     std::deque<int> jobs;
//     simul::Task<> consumer() {
//         auto held = co_await cond.acquire();
//         co_await cond.wait_for([&] { return !jobs.empty(); });
//         int job = jobs.front(); jobs.pop_front();
//     }
//     simul::Task<> producer() {
//         auto held = co_await cond.acquire();
//         jobs.push_back(42);
//         cond.notify();
//     }
//
// Loop-thread object. See also: Lock (sync/lock.hpp), Event (sync/event.hpp).
#pragma once

#include <coroutine>
#include <cstddef>
#include <limits>
#include <simul/core/source_location.hpp>
#include <utility>

#include <simul/coro/task.hpp>
#include <simul/sync/lock.hpp>

namespace simul {

class Condition {
public:
    // With a lock of its own.
    Condition() noexcept : lock_(&own_) {}
    // Sharing `lock` (several conditions on one lock).
    explicit Condition(Lock& lock) noexcept : lock_(&lock) {}
    Condition(const Condition&) = delete;
    Condition& operator=(const Condition&) = delete;

    Lock& lock() noexcept { return *lock_; }
    bool locked() const noexcept { return lock_->locked(); }
    // Acquires the underlying lock: `auto held = co_await cond.acquire();`.
    [[nodiscard]] Lock::Awaiter acquire(simul::SourceLocation site = simul::SourceLocation::current()) noexcept {
        return lock_->acquire(site);
    }

    // Wakes up to n waiters (FIFO). The lock must be held.
    void notify(std::size_t n = 1) {
        if (!lock_->locked()) throw Error("simul::Condition::notify: acquire the condition's lock first");
        for (; n > 0 && !waiters_.empty(); --n) {
            auto* w = static_cast<Awaiter*>(waiters_.pop_front());
            if (lock_->take_or_queue(w)) detail::grant(w);
        }
    }
    void notify_all() { notify(std::numeric_limits<std::size_t>::max()); }

private:
    // A notification whose receiver vanished goes to the next waiter.
    void pass_on() noexcept {
        if (waiters_.empty()) return;
        auto* w = static_cast<detail::SyncWaiter*>(waiters_.pop_front());
        if (lock_->take_or_queue(w)) detail::grant(w);
    }

public:

    struct Awaiter : detail::SyncWaiter {
        Condition* cond;
        bool gave_up = false;  // cancelled before a notification
        Awaiter(Condition* c, simul::SourceLocation s) noexcept : SyncWaiter(&kOps, s), cond(c) {}
        Awaiter(Awaiter&&) = default;
        ~Awaiter() {
            // Its frame died before it resumed (reliability.md row 3): a
            // notification it received goes on to the next waiter, and a lock
            // it was given is released.
            const bool notified = !gave_up && (state == State::granted || (list && list != &cond->waiters_));
            if (list) list->remove(this);
            if (!detail::loop_running()) return;
            if (notified) cond->pass_on();
            if (state == State::granted) cond->lock_->unlock();
        }
        bool await_ready() const noexcept { return false; }
        bool await_suspend(std::coroutine_handle<> h) {
            if (!cond->lock_->locked()) throw Error("simul::Condition::wait: acquire the condition's lock first");
            if (!detail::suspend_on(cond->waiters_, this, h, "simul::Condition::wait")) return false;
            cond->lock_->unlock();
            return true;
        }
        void await_resume() {
            if (state == State::cancelled || gave_up) {
                state = State::consumed;
                detail::finish_cancelled(task);
            }
            state = State::consumed;
        }
        static void cancel_op(detail::Waiter* base) noexcept {
            auto* w = static_cast<Awaiter*>(static_cast<detail::SyncWaiter*>(base));
            if (w->list != &w->cond->waiters_) return;  // notified, queued for the lock: keep waiting for it
            w->list->remove(w);
            w->gave_up = true;
            if (w->cond->lock_->take_or_queue(w)) detail::grant(w);
        }
        static constexpr detail::WaitOps kOps{&cancel_op, "condition"};
    };
    // Releases the lock, waits for a notification, takes the lock back.
    [[nodiscard]] Awaiter wait(simul::SourceLocation site = simul::SourceLocation::current()) noexcept {
        return Awaiter(this, site);
    }

    // Waits until pred() is true (checked with the lock held).
    template <class Pred>
    Task<> wait_for(Pred pred) {
        while (!pred()) co_await wait();
    }

    struct Statistics {
        bool locked;
        std::size_t waiters;       // waiting for a notification
        std::size_t lock_waiters;  // queued for the lock (notified ones included)
    };
    Statistics statistics() const noexcept { return {lock_->locked(), waiters_.size, lock_->waiters_.size}; }

private:
    Lock own_;
    Lock* lock_;
    detail::WaitList waiters_;
};

}  // namespace simul
