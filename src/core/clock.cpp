// The loop's clock: monotonic by default, virtual when the loop says so.
#include <simul/core/clock.hpp>

#include <time.h>

#include <simul/core/loop.hpp>

namespace simul {

std::int64_t detail::monotonic_ns() noexcept {
    timespec ts;
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return std::int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

Clock::time_point Clock::now() noexcept {
    if (Loop* loop = Loop::current()) return loop->time();
    return time_point(duration(detail::monotonic_ns()));
}

void busy(Duration d) {
    Loop* loop = Loop::current();
    if (!loop) throw Error("simul::busy needs a loop: call it from a task run by simul::run()");
    loop->busy(d);
}

}  // namespace simul
