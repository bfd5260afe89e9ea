// Out-of-line pieces of simul's error reporting.
#include <simul/core/error.hpp>

#include <cstdio>
#include <string>

#include <simul/core/clock.hpp>
#include <simul/detail/task_header.hpp>

namespace simul::detail {

void throw_cancelled() { throw Cancelled{}; }

std::string format_duration(Duration d) {
    char buf[64];
    const double s = double(d.count()) / 1e9;
    if (s >= 1.0 || s == 0.0)
        std::snprintf(buf, sizeof buf, "%.3g s", s);
    else if (s >= 1e-3)
        std::snprintf(buf, sizeof buf, "%.3g ms", s * 1e3);
    else
        std::snprintf(buf, sizeof buf, "%.3g us", s * 1e6);
    return buf;
}

}  // namespace simul::detail
