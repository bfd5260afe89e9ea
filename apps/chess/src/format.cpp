#include "format.hpp"

#include <cstdio>
#include <cstdlib>

namespace chess {

std::string hms(std::chrono::nanoseconds d) {
    bool negative = d.count() < 0;
    // Round to the millisecond: the loop's timers have that resolution.
    std::int64_t ms = (std::llabs(d.count()) + 500'000) / 1'000'000;
    std::int64_t s = ms / 1000, h = s / 3600, m = s / 60 % 60;
    char buf[64];
    int n = std::snprintf(buf, sizeof buf, "%s%lld:%02lld:%02lld", negative ? "-" : "",
                          static_cast<long long>(h), static_cast<long long>(m),
                          static_cast<long long>(s % 60));
    std::string out(buf, static_cast<std::size_t>(n));
    if (std::int64_t frac = ms % 1000; frac != 0) {
        std::snprintf(buf, sizeof buf, ".%03lld", static_cast<long long>(frac));
        std::string f = buf;
        while (f.back() == '0') f.pop_back();
        out += f;
    }
    return out;
}

std::string wall(std::chrono::nanoseconds d) {
    double s = std::chrono::duration<double>(d).count();
    char buf[64];
    if (s < 1.0)
        std::snprintf(buf, sizeof buf, "%.1f ms", s * 1e3);
    else if (s < 10.0)
        std::snprintf(buf, sizeof buf, "%.3f s", s);
    else
        std::snprintf(buf, sizeof buf, "%.1f s", s);
    return buf;
}

std::string bytes(std::int64_t n) {
    const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
    double v = static_cast<double>(n) / 1024.0;
    int u = 0;
    while (v >= 1024.0 && u < 3) {
        v /= 1024.0;
        ++u;
    }
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.1f %s", v, units[u]);
    return buf;
}

std::string count(std::int64_t n) {
    std::string digits = std::to_string(n < 0 ? -n : n), out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i != 0 && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return n < 0 ? "-" + out : out;
}

}  // namespace chess
