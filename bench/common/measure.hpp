// bench/common/measure.hpp: clocks, peak RSS, and fresh-process measurements
// shared by the benchmarks and the standalone programs.
//
// Peak RSS only grows within a process (and simul's frame pool keeps its
// chunks for the life of the process), so a memory figure is meaningful only
// from a fresh process. The Google Benchmark binaries get theirs by running
// the standalone program of the same workload (bench/peers/, or its baseline
// twin) and reading back its RESULT line: run_fresh() below.
#pragma once

#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace bench {

inline std::int64_t mono_ns() noexcept {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return std::int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// Peak resident set of this process, KiB: VmHWM from /proc/self/status (the
// peer kit accepts it or ru_maxrss). Not ru_maxrss: Linux carries that over
// exec from the parent, so a program started by a big benchmark process
// would report the parent's peak as its own.
inline long peak_rss_kib() noexcept {
    if (FILE* f = std::fopen("/proc/self/status", "r")) {
        char line[256];
        long kib = -1;
        while (std::fgets(line, sizeof line, f))
            if (std::sscanf(line, "VmHWM: %ld kB", &kib) == 1) break;
        std::fclose(f);
        if (kib >= 0) return kib;
    }
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

// Keeps the optimiser from deleting a computation.
template <class T>
inline void keep(T const& v) {
    asm volatile("" : : "r,m"(v) : "memory");
}

// The key=value pairs of a "RESULT ..." line (non-numeric values are dropped).
inline std::map<std::string, double> parse_result(const std::string& line) {
    std::map<std::string, double> kv;
    std::istringstream in(line);
    std::string tok;
    while (in >> tok) {
        const auto eq = tok.find('=');
        if (eq == std::string::npos) continue;
        char* end = nullptr;
        const std::string v = tok.substr(eq + 1);
        const double d = std::strtod(v.c_str(), &end);
        if (end && *end == '\0' && !v.empty()) kv[tok.substr(0, eq)] = d;
    }
    return kv;
}

// Runs `program args...` as a fresh process (same CPU affinity as this one)
// and returns the pairs of the RESULT line it prints. Throws if it fails.
inline std::map<std::string, double> run_fresh(const std::string& program, std::vector<std::string> args = {}) {
    int fds[2];
    if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(program.c_str()));
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid;
    const int rc = posix_spawn(&pid, program.c_str(), &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    if (rc != 0) {
        close(fds[0]);
        throw std::runtime_error("cannot start " + program);
    }
    std::string out;
    char buf[4096];
    for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, std::size_t(n));
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    const auto at = out.find("RESULT ");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || at == std::string::npos)
        throw std::runtime_error(program + " failed: " + out);
    return parse_result(out.substr(at, out.find('\n', at) - at));
}

}  // namespace bench
