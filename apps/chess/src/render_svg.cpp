#include "render_svg.hpp"

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "format.hpp"

namespace chess {
namespace {

constexpr double kWidth = 1000, kLeft = 90, kRight = 60, kPlot = kWidth - kLeft - kRight;  // room right of the longest bar for its label
constexpr double kRowHeight = 12, kBarHeight = 9;
const char* kMasterColour = "#1f3b73";
const char* kOpponentColour = "#9ecae1";

std::string num(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", v);
    std::string s = buf;
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
    return s;
}

// A tick step (in seconds) giving at most ~8 ticks over `total`.
double tick_step(double total) {
    static const double steps[] = {0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30,
                                   60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400};
    for (double s : steps)
        if (total / s <= 8) return s;
    double s = 86400;
    while (total / s > 8) s *= 2;
    return s;
}

struct Bar {
    double x0, x1;
};

// Adds a bar, merging it with the previous one when they touch at this scale.
void add_bar(std::vector<Bar>& bars, double x0, double x1) {
    if (!bars.empty() && x0 <= bars.back().x1 + 0.5)
        bars.back().x1 = std::max(bars.back().x1, x1);
    else
        bars.push_back({x0, x1});
}

void write_bars(std::ostream& out, const std::vector<Bar>& bars, double y, const char* colour) {
    for (const Bar& b : bars)
        out << "<rect x=\"" << num(b.x0) << "\" y=\"" << num(y) << "\" width=\"" << num(std::max(b.x1 - b.x0, 0.5))
            << "\" height=\"" << num(kBarHeight) << "\" fill=\"" << colour << "\"/>";
}

// One schedule: heading, axis, rows. Returns the height used.
double write_schedule(std::ostream& out, const char* id, const std::string& title, const Schedule& s, double top) {
    double total = std::chrono::duration<double>(s.total()).count();
    if (total <= 0) total = 1;
    auto x = [total](Duration d) { return kLeft + std::chrono::duration<double>(d).count() / total * kPlot; };
    std::int64_t rows = svg_rows(s);

    out << "<g class=\"schedule\" id=\"" << id << "\">\n";
    out << "<text x=\"" << num(kLeft) << "\" y=\"" << num(top + 14) << "\" class=\"title\">" << title;
    if (rows < s.boards()) out << " (first " << count(rows) << " of " << count(s.boards()) << " boards drawn)";
    out << "</text>\n";

    double axis_y = top + 24, rows_top = axis_y + 18;
    double bottom = rows_top + static_cast<double>(rows) * kRowHeight;
    out << "<line x1=\"" << num(kLeft) << "\" y1=\"" << num(axis_y) << "\" x2=\"" << num(kLeft + kPlot) << "\" y2=\""
        << num(axis_y) << "\" stroke=\"#444\"/>";
    double step = tick_step(total);
    for (double t = 0; t <= total * (1 + 1e-9); t += step) {
        double tx = kLeft + t / total * kPlot;
        out << "<line x1=\"" << num(tx) << "\" y1=\"" << num(axis_y) << "\" x2=\"" << num(tx) << "\" y2=\""
            << num(bottom) << "\" stroke=\"#ddd\"/>";
        out << "<text x=\"" << num(tx) << "\" y=\"" << num(axis_y + 13) << "\" class=\"tick\">"
            << hms(std::chrono::duration_cast<Duration>(std::chrono::duration<double>(t))) << "</text>";
    }
    out << "<text x=\"" << num(kLeft + kPlot) << "\" y=\"" << num(axis_y - 4) << "\" class=\"end\">"
        << hms(s.total()) << "</text>\n";

    // Spans are recorded in time order, so each row's bars come sorted.
    std::vector<std::vector<Bar>> master(static_cast<std::size_t>(rows)), opponent(static_cast<std::size_t>(rows));
    for (const Span& span : s.spans()) {
        if (span.board >= rows) continue;
        auto& bars = span.who == Actor::master ? master : opponent;
        add_bar(bars[static_cast<std::size_t>(span.board)], x(span.start), x(span.end));
    }
    for (std::int64_t b = 0; b < rows; ++b) {
        double y = rows_top + static_cast<double>(b) * kRowHeight;
        out << "<g class=\"board\" data-board=\"" << b + 1 << "\"><text x=\"" << num(kLeft - 6) << "\" y=\""
            << num(y + kBarHeight - 1) << "\" class=\"label\">board " << b + 1 << "</text>";
        write_bars(out, opponent[static_cast<std::size_t>(b)], y, kOpponentColour);
        write_bars(out, master[static_cast<std::size_t>(b)], y, kMasterColour);
        out << "</g>\n";
    }
    out << "</g>\n";
    return bottom - top + 16;
}

}  // namespace

std::int64_t svg_rows(const Schedule& s) { return std::min({s.boards(), s.kept_boards(), kMaxSvgRows}); }

void render_svg(std::ostream& out, const Exhibition& ex, const Schedule& in_turn, const Schedule& simul) {
    // Heights first, so the viewBox is right: title + totals + two schedules + legend.
    double top_part = 110;
    auto schedule_height = [](const Schedule& s) { return 24 + 18 + static_cast<double>(svg_rows(s)) * kRowHeight + 16; };
    double height = top_part + schedule_height(in_turn) + schedule_height(simul) + 30;

    out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << num(kWidth) << "\" height=\"" << num(height)
        << "\" viewBox=\"0 0 " << num(kWidth) << ' ' << num(height) << "\" font-family=\"sans-serif\" font-size=\"11\">\n"
        << "<style>.title{font-size:13px;font-weight:bold}.tick{text-anchor:middle;fill:#444;font-size:10px}"
           ".end{text-anchor:end;font-weight:bold}.label{text-anchor:end;fill:#333;font-size:10px}</style>\n"
        << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
    out << "<text x=\"10\" y=\"20\" font-size=\"15\" font-weight=\"bold\">A chess simul: " << count(ex.boards)
        << (ex.boards == 1 ? " board, " : " boards, ") << count(ex.moves) << (ex.moves == 1 ? " move" : " moves")
        << " a game, the master " << hms(ex.master) << " a move, each opponent " << hms(ex.opponent)
        << "</text>\n";

    // The two totals on one scale: the picture's point.
    double longest = std::max(std::chrono::duration<double>(in_turn.total()).count(),
                              std::chrono::duration<double>(simul.total()).count());
    if (longest <= 0) longest = 1;
    auto total_bar = [&](double y, const char* label, const Schedule& s, const char* colour) {
        double w = std::chrono::duration<double>(s.total()).count() / longest * kPlot;
        out << "<text x=\"" << num(kLeft - 6) << "\" y=\"" << num(y + 11) << "\" class=\"label\">" << label
            << "</text><rect x=\"" << num(kLeft) << "\" y=\"" << num(y) << "\" width=\"" << num(std::max(w, 0.5))
            << "\" height=\"14\" fill=\"" << colour << "\"/><text x=\"" << num(kLeft + std::max(w, 0.5) + 6)
            << "\" y=\"" << num(y + 11) << "\">" << hms(s.total()) << "</text>\n";
    };
    out << "<text x=\"10\" y=\"44\">Total time, on one scale:</text>\n";
    total_bar(52, "in turn", in_turn, "#888");
    total_bar(72, "as a simul", simul, kMasterColour);
    out << "<rect x=\"" << num(kLeft) << "\" y=\"94\" width=\"12\" height=\"9\" fill=\"" << kMasterColour
        << "\"/><text x=\"" << num(kLeft + 16) << "\" y=\"102\">the master moves (holds the loop)</text>"
        << "<rect x=\"" << num(kLeft + 230) << "\" y=\"94\" width=\"12\" height=\"9\" fill=\"" << kOpponentColour
        << "\"/><text x=\"" << num(kLeft + 246) << "\" y=\"102\">the opponent thinks (the board's task sleeps)</text>\n";

    double y = top_part;
    y += write_schedule(out, "in-turn", "One board at a time: " + hms(in_turn.total()), in_turn, y);
    write_schedule(out, "simul", "As a simul, a task per board on one loop: " + hms(simul.total()), simul, y);
    out << "</svg>\n";
}

}  // namespace chess
