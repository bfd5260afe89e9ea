// simul/sync/barrier.hpp: Barrier, a meeting point for n tasks, reusable round after round.
//
// `co_await barrier.wait()` queues the task until n tasks wait; the n-th one
// to arrive trips the barrier: it returns at once, and every queued waiter is
// put on the ready queue (FIFO, never resumed inline). Each returns its
// arrival index in the round, 0 for the first to arrive and n-1 for the one
// that tripped it (asyncio.Barrier). The barrier is then empty and ready for
// the next round. `abort()` breaks it: the waiters, and every later wait(),
// throw simul::BrokenBarrierError (a simul::Error) until `reset()`. reset()
// also breaks the round in progress (its waiters throw BrokenBarrierError)
// and makes the barrier usable again. No allocation: the waiter node lives
// in the awaiting coroutine's frame.
//
// Cancellation: a waiter cancelled before the barrier trips unlinks itself
// and throws simul::Cancelled; the round counts as if it had never arrived
// (the indices of the others are given at the trip, in arrival order among
// those still there). A waiter cancelled after the trip, before it resumes,
// returns its index normally; the cancel is delivered at its next suspension
// point. A wait that does not suspend (the n-th arrival) is not a suspension
// point.
//
//     simul::Barrier ready(3);
//     simul::Task<> worker(int id) {
//         co_await load(id);
//         std::size_t i = co_await ready.wait();   // all three have loaded
//         if (i == 0) std::puts("first to finish loading");
//     }
//
// Loop-thread object: use a barrier only from its loop's thread.
// See also: Event (sync/event.hpp), TaskGroup (sync/task_group.hpp).
#pragma once

#include <coroutine>
#include <cstddef>
#include <string>

#include <simul/core/error.hpp>
#include <simul/core/source_location.hpp>
#include <simul/sync/wait_list.hpp>

namespace simul {

// A Barrier was aborted (or reset) while a task waited on it, or waited on
// while broken.
class BrokenBarrierError : public Error {
public:
    using Error::Error;
};

class Barrier {
public:
    // `parties` (at least 1) tasks must wait for the barrier to trip.
    explicit Barrier(std::size_t parties) : parties_(parties) {
        if (parties == 0) throw InvalidStateError("simul::Barrier: parties must be at least 1");
    }
    Barrier(const Barrier&) = delete;
    Barrier& operator=(const Barrier&) = delete;
    ~Barrier() = default;

    std::size_t parties() const noexcept { return parties_; }
    // Tasks waiting in the current round.
    std::size_t n_waiting() const noexcept { return waiters_.size; }
    bool broken() const noexcept { return broken_; }

    // Breaks the barrier: waiters throw BrokenBarrierError, and so does every
    // later wait() until reset(). Idempotent.
    void abort() noexcept {
        broken_ = true;
        break_waiters();
    }
    // Breaks the round in progress (its waiters throw BrokenBarrierError)
    // and makes the barrier usable again, empty.
    void reset() noexcept {
        break_waiters();
        broken_ = false;
    }

    struct Awaiter : detail::SyncWaiter {
        Barrier* b;
        std::size_t index = 0;
        Awaiter(Barrier* bar, simul::SourceLocation s) noexcept : SyncWaiter(&kOps, s), b(bar) {}
        Awaiter(Awaiter&&) = default;
        ~Awaiter() {
            if (list) list->remove(this);
        }
        bool await_ready() {
            if (b->broken_) throw BrokenBarrierError("simul::Barrier::wait: the barrier is broken (aborted)");
            if (b->waiters_.size + 1 < b->parties_) return false;
            index = b->waiters_.size;  // the last to arrive trips it
            b->trip();
            state = State::granted;
            return true;
        }
        bool await_suspend(std::coroutine_handle<> h) {
            return detail::suspend_on(b->waiters_, this, h, "simul::Barrier::wait");
        }
        std::size_t await_resume() {
            if (state == State::cancelled) detail::finish_cancelled(task);
            if (state == State::closed) throw BrokenBarrierError("simul::Barrier::wait: the barrier was aborted or reset while waiting");
            state = State::consumed;
            return index;
        }
        static constexpr detail::WaitOps kOps{&detail::cancel_waiting, "barrier"};
    };
    // Waits until `parties` tasks wait; returns this task's arrival index.
    [[nodiscard]] Awaiter wait(simul::SourceLocation site = simul::SourceLocation::current()) noexcept {
        return Awaiter(this, site);
    }

    struct Statistics {
        std::size_t parties;
        std::size_t waiters;  // arrived in the current round
        bool broken;
        std::size_t rounds;   // times the barrier tripped
    };
    Statistics statistics() const noexcept { return {parties_, waiters_.size, broken_, rounds_}; }

private:
    void trip() noexcept {
        std::size_t i = 0;
        while (detail::SyncWaiter* w = waiters_.head) {
            static_cast<Awaiter*>(w)->index = i++;
            detail::grant(w);
        }
        ++rounds_;
    }
    void break_waiters() noexcept {
        while (detail::SyncWaiter* w = waiters_.pop_front()) {
            w->state = detail::SyncWaiter::State::closed;
            detail::wake(*Loop::current(), w->task);
        }
    }

    detail::WaitList waiters_;
    std::size_t parties_;
    std::size_t rounds_ = 0;
    bool broken_ = false;
};

}  // namespace simul
