#include "report.hpp"

#include <cstdio>
#include <string>

#include "format.hpp"

namespace chess {
namespace {

std::string pad(const std::string& s, std::size_t width, bool left = false) {
    if (s.size() >= width) return s;
    std::string fill(width - s.size(), ' ');
    return left ? s + fill : fill + s;
}

std::string plural(std::int64_t n, const char* one, const char* many) { return count(n) + ' ' + (n == 1 ? one : many); }

std::string board_at(const Schedule& s, std::int64_t b) {
    return hms(s.finish(b)) + " (board " + count(b + 1) + ")";
}

void row(std::ostream& out, const char* label, const std::string& a, const std::string& b) {
    out << "  " << pad(label, 22, true) << pad(a, 24) << pad(b, 24) << '\n';
}

double seconds(Duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

void print_report(std::ostream& out, const Exhibition& ex, const Schedule& in_turn, const Schedule& simul) {
    out << "A chess simul: the master plays " << plural(ex.boards, "board", "boards") << ", "
        << plural(ex.moves, "move", "moves") << " a game.\n"
        << "She needs " << hms(ex.master) << " a move, each opponent " << hms(ex.opponent)
        << ". Both schedules ran on simul's virtual clock.\n\n";

    row(out, "", "one board at a time", "as a simul");
    row(out, "all games over after", hms(in_turn.total()), hms(simul.total()));
    row(out, "the master moving", hms(in_turn.master_moving()), hms(simul.master_moving()));
    row(out, "the master idle", hms(in_turn.master_idle()), hms(simul.master_idle()));
    row(out, "first game over", board_at(in_turn, in_turn.first_finished()),
        board_at(simul, simul.first_finished()));
    if (ex.boards > 2) {
        row(out, "half the games over", hms(in_turn.finished_by(0.5)), hms(simul.finished_by(0.5)));
    }
    row(out, "last game over", board_at(in_turn, in_turn.last_finished()), board_at(simul, simul.last_finished()));

    double speedup = seconds(in_turn.total()) / seconds(simul.total());
    char buf[128];
    std::snprintf(buf, sizeof buf, "%.2f", speedup);
    out << "\nThe simul is over " << buf << " times sooner";
    if (ex.boards > 1)
        out << ": while one opponent thinks, the master plays the other " << plural(ex.boards - 1, "board", "boards")
            << ".\n";
    else
        out << ": with one board there is nobody else to play while the opponent thinks.\n";

    // Where the simul's idle time went, as recorded.
    out << "In the simul the master sat idle " << hms(simul.master_idle()) << ": " << hms(simul.idle_between())
        << " between her moves, waiting for replies, and " << hms(simul.idle_after())
        << " after her last move, waiting for the last reply.\n";
    if (simul.idle_between() > Duration(0) && ex.boards > 1)
        out << "Her opponents are slower than a round: a reply takes " << hms(ex.opponent) << ", a round of her other "
            << plural(ex.boards - 1, "board", "boards") << " only " << hms(simul.master_moving() / ex.moves - ex.master)
            << ", so every round she waits for the first board's reply.\n";

    if (ex.boards <= kMaxListedBoards) {
        out << "\nWhen each game ended:\n";
        std::int64_t half = (ex.boards + 1) / 2;
        auto cell = [&](std::int64_t b) {
            return pad(count(b + 1), 7) + pad(hms(in_turn.finish(b)), 14) + pad(hms(simul.finish(b)), 12);
        };
        std::string head = pad("board", 7) + pad("in turn", 14) + pad("simul", 12);
        out << "  " << head << (ex.boards > 1 ? "     " + head : "") << '\n';
        for (std::int64_t b = 0; b < half; ++b) {
            out << "  " << cell(b);
            if (b + half < ex.boards) out << "     " << cell(b + half);
            out << '\n';
        }
    } else {
        out << "\n(" << count(ex.boards) << " boards: finish times summarised above, not listed.)\n";
    }
}

}  // namespace chess
