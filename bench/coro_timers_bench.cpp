// BM_CoroTimers: 1,000,000 concurrent tasks each `co_await simul::sleep()` a
// random 0..1000 ms (seed 42) on the real clock, then a counting join;
// counters ms_over_1s (wall time beyond the 1 s the longest sleep needs) and
// rss_mib (peak RSS). BM_CoroTimersBaseline: the same on the minimal
// scheduler, in the same binary.
//
// Every iteration is a fresh process of the standalone program
// (bench/peers/timers, bench/baseline/timers), so that peak RSS means this
// workload alone; the iteration time is the wall time that program measured.
#include "bench_main.hpp"

namespace {

void timers_bench(benchmark::State& state, const char* impl) {
    double over = 0, rss = 0, n = 0;
    for (auto _ : state) {
        const auto r = bench::run_fresh(bench::standalone(impl, "timers"));
        state.SetIterationTime(r.at("wall_ms") / 1e3);
        over += r.at("value");
        rss += r.at("rss_mib");
        n += 1;
    }
    state.counters["ms_over_1s"] = over / n;
    state.counters["rss_mib"] = rss / n;
}

void BM_CoroTimers(benchmark::State& state) { timers_bench(state, "simul"); }
void BM_CoroTimersBaseline(benchmark::State& state) { timers_bench(state, "baseline"); }

}  // namespace

BENCHMARK(BM_CoroTimers)->UseManualTime()->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CoroTimersBaseline)->UseManualTime()->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
