#include "realtime.hpp"

#include <cmath>
#include <cstdio>

#include "format.hpp"
#include "play_in_turn.hpp"
#include "play_simul.hpp"

namespace chess {
namespace {

Duration divided(Duration d, double speed) {
    return Duration(static_cast<std::int64_t>(static_cast<double>(d.count()) / speed));
}

}  // namespace

RealRun play_realtime(const Exhibition& ex, double speed, const Schedule& virtual_run,
                      Schedule (*play)(const Exhibition&, simul::RunOptions)) {
    RealRun r;
    r.predicted = divided(virtual_run.total(), speed);
    auto t0 = std::chrono::steady_clock::now();
    play(ex.faster(speed), {.virtual_time = false});
    r.measured = std::chrono::steady_clock::now() - t0;
    return r;
}

bool print_realtime(std::ostream& out, const Exhibition& ex, double speed, const Schedule& in_turn,
                    const Schedule& simul) {
    char speed_text[64];
    std::snprintf(speed_text, sizeof speed_text, "%g", speed);
    out << "\nOn the real clock, " << speed_text << " times faster than life (simul::busy spins, the sleeps are real timers):\n";
    out << "  " << std::string(22, ' ') << "   predicted    measured\n";
    bool played = false;
    auto one = [&](const char* label, const Schedule& virtual_run, Schedule (*play)(const Exhibition&, simul::RunOptions)) {
        Duration predicted = divided(virtual_run.total(), speed);
        std::string name = label;
        name.resize(22, ' ');
        if (predicted > kMaxRealtimeWall) {
            double enough = speed * std::chrono::duration<double>(predicted).count() /
                            std::chrono::duration<double>(kMaxRealtimeWall).count();
            char buf[64];
            std::snprintf(buf, sizeof buf, "%.0f", std::ceil(enough));
            out << "  " << name << "   skipped: it would take " << hms(predicted) << "; --speed " << buf
                << " plays it in " << kMaxRealtimeWall.count() << " s\n";
            return;
        }
        out.flush();
        RealRun r = play_realtime(ex, speed, virtual_run, play);
        std::string p = wall(r.predicted), m = wall(r.measured);
        out << "  " << name << std::string(12 - std::min<std::size_t>(12, p.size()), ' ') << p
            << std::string(12 - std::min<std::size_t>(12, m.size()), ' ') << m << '\n';
        played = true;
    };
    one("one board at a time", in_turn, play_in_turn);
    one("as a simul", simul, play_simul);
    out << "  (timers have millisecond resolution and never fire early, so real runs end a little late)\n";
    return played;
}

}  // namespace chess
