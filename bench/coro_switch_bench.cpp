// BM_CoroSwitch: 1000 tasks x 1000 `co_await simul::yield()`, then a counting
// join; counter ns_per_switch. BM_CoroSwitchBaseline: the same on the
// minimal scheduler (baseline/minimal_scheduler.hpp), in the same binary.
#include "bench_main.hpp"

#include "baseline/workloads.hpp"
#include "common/simul_workloads.hpp"

namespace {

constexpr int kTasks = 1000;
constexpr int kYields = 1000;

template <double (*Run)(int, int)>
void switch_bench(benchmark::State& state) {
    bench::PerOp per;
    for (auto _ : state) per.add(state, Run(kTasks, kYields), double(kTasks) * kYields);
    state.counters["ns_per_switch"] = per.ns_per_op();
}

void BM_CoroSwitch(benchmark::State& state) { switch_bench<&simul_work::run_switch>(state); }
void BM_CoroSwitchBaseline(benchmark::State& state) { switch_bench<&baseline::work::run_switch>(state); }

}  // namespace

BENCHMARK(BM_CoroSwitch)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CoroSwitchBaseline)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
