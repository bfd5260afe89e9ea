#include "compare.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <exception>
#include <iostream>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "format.hpp"
#include "play_processes.hpp"
#include "play_simul.hpp"
#include "play_threads.hpp"

namespace chess {
namespace {

constexpr std::int64_t kThreadCost = 256 * 1024;       // stack, guard, kernel stack: a generous guess
constexpr std::int64_t kProcessCost = 2 * 1024 * 1024;  // page tables, stack, kernel: a generous guess
constexpr std::size_t kThreadStack = 64 * 1024;

// What a child sends back: fixed size, written once.
struct Report {
    int ran;
    std::int64_t wall_ns, cpu_ns, memory;
    char note[200];
};

const char* name(Way way) {
    switch (way) {
    case Way::threads: return "threads";
    case Way::processes: return "processes";
    case Way::simul: return "simul tasks";
    }
    return "?";
}

// The body of the child: play, measure, report.
Report play_and_measure(Way way, const Exhibition& ex) {
    Report r{};
    auto cpu0 = cpu_time();
    auto t0 = std::chrono::steady_clock::now();
    try {
        switch (way) {
        case Way::threads:
            play_threads(ex, kThreadStack);
            r.memory = peak_rss();
            break;
        case Way::processes: {
            // Sample memory mid-game, when every board's process is alive.
            auto half = ex.moves * (ex.master + ex.opponent) / 2;
            r.memory = play_processes(ex, half);
            break;
        }
        case Way::simul:
            play_simul(ex, {.virtual_time = false});
            r.memory = peak_rss();
            break;
        }
        r.ran = 1;
    } catch (const std::exception& e) {
        std::snprintf(r.note, sizeof r.note, "%s", e.what());
    }
    r.wall_ns = (std::chrono::steady_clock::now() - t0).count();
    r.cpu_ns = (cpu_time() - cpu0).count();
    return r;
}

std::string pad(const std::string& s, std::size_t width) {
    return s.size() >= width ? s : std::string(width - s.size(), ' ') + s;
}

// The virtual-clock prediction of the simul's total, in a child too, so the
// parent stays small (children inherit its memory).
Duration predict(const Exhibition& ex) {
    int fds[2];
    if (pipe(fds) != 0) return Duration(0);
    std::cout.flush();
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        std::int64_t total = 0;
        try {
            total = play_simul(ex, {.virtual_time = true}).total().count();
        } catch (...) {
        }
        [[maybe_unused]] auto n = write(fds[1], &total, sizeof total);
        _exit(0);
    }
    close(fds[1]);
    std::int64_t total = 0;
    if (pid > 0) {
        [[maybe_unused]] auto n = read(fds[0], &total, sizeof total);
        waitpid(pid, nullptr, 0);
    }
    close(fds[0]);
    return Duration(total);
}

}  // namespace

std::int64_t cap(Way way, const MachineLimits& limits) {
    std::int64_t by_memory = limits.mem_available / 4;
    switch (way) {
    case Way::threads:
        return std::min({kMaxThreads, limits.spare_tasks(), by_memory / kThreadCost});
    case Way::processes:
        return std::min({kMaxProcesses, limits.spare_tasks(), by_memory / kProcessCost});
    case Way::simul:
        return 1'000'000;
    }
    return 0;
}

Measured measure(Way way, const Exhibition& ex, Duration timeout) {
    Measured m;
    int fds[2];
    if (pipe(fds) != 0) {
        m.note = std::string("pipe: ") + std::strerror(errno);
        return m;
    }
    std::cout.flush();
    std::cerr.flush();
    pid_t pid = fork();
    if (pid < 0) {
        m.note = std::string("fork: ") + std::strerror(errno);
        close(fds[0]);
        close(fds[1]);
        return m;
    }
    if (pid == 0) {
        setpgid(0, 0);  // its own group: a timeout kills the runner and every board process
        close(fds[0]);
        Report r = play_and_measure(way, ex);
        [[maybe_unused]] auto n = write(fds[1], &r, sizeof r);
        _exit(0);
    }
    setpgid(pid, pid);  // also here, so the group exists before we may need to kill it
    close(fds[1]);

    Report r{};
    pollfd p{fds[0], POLLIN, 0};
    int ready;
    do ready = poll(&p, 1, static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count()));
    while (ready < 0 && errno == EINTR);
    bool got = ready > 0 && read(fds[0], &r, sizeof r) == static_cast<ssize_t>(sizeof r);
    if (!got) kill(-pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    close(fds[0]);
    if (!got) {
        m.note = ready == 0 ? "stopped after " + wall(timeout) + " (too slow)" : "the run died";
        return m;
    }
    m.ran = r.ran != 0;
    m.note = r.note;
    m.wall = Duration(r.wall_ns);
    m.cpu = Duration(r.cpu_ns);
    m.memory = r.memory;
    return m;
}

void run_compare(std::ostream& out, const Exhibition& figures) {
    static const std::int64_t sizes[] = {24, 1'000, 10'000, 100'000};
    static const Way ways[] = {Way::threads, Way::processes, Way::simul};
    MachineLimits limits = MachineLimits::read();

    out << "The exhibition played for real, three ways: a thread per board (the master is a std::mutex),\n"
        << "a process per board (a process-shared mutex) and a simul task per board (one loop, one thread).\n"
        << count(figures.moves) << " moves a game, the master " << hms(figures.master) << " a move, each opponent "
        << hms(figures.opponent) << ".\nEach size is sped up so that the master's moves add up to 1 s of real time.\n"
        << "Machine: " << limits.describe() << ".\n"
        << "Caps: " << count(cap(Way::threads, limits)) << " threads (" << kThreadStack / 1024
        << " KiB stacks), " << count(cap(Way::processes, limits)) << " processes.\n\n";
    out << pad("boards", 8) << pad("speed", 12) << "  " << std::string("way         ") << pad("predicted", 10)
        << pad("wall", 10) << pad("CPU", 10) << pad("memory", 11) << '\n';
    out.flush();

    for (std::int64_t boards : sizes) {
        Exhibition ex = figures;
        ex.boards = boards;
        double master_total = std::chrono::duration<double>(ex.master).count() * static_cast<double>(boards * ex.moves);
        double speed = master_total / 1.0;
        Exhibition fast = ex.faster(speed);
        Duration predicted = predict(fast);
        bool first = true;
        for (Way way : ways) {
            out << pad(first ? count(boards) : "", 8) << pad(first ? count(static_cast<std::int64_t>(speed)) + "x" : "", 12)
                << "  " << name(way) << std::string(12 - std::strlen(name(way)), ' ');
            first = false;
            if (std::int64_t c = cap(way, limits); boards > c) {
                out << "skipped: " << count(boards) << ' ' << name(way) << " is over this machine's cap of " << count(c)
                    << '\n';
                continue;
            }
            out.flush();
            Measured m = measure(way, fast, std::chrono::seconds(20));
            if (!m.ran) {
                out << "failed: " << m.note << '\n';
                continue;
            }
            out << pad(wall(predicted), 10) << pad(wall(m.wall), 10) << pad(wall(m.cpu), 10) << pad(bytes(m.memory), 11)
                << '\n';
            out.flush();
        }
    }
    out << "\npredicted: the simul's schedule on the virtual clock, divided by the speed. wall and CPU: the\n"
        << "whole run, starting the threads, processes or tasks included; CPU counts every thread and process.\n"
        << "memory: peak RSS of the process for threads and simul tasks; for processes, the sum of every\n"
        << "process's PSS (shared pages counted once) measured mid-game.\n";
}

}  // namespace chess
