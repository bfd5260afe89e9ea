#include "resources.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <sys/resource.h>

#include "format.hpp"

namespace chess {
namespace {

std::chrono::nanoseconds to_ns(const timeval& tv) {
    return std::chrono::seconds(tv.tv_sec) + std::chrono::microseconds(tv.tv_usec);
}

std::int64_t read_number(const char* path) {
    std::ifstream in(path);
    std::int64_t v = 0;
    in >> v;
    return v;
}

// The value of "Key:   123 kB" in a /proc file, in bytes.
std::int64_t read_kb_field(const std::string& path, const std::string& key) {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line))
        if (line.compare(0, key.size(), key) == 0 && line.size() > key.size() && line[key.size()] == ':') {
            std::istringstream fields(line.substr(key.size() + 1));
            std::int64_t kb = 0;
            fields >> kb;
            return kb * 1024;
        }
    return 0;
}

}  // namespace

std::int64_t peak_rss() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return static_cast<std::int64_t>(ru.ru_maxrss) * 1024;  // Linux reports KiB
}

std::chrono::nanoseconds cpu_time() {
    rusage self{}, children{};
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &children);
    return to_ns(self.ru_utime) + to_ns(self.ru_stime) + to_ns(children.ru_utime) + to_ns(children.ru_stime);
}

std::int64_t pss(pid_t pid) { return read_kb_field("/proc/" + std::to_string(pid) + "/smaps_rollup", "Pss"); }

MachineLimits MachineLimits::read() {
    MachineLimits l;
    rlimit rl{};
    if (getrlimit(RLIMIT_NPROC, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) l.nproc = static_cast<std::int64_t>(rl.rlim_cur);
    l.threads_max = read_number("/proc/sys/kernel/threads-max");
    l.pid_max = read_number("/proc/sys/kernel/pid_max");
    // /proc/loadavg: "0.00 0.01 0.05 1/123 4567": 123 scheduling entities exist.
    std::ifstream loadavg("/proc/loadavg");
    std::string a, b, c, running;
    if (loadavg >> a >> b >> c >> running)
        if (auto slash = running.find('/'); slash != std::string::npos) l.tasks_now = std::stoll(running.substr(slash + 1));
    l.mem_available = read_kb_field("/proc/meminfo", "MemAvailable");
    return l;
}

std::int64_t MachineLimits::spare_tasks() const {
    std::int64_t ceiling = std::min(threads_max, pid_max);
    if (nproc >= 0) ceiling = std::min(ceiling, nproc);
    return std::max<std::int64_t>(0, (ceiling - tasks_now) / 2);
}

std::string MachineLimits::describe() const {
    return "RLIMIT_NPROC " + (nproc < 0 ? std::string("unlimited") : count(nproc)) + ", threads-max " +
           count(threads_max) + ", pid_max " + count(pid_max) + ", " + count(tasks_now) + " tasks running, " +
           bytes(mem_available) + " available";
}

}  // namespace chess
