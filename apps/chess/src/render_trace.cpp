#include "render_trace.hpp"

#include <algorithm>
#include <string>

#include <nlohmann/json.hpp>

#include "format.hpp"

namespace chess {
namespace {

double micros(Duration d) { return static_cast<double>(d.count()) / 1e3; }

void add_schedule(nlohmann::json& events, int pid, const std::string& name, const Schedule& s) {
    std::int64_t boards = trace_boards(s);
    std::string title = name + " (" + hms(s.total()) + ")";
    if (boards < s.boards()) title += ", first " + count(boards) + " of " + count(s.boards()) + " boards";
    events.push_back({{"name", "process_name"}, {"ph", "M"}, {"pid", pid}, {"args", {{"name", title}}}});
    for (std::int64_t b = 0; b < boards; ++b)
        events.push_back({{"name", "thread_name"},
                          {"ph", "M"},
                          {"pid", pid},
                          {"tid", b + 1},
                          {"args", {{"name", "board " + std::to_string(b + 1)}}}});
    for (const Span& span : s.spans()) {
        if (span.board >= boards) continue;
        events.push_back({{"name", span.who == Actor::master ? "master" : "opponent"},
                          {"cat", span.who == Actor::master ? "master" : "opponent"},
                          {"ph", "X"},
                          {"ts", micros(span.start)},
                          {"dur", micros(span.end - span.start)},
                          {"pid", pid},
                          {"tid", span.board + 1},
                          {"args", {{"move", span.move}}}});
    }
}

}  // namespace

std::int64_t trace_boards(const Schedule& s) { return std::min({s.boards(), s.kept_boards(), kMaxTraceBoards}); }

void render_trace(std::ostream& out, const Schedule& in_turn, const Schedule& simul) {
    nlohmann::json events = nlohmann::json::array();
    add_schedule(events, 1, "one board at a time", in_turn);
    add_schedule(events, 2, "as a simul", simul);
    nlohmann::json doc = {{"traceEvents", std::move(events)}, {"displayTimeUnit", "ms"}};
    out << doc.dump() << '\n';
}

}  // namespace chess
