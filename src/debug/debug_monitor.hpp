// What debug mode attaches to a loop (private to simul): the stall watchdog,
// the trace recorder, the rate limit on reports, the task dump on SIGUSR1 and
// the statistics printed at exit.
//
// The loop (core) holds a DebugMonitor only when debug mode or a trace is on,
// and then sends every task step through Loop::run_task_debug, which calls
// step_begin/step_end here. With both off, the loop never touches this file's
// code: the hot path keeps its single `instrumented_` test.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include <simul/core/loop.hpp>
#include <simul/core/run_options.hpp>

namespace simul::detail {

class StallWatchdog;  // debug/stall_watchdog.hpp
class TraceRecorder;  // debug/trace_recorder.hpp

// SIMUL_TRACE names a file.
bool trace_file_from_env() noexcept;
// Connects libsimul_blocking_detector.so, if the program loaded it
// (debug/blocking_report.cpp); false when it is not there.
bool install_blocking_detector() noexcept;

// At most `burst` reports at once, then `per_second`; what is dropped is
// counted and said in the next report that goes out.
class ReportLimiter {
public:
    ReportLimiter(double burst, double per_second) : tokens_(burst), burst_(burst), rate_(per_second) {}
    // True if a report may go out now; `dropped` is set to how many were
    // suppressed since the last one that did.
    bool allow(std::uint64_t& dropped);

private:
    std::mutex mutex_;
    double tokens_, burst_, rate_;
    std::int64_t last_ns_ = 0;
    std::uint64_t dropped_ = 0;
};

class DebugMonitor {
public:
    DebugMonitor(Loop& loop, const RunOptions& options);
    ~DebugMonitor();
    DebugMonitor(const DebugMonitor&) = delete;

    void set_reports(bool on);
    void step_begin(TaskHeader* t, const Loop::TaskInfo* info, std::int64_t now_ns) noexcept;
    // True if the watchdog reported this step while it ran (it then says the
    // total itself, so the loop's after-the-fact slow-step line is skipped).
    bool step_end(TaskHeader* t, std::int64_t now_ns) noexcept;
    // One debug line; `limited` lines go through the rate limit. Thread-safe.
    // Returns false if the rate limit dropped it.
    bool report(bool limited, const std::string& line) noexcept;
    // Around the writing of a report on the loop thread (symbolizing a stack
    // can take a while the first time): not counted against the step.
    void pause_stall_clock() noexcept;
    void resume_stall_clock() noexcept;
    // Time the running step spent writing reports (excluded from its length).
    std::int64_t excluded_ns() const noexcept { return excluded_ns_; }
    // Before the loop frees its tasks: the exit statistics and the trace file.
    void loop_closing() noexcept;
    // SIGUSR1 asked for a task dump (checked by the loop between iterations).
    void poll_dump_request() noexcept;

    Loop& loop() noexcept { return loop_; }
    bool reports_on() const noexcept { return reports_; }
    ReportLimiter& limiter() noexcept { return limiter_; }
    static DebugMonitor* of(Loop& loop) noexcept { return loop.monitor_.get(); }

private:
    Loop& loop_;
    bool reports_;
    bool stats_at_exit_;
    ReportLimiter limiter_{3, 2};
    std::unique_ptr<StallWatchdog> watchdog_;
    std::unique_ptr<TraceRecorder> trace_;
    std::string trace_file_;
    std::int64_t paused_at_ = 0;
    std::int64_t excluded_ns_ = 0;
};

}  // namespace simul::detail
