// simul/sync/semaphore.hpp: Semaphore and BoundedSemaphore, a counter of permits.
//
// `co_await sem.acquire()` takes a permit at once if one is free and nobody
// waits; otherwise the task queues (FIFO) and suspends. `release()` hands the
// permit directly to the first waiter and puts that task on the ready queue
// (the count does not go up, so no one barges in); with no waiter it returns
// the permit to the count. acquire() returns a guard that releases the permit
// when it ends. BoundedSemaphore throws simul::Error from a release() that
// would raise the count above its initial value (a release with no acquire).
// No allocation: the waiter node lives in the awaiting coroutine's frame.
//
// Cancellation: a waiter cancelled while queued unlinks itself, throws
// simul::Cancelled and takes no permit; the next waiter is untouched. A waiter
// handed a permit and cancelled before it resumes keeps the permit (returns
// its guard normally); the cancel is delivered at its next suspension point.
// Permits are never lost or duplicated.
//
//     simul::Semaphore slots(3);                 // at most 3 downloads at once
//     simul::Task<> download(std::string url) {
//         auto permit = co_await slots.acquire();
//         co_await fetch(url);
//     }
//
// Loop-thread objects: use a semaphore only from its loop's thread.
// See also: Lock (sync/lock.hpp), Queue (sync/queue.hpp).
#pragma once

#include <coroutine>
#include <cstddef>
#include <limits>
#include <optional>
#include <simul/core/source_location.hpp>
#include <string>
#include <utility>

#include <simul/core/error.hpp>
#include <simul/sync/wait_list.hpp>

namespace simul {

class Semaphore;

// Holds one permit; releases it when destroyed (or at release()). Move-only.
class [[nodiscard]] SemaphoreGuard {
public:
    SemaphoreGuard() noexcept = default;
    explicit SemaphoreGuard(Semaphore* s) noexcept : sem_(s) {}
    SemaphoreGuard(SemaphoreGuard&& o) noexcept : sem_(std::exchange(o.sem_, nullptr)) {}
    SemaphoreGuard& operator=(SemaphoreGuard&& o) noexcept {
        if (this != &o) {
            release();
            sem_ = std::exchange(o.sem_, nullptr);
        }
        return *this;
    }
    ~SemaphoreGuard() { release(); }
    explicit operator bool() const noexcept { return sem_ != nullptr; }
    inline void release() noexcept;
    // Keeps the permit taken: the guard no longer releases it.
    void dismiss() noexcept { sem_ = nullptr; }

private:
    Semaphore* sem_ = nullptr;
};

class Semaphore {
public:
    explicit Semaphore(std::size_t initial = 1) noexcept : value_(initial) {}
    Semaphore(const Semaphore&) = delete;
    Semaphore& operator=(const Semaphore&) = delete;

    // Free permits (0 while tasks wait).
    std::size_t value() const noexcept { return value_; }
    // True if acquire() would wait.
    bool locked() const noexcept { return value_ == 0; }

    // Takes a permit if one is free (never barges past waiters: they have all of them).
    std::optional<SemaphoreGuard> try_acquire() noexcept {
        if (value_ == 0) return std::nullopt;
        --value_;
        return SemaphoreGuard(this);
    }

    // Gives a permit to the first waiter, or back to the count. Throws
    // simul::Error on a BoundedSemaphore whose count is already at its bound.
    void release() {
        if (waiters_.empty() && value_ >= bound_)
            throw Error("simul::BoundedSemaphore::release: released more often than acquired (the count would exceed its initial value " +
                        std::to_string(bound_) + ")");
        give();
    }

    struct Awaiter : detail::SyncWaiter {
        Semaphore* sem;
        Awaiter(Semaphore* s, simul::SourceLocation site) noexcept : SyncWaiter(&kOps, site), sem(s) {}
        Awaiter(Awaiter&&) = default;
        ~Awaiter() {
            if (list) list->remove(this);
            if (state == State::granted && detail::loop_running()) sem->give();  // its frame died before it resumed
        }
        bool await_ready() noexcept {
            if (sem->value_ == 0) return false;
            --sem->value_;
            state = State::granted;
            return true;
        }
        bool await_suspend(std::coroutine_handle<> h) {
            return detail::suspend_on(sem->waiters_, this, h, "simul::Semaphore::acquire");
        }
        SemaphoreGuard await_resume() {
            if (state == State::cancelled) detail::finish_cancelled(task);
            state = State::consumed;
            return SemaphoreGuard(sem);
        }
        static constexpr detail::WaitOps kOps{&detail::cancel_waiting, "semaphore"};
    };
    // Waits for a permit (FIFO); the guard gives it back.
    [[nodiscard]] Awaiter acquire(simul::SourceLocation site = simul::SourceLocation::current()) noexcept {
        return Awaiter(this, site);
    }

    struct Statistics {
        std::size_t value;    // free permits
        std::size_t waiters;  // tasks queued in acquire()
    };
    Statistics statistics() const noexcept { return {value_, waiters_.size}; }

protected:
    Semaphore(std::size_t initial, std::size_t bound) noexcept : value_(initial), bound_(bound) {}

private:
    void give() noexcept {
        if (detail::SyncWaiter* w = waiters_.head)
            detail::grant(w);
        else
            ++value_;
    }

    detail::WaitList waiters_;
    std::size_t value_;
    std::size_t bound_ = std::numeric_limits<std::size_t>::max();
    friend class SemaphoreGuard;
};

// A Semaphore whose release() throws simul::Error rather than raise the count
// above its initial value: catches a release without an acquire.
class BoundedSemaphore : public Semaphore {
public:
    explicit BoundedSemaphore(std::size_t initial = 1) noexcept : Semaphore(initial, initial) {}
};

inline void SemaphoreGuard::release() noexcept {
    if (Semaphore* s = std::exchange(sem_, nullptr)) s->give();
}

}  // namespace simul
