// BM_CoroSpawn: 1,000,000 `simul::spawn` of a trivial task (one counter
// increment) and a counting join (the last task sets a simul::Future<>);
// counter ns_per_task. BM_CoroSpawnBaseline: the same on the minimal
// scheduler, in the same binary.
//
// The time is measured in this process, over repeated rounds (frame pool and
// malloc warm). bytes_per_task and rss_mib come from one fresh process of the
// standalone program (bench/peers/spawn, bench/baseline/spawn), since peak
// RSS only grows: (peak RSS - RSS at start) / tasks, as the peer kit counts.
#include "bench_main.hpp"

#include "baseline/workloads.hpp"
#include "common/simul_workloads.hpp"

namespace {

constexpr long kTasks = 1'000'000;

template <double (*Run)(long)>
void spawn_bench(benchmark::State& state, const char* impl) {
    bench::PerOp per;
    for (auto _ : state) per.add(state, Run(kTasks), double(kTasks));
    state.counters["ns_per_task"] = per.ns_per_op();
    const auto fresh = bench::run_fresh(bench::standalone(impl, "spawn"));
    state.counters["bytes_per_task"] = fresh.at("bytes_per_task");
    state.counters["rss_mib"] = fresh.at("rss_mib");
    state.counters["fresh_ns_per_task"] = fresh.at("value");
}

void BM_CoroSpawn(benchmark::State& state) { spawn_bench<&simul_work::run_spawn>(state, "simul"); }
void BM_CoroSpawnBaseline(benchmark::State& state) { spawn_bench<&baseline::work::run_spawn>(state, "baseline"); }

}  // namespace

BENCHMARK(BM_CoroSpawn)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CoroSpawnBaseline)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
