// The event loop (see simul/core/loop.hpp).
//
// One iteration (run_once), as in docs/loop.md:
//   1. run the ready queue: every task and callback that was ready when the
//      iteration began (what they make ready waits for the next iteration);
//   2. if work is still ready, skip the kernel (on the real clock, poll only
//      every 64th such iteration, so I/O and timers are never starved);
//      otherwise ask the poller for events, blocking until the next timer;
//   3. move due timers to the ready queue.
// On the virtual clock step 2 never blocks on timers: when nothing is ready
// and no I/O is pending, the clock jumps to the next deadline.
#include <simul/core/loop.hpp>

#include <sys/eventfd.h>
#include <csignal>
#include <signal.h>
#include <unistd.h>

#include <time.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <system_error>

#include <simul/detail/task_header.hpp>

#include "debug/debug_monitor.hpp"

namespace simul {

namespace {
constexpr std::uint64_t kWakeToken = ~std::uint64_t(0);
constexpr std::int64_t kTickNs = 1'000'000;

bool debug_from_env() {
    const char* v = std::getenv("SIMUL_DEBUG");
    return v && *v && std::strcmp(v, "0") != 0;
}

std::string describe(const std::exception_ptr& e) {
    if (!e) return "no exception";
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& ex) {
        return ex.what();
    } catch (const Cancelled& c) {
        return c.what();
    } catch (...) {
        return "an exception not derived from std::exception";
    }
}

std::string where(const simul::SourceLocation& s) {
    if (!s.file_name() || !*s.file_name()) return "an unknown line";
    std::string file = s.file_name();
    return file + ":" + std::to_string(s.line());
}

}  // namespace

struct detail::PersistentWatch : detail::IoWatch {

    std::function<void()> fn;
    explicit PersistentWatch(std::function<void()> f) : IoWatch{&on_ready}, fn(std::move(f)) {}
    static void on_ready(detail::IoWatch* w, bool closed) noexcept {
        if (closed) return;
        auto* self = static_cast<PersistentWatch*>(w);
        try {
            self->fn();
        } catch (...) {
            if (Loop* loop = Loop::current())
                loop->call_exception_handler({"simul: a reader/writer callback threw: " + describe(std::current_exception()),
                                              std::current_exception(), {}});
        }
    }
};

Loop::RunScope::RunScope(Loop& l) : loop(l), prev(detail::tls_loop), was_running(l.running_) {
    if (l.closed_) throw Error("simul: the loop is closed");
    if (prev && prev != &l && prev->running_)
        throw Error("simul: another loop is already running on this thread (one loop per thread)");
    detail::tls_loop = &l;
    l.running_ = true;
}

Loop::RunScope::~RunScope() {
    loop.running_ = was_running;
    detail::tls_loop = prev ? prev : (loop.made_current_ ? &loop : nullptr);
}

namespace {
// A peer that goes away must give EPIPE, not kill the process (as Python and
// Rust do, the runtime ignores SIGPIPE unless the program set a handler).
void ignore_sigpipe_once() {
    static const bool done = [] {
        struct sigaction old {};
        if (::sigaction(SIGPIPE, nullptr, &old) == 0 && old.sa_handler == SIG_DFL) ::signal(SIGPIPE, SIG_IGN);
        return true;
    }();
    (void)done;
}
}  // namespace

Loop::Loop(RunOptions options)
    : virtual_(options.virtual_time),
      debug_(options.debug || debug_from_env()),
      slow_step_ns_(options.slow_step.count()),
      budget_(options.budget),
      debug_log_(std::move(options.debug_log)) {
    all_.prev_all_ = all_.next_all_ = &all_;
    started_ns_ = detail::monotonic_ns();
    ignore_sigpipe_once();
    poller_ = detail::make_epoll_poller();
    remote_ = std::make_shared<detail::RemoteQueue>();
    poller_->add(remote_->wake_fd, detail::kPollIn, kWakeToken);
    epoch_ns_ = virtual_ ? 0 : detail::monotonic_ns();
    vnow_ns_ = 0;
    if (!detail::tls_loop) {
        detail::tls_loop = this;
        made_current_ = true;
    }
    start_monitor(options);
}

void Loop::start_monitor(const RunOptions& options) {
    if (!debug_ && options.trace_file.empty() && !detail::trace_file_from_env()) {
        instrumented_ = false;
        unusual_ = tearing_down_;
        return;
    }
    monitor_ = std::make_unique<detail::DebugMonitor>(*this, options);
    instrumented_ = true;
    unusual_ = true;
}

void Loop::set_debug(bool on) {
    if (on == debug_) return;
    debug_ = on;
    if (monitor_) {
        monitor_->set_reports(on);
    } else if (on) {
        RunOptions o;
        o.debug = true;
        o.slow_step = Duration(slow_step_ns_);
        monitor_ = std::make_unique<detail::DebugMonitor>(*this, o);
        instrumented_ = true;
        unusual_ = true;
    }
}

Loop::~Loop() {
    Loop* prev = detail::tls_loop;
    detail::tls_loop = this;
    if (monitor_) monitor_->loop_closing();  // stats and trace, while names are known
    tearing_down_ = true;
    unusual_ = true;
    teardown();
    closed_ = true;
    {
        std::lock_guard lock(remote_->mutex);
        remote_->closed = true;
        remote_->calls.clear();
    }
    poller_->remove(remote_->wake_fd);
    monitor_.reset();
    detail::tls_loop = (prev == this) ? nullptr : prev;
}

// Frees everything the loop still owns. Timers and descriptor watches are
// detached first, so that destroying a suspended frame (whose awaiters
// unlink themselves) never reaches back into a half-destroyed loop.
void Loop::teardown() noexcept {
    for (int dir = 0; dir < 2; ++dir) persistent_[dir].clear();
    for (std::size_t fd = 0; fd < fds_.size(); ++fd) {
        FdRecord& rec = fds_[fd];
        if (rec.armed) poller_->remove(int(fd));
        rec.armed = 0;
        for (int dir = 0; dir < 2; ++dir) {
            detail::IoWatch* w = std::exchange(rec.watch[dir], nullptr);
            if (w && !rec.persistent[dir]) w->ready(w, true);
        }
    }
    watched_ = 0;
    graveyard_.clear();
    timers_.clear([](detail::TimerNode* n) {
        if (n->ops == &detail::CallbackNode::kTimerOps) static_cast<detail::CallbackNode*>(n)->release();
    });
    // Sleeping tasks go back to the live list, whose loop below frees them.
    sleeps_.clear([this](detail::TaskHeader* t) {
        if (t->flags_ & detail::kSleepRelink) link_live(t);
        t->flags_ &= ~(detail::kSleeping | detail::kSleepRelink);
        t->wait_ = nullptr;  // a TaskSleep has no ops for a later cancel() to call
    });
    while (ready_.next_) {
        detail::Runnable* r = ready_.next_;
        ready_.next_ = r->next_;
        r->scheduled_ = false;
        if (!(r->flags_ & detail::kIsTask)) static_cast<detail::CallbackNode*>(r)->release();
    }
    tail_ = &ready_;
    while (all_.next_all_ != &all_) {
        detail::TaskHeader* t = detail::TaskHeader::of(all_.next_all_);
        t->prev_all_->next_all_ = t->next_all_;
        t->next_all_->prev_all_ = t->prev_all_;
        t->flags_ &= ~detail::kInAllList;
        t->flags_ |= detail::kDone | detail::kFinishing;
        --live_tasks_;
        if (--t->refs_ == 0) detail::frame_of(t).destroy();
    }
    for (auto& [t, info] : info_) const_cast<detail::TaskHeader*>(t)->flags_ &= ~detail::kHasInfo;
    info_.clear();
    for (auto& [t, c] : contexts_) const_cast<detail::TaskHeader*>(t)->flags_ &= ~detail::kHasContext;
    contexts_.clear();
}

void Loop::busy(Duration d) {
    if (d <= Duration::zero()) return;
    if (virtual_) {
        vnow_ns_ += d.count();
        return;
    }
    const std::int64_t until = detail::monotonic_ns() + d.count();
    while (detail::monotonic_ns() < until) {
    }
}

// ---- running ---------------------------------------------------------------

void Loop::run_forever() {
    RunScope scope(*this);
    idle_ = false;
    while (!stopping_) {
        run_once();
        if (idle_)
            throw Error("simul: run_forever() on the virtual clock has nothing left to run or wait for; "
                        "call loop.stop() when the work is done");
    }
    stopping_ = false;
}

void Loop::run_ready() {
    // Debug mode is decided once a batch (it can only be switched on, and
    // then takes effect from the next batch): one test fewer per step.
    if (instrumented_) [[unlikely]]
        run_batch<true>();
    else
        run_batch<false>();
    current_ = nullptr;  // between batches no task runs (callbacks clear it themselves)
}

template <bool kInstrumented>
void Loop::run_batch() {
    detail::Runnable* const last = tail_;
    // Steps are counted here and added once the batch ends (a nested run
    // adds its own): an increment in memory per step cost 3% of a switch.
    std::uint64_t steps = 0;
    struct AddSteps {
        std::uint64_t& to;
        const std::uint64_t& n;
        ~AddSteps() { to += n; }  // also when a step throws out of the batch
    } add{steps_, steps};
    for (;;) {
        detail::Runnable* r = ready_.next_;
        ready_.next_ = r->next_;
        if (!ready_.next_) tail_ = &ready_;
        const bool was_last = (r == last);
        if (r->flags_ & detail::kIsTask) [[likely]] {
            ++steps;
            run_task<kInstrumented>(static_cast<detail::TaskHeader*>(r));
        } else
            run_callback(static_cast<detail::CallbackNode*>(r));
        if (was_last || !ready_.next_) break;
    }
}

template <bool kInstrumented>
void Loop::run_task(detail::TaskHeader* t) {
    t->scheduled_ = false;
    current_ = t;
    budget_left_ = budget_;  // a fresh starvation budget (consume_budget())
    if constexpr (kInstrumented) {
        run_task_debug(t);
    } else {
        t->wait_ = nullptr;  // (was the queue link) running: no wait to cancel
        t->slot_.resume.resume();
    }
}

void Loop::run_task_debug(detail::TaskHeader* t) {
    std::coroutine_handle<> h = t->slot_.resume;
    t->wait_ = nullptr;
    simul::SourceLocation site{};
    bool at_start = true;
    const TaskInfo* info = nullptr;
    if (auto it = info_.find(t); it != info_.end()) {
        info = &it->second;
        if (info->has_woken) {
            site = info->woke_at;
            at_start = false;
        }
    }
    stepping_ = t;
    erase_after_step_ = false;
    step_first_ = at_start;
    step_site_ = site;
    detail::tls_stepping_loop = this;
    const std::int64_t t0 = now_ns();
    monitor_->step_begin(t, info, t0);
    h.resume();
    const std::int64_t t1 = now_ns();
    detail::tls_stepping_loop = nullptr;
    const bool stalled = monitor_->step_end(t, t1);
    const std::int64_t dt = t1 - t0 - (virtual_ ? 0 : monitor_->excluded_ns());  // not the reports' own time
    if (debug_ && dt > slow_step_ns_ && !stalled) {
        ++stats_.slow_steps;
        monitor_->report(false, "simul: slow step: task '" + task_name(t) + "' held the loop for " +
                         detail::format_duration(Duration(dt)) + " (" + step_origin() +
                         "); let the others run with co_await simul::yield() in long computations, "
                         "and move blocking calls to simul::to_thread()");
    }
    stepping_ = nullptr;
    if (erase_after_step_) info_.erase(t);
}

std::string Loop::step_origin() const {
    if (!stepping_) return "outside any task step";
    if (step_first_) {
        auto it = info_.find(stepping_);
        return "its first step; it was spawned at " +
               (it != info_.end() ? detail::describe_site(it->second.spawned_at) : std::string("an unknown line"));
    }
    return "the step began at " + detail::describe_site(step_site_);
}

bool Loop::budget_exhausted() noexcept {
    if (budget_ == 0 || !current_) {
        budget_left_ = ~std::uint32_t(0);  // off, or not in a task: never ask again this step
        return true;
    }
    return false;
}

void Loop::run_callback(detail::CallbackNode* n) {
    n->scheduled_ = false;
    current_ = nullptr;
    ++stats_.callbacks;
    if (!(n->flags_ & detail::kCallbackCancelled)) {
        n->flags_ |= detail::kDone;
        try {
            n->invoke_(n);
        } catch (...) {
            call_exception_handler({"simul: a callback threw: " + describe(std::current_exception()),
                                    std::current_exception(), {}});
        }
    }
    n->release();
}

void Loop::run_once() {
    run_ready_phase();
    if (!stopping_) wait_phase();
}

void Loop::run_ready_phase() {
    ++stats_.iterations;
    if (ready_.next_) run_ready();
}

void Loop::wait_phase() {
    const bool ready = ready_.next_ != nullptr;
    if (virtual_) {
        if (watched_ || remote_->pending.load(std::memory_order_acquire)) poll(0);
        if (!ready_.next_) {
            std::uint64_t tick;
            if (next_timer_tick(tick)) {
                const std::int64_t t = epoch_ns_ + std::int64_t(tick) * kTickNs;
                if (t > vnow_ns_) vnow_ns_ = t;  // the virtual clock jumps
            } else if (watched_ || external_ || remote_->pending.load(std::memory_order_acquire)) {
                poll(-1);  // real I/O or another thread will wake us
            } else if (live_tasks_ > 0) {
                throw Error("simul: deadlock: every task is waiting, and no timer, descriptor or other "
                            "thread can wake any of them (on the virtual clock)");
            } else {
                idle_ = true;  // nothing at all: run_forever() says so, run_until() checks its condition
                return;
            }
        }
        process_timers();
        return;
    }
    if (ready && (++iteration_ & 63) != 0) {
        // Keep the kernel off the hot path, but not the timers: a batch can
        // be long (a task that yields every few ms), so look at the coarse
        // clock (no syscall, a few ns) and process timers that may be due.
        if (!no_timers() && timer_may_be_due()) process_timers();
        return;
    }
    const int timeout = ready ? 0 : real_timeout_ms();
    if (timeout != 0 || watched_ || remote_->pending.load(std::memory_order_acquire)) poll(timeout);
    process_timers();
}

bool Loop::next_timer_tick(std::uint64_t& tick) const noexcept {
    std::uint64_t a = 0, b = 0;  // (g++ -O3 cannot see that only a set one is read)
    const bool has_a = timers_.next_tick(a), has_b = sleeps_.next_tick(b);
    if (!has_a && !has_b) return false;
    tick = !has_a ? b : !has_b ? a : (a < b ? a : b);
    return true;
}

bool Loop::timer_may_be_due() const noexcept {
    std::uint64_t tick;
    if (!next_timer_tick(tick)) return false;
    timespec ts;
    ::clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    const std::int64_t coarse = std::int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
    constexpr std::int64_t kCoarseSlack = 10'000'000;  // the coarse clock lags by up to a jiffy (1-10 ms)
    return coarse + kCoarseSlack >= epoch_ns_ + std::int64_t(tick) * kTickNs;
}

int Loop::real_timeout_ms() {
    std::uint64_t tick;
    if (!next_timer_tick(tick)) return -1;
    const std::int64_t due = epoch_ns_ + std::int64_t(tick) * kTickNs;
    const std::int64_t wait = due - detail::monotonic_ns();
    if (wait <= 0) return 0;
    const std::int64_t ms = (wait + kTickNs - 1) / kTickNs;
    return ms > 1'000'000'000 ? 1'000'000'000 : int(ms);
}

void Loop::process_timers() {
    const bool timers = !timers_.empty(), sleeps = !sleeps_.empty();
    if (!timers && !sleeps) return;
    const std::int64_t rel = now_ns() - epoch_ns_;
    const std::uint64_t now_tick = rel > 0 ? std::uint64_t(rel / kTickNs) : 0;
    if (timers && sleeps) {
        // Both wheels, one due tick after the other, so that what fires is
        // queued in deadline order across them. Within a tick, sleeping
        // tasks wake before the other timers fire (the order of one tick's
        // timers is otherwise unspecified).
        std::uint64_t tick;
        while (next_timer_tick(tick) && tick <= now_tick) {
            sleeps_.advance(tick);
            timers_.advance(tick);
        }
    }
    if (sleeps) sleeps_.advance(now_tick);
    if (timers) timers_.advance(now_tick);
}

void detail::TaskSleepTraits::fire(TaskHeader* t) noexcept { Loop::current()->wake_sleeper(t); }

void Loop::fire_callback_timer(detail::TimerNode* n) noexcept {
    Loop::current()->schedule(static_cast<detail::CallbackNode*>(n));
}

const detail::WaitOps detail::CallbackNode::kTimerOps{nullptr, "call_later", &Loop::fire_callback_timer};

void Loop::cancel_all() noexcept {
    for (detail::LiveLinks* l = all_.next_all_; l != &all_; l = l->next_all_) detail::TaskHeader::of(l)->cancel();
    // Sleepers: each leaves the wheel as it is visited (clear() unlinks it
    // first, so cancel() finds it unlinked), goes back to the live list and wakes.
    sleeps_.clear([](detail::TaskHeader* t) { t->cancel(); });
}

// ---- I/O -------------------------------------------------------------------

void Loop::poll(int timeout_ms) {
    detail::PollEvent events[256];
    int n;
    if (timeout_ms != 0) {
        const std::int64_t t0 = detail::monotonic_ns();  // only when blocking: idle time
        n = poller_->wait(events, 256, timeout_ms);
        idle_ns_ += detail::monotonic_ns() - t0;
    } else {
        n = poller_->wait(events, 256, 0);
    }
    for (int i = 0; i < n; ++i) dispatch(events[i]);
    if (!graveyard_.empty()) graveyard_.clear();
}

void Loop::dispatch(const detail::PollEvent& ev) {
    if (ev.token == kWakeToken) {
        drain_remote();
        return;
    }
    const int fd = int(ev.token & 0xffffffffu);
    const std::uint32_t gen = std::uint32_t(ev.token >> 32);
    if (std::size_t(fd) >= fds_.size() || fds_[fd].generation != gen) return;  // stale: closed or reused
    const bool dir_ready[2] = {(ev.events & (detail::kPollIn | detail::kPollHup | detail::kPollErr)) != 0,
                               (ev.events & (detail::kPollOut | detail::kPollHup | detail::kPollErr)) != 0};
    std::uint32_t unwanted = 0;
    for (int dir = 0; dir < 2; ++dir) {
        if (!dir_ready[dir]) continue;
        FdRecord& rec = fds_[fd];  // re-read: a callback may have grown fds_ or forgotten fd
        if (rec.generation != gen) return;
        detail::IoWatch* w = rec.watch[dir];
        if (!w) {
            unwanted |= dir == 0 ? detail::kPollIn : detail::kPollOut;
            continue;
        }
        if (!rec.persistent[dir]) {
            rec.watch[dir] = nullptr;
            --watched_;
        }
        w->ready(w, false);
    }
    FdRecord& rec = fds_[fd];
    if (rec.generation == gen && (rec.armed & unwanted)) {
        try {
            arm(fd, rec, rec.armed & ~unwanted);  // nobody waits: stop the level-triggered repeats
        } catch (...) {
        }
    }
}

void Loop::arm(int fd, FdRecord& rec, std::uint32_t want) {
    if (want == rec.armed) return;
    const std::uint64_t token = std::uint64_t(std::uint32_t(fd)) | (std::uint64_t(rec.generation) << 32);
    if (want == 0)
        poller_->remove(fd);
    else if (rec.armed == 0)
        poller_->add(fd, want, token);
    else
        poller_->modify(fd, want, token);
    rec.armed = want;
}

void Loop::watch_fd(int fd, detail::IoDirection dir, detail::IoWatch* w) {
    if (fd < 0) throw std::system_error(EBADF, std::generic_category(), "simul: cannot watch a negative descriptor");
    if (std::size_t(fd) >= fds_.size()) fds_.resize(std::size_t(fd) + 1);
    FdRecord& rec = fds_[fd];
    if (rec.watch[dir])
        throw Error("simul: a task is already waiting for fd " + std::to_string(fd) +
                    (dir == detail::kRead ? " to become readable" : " to become writable") +
                    "; only one task at a time may wait on each direction of a descriptor");
    arm(fd, rec, rec.armed | (dir == detail::kRead ? detail::kPollIn : detail::kPollOut));
    rec.watch[dir] = w;
    rec.persistent[dir] = false;
    ++watched_;
}

void Loop::unwatch_fd(int fd, detail::IoDirection dir, detail::IoWatch* w) noexcept {
    if (std::size_t(fd) >= fds_.size()) return;
    FdRecord& rec = fds_[fd];
    if (rec.watch[dir] != w) return;
    rec.watch[dir] = nullptr;
    --watched_;
    // The interest stays armed until an event finds nobody (lazy disarm).
}

void Loop::forget_fd(int fd) noexcept {
    if (fd < 0 || std::size_t(fd) >= fds_.size()) return;
    FdRecord& rec = fds_[fd];
    if (rec.armed) poller_->remove(fd);
    rec.armed = 0;
    ++rec.generation;
    for (int dir = 0; dir < 2; ++dir) {
        detail::IoWatch* w = std::exchange(fds_[fd].watch[dir], nullptr);
        if (!w) continue;
        --watched_;
        if (fds_[fd].persistent[dir]) {
            auto it = persistent_[dir].find(fd);
            if (it != persistent_[dir].end()) {
                graveyard_.push_back(std::move(it->second));
                persistent_[dir].erase(it);
            }
        } else {
            w->ready(w, true);
        }
    }
}

void Loop::add_persistent(int fd, detail::IoDirection dir, std::function<void()> fn) {
    auto it = persistent_[dir].find(fd);
    if (it != persistent_[dir].end()) {  // asyncio replaces the callback
        it->second->fn = std::move(fn);
        return;
    }
    auto watch = std::make_unique<detail::PersistentWatch>(std::move(fn));
    watch_fd(fd, dir, watch.get());
    fds_[fd].persistent[dir] = true;
    persistent_[dir].emplace(fd, std::move(watch));
}

bool Loop::remove_persistent(int fd, detail::IoDirection dir) {
    auto it = persistent_[dir].find(fd);
    if (it == persistent_[dir].end()) return false;
    unwatch_fd(fd, dir, it->second.get());
    graveyard_.push_back(std::move(it->second));
    persistent_[dir].erase(it);
    if (!running_) graveyard_.clear();
    return true;
}

void Loop::add_reader(int fd, std::function<void()> fn) { add_persistent(fd, detail::kRead, std::move(fn)); }
void Loop::add_writer(int fd, std::function<void()> fn) { add_persistent(fd, detail::kWrite, std::move(fn)); }
bool Loop::remove_reader(int fd) { return remove_persistent(fd, detail::kRead); }
bool Loop::remove_writer(int fd) { return remove_persistent(fd, detail::kWrite); }

// ---- other threads ---------------------------------------------------------

detail::RemoteQueue::RemoteQueue() : wake_fd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
    if (wake_fd < 0) throw std::system_error(errno, std::generic_category(), "simul: eventfd");
}

detail::RemoteQueue::~RemoteQueue() { ::close(wake_fd); }

bool detail::RemoteQueue::post(std::function<void()>&& fn) {
    bool wake;
    {
        std::lock_guard lock(mutex);
        if (closed) return false;
        calls.push_back(std::move(fn));
        wake = !pending.exchange(true, std::memory_order_acq_rel);  // only the first post wakes
    }
    if (wake) {
        const std::uint64_t one = 1;
        ssize_t r;
        do {
            r = ::write(wake_fd, &one, sizeof one);
        } while (r < 0 && errno == EINTR);
    }
    return true;
}

void Loop::call_soon_threadsafe(std::function<void()> fn) {
    if (!remote_->post(std::move(fn)))
        throw Error("simul: call_soon_threadsafe on a closed loop; the callback was not scheduled");
}

void Loop::drain_remote() {
    std::uint64_t value;
    while (::read(remote_->wake_fd, &value, sizeof value) < 0 && errno == EINTR) {
    }
    std::vector<std::function<void()>> batch;
    {
        std::lock_guard lock(remote_->mutex);
        batch.swap(remote_->calls);
        remote_->pending.store(false, std::memory_order_release);
    }
    if (monitor_) monitor_->poll_dump_request();
    for (auto& fn : batch) {
        try {
            fn();
        } catch (...) {
            call_exception_handler({"simul: a call_soon_threadsafe callback threw: " + describe(std::current_exception()),
                                    std::current_exception(), {}});
        }
    }
}

// ---- tasks -----------------------------------------------------------------

void Loop::note_wake(detail::Runnable* r) noexcept {
    if (!(r->flags_ & detail::kIsTask) || r->scheduled_ || !r->wait_) return;
    auto* t = static_cast<detail::TaskHeader*>(r);
    if (auto it = info_.find(t); it != info_.end()) {
        it->second.woke_at = r->wait_->site;
        it->second.has_woken = true;
    }
}

void Loop::record_info(detail::TaskHeader* t, std::string&& name, simul::SourceLocation where) {
    info_[t] = TaskInfo{std::move(name), where, {}, false};
    t->flags_ |= detail::kHasInfo;
}

std::string Loop::task_name(const detail::TaskHeader* t) const {
    auto it = info_.find(t);
    if (it == info_.end()) return "(unnamed; spawn(task, \"name\") names it)";
    if (!it->second.name.empty()) return it->second.name;
    return "task spawned at " + where(it->second.spawned_at);
}

void Loop::forget_task_info(const detail::TaskHeader* t) noexcept {
    if (t == stepping_) {
        erase_after_step_ = true;
        return;
    }
    info_.erase(t);
}

void Loop::finish_task_slow(detail::TaskHeader* t) noexcept {
    if (t->flags_ & detail::kHasContext) forget_context(t);  // its values die with its last step
    if (detail::Completion* c = t->completion_) {
        t->completion_ = nullptr;
        c->on_done(c, t);
    } else if (t->refs_ == 1 && (t->flags_ & detail::kHasError) && !(t->flags_ & detail::kEndedCancelled)) {
        report_unobserved(t);  // no handle left to take it: it would be lost
    }
}

void Loop::report_unobserved(detail::TaskHeader* t) noexcept {
    t->flags_ |= detail::kObserved;
    try {
        const std::string name = task_name(t);
        call_exception_handler({"simul: task '" + name + "' raised an exception that nobody awaited: " +
                                    describe(t->slot_.error),
                                t->slot_.error, name});
    } catch (...) {
        std::fputs("simul: a task raised an exception that nobody awaited\n", stderr);
    }
}

void Loop::call_exception_handler(const ExceptionContext& ctx) noexcept {
    try {
        if (exception_handler_) {
            exception_handler_(ctx);
            return;
        }
    } catch (...) {
        std::fputs("simul: the exception handler itself threw\n", stderr);
    }
    std::fprintf(stderr, "%s\n", ctx.message.c_str());
}

// SIMUL_DEBUG_LOG=file collects the reports of every loop of the process (CI
// runs the whole suite so, and checks that no report reached the file). Opened
// once, when the first debug loop starts, so that the descriptor exists
// before a test counts its descriptors.
std::FILE* detail::debug_log_file() noexcept {
    static std::FILE* const file = [] {
        const char* path = std::getenv("SIMUL_DEBUG_LOG");
        std::FILE* f = path && *path ? std::fopen(path, "ae") : nullptr;
        return f;
    }();
    return file;
}

namespace {
// Opened before main(): a test that counts its descriptors must find it there already.
[[maybe_unused]] const bool debug_log_opened = (detail::debug_log_file(), true);
}  // namespace

void Loop::debug_log(std::string_view line) const {
    if (debug_log_) {
        debug_log_(line);
        return;
    }
    std::FILE* file = detail::debug_log_file();
    std::FILE* out = file ? file : stderr;
    std::fprintf(out, "%.*s\n", int(line.size()), line.data());
    std::fflush(out);
}

Loop::Stats Loop::stats() const noexcept {
    Stats s = stats_;
    s.steps = steps_;
    s.timers_pending = timers_.size() + sleeps_.size();
    s.fds_watched = watched_;
    s.tasks_alive = live_tasks_;
    for (const detail::Runnable* r = ready_.next_; r; r = r->next_) ++s.ready;
    const std::int64_t total = detail::monotonic_ns() - started_ns_;
    s.idle = Duration(idle_ns_);
    s.busy = Duration(total > idle_ns_ ? total - idle_ns_ : 0);
    return s;
}

void CallHandle::cancel() noexcept {
    if (!node_ || (node_->flags_ & (detail::kDone | detail::kCallbackCancelled))) return;
    node_->flags_ |= detail::kCallbackCancelled;
    if (node_->linked()) {
        if (Loop* loop = Loop::current()) {
            loop->timers().remove(node_);
            node_->release();  // the timer's reference
        }
    }
    // In the ready queue: skipped and released when its turn comes.
}

}  // namespace simul
