// simul/core/loop.hpp: Loop, the event loop that runs tasks and callbacks on one thread.
//
// A loop holds a FIFO ready queue (tasks and callbacks that can run now), a
// timer queue, and a poller that watches file descriptors. Each iteration it
// runs what was ready when the iteration began, then asks the poller for I/O
// (without blocking if work is waiting, else until the next timer), then moves
// due timers to the ready queue. Nothing is preempted: a step runs until it
// suspends or returns. docs/loop.md has the figure.
//
// Most programs never name the loop: simul::run(main()) makes one, and
// spawn(), sleep() and friends find it as the thread's current loop. The
// callback API is here for glue code:
//
//     simul::Loop loop;
//     loop.call_soon([] { std::puts("first"); });
//     loop.call_later(1s, [&] { std::puts("a second later"); loop.stop(); });
//     loop.run_forever();
//
// One loop per thread. From another thread, only call_soon_threadsafe() may
// be used; it wakes a sleeping loop through an eventfd.
#pragma once

#include <atomic>
#include <cstdio>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <simul/core/source_location.hpp>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <simul/core/call_handle.hpp>
#include <simul/core/clock.hpp>
#include <simul/core/error.hpp>
#include <simul/core/poller.hpp>
#include <simul/core/run_options.hpp>
#include <simul/core/timer_queue.hpp>
#include <simul/detail/task_header.hpp>

namespace simul {

class Loop;

namespace detail {
inline thread_local constinit Loop* tls_loop = nullptr;
// Debug mode: the loop whose task step is running on this thread, else null
// (the blocking-call detector asks; to_thread workers never have one).
inline thread_local constinit Loop* tls_stepping_loop = nullptr;
class DebugMonitor;  // src/debug/debug_monitor.hpp: watchdog, trace, exit stats
struct TaskContext;  // coro/task_local.hpp: a task's task-local values
std::FILE* debug_log_file() noexcept;  // SIMUL_DEBUG_LOG, or null

// A one-shot or persistent interest in a descriptor's readiness.
struct IoWatch {
    // `closed` is true when the descriptor was forgotten while watched.
    void (*ready)(IoWatch* self, bool closed) noexcept;
};

enum IoDirection : int { kRead = 0, kWrite = 1 };
struct PersistentWatch;  // add_reader/add_writer's callback (src/core/loop.cpp)
}  // namespace detail

namespace detail {
// The part of a loop that other threads may touch: a queue of callbacks and
// the eventfd that wakes the loop. Shared, so a thread that outlives the loop
// (a to_thread job) can still post safely: after the loop closes, posts are
// refused instead of touching freed memory.
struct RemoteQueue {
    std::mutex mutex;
    std::vector<std::function<void()>> calls;
    std::atomic<bool> pending{false};
    bool closed = false;
    int wake_fd = -1;
    RemoteQueue();
    ~RemoteQueue();
    RemoteQueue(const RemoteQueue&) = delete;
    // False if the loop is closed (the callback is dropped).
    bool post(std::function<void()>&& fn);
};
}  // namespace detail

// A thread-safe reference to a loop, for other threads: posting to it is
// always safe, even after the loop is gone (the post is then refused).
class LoopHandle {
public:
    LoopHandle() = default;
    explicit LoopHandle(std::shared_ptr<detail::RemoteQueue> q) noexcept : q_(std::move(q)) {}
    // Schedules fn on the loop's thread; false if the loop has closed.
    bool call_soon_threadsafe(std::function<void()> fn) const { return q_ && q_->post(std::move(fn)); }
    explicit operator bool() const noexcept { return bool(q_); }

private:
    std::shared_ptr<detail::RemoteQueue> q_;
};

// What the exception handler is told: an error that no task was there to receive.
struct ExceptionContext {
    std::string message;
    std::exception_ptr exception;
    std::string task;  // the task's name, if one was involved
};

class Loop {
public:
    explicit Loop(RunOptions options = {});
    ~Loop();
    Loop(const Loop&) = delete;
    Loop& operator=(const Loop&) = delete;

    // The loop running on (or made current for) this thread, or null.
    static Loop* current() noexcept { return detail::tls_loop; }

    // ---- time -----------------------------------------------------------
    TimePoint time() const noexcept { return TimePoint(Duration(now_ns())); }
    bool virtual_time() const noexcept { return virtual_; }
    // See simul::busy().
    void busy(Duration d);

    // ---- callbacks ------------------------------------------------------
    template <class F>
    CallHandle call_soon(F&& fn) {
        detail::CallbackNode* n = detail::make_callback(std::forward<F>(fn));
        n->refs_ = 2;  // the loop's and the handle's
        schedule(n);
        return CallHandle(n);
    }
    template <class F>
    CallHandle call_at(TimePoint when, F&& fn) {
        detail::CallbackNode* n = detail::make_callback(std::forward<F>(fn));
        n->refs_ = 2;
        n->ops = &detail::CallbackNode::kTimerOps;
        timers_.insert(n, tick_for(when.time_since_epoch().count()));
        return CallHandle(n);
    }
    template <class F>
    CallHandle call_later(Duration delay, F&& fn) {
        return call_at(time() + delay, std::forward<F>(fn));
    }
    // From any thread. Throws simul::Error once the loop is closed.
    void call_soon_threadsafe(std::function<void()> fn);
    // A handle other threads may keep and post to, even past the loop's end.
    LoopHandle handle() const noexcept { return LoopHandle(remote_); }

    // ---- descriptors (callback forms; awaitables in coro/wait_fd.hpp) ----
    // fn runs every time fd is readable (writable) until removed.
    void add_reader(int fd, std::function<void()> fn);
    void add_writer(int fd, std::function<void()> fn);
    bool remove_reader(int fd);
    bool remove_writer(int fd);
    // Call before close(fd) when the loop may be watching it: unregisters it
    // and wakes its waiters with EBADF, so no stale event reaches a new
    // descriptor that reuses the number.
    void forget_fd(int fd) noexcept;

    // ---- running --------------------------------------------------------
    void run_forever();
    void stop() noexcept { stopping_ = true; }
    bool is_running() const noexcept { return running_; }
    bool is_closed() const noexcept { return closed_; }
    // True from the start of the loop's destruction: frames are being freed,
    // so waking a task would queue a frame about to go (schedule() ignores it).
    bool is_closing() const noexcept { return tearing_down_ || closed_; }
    // Runs until `done()` returns true (checked between iterations).
    template <class Pred>
    void run_until(Pred done) {
        RunScope scope(*this);
        while (!done()) {
            run_ready_phase();
            if (done()) break;  // don't block in the kernel once the goal is reached
            wait_phase();
        }
    }
    // One iteration: ready work, then I/O, then timers.
    void run_once();

    // Tasks alive on this loop (spawned and not finished).
    std::size_t live_tasks() const noexcept { return live_tasks_; }
    // Requests cancellation of every live task.
    void cancel_all() noexcept;

    // ---- errors and debug -----------------------------------------------
    void set_exception_handler(std::function<void(const ExceptionContext&)> handler) {
        exception_handler_ = std::move(handler);
    }
    void call_exception_handler(const ExceptionContext& ctx) noexcept;
    bool debug() const noexcept { return debug_; }
    // Debug mode, a trace, or the loop's teardown: awaitables take their slow path.
    bool unusual() const noexcept { return unusual_; }
    // The line of the yield() being awaited, left here by yield() when the
    // loop is unusual(), so the yield awaiter needs no word of its own.
    void set_yield_site(simul::SourceLocation site) noexcept { yield_site_ = site; }
    simul::SourceLocation yield_site() const noexcept { return yield_site_; }
    void set_debug(bool on);
    Duration slow_step_threshold() const noexcept { return Duration(slow_step_ns_); }
    void set_slow_step_threshold(Duration d) noexcept { slow_step_ns_ = d.count(); }
    // Writes one line of debug output (to RunOptions::debug_log or stderr).
    void debug_log(std::string_view line) const;

    // simul::stats() (debug/stats.hpp) documents each field.
    struct Stats {
        std::uint64_t iterations = 0, steps = 0, callbacks = 0, slow_steps = 0, stalls = 0;
        std::uint64_t forced_yields = 0, blocking_calls = 0;
        std::size_t tasks_alive = 0, ready = 0, timers_pending = 0, fds_watched = 0;
        Duration busy{}, idle{};  // wall time running vs blocked in the poller
    };
    Stats stats() const noexcept;

    // ---- the starvation budget (RunOptions::budget) ------------------------
    // An operation that could complete without waiting calls this first: true
    // while the running task has budget left; false means "yield now" (the
    // caller then awaits simul::detail::forced_yield()). Callbacks and code
    // outside tasks always get true. Each step starts with a full budget.
    bool consume_budget() noexcept {
        if (budget_left_ > 0) [[likely]] {
            --budget_left_;
            return true;
        }
        return budget_exhausted();
    }
    std::uint32_t budget() const noexcept { return budget_; }
    void set_budget(std::uint32_t ops) noexcept { budget_ = ops; }
    void note_forced_yield() noexcept { ++stats_.forced_yields; }
    // The blocking-call detector (debug/blocking_detector.hpp) counts here.
    void note_blocking_call() noexcept { ++stats_.blocking_calls; }
    void note_stall() noexcept { ++stats_.stalls; }
    // Debug mode, during a task step: where the step began, for reports.
    std::string step_origin() const;
    // Debug mode: writes every live task (debug/task_dump.hpp).
    void dump_tasks(std::string& out) const;

    // ---- machinery for awaitables (the detail layer) ----------------------
    detail::TaskHeader* current_task() const noexcept { return current_; }
    static void fire_callback_timer(detail::TimerNode* n) noexcept;
    void schedule(detail::Runnable* r) noexcept {
        if (unusual_) [[unlikely]] {
            if (tearing_down_) return;
            note_wake(r);  // debug: keeps the wait's line, which the link below overwrites
        }
        schedule_plain(r);
    }
    // schedule() for a caller that has just seen !unusual().
    void schedule_plain(detail::Runnable* r) noexcept {
        r->scheduled_ = true;
        r->next_ = nullptr;
        tail_->next_ = r;  // tail_ is &ready_ when the queue is empty: no branch
        tail_ = r;
    }
    detail::TimerQueue& timers() noexcept { return timers_; }
    // A task that waits on `sleep` (its wait_, already parked) until `tick`:
    // it leaves the live list for the sleep wheel, whose links are the live
    // list's (core/timer_queue.hpp).
    void sleep_task(detail::TaskHeader* t, std::uint64_t tick) noexcept {
        if (t->flags_ & detail::kInAllList) [[likely]] {
            t->prev_all_->next_all_ = t->next_all_;
            t->next_all_->prev_all_ = t->prev_all_;
            t->flags_ = (t->flags_ & ~detail::kInAllList) | detail::kSleeping | detail::kSleepRelink;
        } else {
            t->flags_ = (t->flags_ & ~detail::kSleepRelink) | detail::kSleeping;
        }
        sleeps_.insert(t, tick);
    }
    // Its deadline came (the wheel has unlinked it): back to the live list, and wake.
    void wake_sleeper(detail::TaskHeader* t) noexcept {
        if (t->flags_ & detail::kSleepRelink) [[likely]]
            link_live(t);
        t->flags_ &= ~(detail::kSleeping | detail::kSleepRelink);
        if (unusual_) [[unlikely]] {
            if (tearing_down_) {
                t->wait_ = nullptr;  // not queued; and a TaskSleep has no ops for a later cancel()
                return;
            }
            note_wake(t);
        }
        schedule_plain(t);
    }
    // Cancelled while sleeping.
    void cancel_sleep(detail::TaskHeader* t) noexcept {
        if (!(t->flags_ & detail::kSleeping)) return;
        sleeps_.remove(t);
        wake_sleeper(t);
    }
    // The deadline (ms tick) of a sleeping task, for dumps.
    static std::uint64_t sleep_tick(const detail::TaskHeader* t) noexcept { return detail::TaskSleepTraits::tick(t); }
    // The tick at which a deadline (ns on this loop's clock) is due: rounded up.
    std::uint64_t tick_for(std::int64_t deadline_ns) const noexcept {
        const std::int64_t rel = deadline_ns - epoch_ns_;
        if (rel <= 0) return 0;
        return std::uint64_t((rel + 999'999) / 1'000'000);
    }
    std::int64_t now_ns() const noexcept { return virtual_ ? vnow_ns_ : detail::monotonic_ns(); }

    void watch_fd(int fd, detail::IoDirection dir, detail::IoWatch* w);
    void unwatch_fd(int fd, detail::IoDirection dir, detail::IoWatch* w) noexcept;

    // A registered root task; called by spawn(). The name and spawn site go
    // to a side table only when there is a name, or in debug mode.
    void adopt(detail::TaskHeader* t, std::string&& name, simul::SourceLocation where) {
        if (!name.empty() || instrumented_) [[unlikely]] {
            record_info(t, std::move(name), where);
            adopt_unnamed(t);
            return;
        }
        adopt(t, where);
    }
    void adopt(detail::TaskHeader* t, simul::SourceLocation where) {
        if (instrumented_) [[unlikely]]
            record_info(t, std::string(), where);
        adopt_unnamed(t);
    }
    void adopt_unnamed(detail::TaskHeader* t) {
        if (current_ && (current_->flags_ & detail::kHasContext)) [[unlikely]]
            inherit_context(current_, t);  // task-local values are copied at spawn
        link_live(t);
        ++live_tasks_;
    }
    void link_live(detail::TaskHeader* t) noexcept {
        t->next_all_ = &all_;
        t->prev_all_ = all_.prev_all_;
        all_.prev_all_->next_all_ = t;
        all_.prev_all_ = t;
        t->flags_ |= detail::kInAllList;
    }
    void record_info(detail::TaskHeader* t, std::string&& name, simul::SourceLocation where);
    void note_wake(detail::Runnable* r) noexcept;
    // The task's name for messages: its given name, or where it was spawned.
    std::string task_name(const detail::TaskHeader* t) const;
    void forget_task_info(const detail::TaskHeader* t) noexcept;

    // Task-local values (coro/task_local.hpp): each task that has set one, or
    // was spawned by one that had, owns an immutable TaskContext shared with
    // its parent until either sets a value (copy on write).
    const detail::TaskContext* context_of(const detail::TaskHeader* t) const noexcept;
    void set_context(detail::TaskHeader* t, std::shared_ptr<const detail::TaskContext> c);
    void inherit_context(const detail::TaskHeader* parent, detail::TaskHeader* child);
    void forget_context(const detail::TaskHeader* t) noexcept;
    // A spawned task finished; runs its completion or reports a lost error.
    void finish_task(detail::TaskHeader* t) noexcept {
        t->flags_ |= detail::kDone | detail::kFinishing;
        if (t->flags_ & detail::kInAllList) {
            t->prev_all_->next_all_ = t->next_all_;
            t->next_all_->prev_all_ = t->prev_all_;
            t->flags_ &= ~detail::kInAllList;
            --live_tasks_;
        }
        if (t->completion_ || (t->flags_ & (detail::kHasError | detail::kHasContext))) [[unlikely]]
            finish_task_slow(t);
    }
    void finish_task_slow(detail::TaskHeader* t) noexcept;
    void report_unobserved(detail::TaskHeader* t) noexcept;

    // Work outside the loop that will come back through call_soon_threadsafe
    // (to_thread): while any is pending, the virtual clock does not jump.
    void external_work_begin() noexcept { ++external_; }
    void external_work_end() noexcept { --external_; }

private:
    struct RunScope {
        explicit RunScope(Loop& l);
        ~RunScope();
        Loop& loop;
        Loop* prev;
        bool was_running;
    };
    struct FdRecord {
        std::uint32_t generation = 0;
        std::uint32_t armed = 0;  // kPollIn/kPollOut registered with the poller
        detail::IoWatch* watch[2] = {nullptr, nullptr};
        bool persistent[2] = {false, false};
    };
    struct TaskInfo {
        std::string name;
        simul::SourceLocation spawned_at;
        simul::SourceLocation woke_at;  // debug: the line of the wait it last woke from
        bool has_woken = false;
    };

    void run_ready();
    template <bool kInstrumented>
    void run_batch();
    void run_ready_phase();
    void wait_phase();
    template <bool kInstrumented>
    void run_task(detail::TaskHeader* t);
    void run_task_debug(detail::TaskHeader* t);
    bool budget_exhausted() noexcept;
    void start_monitor(const RunOptions& options);
    void run_callback(detail::CallbackNode* n);
    void poll(int timeout_ms);
    void dispatch(const detail::PollEvent& ev);
    void arm(int fd, FdRecord& rec, std::uint32_t want);
    void drain_remote();
    void process_timers();
    int real_timeout_ms();
    bool timer_may_be_due() const noexcept;
    bool next_timer_tick(std::uint64_t& tick) const noexcept;  // of both wheels
    bool no_timers() const noexcept { return timers_.empty() && sleeps_.empty(); }
    void add_persistent(int fd, detail::IoDirection dir, std::function<void()> fn);
    bool remove_persistent(int fd, detail::IoDirection dir);
    void teardown() noexcept;

    // Hot state first.
    detail::Runnable ready_;               // sentinel: ready_.next_ is the head of the ready queue
    detail::Runnable* tail_ = &ready_;     // the last queued, or &ready_
    detail::TaskHeader* current_ = nullptr;
    bool virtual_ = false;
    bool debug_ = false;
    bool stopping_ = false;
    bool running_ = false;
    bool closed_ = false;
    bool made_current_ = false;
    bool tearing_down_ = false;
    bool unusual_ = false;  // instrumented || tearing_down_: one test on the hot path
    bool instrumented_ = false;  // debug reports or a trace: steps take the slow path
    bool idle_ = false;
    std::int64_t vnow_ns_ = 0;
    std::int64_t epoch_ns_ = 0;
    std::int64_t slow_step_ns_ = 100'000'000;
    std::uint32_t budget_ = 128;
    std::uint32_t budget_left_ = 0;  // of the running step: refilled as each step begins
    std::uint64_t steps_ = 0;        // stats().steps: added as each batch of ready tasks ends
    std::uint64_t iteration_ = 0;
    std::size_t watched_ = 0;
    std::size_t live_tasks_ = 0;
    int external_ = 0;
    detail::TimerQueue timers_;
    detail::TimerWheel<detail::TaskSleepTraits> sleeps_;  // tasks in co_await sleep()
    detail::LiveLinks all_;  // sentinel of the circular list of live tasks

    std::unique_ptr<detail::Poller> poller_;
    std::vector<FdRecord> fds_;
    std::unordered_map<int, std::unique_ptr<detail::PersistentWatch>> persistent_[2];
    std::vector<std::unique_ptr<detail::PersistentWatch>> graveyard_;  // removed while running

    // call_soon_threadsafe
    std::shared_ptr<detail::RemoteQueue> remote_;

    std::unordered_map<const detail::TaskHeader*, TaskInfo> info_;
    std::unordered_map<const detail::TaskHeader*, std::shared_ptr<const detail::TaskContext>> contexts_;
    const detail::TaskHeader* stepping_ = nullptr;  // debug: info kept until the step ends
    bool erase_after_step_ = false;
    std::function<void(const ExceptionContext&)> exception_handler_;
    std::function<void(std::string_view)> debug_log_;
    mutable Stats stats_;
    std::int64_t started_ns_ = 0;  // monotonic, when the loop was made
    std::int64_t idle_ns_ = 0;     // monotonic time spent blocked in the poller
    bool step_first_ = false;      // debug: the running step is the task's first
    simul::SourceLocation step_site_{};  // debug: where it began otherwise
    simul::SourceLocation yield_site_{};  // set_yield_site()
    std::unique_ptr<detail::DebugMonitor> monitor_;
    friend class detail::DebugMonitor;

    friend struct detail::TaskHeader;
};

}  // namespace simul
