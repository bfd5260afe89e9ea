// simul/detail/task_header.hpp: what the loop knows of a task and of a wait.
//
// Runnable is anything the ready queue holds: a task or a callback. It is an
// intrusive node (the queue allocates nothing) with flags and a small
// reference count.
//
// TaskHeader is the per-task state, kept inside the promise of the task's
// root coroutine frame, so spawning allocates nothing beyond the frame. It is
// 48 bytes, by sharing words between states that never overlap: the
// ready-queue link and the current wait (a task is either queued or waiting,
// never both); the handle of the innermost suspended frame and the exception
// (only a finished task has one). Frames awaited inline (not spawned) carry
// the same header and use only `continuation` and the exception.
//
// Waiter is the current wait of a suspended task (a timer, a descriptor, a
// future, another task). It lives in the awaiting coroutine's frame; `ops`
// says how to cancel it (unlink itself, then wake the task) and what it is,
// and `site` is the line of the co_await, for debug reports.
#pragma once

#include <coroutine>
#include <cstdint>
#include <exception>
#include <new>
#include <string>
#include <simul/core/source_location.hpp>

namespace simul::detail {

struct TaskHeader;
struct Waiter;
struct TimerNode;

enum RunnableFlags : std::uint32_t {
    kIsTask = 1u << 0,           // a TaskHeader (else a callback node)
    kSleeping = 1u << 1,         // in the loop's sleep wheel, through prev_all_/next_all_
    kSpawned = 1u << 2,          // root frame of a loop-owned task
    kFinishing = 1u << 3,        // its body returned or threw: no more waits
    kDone = 1u << 4,             // finished (result or exception stored)
    kHasError = 1u << 5,         // the slot holds an exception
    kHasValue = 1u << 6,         // the promise holds a value
    kCancelRequested = 1u << 7,  // cancel() not yet delivered
    kEndedCancelled = 1u << 8,   // finished by simul::Cancelled
    kObserved = 1u << 9,         // someone took the result or exception
    kHasInfo = 1u << 10,         // the loop's side table has its name/site
    kInAllList = 1u << 11,       // linked in the loop's list of live tasks
    kCallbackCancelled = 1u << 12,
    kStarted = 1u << 13,         // a spawned task's first step has begun
    kHasContext = 1u << 14,      // the loop's side table has its task-local values
    kSleepRelink = 1u << 15,     // went from the live list to the sleep wheel: goes back on waking
};

struct Runnable {
    union {
        Runnable* next_ = nullptr;  // ready-queue link, while scheduled_
        Waiter* wait_;              // a task's current wait, while suspended (null while it runs)
    };
    std::uint32_t flags_ = 0;
    std::uint8_t refs_ = 0;       // owners: the loop while running, a handle (at most 2)
    bool scheduled_ = false;      // in the ready queue (next_ is the link, not wait_)
    std::uint16_t cancels_ = 0;   // cancel requests not yet withdrawn (asyncio's cancelling())
};

// Called when a spawned task finishes (a joining awaiter, gather's counter).
struct Completion {
    void (*on_done)(Completion* self, TaskHeader* task) noexcept;
};

struct WaitOps {
    // Unlink the wait and wake the task; the awaiter's await_resume then
    // throws Cancelled. May also just forward the cancellation (awaiting
    // another task cancels that task and keeps waiting for it to end).
    void (*cancel)(Waiter* w) noexcept;
    const char* what;  // "sleep", "readable fd", ... for task dumps
    // For waits that are timers (core/timer_queue.hpp): called when due. It
    // must not run user code: it only wakes a task or queues a callback.
    void (*fire)(TimerNode* n) noexcept = nullptr;
    // Optional, for task dumps: appends what exactly it waits on ("fd 7").
    void (*describe)(const Waiter* w, std::string& out) = nullptr;
};

struct Waiter {
    // A constructor rather than aggregate initialization: with the union as
    // first member, clang asks for braces around it in every `Waiter{ops, site}`.
    Waiter() = default;
    constexpr Waiter(const WaitOps* o, simul::SourceLocation s) noexcept : ops(o), site(s) {}

    union {
        const WaitOps* ops;
        // A sleeping task's wait (TaskSleep, core/timer_queue.hpp) has no
        // ops: the task's kSleeping flag says what it is, and the word holds
        // the deadline. Check kSleeping before reading ops of a task's wait_.
        std::uint64_t sleep_tick;
    };
    simul::SourceLocation site;
};

// The links of the loop's list of live tasks (and of its sleep wheel, while
// the task sleeps), a base of their own so that the lists' sentinels are two
// words, not whole headers (the loop holds 385 of them).
struct LiveLinks {
    LiveLinks* prev_all_ = nullptr;
    LiveLinks* next_all_ = nullptr;
};

struct TaskHeader : Runnable, LiveLinks {
    TaskHeader() noexcept { flags_ = kIsTask; }
    TaskHeader(const TaskHeader&) = delete;
    TaskHeader& operator=(const TaskHeader&) = delete;
    ~TaskHeader() {
        if (flags_ & kHasError) slot_.error.~exception_ptr();
        if (flags_ & (kInAllList | kHasInfo | kHasContext | kSleeping)) forget();
    }

    // The task whose live-list links these are (never a list's sentinel).
    static TaskHeader* of(LiveLinks* l) noexcept { return static_cast<TaskHeader*>(l); }
    static const TaskHeader* of(const LiveLinks* l) noexcept { return static_cast<const TaskHeader*>(l); }

    union {
        std::coroutine_handle<> continuation_ = {};  // inline frame: who awaits it
        Completion* completion_;                     // spawned root: who joins it
    };
    union Slot {
        std::coroutine_handle<> resume;  // innermost suspended frame, until it finishes
        std::exception_ptr error;        // then its exception, if any
        Slot() noexcept : resume{} {}
        ~Slot() {}
    } slot_;

    // Records where the task stopped and what it waits on.
    void suspend_at(std::coroutine_handle<> h, Waiter* w) noexcept {
        slot_.resume = h;
        wait_ = w;
    }

    void set_error(std::exception_ptr e) noexcept {
        ::new (&slot_.error) std::exception_ptr(std::move(e));
        flags_ |= kHasError;
    }
    bool done() const noexcept { return flags_ & kDone; }

    // Ask the task to stop: Cancelled is thrown at its current suspension
    // point, or its next one. Returns false if it has already finished.
    bool cancel() noexcept;
    // Withdraw one cancel request (asyncio's Task.uncancel()); returns how
    // many remain. The last one withdrawn also clears a pending delivery.
    std::uint16_t uncancel() noexcept {
        if (cancels_ > 0 && --cancels_ == 0) flags_ &= ~kCancelRequested;
        return cancels_;
    }

private:
    void forget() noexcept;  // leaves the loop's live list and side table
};

// The coroutine frame whose promise holds `t`. Every simul promise derives
// from TaskHeader at offset 0, and promises of alignment up to 16 sit at the
// same offset in their frames (after the resume and destroy pointers), so
// the address computed through this stand-in promise type is the frame's own.
struct FrameProbe : TaskHeader {};
inline std::coroutine_handle<> frame_of(TaskHeader* t) noexcept {
    return std::coroutine_handle<FrameProbe>::from_promise(*reinterpret_cast<FrameProbe*>(t));
}

static_assert(sizeof(void*) != 8 || sizeof(Runnable) == 16, "Runnable is meant to stay at 16 bytes");

// Throws Cancelled if a cancellation is pending for `t`, delivering it.
[[noreturn]] void throw_cancelled();
inline void deliver_cancel(TaskHeader* t) {
    if (t->flags_ & kCancelRequested) [[unlikely]] {
        t->flags_ &= ~kCancelRequested;
        throw_cancelled();
    }
}

}  // namespace simul::detail
