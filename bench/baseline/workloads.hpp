// bench/baseline/workloads.hpp: the benchmark workloads on the minimal
// scheduler (minimal_scheduler.hpp), written exactly as their simul twins in
// bench/common/simul_workloads.hpp so that the two differ only in the runtime.
// Each returns the nanoseconds between "before the first task is created" and
// "the last one is known to be done" (the peer kit's rule).
#pragma once

#include <random>

#include "../common/measure.hpp"
#include "minimal_scheduler.hpp"

namespace baseline::work {

// ---- switch: tasks x yields --------------------------------------------------
inline Task switch_worker(int yields, Join* join) {
    for (int i = 0; i < yields; ++i) co_await yield_now{};
    join->done();
}
inline Task switch_main(int tasks, int yields, double* ns) {
    const auto t0 = bench::mono_ns();
    Join join{tasks, {}};
    for (int i = 0; i < tasks; ++i) spawn(switch_worker(yields, &join));
    co_await join.wait();
    *ns = double(bench::mono_ns() - t0);
}
inline double run_switch(int tasks, int yields) {
    double ns = 0;
    spawn(switch_main(tasks, yields, &ns));
    sched().run();
    return ns;
}

// ---- spawn: n trivial tasks + a counting join -------------------------------
inline long g_spawn_counter = 0;
inline Task spawn_body(Join* join) {
    ++g_spawn_counter;
    join->done();
    co_return;
}
inline Task spawn_main(long n, double* ns) {
    const auto t0 = bench::mono_ns();
    Join join{n, {}};
    for (long i = 0; i < n; ++i) spawn(spawn_body(&join));
    co_await join.wait();
    *ns = double(bench::mono_ns() - t0);
}
inline double run_spawn(long n) {
    double ns = 0;
    spawn(spawn_main(n, &ns));
    sched().run();
    return ns;
}

// ---- timers: n tasks, each sleeps a random 0..1000 ms once (seed 42) ------
inline Task sleeper(int ms, Join* join) {
    co_await sleep_ns{std::int64_t(ms) * 1'000'000};
    join->done();
}
inline Task timers_main(long n, double* ns) {
    const auto t0 = bench::mono_ns();
    std::mt19937 rng(42);
    std::uniform_int_distribution<int> dist(0, 1000);
    Join join{n, {}};
    for (long i = 0; i < n; ++i) spawn(sleeper(dist(rng), &join));
    co_await join.wait();
    *ns = double(bench::mono_ns() - t0);
}
inline double run_timers(long n) {
    double ns = 0;
    spawn(timers_main(n, &ns));
    sched().run();
    return ns;
}

}  // namespace baseline::work
