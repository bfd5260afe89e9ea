// BM_SyncLockUncontended: one task, N x `auto g = co_await lock.acquire();`
// (acquire + release of a free Lock); counter ns_per_op.
// BM_SyncEventPingPong: two tasks bounce through two Events (set / wait /
// clear), N round trips; counter ns_per_round_trip (two wake-ups each).
// BM_SyncQueueSpsc: one producer puts N ints into a Queue<int>(128), one
// consumer gets them; counter ns_per_item.
#include "bench_main.hpp"

#include <simul/simul.hpp>

namespace {

constexpr long kLockOps = 1'000'000;
constexpr long kRoundTrips = 200'000;
constexpr long kItems = 1'000'000;

simul::Task<> lock_main(long n, double* ns) {
    simul::Lock lock;
    const auto t0 = bench::mono_ns();
    for (long i = 0; i < n; ++i) {
        auto held = co_await lock.acquire();
        benchmark::DoNotOptimize(held);
    }
    *ns = double(bench::mono_ns() - t0);
}

simul::Task<> pong_side(simul::Event& ping, simul::Event& pong, long n) {
    for (long i = 0; i < n; ++i) {
        co_await ping.wait();
        ping.clear();
        pong.set();
    }
}

simul::Task<> ping_pong_main(long n, double* ns) {
    simul::Event ping, pong;
    auto other = simul::spawn(pong_side(ping, pong, n));
    co_await simul::yield();  // let it reach its first wait
    const auto t0 = bench::mono_ns();
    for (long i = 0; i < n; ++i) {
        ping.set();
        co_await pong.wait();
        pong.clear();
    }
    *ns = double(bench::mono_ns() - t0);
    co_await other;
}

simul::Task<> producer(simul::Queue<int>& q, long n) {
    for (long i = 0; i < n; ++i) co_await q.put(int(i));
}

simul::Task<> queue_main(long n, double* ns) {
    simul::Queue<int> q(128);
    const auto t0 = bench::mono_ns();
    auto p = simul::spawn(producer(q, n));
    long sum = 0;
    for (long i = 0; i < n; ++i) sum += co_await q.get();
    *ns = double(bench::mono_ns() - t0);
    benchmark::DoNotOptimize(sum);
    co_await p;
}

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
