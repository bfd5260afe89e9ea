// apps/chess/src/spin.hpp: the master thinking, for the thread and process
// runners: burn CPU for d of real time (simul::busy does the same on a loop).
#pragma once

#include <chrono>

namespace chess {

inline void spin_for(std::chrono::nanoseconds d) {
    auto until = std::chrono::steady_clock::now() + d;
    while (std::chrono::steady_clock::now() < until) {
    }
}

}  // namespace chess
