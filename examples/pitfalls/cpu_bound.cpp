// Pitfall: a CPU-bound task starves every other task on the loop.
//
// A ticker wants to run every 100 ms. Beside it, a task counts primes for
// about half a second. Run three ways:
//   1. in one go: the loop cannot run the ticker until the count is over;
//   2. with `co_await simul::yield()` every few thousand numbers: the ticker
//      gets its turn between slices (the count itself takes a little longer);
//   3. on a worker thread with `co_await simul::to_thread(...)`: the loop is
//      free the whole time.
// Each round prints how long the count took and the ticker's longest gap.
#include <simul/simul.hpp>
#include <simul/io/to_thread.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>

using namespace std::chrono_literals;

namespace {

constexpr std::uint32_t kLimit = 2'500'000;  // about half a second of trial division here

bool is_prime(std::uint32_t n) {
    if (n < 2) return false;
    for (std::uint32_t d = 2; d * d <= n; ++d)
        if (n % d == 0) return false;
    return true;
}

std::uint32_t count_primes(std::uint32_t from, std::uint32_t to) {
    std::uint32_t k = 0;
    for (std::uint32_t n = from; n < to; ++n) k += is_prime(n);
    return k;
}

double ms(simul::Duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

struct Ticker {
    bool stop = false;
    int ticks = 0;
    simul::Duration longest_gap{0};
};

simul::Task<> tick(Ticker& t) {
    auto last = simul::now();
    while (!t.stop) {
        co_await simul::sleep(100ms);
        const auto now = simul::now();
        if (now - last > t.longest_gap) t.longest_gap = now - last;
        last = now;
        ++t.ticks;
    }
}

// 1. The pitfall: all the work in one step.
simul::Task<std::uint32_t> count_in_one_go() { co_return count_primes(0, kLimit); }

// 2. Fix one: give the loop a turn every slice. Keep slices short (here about
// 0.5 ms): while tasks are ready, the loop looks at its timers only every 64
// iterations, so long slices delay timers by 64 slices.
simul::Task<std::uint32_t> count_with_yields() {
    std::uint32_t k = 0;
    for (std::uint32_t from = 0; from < kLimit; from += 2'000) {
        k += count_primes(from, std::min(from + 2'000, kLimit));
        co_await simul::yield();  // asyncio's sleep(0): let the others run
    }
    co_return k;
}

// 3. Fix two: the work leaves the loop's thread altogether.
simul::Task<std::uint32_t> count_on_a_thread() { co_return co_await simul::to_thread(count_primes, 0u, kLimit); }

simul::Task<> round(const char* name, simul::Task<std::uint32_t> work) {
    Ticker t;
    auto ticker = simul::spawn(tick(t));
    co_await simul::sleep(150ms);  // the ticker is in its stride
    const auto t0 = simul::now();
    const std::uint32_t primes = co_await std::move(work);
    const auto took = simul::now() - t0;
    co_await simul::sleep(150ms);
    t.stop = true;
    co_await ticker;
    std::printf("%-34s %u primes in %6.0f ms; ticker: %2d ticks, longest gap %4.0f ms (wanted 100)\n", name, primes,
                ms(took), t.ticks, ms(t.longest_gap));
}

simul::Task<> amain() {
    co_await round("1. CPU work in one step:", count_in_one_go());
    co_await round("2. the same with simul::yield():", count_with_yields());
    co_await round("3. on a thread, simul::to_thread:", count_on_a_thread());
    std::printf("\nA task that computes keeps the loop: nothing else runs until it awaits.\n"
                "Slice the work with co_await simul::yield(), or move it off the loop with simul::to_thread.\n");
}

}  // namespace

int main() { simul::run(amain()); }
