// The trace recorder (SIMUL_TRACE=file or RunOptions::trace_file): every task
// step and every wait between two steps, as Chrome trace-event JSON that
// Perfetto (ui.perfetto.dev) and chrome://tracing open, one track per task.
//
// Events go into a ring buffer of fixed-size records (no string per event:
// the wait's kind is a static string, its line a source_location); past the
// capacity the oldest are dropped and counted. Task names are copied once,
// when the task first runs. The file is written when the loop closes.
// Timestamps are the loop's clock, so a virtual-clock run (the exhibition)
// shows its simulated hours.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <unordered_map>
#include <vector>

#include <simul/core/source_location.hpp>
#include <simul/detail/task_header.hpp>

namespace simul::detail {

class TraceRecorder {
public:
    explicit TraceRecorder(std::size_t capacity);

    // `name` is read only the first time a task is seen.
    void step_begin(const TaskHeader* t, const std::string& name, std::int64_t now_ns);
    // After the step: whether the task finished, yielded, or waits on `w`.
    void step_end(const TaskHeader* t, std::int64_t now_ns, bool finished, bool yielded, const Waiter* w);

    std::uint64_t recorded() const noexcept { return recorded_; }
    std::uint64_t dropped() const noexcept { return recorded_ > ring_.size() ? recorded_ - ring_.size() : 0; }
    void write_json(std::ostream& out) const;

private:
    enum class Kind : std::uint8_t { step, wait };
    struct Event {
        std::int64_t start_ns;
        std::int64_t dur_ns;
        std::uint32_t track;
        Kind kind;
        const char* what;  // wait: its kind ("sleep", "readable fd", ...)
        simul::SourceLocation site;
    };
    struct TaskTrack {
        std::uint32_t id;
        std::int64_t step_start = 0;
        std::int64_t wait_start = -1;  // -1: not waiting
        const char* wait_what = nullptr;
        simul::SourceLocation wait_site{};
    };
    void push(const Event& e);

    std::size_t capacity_;
    std::vector<Event> ring_;
    std::size_t next_ = 0;  // where the next event goes once the ring is full
    std::uint64_t recorded_ = 0;
    std::unordered_map<const TaskHeader*, TaskTrack> live_;
    std::vector<std::string> names_;  // by track id
};

}  // namespace simul::detail
