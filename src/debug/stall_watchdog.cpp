// The stall watchdog: see stall_watchdog.hpp.
#include "debug/stall_watchdog.hpp"

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>

#include <boost/stacktrace.hpp>

#include <simul/core/clock.hpp>

#include "debug/debug_monitor.hpp"

namespace simul::detail {

namespace {

// One capture at a time in the process (several debug loops on several
// threads take turns): the handler writes here, the watchdog reads.
std::mutex capture_mutex;
constexpr std::size_t kMaxFrames = 64;
void* captured_frames[kMaxFrames];
std::atomic<std::size_t> captured_bytes{0};
std::atomic<bool> capture_done{false};

int stall_signal() { return SIGRTMIN + 4; }

void on_stall_signal(int) {
    const int saved = errno;
    const std::size_t depth = boost::stacktrace::safe_dump_to(0, captured_frames, sizeof captured_frames);
    captured_bytes.store(depth * sizeof(void*), std::memory_order_relaxed);
    capture_done.store(true, std::memory_order_release);
    errno = saved;
}

void install_handler_once() {
    static const bool installed = [] {
        struct sigaction sa {};
        sa.sa_handler = &on_stall_signal;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_RESTART;
        ::sigaction(stall_signal(), &sa, nullptr);
        // The first unwind may load libgcc_s; do it now, not in the handler.
        void* warm[4];
        (void)boost::stacktrace::safe_dump_to(0, warm, sizeof warm);
        return true;
    }();
    (void)installed;
}

// The frames of the interrupted code, from the first one after the signal
// trampoline down to the loop's own machinery (which every report shares).
std::string format_stack(const boost::stacktrace::stacktrace& st) {
    std::string out;
    bool past_handler = false;
    bool skip_trampoline = false;
    int shown = 0;
    for (const boost::stacktrace::frame& f : st) {
        std::string name = f.name();
        if (!past_handler) {
            // The handler's frame, then the kernel's return trampoline
            // (__restore_rt, often nameless: its file is libc's sigaction.c).
            if (name.find("on_stall_signal") != std::string::npos) {
                skip_trampoline = true;
            } else if (skip_trampoline || name.find("restore_rt") != std::string::npos ||
                       f.source_file().find("sigaction") != std::string::npos) {
                past_handler = true;
            }
            continue;
        }
        if (name.find("simul::Loop::run_task_debug") != std::string::npos) break;
        if (++shown > 12) {
            out += "\n      ...";
            break;
        }
        out += "\n      #" + std::to_string(shown - 1) + " " + (name.empty() ? std::string("??") : short_function_name(name));
        const std::string file = f.source_file();
        if (!file.empty()) out += " at " + file + ":" + std::to_string(f.source_line());
    }
    if (!past_handler) return {};  // no trampoline found: the unwinder failed us
    return out;
}

}  // namespace

StallWatchdog::StallWatchdog(DebugMonitor& monitor, Duration threshold)
    : monitor_(monitor), threshold_ns_(threshold.count()), loop_thread_(::pthread_self()) {
    install_handler_once();
    // The watchdog takes no signal meant for the program (a process-directed
    // SIGUSR2 must reach the loop thread's signalfd, not kill the process
    // here): it starts with every signal blocked.
    sigset_t all, old;
    sigfillset(&all);
    ::pthread_sigmask(SIG_SETMASK, &all, &old);
    thread_ = std::thread([this] { run(); });
    ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

StallWatchdog::~StallWatchdog() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_one();
    thread_.join();
}

void StallWatchdog::step_begin(const std::string* name, bool first, simul::SourceLocation began_at,
                               simul::SourceLocation spawned_at) noexcept {
    std::lock_guard lock(mutex_);
    running_ = true;
    paused_at_.store(0, std::memory_order_relaxed);
    printed_report_ = false;
    ++seq_;
    started_ns_.store(monotonic_ns(), std::memory_order_relaxed);
    name_ = name;
    first_ = first;
    began_at_ = began_at;
    spawned_at_ = spawned_at;
}

bool StallWatchdog::step_end() noexcept {
    std::int64_t held = 0;
    std::string name;
    {
        std::unique_lock lock(mutex_);
        running_ = false;
        if (reported_seq_ != seq_) return false;
        held = monotonic_ns() - started_ns_.load(std::memory_order_relaxed);
        name = name_ ? *name_ : std::string("(unnamed)");
        // The report goes first: wait (bounded) while the watchdog prints it.
        printed_.wait_for(lock, std::chrono::milliseconds(500), [&] { return printed_seq_ == seq_; });
        if (printed_seq_ != seq_ || !printed_report_) {  // the report was rate-limited away: so is its end
            monitor_.loop().note_stall();
            return true;
        }
    }
    monitor_.loop().note_stall();
    monitor_.report(false, "simul: stall over: task '" + name + "' held the loop for " +
                               format_duration(Duration(held)) + " in all");
    return true;
}

void StallWatchdog::run() {
    const auto period = std::chrono::nanoseconds(std::clamp<std::int64_t>(threshold_ns_ / 4, 1'000'000, 50'000'000));
    std::unique_lock lock(mutex_);
    while (!stop_) {
        wake_.wait_for(lock, period);
        if (stop_) break;
        if (!running_ || reported_seq_ == seq_ || paused_at_.load(std::memory_order_relaxed)) continue;
        const std::int64_t held = monotonic_ns() - started_ns_.load(std::memory_order_relaxed);
        if (held < threshold_ns_) continue;
        reported_seq_ = seq_;
        const std::uint64_t seq = seq_;
        // Copied now, while the loop thread is stuck in the step (the name
        // lives as long as the step does).
        const std::string name = name_ ? *name_ : std::string("(unnamed)");
        const std::string origin = first_ ? "the step is the task's first; it was spawned at " + describe_site(spawned_at_)
                                          : "the step began at " + describe_site(began_at_);
        lock.unlock();
        const bool printed = report_stall(held, seq, name, origin);
        lock.lock();
        printed_report_ = printed;
        printed_seq_ = seq;
        printed_.notify_all();
    }
}

bool StallWatchdog::report_stall(std::int64_t held_ns, std::uint64_t seq, const std::string& name,
                                 const std::string& origin) {
    // Interrupt the loop thread for its stack; give it 200 ms (a thread
    // inside a system call, or under a sanitizer that defers signals, may
    // take longer: the report then goes without the stack).
    std::string stack;
    {
        std::lock_guard capture(capture_mutex);
        capture_done.store(false, std::memory_order_relaxed);
        bool captured = false;
        bool still_in_step;
        {
            std::lock_guard lock(mutex_);
            still_in_step = running_ && seq_ == seq;
        }
        if (still_in_step && ::pthread_kill(loop_thread_, stall_signal()) == 0) {
            const std::int64_t give_up = monotonic_ns() + 200'000'000;
            while (monotonic_ns() < give_up) {
                if (capture_done.load(std::memory_order_acquire)) {
                    captured = true;
                    break;
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
            }
        }
        if (captured) {
            const auto st = boost::stacktrace::stacktrace::from_dump(captured_frames,
                                                                     captured_bytes.load(std::memory_order_relaxed));
            stack = format_stack(st);
        }
    }
    std::string text = "simul: stall: task '" + name + "' has held the loop for " +
                       format_duration(Duration(held_ns)) + " and is still running (" + origin +
                       "); nothing else runs until it awaits. Let the others run with co_await simul::yield() "
                       "in long computations, and move blocking calls to simul::to_thread().";
    text += stack.empty() ? std::string("\n    (the loop thread's stack could not be captured)")
                          : "\n    the loop thread is at:" + stack;
    return monitor_.report(true, text);
}

void StallWatchdog::pause() noexcept {
    std::lock_guard lock(mutex_);
    if (running_ && !paused_at_.load(std::memory_order_relaxed)) paused_at_.store(monotonic_ns(), std::memory_order_relaxed);
}

void StallWatchdog::resume() noexcept {
    std::lock_guard lock(mutex_);
    const std::int64_t at = paused_at_.exchange(0, std::memory_order_relaxed);
    if (!at) return;
    started_ns_.fetch_add(monotonic_ns() - at, std::memory_order_relaxed);
}

}  // namespace simul::detail
