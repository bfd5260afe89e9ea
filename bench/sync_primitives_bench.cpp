// BM_SyncLockUncontended: one task, N x `auto g = co_await lock.acquire();`
// (acquire + release of a free Lock); counter ns_per_op.
// BM_SyncEventPingPong: two tasks bounce through two Events (set / wait /
// clear), N round trips; counter ns_per_round_trip (two wake-ups each).
// BM_SyncQueueSpsc: one producer puts N ints into a Queue<int>(128), one
// consumer gets them; counter ns_per_item.
// The workloads: bench/common/simul_sync_workloads.hpp.
#include "bench_main.hpp"

#include <simul/simul.hpp>

#include "common/simul_sync_workloads.hpp"

namespace {

constexpr long kLockOps = 1'000'000;
constexpr long kRoundTrips = 200'000;
constexpr long kItems = 1'000'000;

using namespace simul_sync_work;

template <simul::Task<> (*Main)(long, double*)>
double run_one(long n) {
    double ns = 0;
    simul::run(Main(n, &ns));
    return ns;
}

void BM_SyncLockUncontended(benchmark::State& state) {
    bench::PerOp per;
    for (auto _ : state) per.add(state, run_one<&lock_main>(kLockOps), double(kLockOps));
    state.counters["ns_per_op"] = per.ns_per_op();
}
void BM_SyncEventPingPong(benchmark::State& state) {
    bench::PerOp per;
    for (auto _ : state) per.add(state, run_one<&ping_pong_main>(kRoundTrips), double(kRoundTrips));
    state.counters["ns_per_round_trip"] = per.ns_per_op();
}
void BM_SyncQueueSpsc(benchmark::State& state) {
    bench::PerOp per;
    for (auto _ : state) per.add(state, run_one<&queue_main>(kItems), double(kItems));
    state.counters["ns_per_item"] = per.ns_per_op();
}

}  // namespace

BENCHMARK(BM_SyncLockUncontended)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SyncEventPingPong)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SyncQueueSpsc)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
