// simul/core/clock.hpp: the loop's clock, time points and durations.
//
// Every wait in simul is measured on the clock of the loop it runs on. By
// default that is the monotonic clock (CLOCK_MONOTONIC). A loop created with
// `virtual_time` has a virtual clock instead: it starts at 0 and, whenever
// every task waits only on timers, jumps straight to the next deadline, so a
// test or a demo can play hours in milliseconds, deterministically.
//
//     simul::TimePoint t0 = simul::now();
//     co_await simul::sleep(5s);
//     simul::Duration waited = simul::now() - t0;   // 5 s (exactly, on the virtual clock)
//
// simul::busy(d) models CPU work: on the virtual clock it advances time by d
// without yielding; on the real clock it spins for d. Both keep the loop, as
// real computation would.
//
// Timers have millisecond resolution and never fire early: a deadline is
// rounded up to the next millisecond tick.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace simul {

using Duration = std::chrono::nanoseconds;

// The running loop's clock. Outside a running loop, now() reads the monotonic clock.
struct Clock {
    using rep = std::int64_t;
    using period = std::nano;
    using duration = std::chrono::nanoseconds;
    using time_point = std::chrono::time_point<Clock, duration>;
    static constexpr bool is_steady = true;
    static time_point now() noexcept;
};

using TimePoint = Clock::time_point;

// The current time on the running loop's clock.
inline TimePoint now() noexcept { return Clock::now(); }

// Keeps the loop busy for d, as CPU work would: advances virtual time without
// yielding, or spins on the real clock. Throws simul::Error outside a loop.
void busy(Duration d);

namespace detail {
// CLOCK_MONOTONIC in nanoseconds (vDSO, no syscall).
std::int64_t monotonic_ns() noexcept;
// "1.5 s", "250 ms": for messages.
std::string format_duration(Duration d);
}  // namespace detail

}  // namespace simul
