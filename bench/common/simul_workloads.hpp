// bench/common/simul_workloads.hpp: the benchmark workloads on simul, written
// exactly as their baseline twins in bench/baseline/workloads.hpp.
//
// The join is the one the issue asks for: each task decrements a counter and
// the last one sets a simul::Future<>, which the main task awaits. Task
// handles are dropped at once (the loop owns the tasks). Each workload
// returns the nanoseconds between "before the first task is created" and
// "the last one is known to be done" (the peer kit's rule).
#pragma once

#include <chrono>
#include <random>

#include <simul/simul.hpp>

#include "measure.hpp"

namespace simul_work {

struct Join {
    long remaining;
    simul::Future<> done;
    void finish_one() {
        if (--remaining == 0) done.set_result();
    }
};

// ---- switch: tasks x yields --------------------------------------------------
inline simul::Task<> switch_worker(int yields, Join* join) {
    for (int i = 0; i < yields; ++i) co_await simul::yield();
    join->finish_one();
}
inline simul::Task<> switch_main(int tasks, int yields, double* ns) {
    const auto t0 = bench::mono_ns();
    Join join{tasks, {}};
    for (int i = 0; i < tasks; ++i) simul::spawn(switch_worker(yields, &join));
    co_await join.done;
    *ns = double(bench::mono_ns() - t0);
}
inline double run_switch(int tasks, int yields) {
    double ns = 0;
    simul::run(switch_main(tasks, yields, &ns));
    return ns;
}

// ---- spawn: n trivial tasks + a counting join -------------------------------
inline long g_spawn_counter = 0;
inline simul::Task<> spawn_body(Join* join) {
    ++g_spawn_counter;
    join->finish_one();
    co_return;
}
inline simul::Task<> spawn_main(long n, double* ns) {
    const auto t0 = bench::mono_ns();
    Join join{n, {}};
    for (long i = 0; i < n; ++i) simul::spawn(spawn_body(&join));
    co_await join.done;
    *ns = double(bench::mono_ns() - t0);
}
inline double run_spawn(long n) {
    double ns = 0;
    simul::run(spawn_main(n, &ns));
    return ns;
}

// ---- timers: n tasks, each sleeps a random 0..1000 ms once (seed 42) ------
inline simul::Task<> sleeper(int ms, Join* join) {
    co_await simul::sleep(std::chrono::milliseconds(ms));
    join->finish_one();
}
inline simul::Task<> timers_main(long n, double* ns) {
    const auto t0 = bench::mono_ns();
    std::mt19937 rng(42);
    std::uniform_int_distribution<int> dist(0, 1000);
    Join join{n, {}};
    for (long i = 0; i < n; ++i) simul::spawn(sleeper(dist(rng), &join));
    co_await join.done;
    *ns = double(bench::mono_ns() - t0);
}
inline double run_timers(long n) {
    double ns = 0;
    simul::run(timers_main(n, &ns));
    return ns;
}

}  // namespace simul_work
