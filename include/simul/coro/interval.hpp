// simul/coro/interval.hpp: Interval, a periodic timer for a loop of ticks.
//
// The first tick completes at once; then one every `period` after the start.
// When the task falls behind (a tick comes due while it is still busy), the
// MissedTicks policy says what happens, as in Tokio:
//   - burst: the missed ticks complete immediately, one per tick(), until the
//     schedule is caught up (no drift over time; a catch-up burst);
//   - delay: the next tick is one period after the late one (no burst; the
//     schedule shifts);
//   - skip:  the missed ticks are dropped, and the next is the next one on the
//     original schedule (no burst, no drift).
// tick() returns the scheduled time of the tick.
//
//     simul::Interval every(1s);
//     for (;;) { co_await every.tick(); report(); }
//
// Cancellation: as sleep(); a cancelled tick() consumes no tick.
#pragma once

#include <simul/core/source_location.hpp>

#include <simul/coro/sleep.hpp>

namespace simul {

enum class MissedTicks { burst, delay, skip };

class Interval {
public:
    // Starts now on the current loop's clock.
    explicit Interval(Duration period, MissedTicks missed = MissedTicks::burst)
        : Interval(simul::now(), period, missed) {}
    Interval(TimePoint start, Duration period, MissedTicks missed = MissedTicks::burst)
        : next_(start), period_(period), missed_(missed) {
        if (period <= Duration::zero()) throw Error("simul::Interval: the period must be positive");
    }

    struct Awaiter : detail::SleepAwaiter {
        Interval* iv;
        Awaiter(Interval* i, simul::SourceLocation site)
            : SleepAwaiter(i->next_.time_since_epoch().count(), site), iv(i) {}
        bool waited = false;
        bool await_ready() const noexcept { return Loop::current()->now_ns() >= deadline_ns(); }
        template <class P>
        bool await_suspend(std::coroutine_handle<P> h) {
            waited = true;
            return SleepAwaiter::await_suspend(h);
        }
        TimePoint await_resume() {
            if (waited) detail::deliver_cancel(Loop::current()->current_task());
            return iv->advance();
        }
    };
    Awaiter tick(simul::SourceLocation site = simul::SourceLocation::current()) {
        detail::loop_for_await("simul::Interval::tick");
        return Awaiter(this, site);
    }

    // Restarts the schedule: the next tick is one period from now.
    void reset() { next_ = simul::now() + period_; }
    Duration period() const noexcept { return period_; }
    TimePoint next() const noexcept { return next_; }

private:
    TimePoint advance() {
        const TimePoint scheduled = next_;
        const TimePoint now = simul::now();
        switch (missed_) {
            case MissedTicks::burst:
                next_ += period_;
                break;
            case MissedTicks::delay:
                next_ = (now > scheduled ? now : scheduled) + period_;
                break;
            case MissedTicks::skip:
                next_ += period_;
                if (next_ <= now) next_ += period_ * ((now - next_) / period_ + 1);
                break;
        }
        return scheduled;
    }

    TimePoint next_;
    Duration period_;
    MissedTicks missed_;
};

}  // namespace simul
