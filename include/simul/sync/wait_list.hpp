// simul/sync/wait_list.hpp: the intrusive FIFO of waiters every sync primitive uses (detail).
//
// A SyncWaiter is a node inside the awaiting coroutine's frame (no
// allocation). A primitive links it at the back of its WaitList when the task
// has to wait, and *grants* it from the front: it stores what the waiter waited
// for (a permit, the lock, an item) in the node, unlinks it, marks it granted
// and puts its task on the ready queue (detail::wake; never resumed inline).
//
// Cancellation: the core calls the waiter's `ops->cancel` only while its task
// is suspended and not queued, that is while the node is still linked and not
// granted. `cancel_waiting` unlinks it, marks it cancelled and wakes the task;
// await_resume then throws simul::Cancelled (`finish_cancelled`). A waiter
// granted before it resumes returns what it was given; the cancel stays
// pending for the task's next suspension point. So a cancelled waiter never
// swallows a grant, and one cancelled before its grant leaves the next waiter
// untouched. Users never name these types.
#pragma once

#include <cstddef>
#include <cstdint>

#include <simul/core/loop.hpp>
#include <simul/detail/park.hpp>
#include <simul/detail/task_header.hpp>

namespace simul::detail {

struct WaitList;

struct SyncWaiter : Waiter {
    enum class State : std::uint8_t {
        idle,       // not yet waiting (or took the fast path)
        waiting,    // linked in a WaitList
        granted,    // given what it waited for; its task is on the ready queue
        cancelled,  // unlinked by a cancellation; await_resume throws Cancelled
        closed,     // woken because the primitive was closed (Queue)
        consumed,   // await_resume took the grant
    };
    SyncWaiter* prev = nullptr;
    SyncWaiter* next = nullptr;
    WaitList* list = nullptr;  // non-null exactly while linked
    TaskHeader* task = nullptr;
    State state = State::idle;

    SyncWaiter(const WaitOps* o, simul::SourceLocation s) noexcept : Waiter{o, s} {}
    // Movable until it is awaited (so `wait_for(q.get(), 1s)` can take it);
    // the moved-to node starts fresh.
    SyncWaiter(SyncWaiter&& o) noexcept : Waiter(o) {}
    SyncWaiter(const SyncWaiter&) = delete;
    SyncWaiter& operator=(const SyncWaiter&) = delete;

    // The starvation budget (Loop::consume_budget): false means the fast path
    // completed, but the task must let the others run before it goes on.
    static bool budget_allows() noexcept {
        Loop* loop = Loop::current();
        return !loop || loop->consume_budget();
    }
    // Suspends for one turn of the ready queue with the result in hand.
    bool yield_with_result(std::coroutine_handle<> h) noexcept {
        Loop& loop = *Loop::current();
        task = loop.current_task();
        requeue_after_budget(loop, task, h, this);
        return true;
    }
};

struct WaitList {
    SyncWaiter* head = nullptr;
    SyncWaiter* tail = nullptr;
    std::size_t size = 0;

    WaitList() = default;
    // A primitive destroyed while tasks still wait on it: they are detached
    // (left waiting until cancelled) rather than left pointing at freed memory.
    ~WaitList() {
        while (SyncWaiter* w = head) {
            head = w->next;
            w->prev = w->next = nullptr;
            w->list = nullptr;
        }
    }
    WaitList(const WaitList&) = delete;
    WaitList& operator=(const WaitList&) = delete;

    bool empty() const noexcept { return head == nullptr; }
    void push_back(SyncWaiter* w) noexcept {
        w->list = this;
        w->prev = tail;
        w->next = nullptr;
        (tail ? tail->next : head) = w;
        tail = w;
        ++size;
    }
    void remove(SyncWaiter* w) noexcept {
        (w->prev ? w->prev->next : head) = w->next;
        (w->next ? w->next->prev : tail) = w->prev;
        w->prev = w->next = nullptr;
        w->list = nullptr;
        --size;
    }
    SyncWaiter* pop_front() noexcept {
        SyncWaiter* w = head;
        if (w) remove(w);
        return w;
    }
};

// Unlinks `w` (the caller has stored the grant in it) and queues its task.
inline void grant(SyncWaiter* w) noexcept {
    if (w->list) w->list->remove(w);
    w->state = SyncWaiter::State::granted;
    wake(*Loop::current(), w->task);
}

// The loop, checking that a task is running (awaiting outside one is an error).
inline Loop& sync_loop(const char* what) {
    Loop* loop = Loop::current();
    if (!loop || !loop->current_task()) [[unlikely]]
        current_task_or_throw(what);
    return *Loop::current();
}

// Links the current task's waiter, or refuses (pending cancel) as park() does.
inline bool suspend_on(WaitList& list, SyncWaiter* w, std::coroutine_handle<> h, const char* what) {
    Loop& loop = sync_loop(what);
    w->task = loop.current_task();
    if (!park(w->task, h, w)) {
        w->state = SyncWaiter::State::cancelled;
        return false;
    }
    w->state = SyncWaiter::State::waiting;
    list.push_back(w);
    return true;
}

// The usual WaitOps::cancel: unlink, mark cancelled, wake.
inline void cancel_waiting(Waiter* base) noexcept {
    auto* w = static_cast<SyncWaiter*>(base);
    if (w->state != SyncWaiter::State::waiting) return;  // granted: its task is already queued
    if (w->list) w->list->remove(w);
    w->state = SyncWaiter::State::cancelled;
    wake(*Loop::current(), w->task);
}

// True while the loop runs. A waiter whose frame is destroyed before it
// resumed (only the loop's teardown does that) passes its grant on only then:
// during teardown other frames, even the primitive, may already be gone, and
// waking a task would queue a frame about to be freed.
inline bool loop_running() noexcept {
    Loop* loop = Loop::current();
    return loop && !loop->is_closing();
}

// Throws Cancelled for a waiter that gave up its wait. The request is
// consumed (as deliver_cancel does); if it was withdrawn meanwhile (uncancel),
// Cancelled is thrown all the same, since the wait was abandoned.
[[noreturn]] inline void finish_cancelled(TaskHeader* t) {
    if (t) t->flags_ &= ~kCancelRequested;
    throw_cancelled();
}

// Suspends even with a cancel pending (which stays pending): for waits that
// forward the cancel to children and wait for them to end (as gather does).
inline void park_anyway(TaskHeader* t, std::coroutine_handle<> h, Waiter* w) noexcept {
    const std::uint32_t pending = t->flags_ & kCancelRequested;
    t->flags_ &= ~kCancelRequested;
    park(t, h, w);  // cannot refuse now
    t->flags_ |= pending;
}

}  // namespace simul::detail
