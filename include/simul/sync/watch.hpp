// simul/sync/watch.hpp: Watch<T>, a channel that keeps the latest value for many readers.
//
// `watch.set(v)` stores v as the latest value, bumps the version and wakes
// every task waiting for a change (FIFO, through the ready queue, never
// inline). `watch.get()` reads the latest value. A reader waits for a value
// newer than the one it saw: `co_await watch.changed(seen)` returns once
// `version() > seen` (at once if it already is) and gives the version it
// found; a Watch<T>::Reader keeps `seen` for you: `co_await reader.changed()`
// returns the latest value and marks it seen. Values set while a reader was
// busy are skipped, but the latest is never missed: a set() after a reader's
// last look always makes its next changed() return (tokio::sync::watch).
// No allocation to wait: the waiter node lives in the awaiting frame.
//
// Cancellation: a changed() cancelled before a set() unlinks itself and
// throws simul::Cancelled; the reader's `seen` is unchanged, so its next
// changed() returns at once for the value it did not get. A changed() woken
// by set() and cancelled before it resumes returns normally (the value of
// that moment and later are the same latest value); the cancel is delivered
// at the next suspension point. A changed() that need not wait is not a
// suspension point.
//
//     simul::Watch<Config> config(load());
//     simul::Task<> worker() {
//         auto rx = config.reader();                 // has seen the current value
//         for (;;) apply(co_await rx.changed());     // each newer config
//     }
//     ... config.set(reload());
//
// Loop-thread object: use a Watch (and its readers) only from its loop's thread.
// See also: Event (sync/event.hpp), Queue (sync/queue.hpp), which keeps every item.
#pragma once

#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <utility>

#include <simul/core/source_location.hpp>
#include <simul/sync/wait_list.hpp>

namespace simul {

template <class T>
class Watch {
public:
    explicit Watch(T initial = T{}) : value_(std::move(initial)) {}
    Watch(const Watch&) = delete;
    Watch& operator=(const Watch&) = delete;
    ~Watch() = default;

    // Stores the latest value and wakes every waiter.
    void set(T v) {
        value_ = std::move(v);
        ++version_;
        while (detail::SyncWaiter* w = waiters_.head) detail::grant(w);
    }
    // Changes the value in place (f(T&)), then wakes as set() does.
    template <class F>
    void modify(F&& f) {
        std::forward<F>(f)(value_);
        ++version_;
        while (detail::SyncWaiter* w = waiters_.head) detail::grant(w);
    }
    const T& get() const noexcept { return value_; }
    // Starts at 0 and counts set() calls.
    std::uint64_t version() const noexcept { return version_; }

    struct ChangedAwaiter : detail::SyncWaiter {
        Watch* w;
        std::uint64_t seen;
        ChangedAwaiter(Watch* wa, std::uint64_t s, simul::SourceLocation site) noexcept
            : SyncWaiter(&kOps, site), w(wa), seen(s) {}
        ChangedAwaiter(ChangedAwaiter&&) = default;
        ~ChangedAwaiter() {
            if (list) list->remove(this);
        }
        bool await_ready() const noexcept { return w->version_ > seen; }
        bool await_suspend(std::coroutine_handle<> h) {
            return detail::suspend_on(w->waiters_, this, h, "simul::Watch::changed");
        }
        // The version found (the latest one, at resumption).
        std::uint64_t await_resume() {
            if (state == State::cancelled) detail::finish_cancelled(task);
            state = State::consumed;
            return w->version_;
        }
        static constexpr detail::WaitOps kOps{&detail::cancel_waiting, "watch"};
    };
    // Waits until version() > seen; returns the version then current.
    [[nodiscard]] ChangedAwaiter changed(std::uint64_t seen,
                                         simul::SourceLocation site = simul::SourceLocation::current()) noexcept {
        return ChangedAwaiter(this, seen, site);
    }

    // A reader that remembers the version it saw last.
    class Reader {
    public:
        explicit Reader(Watch* w) noexcept : w_(w), seen_(w->version_) {}
        // The latest value, now marked seen.
        const T& get() noexcept {
            seen_ = w_->version_;
            return w_->value_;
        }
        bool has_changed() const noexcept { return w_->version_ > seen_; }
        std::uint64_t seen() const noexcept { return seen_; }

        struct Awaiter : ChangedAwaiter {
            Reader* r;
            Awaiter(Reader* rd, simul::SourceLocation site) noexcept : ChangedAwaiter(rd->w_, rd->seen_, site), r(rd) {}
            Awaiter(Awaiter&&) = default;
            T await_resume() {
                r->seen_ = ChangedAwaiter::await_resume();
                return r->w_->value_;
            }
        };
        // Waits for a value newer than the last one seen; returns a copy of the
        // latest value and marks it seen.
        [[nodiscard]] Awaiter changed(simul::SourceLocation site = simul::SourceLocation::current()) noexcept {
            return Awaiter(this, site);
        }

    private:
        Watch* w_;
        std::uint64_t seen_;
    };
    // A reader that has seen the current value.
    Reader reader() noexcept { return Reader(this); }

    struct Statistics {
        std::uint64_t version;
        std::size_t waiters;
    };
    Statistics statistics() const noexcept { return {version_, waiters_.size}; }

private:
    detail::WaitList waiters_;
    T value_;
    std::uint64_t version_ = 0;
};

}  // namespace simul
