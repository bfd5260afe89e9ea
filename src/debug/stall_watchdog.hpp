// The stall watchdog (debug mode): a thread that notices a task step holding
// the loop past the threshold while it still runs, and says where it is stuck.
//
// The loop thread marks each step's start and end (a mutex held for a few
// nanoseconds; debug mode only). The watchdog wakes every threshold/4 (at
// most every 50 ms); when the same step has run past the threshold it
// interrupts the loop thread with a signal (SIGRTMIN+4), whose handler only
// copies the raw return addresses of the loop thread's stack
// (boost::stacktrace::safe_dump_to, async-signal-safe). The watchdog thread
// then symbolizes them (Boost.Stacktrace with libbacktrace: function, file,
// line) and prints one report: the task's name, the line where the step
// began, and the stack. When the step finally ends, the loop thread prints
// the total. Reports share the monitor's rate limit.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <pthread.h>
#include <string>
#include <thread>

#include <simul/core/clock.hpp>
#include <simul/core/source_location.hpp>

namespace simul::detail {

class DebugMonitor;

class StallWatchdog {
public:
    StallWatchdog(DebugMonitor& monitor, Duration threshold);
    ~StallWatchdog();
    StallWatchdog(const StallWatchdog&) = delete;

    // Loop thread. `name` and `spawned_at` stay valid until step_end.
    void step_begin(const std::string* name, bool first, simul::SourceLocation began_at,
                    simul::SourceLocation spawned_at) noexcept;
    // Loop thread: true (and the total is printed) if this step was reported.
    bool step_end() noexcept;
    // Loop thread: time spent between pause() and resume() (a debug report
    // being written) does not count against the step.
    void pause() noexcept;
    void resume() noexcept;

private:
    void run();
    bool report_stall(std::int64_t held_ns, std::uint64_t seq, const std::string& name, const std::string& origin);

    DebugMonitor& monitor_;
    std::int64_t threshold_ns_;
    pthread_t loop_thread_;

    std::mutex mutex_;
    std::condition_variable wake_;
    bool stop_ = false;
    // The running step (under mutex_).
    bool running_ = false;
    std::uint64_t seq_ = 0;
    std::uint64_t reported_seq_ = 0;
    std::uint64_t printed_seq_ = 0;
    std::condition_variable printed_;
    // Atomic as well as under mutex_: pause() and resume() run inside a
    // blocking-call report, which under ThreadSanitizer happens inside its
    // interceptor, where TSan does not see the mutex.
    std::atomic<std::int64_t> started_ns_{0};
    std::atomic<std::int64_t> paused_at_{0};  // non-zero while paused
    bool printed_report_ = false;  // the stall report of this step got past the rate limit
    const std::string* name_ = nullptr;
    bool first_ = false;
    simul::SourceLocation began_at_{};
    simul::SourceLocation spawned_at_{};

    std::thread thread_;
};


}  // namespace simul::detail
