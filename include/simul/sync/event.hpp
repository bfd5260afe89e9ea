// simul/sync/event.hpp: Event, a flag that tasks can wait for.
//
// `co_await event.wait()` returns at once if the event is set; otherwise the
// task queues and suspends. `set()` sets the flag and wakes every waiter (in
// the order they began to wait: FIFO) by putting them on the ready queue; they
// run in later steps. `clear()` resets the flag; a waiter that was already
// woken by set() still returns normally even if clear() comes before it runs.
// No allocation: the waiter node lives in the awaiting coroutine's frame.
//
// Cancellation: a waiter cancelled before set() unlinks itself and throws
// simul::Cancelled; set() then wakes only the others. A waiter woken by set()
// and cancelled before it resumes returns normally (the cancel is delivered at
// its next suspension point), so a wake-up is never lost.
//
//     simul::Event ready;
//     simul::Task<> worker() { co_await ready.wait(); std::puts("go"); }
//     simul::Task<> main_task() {
//         simul::spawn(worker());
//         co_await simul::sleep(1s);
//         ready.set();
//     }
//
// An Event belongs to the thread of the loop that uses it (loop-thread object).
// See also: Condition (sync/condition.hpp), Queue (sync/queue.hpp).
#pragma once

#include <coroutine>
#include <cstddef>
#include <simul/core/source_location.hpp>

#include <simul/sync/wait_list.hpp>

namespace simul {

class Event {
public:
    Event() = default;
    Event(const Event&) = delete;
    Event& operator=(const Event&) = delete;
    ~Event() = default;

    bool is_set() const noexcept { return set_; }

    // Sets the flag and wakes every waiter (FIFO). Idempotent.
    void set() noexcept {
        set_ = true;
        while (detail::SyncWaiter* w = waiters_.head) detail::grant(w);
    }
    void clear() noexcept { set_ = false; }

    struct Awaiter : detail::SyncWaiter {
        Event* ev;
        Awaiter(Event* e, simul::SourceLocation s) noexcept : SyncWaiter(&kOps, s), ev(e) {}
        Awaiter(Awaiter&&) = default;
        ~Awaiter() {
            if (list) list->remove(this);
        }
        bool await_ready() const noexcept { return ev->set_; }
        bool await_suspend(std::coroutine_handle<> h) {
            return detail::suspend_on(ev->waiters_, this, h, "simul::Event::wait");
        }
        void await_resume() {
            if (state == State::cancelled) detail::finish_cancelled(task);
            state = State::consumed;
        }
        static constexpr detail::WaitOps kOps{&detail::cancel_waiting, "event"};
    };
    // Waits until the event is set.
    [[nodiscard]] Awaiter wait(simul::SourceLocation site = simul::SourceLocation::current()) noexcept {
        return Awaiter(this, site);
    }

    struct Statistics {
        bool is_set;
        std::size_t waiters;
    };
    Statistics statistics() const noexcept { return {set_, waiters_.size}; }

private:
    detail::WaitList waiters_;
    bool set_ = false;
};

}  // namespace simul
