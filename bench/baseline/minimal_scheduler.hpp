// bench/baseline/minimal_scheduler.hpp: the floor that simul's benchmarks are
// measured against.
//
// A deliberately featureless single-threaded C++20 coroutine scheduler: a
// FIFO ring of coroutine handles (the ready queue), a binary min-heap of
// (deadline, sequence, handle) for sleeps, and fire-and-forget tasks whose
// frames come from the default operator new. No I/O, no cancellation, no
// names, no exceptions across tasks, no results. What it costs is what C++20
// coroutines plus a queue and a heap cost; a runtime with features is judged
// by its ratio to this, measured in the same run (docs/performance.md).
//
// It follows the same spec as the peer kit's ref-cpp20 (shared/peers), but is
// its own code: a power-of-two ring instead of std::deque, a hand-rolled
// heap on std::vector, and an absolute clock_nanosleep when idle.
#pragma once

#include <time.h>

#include <algorithm>
#include <coroutine>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

namespace baseline {

inline std::int64_t now_ns() noexcept {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return std::int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// FIFO in a ring that doubles when full (of coroutine handles; of callbacks).
template <class T>
class Ring {
public:
    Ring() : buf_(std::make_unique<T[]>(1024)), mask_(1023) {}
    bool empty() const noexcept { return head_ == tail_; }
    std::size_t size() const noexcept { return tail_ - head_; }
    void push(T v) {
        if (tail_ - head_ == mask_ + 1) grow();
        buf_[tail_++ & mask_] = std::move(v);
    }
    T pop() noexcept { return std::move(buf_[head_++ & mask_]); }

private:
    void grow() {
        const std::size_t cap = mask_ + 1;
        auto bigger = std::make_unique<T[]>(cap * 2);
        for (std::size_t i = 0; i < cap; ++i) bigger[i] = std::move(buf_[(head_ + i) & mask_]);
        buf_ = std::move(bigger);
        head_ = 0;
        tail_ = cap;
        mask_ = cap * 2 - 1;
    }
    std::unique_ptr<T[]> buf_;
    std::size_t mask_;
    std::size_t head_ = 0, tail_ = 0;
};

struct TimerEntry {
    std::int64_t deadline;
    std::uint64_t seq;  // FIFO among equal deadlines
    std::coroutine_handle<> h;
};
// Heap order: the earliest deadline at the front.
inline bool later(const TimerEntry& a, const TimerEntry& b) noexcept {
    return a.deadline != b.deadline ? a.deadline > b.deadline : a.seq > b.seq;
}

class Scheduler {
public:
    Ring<std::coroutine_handle<>> ready;
    std::vector<TimerEntry> heap;
    std::uint64_t seq = 0;

    void add_timer(std::int64_t deadline, std::coroutine_handle<> h) {
        heap.push_back({deadline, seq++, h});
        std::push_heap(heap.begin(), heap.end(), later);
    }

    // Runs until nothing is ready and no timer is pending.
    void run() {
        for (;;) {
            // The tasks ready at the start of the pass; those they wake run next pass.
            for (std::size_t n = ready.size(); n > 0; --n) ready.pop().resume();
            if (heap.empty()) {
                if (ready.empty()) return;
                continue;
            }
            std::int64_t now = now_ns();
            if (ready.empty() && heap.front().deadline > now) {
                const std::int64_t d = heap.front().deadline;
                timespec ts{time_t(d / 1'000'000'000), long(d % 1'000'000'000)};
                clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr);
                now = now_ns();
            }
            while (!heap.empty() && heap.front().deadline <= now) {
                ready.push(heap.front().h);
                std::pop_heap(heap.begin(), heap.end(), later);
                heap.pop_back();
            }
        }
    }
};

// The callback form (for the call_soon comparison): a FIFO of std::function,
// which stores a small capture inline, so a call allocates nothing.
class CallbackQueue {
public:
    void call_soon(std::function<void()> fn) { q_.push(std::move(fn)); }
    // Runs callbacks (and those they queue) until none is left or stop().
    void run() {
        stopping_ = false;
        while (!stopping_ && !q_.empty()) q_.pop()();
    }
    void stop() noexcept { stopping_ = true; }

private:
    Ring<std::function<void()>> q_;
    bool stopping_ = false;
};

inline Scheduler& sched() {
    static Scheduler s;
    return s;
}

// Fire-and-forget: created suspended, queued by spawn(), frame freed at the end.
struct Task {
    struct promise_type {
        Task get_return_object() noexcept { return Task{std::coroutine_handle<promise_type>::from_promise(*this)}; }
        std::suspend_always initial_suspend() noexcept { return {}; }
        std::suspend_never final_suspend() noexcept { return {}; }
        void return_void() noexcept {}
        void unhandled_exception() noexcept { std::abort(); }
    };
    std::coroutine_handle<promise_type> h;
};

inline void spawn(Task t) { sched().ready.push(t.h); }

// co_await yield_now(): to the back of the ready queue.
struct yield_now {
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h) const { sched().ready.push(h); }
    void await_resume() const noexcept {}
};

// co_await sleep_ns(d): resumed once the monotonic clock has passed now + d.
struct sleep_ns {
    std::int64_t d;
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h) const { sched().add_timer(now_ns() + d, h); }
    void await_resume() const noexcept {}
};

// A counting join: done() n times, then the one waiter goes to the ready queue.
struct Join {
    long remaining = 0;
    std::coroutine_handle<> waiter;
    void done() {
        if (--remaining == 0 && waiter) sched().ready.push(waiter);
    }
    struct Awaiter {
        Join& j;
        bool await_ready() const noexcept { return j.remaining == 0; }
        void await_suspend(std::coroutine_handle<> h) noexcept { j.waiter = h; }
        void await_resume() const noexcept {}
    };
    Awaiter wait() noexcept { return {*this}; }
};

}  // namespace baseline
