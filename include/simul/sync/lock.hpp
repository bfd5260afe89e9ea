// simul/sync/lock.hpp: Lock, mutual exclusion between tasks on one loop.
//
// `co_await lock.acquire()` returns at once if the lock is free and nobody
// waits; otherwise the task queues (FIFO) and suspends. `release()` hands the
// lock directly to the first waiter (it stays locked) and puts that task on
// the ready queue; no one can barge in between. acquire() returns a guard
// that releases the lock when it ends. No allocation: the waiter node lives in
// the awaiting coroutine's frame.
//
// Cancellation: a waiter cancelled while queued unlinks itself, throws
// simul::Cancelled and never holds the lock; the next waiter is untouched. A
// waiter that was handed the lock and is cancelled before it resumes gets the
// lock (its guard) normally; the cancel is delivered at its next suspension
// point, where the guard's destructor releases the lock. The lock is never
// lost or handed to a task that is gone.
//
//     simul::Lock lock;
//     simul::Task<> deposit(Account& a, int n) {
//         auto held = co_await lock.acquire();    // released when `held` ends
//         a.balance += n;
//     }
//
// A Lock has no owner: any task may release it (as asyncio.Lock). It belongs
// to the thread of the loop that uses it (loop-thread object).
// See also: Semaphore (sync/semaphore.hpp), Condition (sync/condition.hpp).
#pragma once

#include <coroutine>
#include <cstddef>
#include <optional>
#include <simul/core/source_location.hpp>
#include <utility>

#include <simul/core/error.hpp>
#include <simul/sync/wait_list.hpp>

namespace simul {

class Lock;

// Holds a Lock; releases it when destroyed (or at release()). Move-only.
class [[nodiscard]] LockGuard {
public:
    LockGuard() noexcept = default;
    explicit LockGuard(Lock* l) noexcept : lock_(l) {}
    LockGuard(LockGuard&& o) noexcept : lock_(std::exchange(o.lock_, nullptr)) {}
    LockGuard& operator=(LockGuard&& o) noexcept {
        if (this != &o) {
            release();
            lock_ = std::exchange(o.lock_, nullptr);
        }
        return *this;
    }
    ~LockGuard() { release(); }
    bool owns_lock() const noexcept { return lock_ != nullptr; }
    explicit operator bool() const noexcept { return owns_lock(); }
    // Releases now (at most once).
    inline void release() noexcept;

private:
    Lock* lock_ = nullptr;
};

class Lock {
public:
    Lock() = default;
    Lock(const Lock&) = delete;
    Lock& operator=(const Lock&) = delete;

    bool locked() const noexcept { return locked_; }

    // Takes the lock if it is free and nobody waits (no barging past the queue).
    bool try_lock() noexcept {
        if (locked_) return false;
        locked_ = true;
        return true;
    }
    // The same, as a guard (empty if the lock was not taken).
    std::optional<LockGuard> try_acquire() noexcept {
        if (!try_lock()) return std::nullopt;
        return LockGuard(this);
    }

    // Hands the lock to the first waiter, or frees it. Throws simul::Error if
    // the lock is not held.
    void release() {
        if (!locked_) throw Error("simul::Lock::release: the lock is not held (released twice?)");
        unlock();
    }

    struct Awaiter : detail::SyncWaiter {
        Lock* lock;
        Awaiter(Lock* l, simul::SourceLocation s) noexcept : SyncWaiter(&kOps, s), lock(l) {}
        Awaiter(Awaiter&&) = default;
        ~Awaiter() {
            if (list) list->remove(this);
            if (state == State::granted && detail::loop_running()) lock->unlock();  // its frame died before it resumed
        }
        bool await_ready() noexcept {
            if (!lock->try_lock()) return false;
            state = State::granted;
            return true;
        }
        bool await_suspend(std::coroutine_handle<> h) {
            return detail::suspend_on(lock->waiters_, this, h, "simul::Lock::acquire");
        }
        LockGuard await_resume() {
            if (state == State::cancelled) detail::finish_cancelled(task);
            state = State::consumed;
            return LockGuard(lock);
        }
        static constexpr detail::WaitOps kOps{&detail::cancel_waiting, "lock"};
    };
    // Waits for the lock (FIFO); the guard releases it.
    [[nodiscard]] Awaiter acquire(simul::SourceLocation site = simul::SourceLocation::current()) noexcept {
        return Awaiter(this, site);
    }

    struct Statistics {
        bool locked;
        std::size_t waiters;
    };
    Statistics statistics() const noexcept { return {locked_, waiters_.size}; }

private:
    friend class Condition;
    friend class LockGuard;
    // Hand-off: the lock stays locked and goes to the first waiter.
    void unlock() noexcept {
        if (detail::SyncWaiter* w = waiters_.head)
            detail::grant(w);
        else
            locked_ = false;
    }
    // Takes the lock for `w` now, or queues it (used by Condition to requeue a
    // notified waiter). True if taken at once.
    bool take_or_queue(detail::SyncWaiter* w) noexcept {
        if (try_lock()) return true;
        w->state = detail::SyncWaiter::State::waiting;
        waiters_.push_back(w);
        return false;
    }

    detail::WaitList waiters_;
    bool locked_ = false;
};

inline void LockGuard::release() noexcept {
    if (Lock* l = std::exchange(lock_, nullptr)) l->unlock();
}

}  // namespace simul
