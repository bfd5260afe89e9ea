// The trace recorder: see trace_recorder.hpp.
#include "debug/trace_recorder.hpp"

#include <algorithm>
#include <cstdio>

namespace simul::detail {

namespace {

void write_escaped(std::ostream& out, const char* s) {
    out << '"';
    for (; s && *s; ++s) {
        const unsigned char c = static_cast<unsigned char>(*s);
        if (c == '"' || c == '\\') {
            out << '\\' << char(c);
        } else if (c < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out << buf;
        } else {
            out << char(c);
        }
    }
    out << '"';
}

void write_us(std::ostream& out, std::int64_t ns) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%lld.%03lld", static_cast<long long>(ns / 1000),
                  static_cast<long long>(ns % 1000 < 0 ? -(ns % 1000) : ns % 1000));
    out << buf;
}

}  // namespace

TraceRecorder::TraceRecorder(std::size_t capacity) : capacity_(capacity ? capacity : 1) {
    ring_.reserve(std::min<std::size_t>(capacity_, 4096));
}

void TraceRecorder::push(const Event& e) {
    ++recorded_;
    if (ring_.size() < capacity_) {
        ring_.push_back(e);
        return;
    }
    ring_[next_] = e;  // full: overwrite the oldest
    next_ = (next_ + 1) % capacity_;
}

void TraceRecorder::step_begin(const TaskHeader* t, const std::string& name, std::int64_t now_ns) {
    auto [it, fresh] = live_.try_emplace(t);
    TaskTrack& track = it->second;
    if (fresh) {
        track.id = std::uint32_t(names_.size() + 1);
        names_.push_back(name);
    } else if (track.wait_start >= 0) {
        push({track.wait_start, now_ns - track.wait_start, track.id, Kind::wait, track.wait_what, track.wait_site});
    }
    track.wait_start = -1;
    track.step_start = now_ns;
}

void TraceRecorder::step_end(const TaskHeader* t, std::int64_t now_ns, bool finished, bool yielded, const Waiter* w) {
    auto it = live_.find(t);
    if (it == live_.end()) return;
    TaskTrack& track = it->second;
    push({track.step_start, now_ns - track.step_start, track.id, Kind::step, nullptr, {}});
    if (finished) {
        live_.erase(it);  // the frame may be reused by a new task
        return;
    }
    track.wait_start = now_ns;
    track.wait_what = yielded                       ? "ready (yielded)"
                      : (t->flags_ & kSleeping)     ? "sleep"  // a sleep's Waiter has no ops
                      : (w && w->ops && w->ops->what) ? w->ops->what
                                                      : "wait";
    track.wait_site = (!yielded && w) ? w->site : simul::SourceLocation{};
}

void TraceRecorder::write_json(std::ostream& out) const {
    out << "{\"displayTimeUnit\":\"ms\",\"otherData\":{\"producer\":\"simul\",\"events_recorded\":" << recorded_
        << ",\"events_dropped\":" << dropped() << "},\n\"traceEvents\":[\n";
    out << "{\"ph\":\"M\",\"pid\":1,\"tid\":0,\"name\":\"process_name\",\"args\":{\"name\":\"simul loop\"}}";
    for (std::size_t i = 0; i < names_.size(); ++i) {
        out << ",\n{\"ph\":\"M\",\"pid\":1,\"tid\":" << i + 1 << ",\"name\":\"thread_name\",\"args\":{\"name\":";
        write_escaped(out, names_[i].c_str());
        out << "}}";
    }
    const std::size_t n = ring_.size();
    const std::size_t first = ring_.size() < capacity_ ? 0 : next_;
    for (std::size_t k = 0; k < n; ++k) {
        const Event& e = ring_[(first + k) % n];
        out << ",\n{\"ph\":\"X\",\"pid\":1,\"tid\":" << e.track << ",\"ts\":";
        write_us(out, e.start_ns);
        out << ",\"dur\":";
        write_us(out, e.dur_ns);
        if (e.kind == Kind::step) {
            out << ",\"cat\":\"step\",\"name\":\"step\"}";
            continue;
        }
        out << ",\"cat\":\"wait\",\"name\":";
        write_escaped(out, e.what);
        if (e.site.file_name() && *e.site.file_name()) {
            out << ",\"args\":{\"at\":";
            const std::string at = std::string(e.site.file_name()) + ":" + std::to_string(e.site.line());
            write_escaped(out, at.c_str());
            out << "}";
        }
        out << "}";
    }
    out << "\n]}\n";
}

}  // namespace simul::detail
