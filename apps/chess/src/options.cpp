#include "options.hpp"

#include <CLI/CLI.hpp>

#include <cmath>

#include "format.hpp"

namespace chess {
namespace {

// Seconds as typed (fractional allowed) to a whole number of milliseconds.
// Returns an error message, or empty when the value is sensible.
std::string to_duration(const char* name, double seconds, Duration& out) {
    if (!std::isfinite(seconds) || seconds <= 0)
        return std::string(name) + " must be a positive number of seconds";
    if (seconds > 86'400) return std::string(name) + " must be at most 86400 seconds (one day a move)";
    auto ms = std::llround(seconds * 1000.0);
    if (ms < 1) return std::string(name) + " must be at least 0.001 seconds (the timers count milliseconds)";
    out = std::chrono::milliseconds(ms);
    return {};
}

std::string one_line(std::string s) {
    for (char& c : s)
        if (c == '\n') c = ' ';
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return s;
}

}  // namespace

Parsed parse_options(int argc, const char* const* argv) {
    Options o;
    double master = 5, opponent = 55;
    std::string style = "tasks";

    CLI::App app{
        "simul-chess: a chess master plays many boards at once, as a simul task per board.\n"
        "Plays the exhibition twice on simul's virtual clock, one board at a time and as a\n"
        "simul, and compares the two (hours of play in milliseconds of real time).",
        "simul-chess"};
    app.add_option("-b,--boards", o.exhibition.boards,
                   "Number of opponents, each at her own board (1 to 1,000,000)")
        ->capture_default_str();
    app.add_option("-n,--moves", o.exhibition.moves,
                   "Move pairs in each game: the master's move, then her opponent's (1 to 10,000)")
        ->capture_default_str();
    app.add_option("-m,--master", master,
                   "Seconds the master needs for a move; she keeps the loop busy meanwhile "
                   "(fractions allowed, rounded to the millisecond)")
        ->capture_default_str();
    app.add_option("-o,--opponent", opponent,
                   "Seconds each opponent needs for a reply; the board's task sleeps meanwhile "
                   "(fractions allowed, rounded to the millisecond)")
        ->capture_default_str();
    auto* realtime = app.add_flag("--realtime", o.realtime,
                                  "Also play both schedules on the real clock, --speed times faster "
                                  "than life, and print the measured wall time beside the predicted");
    app.add_option("--speed", o.speed,
                   "With --realtime: how many times faster than life (3600 plays an hour in a second)")
        ->capture_default_str()
        ->needs(realtime);
    app.add_flag("--compare", o.compare,
                 "Play the exhibition at 24, 1,000, 10,000 and 100,000 boards three ways on the real "
                 "clock (a thread per board, a process per board, a simul task per board) and print "
                 "wall time, peak memory and CPU time of each")
        ->excludes(realtime);
    app.add_option("--style", style,
                   "How each board of the simul is written: callbacks (a chain of call_later), generators "
                   "(co_yield what it waits for), tasks (co_await), fibers (a function that calls "
                   "fiber::sleep, at most 20,000 boards); the schedule is the same")
        ->capture_default_str();
    app.add_option("--svg", o.svg, "Write a timeline of both schedules as SVG to this file");
    app.add_option("--trace", o.trace,
                   "Record the simul as the loop saw it (simul's trace recorder, as SIMUL_TRACE does): Chrome "
                   "trace-event JSON for ui.perfetto.dev, a track per board task, the master's moves as steps "
                   "and the opponents' as sleeps");
    app.add_option("--schedule-trace", o.schedule_trace,
                   "Write both schedules (one board at a time, and the simul) as Chrome trace-event JSON, "
                   "a track per board, to this file");
    app.footer(
        "Example: simul-chess --boards 24 --moves 30 --master 5 --opponent 55 --svg chess.svg\n"
        "         (the classic figures: 12:00:00 one board at a time, 1:00:55 as a simul)");

    Parsed out;
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
        out.message = app.help();
        return out;
    } catch (const CLI::CallForAllHelp&) {
        out.message = app.help("", CLI::AppFormatMode::All);
        return out;
    } catch (const CLI::ParseError& e) {
        out.exit_code = 2;
        out.message = "simul-chess: " + one_line(e.what()) + " (see --help)";
        return out;
    }

    auto fail = [&out](std::string why) {
        out.exit_code = 2;
        out.message = "simul-chess: " + one_line(std::move(why));
        return out;
    };
    Exhibition& ex = o.exhibition;
    if (ex.boards < 1 || ex.boards > kMaxBoards)
        return fail("--boards must be between 1 and " + count(kMaxBoards) + ", not " + count(ex.boards));
    if (ex.moves < 1 || ex.moves > kMaxMoves)
        return fail("--moves must be between 1 and " + count(kMaxMoves) + ", not " + count(ex.moves));
    if (ex.boards * ex.moves > kMaxMovesInAll)
        return fail("--boards x --moves is " + count(ex.boards * ex.moves) + " moves; at most " +
                    count(kMaxMovesInAll) + " fit in one run");
    if (auto why = to_duration("--master", master, ex.master); !why.empty()) return fail(why);
    if (auto why = to_duration("--opponent", opponent, ex.opponent); !why.empty()) return fail(why);
    // The clock counts nanoseconds in 64 bits: about 292 years.
    double in_turn_s = static_cast<double>(ex.boards) * static_cast<double>(ex.moves) *
                       std::chrono::duration<double>(ex.master + ex.opponent).count();
    if (in_turn_s > 100.0 * 365 * 86'400)
        return fail("played one board at a time this exhibition would last over 100 years; "
                    "fewer boards, moves or seconds please");
    if (!std::isfinite(o.speed) || o.speed <= 0 || o.speed > 1e9)
        return fail("--speed must be a positive number up to 1e9");
    if (o.compare && ex.moves > kMaxCompareMoves)
        return fail("--compare plays at most " + count(kMaxCompareMoves) +
                    " moves a game (it plays up to 100,000 boards for real)");
    if (auto st = parse_style(style)) {
        o.style = *st;
    } else {
        return fail("--style must be one of callbacks, generators, tasks, fibers, not '" + style + "'");
    }
    if (!style_available(o.style))
        return fail("--style fibers needs simul built with Boost.Context (apt-get install libboost-context1.81-dev)");
    if (o.style == Style::fibers && ex.boards > kMaxFiberBoards)
        return fail("--style fibers plays at most " + count(kMaxFiberBoards) +
                    " boards (each fiber's stack has a guard page, and Linux allows a process about 65,000 "
                    "memory mappings); use --style tasks for more");
    out.options = std::move(o);
    return out;
}

}  // namespace chess
