// Debug mode's parts of a loop: see debug_monitor.hpp.
#include "debug/debug_monitor.hpp"

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>

#include "debug/stall_watchdog.hpp"
#include "debug/trace_recorder.hpp"

namespace simul::detail {

namespace {

const char* env(const char* name) {
    const char* v = std::getenv(name);
    return v && *v ? v : nullptr;
}

// SIGUSR1 asks every debug loop of the process for a task dump. The handler
// only sets a flag and pokes the loop's eventfd (both async-signal-safe); the
// loop prints the dump between two steps.
std::atomic<bool> dump_requested{false};
std::atomic<int> dump_wake_fd{-1};

void on_dump_signal(int) {
    const int saved = errno;
    dump_requested.store(true, std::memory_order_relaxed);
    const int fd = dump_wake_fd.load(std::memory_order_relaxed);
    if (fd >= 0) {
        const std::uint64_t one = 1;
        [[maybe_unused]] ssize_t r = ::write(fd, &one, sizeof one);
    }
    errno = saved;
}

void install_dump_signal(int wake_fd) {
    dump_wake_fd.store(wake_fd, std::memory_order_relaxed);
    static const bool installed = [] {
        struct sigaction old {};
        if (::sigaction(SIGUSR1, nullptr, &old) != 0 || old.sa_handler != SIG_DFL) return false;  // the program's own
        struct sigaction sa {};
        sa.sa_handler = &on_dump_signal;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_RESTART;
        return ::sigaction(SIGUSR1, &sa, nullptr) == 0;
    }();
    (void)installed;
}

}  // namespace

bool trace_file_from_env() noexcept { return env("SIMUL_TRACE") != nullptr; }

bool ReportLimiter::allow(std::uint64_t& dropped) {
    std::lock_guard lock(mutex_);
    const std::int64_t now = monotonic_ns();
    if (last_ns_ != 0) tokens_ = std::min(burst_, tokens_ + double(now - last_ns_) * rate_ / 1e9);
    last_ns_ = now;
    if (tokens_ < 1) {
        ++dropped_;
        return false;
    }
    tokens_ -= 1;
    dropped = std::exchange(dropped_, 0);
    return true;
}

DebugMonitor::DebugMonitor(Loop& loop, const RunOptions& options)
    : loop_(loop), reports_(loop.debug()), stats_at_exit_(options.stats_at_exit) {
    (void)debug_log_file();  // open it now, not in the middle of a test's descriptor count
    Duration threshold = options.slow_step;
    if (const char* ms = env("SIMUL_SLOW_STEP_MS")) threshold = std::chrono::milliseconds(std::atoll(ms));
    loop_.set_slow_step_threshold(threshold);
    if (reports_) {
        watchdog_ = std::make_unique<StallWatchdog>(*this, threshold);
        install_dump_signal(loop_.remote_->wake_fd);
        install_blocking_detector();
    }
    trace_file_ = options.trace_file;
    if (trace_file_.empty())
        if (const char* f = env("SIMUL_TRACE")) trace_file_ = f;
    if (!trace_file_.empty()) {
        std::size_t capacity = options.trace_events;
        if (const char* n = env("SIMUL_TRACE_EVENTS")) capacity = std::size_t(std::atoll(n));
        trace_ = std::make_unique<TraceRecorder>(capacity);
    }
}

DebugMonitor::~DebugMonitor() = default;

void DebugMonitor::set_reports(bool on) {
    reports_ = on;
    if (on && !watchdog_) {
        watchdog_ = std::make_unique<StallWatchdog>(*this, loop_.slow_step_threshold());
        install_dump_signal(loop_.remote_->wake_fd);
        install_blocking_detector();
    } else if (!on) {
        watchdog_.reset();
    }
}

void DebugMonitor::step_begin(TaskHeader* t, const Loop::TaskInfo* info, std::int64_t now_ns) noexcept {
    excluded_ns_ = 0;
    if (watchdog_)
        watchdog_->step_begin(info ? &info->name : nullptr, loop_.step_first_, loop_.step_site_,
                              info ? info->spawned_at : simul::SourceLocation{});
    if (trace_) {
        try {
            trace_->step_begin(t, info && !info->name.empty() ? info->name : loop_.task_name(t), now_ns);
        } catch (...) {
        }
    }
}

bool DebugMonitor::step_end(TaskHeader* t, std::int64_t now_ns) noexcept {
    const bool stalled = watchdog_ && watchdog_->step_end();
    if (trace_) {
        try {
            const bool finished = t->flags_ & (kDone | kFinishing);
            const bool yielded = t->scheduled_;
            trace_->step_end(t, now_ns, finished, yielded, (finished || yielded) ? nullptr : t->wait_);
        } catch (...) {
        }
    }
    return stalled;
}

void DebugMonitor::pause_stall_clock() noexcept {
    paused_at_ = monotonic_ns();
    if (watchdog_) watchdog_->pause();
}

void DebugMonitor::resume_stall_clock() noexcept {
    if (paused_at_) excluded_ns_ += monotonic_ns() - std::exchange(paused_at_, 0);
    if (watchdog_) watchdog_->resume();
}

bool DebugMonitor::report(bool limited, const std::string& line) noexcept {
    try {
        std::uint64_t dropped = 0;
        if (limited && !limiter_.allow(dropped)) return false;
        if (dropped)
            loop_.debug_log(line + "\n    (" + std::to_string(dropped) + " earlier report" + (dropped > 1 ? "s" : "") +
                            " suppressed: at most a few a second)");
        else
            loop_.debug_log(line);
        return true;
    } catch (...) {
        return false;
    }
}

void DebugMonitor::poll_dump_request() noexcept {
    if (!reports_ || !dump_requested.exchange(false, std::memory_order_relaxed)) return;
    try {
        std::string out;
        loop_.dump_tasks(out);
        if (!out.empty() && out.back() == '\n') out.pop_back();
        loop_.debug_log(out);
    } catch (...) {
    }
}

void DebugMonitor::loop_closing() noexcept {
    try {
        watchdog_.reset();
        if (reports_ && stats_at_exit_) {
            const Loop::Stats s = loop_.stats();
            loop_.debug_log("simul: loop stats: " + std::to_string(s.iterations) + " iterations, " +
                            std::to_string(s.steps) + " task steps, " + std::to_string(s.callbacks) + " callbacks, " +
                            std::to_string(s.tasks_alive) + " tasks alive, " + std::to_string(s.ready) +
                            " ready; busy " + format_duration(s.busy) + ", idle " + format_duration(s.idle) + "; " +
                            std::to_string(s.slow_steps) + " slow steps, " + std::to_string(s.stalls) + " stalls, " +
                            std::to_string(s.blocking_calls) + " blocking calls, " + std::to_string(s.forced_yields) +
                            " forced yields; " + std::to_string(s.fds_watched) + " fds watched, " +
                            std::to_string(s.timers_pending) + " timers pending");
        }
        if (trace_) {
            std::ofstream out(trace_file_);
            trace_->write_json(out);
            out.close();
            if (!out)
                loop_.debug_log("simul: could not write the trace to '" + trace_file_ + "': " + std::strerror(errno));
            else if (reports_ || trace_->dropped())
                loop_.debug_log("simul: trace written to " + trace_file_ + " (" + std::to_string(trace_->recorded()) +
                                " events, " + std::to_string(trace_->dropped()) +
                                " oldest dropped; raise SIMUL_TRACE_EVENTS to keep more); open it in ui.perfetto.dev");
            trace_.reset();
        }
    } catch (...) {
    }
}

}  // namespace simul::detail
