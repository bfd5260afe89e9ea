// simul-chess: a chess master plays many boards at once, as a simul task per
// board. See apps/chess/README.md and docs/tutorial/01-the-exhibition.md.
#include <chrono>
#include <exception>
#include <fstream>
#include <iostream>

#include "compare.hpp"
#include "format.hpp"
#include "options.hpp"
#include "play_in_turn.hpp"
#include "play_simul.hpp"
#include "realtime.hpp"
#include "render_svg.hpp"
#include "render_trace.hpp"
#include "report.hpp"
#include "resources.hpp"
#include "styles.hpp"

namespace {

// Writes a file with `render`; false (and a one-line error) if it cannot.
template <class Render>
bool write_file(const std::string& path, const char* what, Render render) {
    std::ofstream out(path);
    if (out) render(out);
    out.close();
    if (!out) {
        std::cerr << "simul-chess: cannot write the " << what << " to " << path << '\n';
        return false;
    }
    std::cout << "Wrote the " << what << " to " << path << ".\n";
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    chess::Parsed parsed = chess::parse_options(argc, argv);
    if (!parsed.options) {
        (parsed.exit_code == 0 ? std::cout : std::cerr) << parsed.message << (parsed.exit_code == 0 ? "" : "\n");
        return parsed.exit_code;
    }
    const chess::Options& o = *parsed.options;
    const chess::Exhibition& ex = o.exhibition;
    try {
        if (o.compare) {
            chess::run_compare(std::cout, ex);
            return 0;
        }

        auto t0 = std::chrono::steady_clock::now();
        chess::Schedule in_turn = chess::play_in_turn(ex, {.virtual_time = true});
        chess::Schedule simul = chess::play_simul_as(o.style, ex, {.virtual_time = true, .trace_file = o.trace});
        auto took = std::chrono::steady_clock::now() - t0;

        chess::print_report(std::cout, ex, in_turn, simul);
        if (o.style != chess::Style::tasks)
            std::cout << "\nThe simul's boards were written as " << chess::style_name(o.style)
                      << " (--style " << chess::style_name(o.style) << "); the schedule is the same as with tasks.\n";
        std::cout << "\nBoth schedules took " << chess::wall(took) << " of real time; peak memory "
                  << chess::bytes(chess::peak_rss()) << ".\n";

        bool files_ok = true;
        if (!o.svg.empty())
            files_ok &= write_file(o.svg, "timeline (SVG)", [&](std::ostream& out) { chess::render_svg(out, ex, in_turn, simul); });
        if (!o.trace.empty())
            std::cout << "The loop's trace of the simul: " << o.trace << " (open it in ui.perfetto.dev)\n";
        if (!o.schedule_trace.empty())
            files_ok &= write_file(o.schedule_trace, "both schedules' trace (open it in ui.perfetto.dev)",
                                   [&](std::ostream& out) { chess::render_trace(out, in_turn, simul); });
        if (!files_ok) return 1;

        if (o.realtime && !chess::print_realtime(std::cout, ex, o.speed, in_turn, simul)) {
            std::cerr << "simul-chess: at --speed " << o.speed << " this exhibition is too long to play on the real clock\n";
            return 2;
        }
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "simul-chess: " << e.what() << '\n';
        return 1;
    }
}
