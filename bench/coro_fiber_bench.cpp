// BM_FiberSwitch: 1000 fibers x 1000 `fiber::yield()`, timed once all have
// started; counter ns_per_switch (one switch = the fiber's stack out to its
// driving task, the task through the loop's ready queue, and back onto the
// fiber's stack), beside BM_CoroSwitchForFibers, the same workload as
// coroutine tasks (spawns included: 17 ns each, noise there).
// BM_FiberSpawn: spawn n fibers that return at once, then join them all;
// counter ns_per_spawn (task frame + stack from the per-thread cache + the
// first switch in and out + the join), beside BM_CoroSpawnForFibers.
// BM_FiberAwaitTask: a fiber awaiting a ready-made task n times (fiber::await
// of a Task that does not suspend): the cost of the erased await alone.
#include "bench_main.hpp"

#include <simul/simul.hpp>
#ifdef SIMUL_HAVE_FIBERS
#include <simul/coro/fiber.hpp>
#endif

#include <vector>

namespace {

constexpr int kTasks = 1000;
constexpr int kYields = 1000;
constexpr long kSpawns = 100'000;

simul::Task<> coro_yielder(int n) {
    for (int i = 0; i < n; ++i) co_await simul::yield();
}

simul::Task<> coro_switch_main(double* ns) {
    std::vector<simul::TaskHandle<>> hs;
    hs.reserve(kTasks);
    const auto t0 = bench::mono_ns();
    for (int i = 0; i < kTasks; ++i) hs.push_back(simul::spawn(coro_yielder(kYields)));
    for (auto& h : hs) co_await h;
    *ns = double(bench::mono_ns() - t0);
}

void BM_CoroSwitchForFibers(benchmark::State& state) {
    bench::PerOp per;
    for (auto _ : state) {
        double ns = 0;
        simul::run(coro_switch_main(&ns));
        per.add(state, ns, double(kTasks) * kYields);
    }
    state.counters["ns_per_switch"] = per.ns_per_op();
}

simul::Task<> noop_task() { co_return; }

simul::Task<> coro_spawn_main(double* ns) {
    std::vector<simul::TaskHandle<>> hs;
    hs.reserve(kSpawns);
    const auto t0 = bench::mono_ns();
    for (long i = 0; i < kSpawns; ++i) hs.push_back(simul::spawn(noop_task()));
    for (auto& h : hs) co_await h;
    *ns = double(bench::mono_ns() - t0);
}

void BM_CoroSpawnForFibers(benchmark::State& state) {
    bench::PerOp per;
    for (auto _ : state) {
        double ns = 0;
        simul::run(coro_spawn_main(&ns));
        per.add(state, ns, double(kSpawns));
    }
    state.counters["ns_per_spawn"] = per.ns_per_op();
}

#ifdef SIMUL_HAVE_FIBERS

// The clock starts once every fiber has run its first step (its stack mapped
// and touched: BM_FiberSpawn counts that), runs for kYields switches each,
// and stops when the last fiber has made its last switch: giving the stacks
// back (an munmap each, beyond the 64 that are kept) is BM_FiberSpawn's too.
simul::Task<> fiber_switch_main(double* ns) {
    std::vector<simul::fiber::Handle<>> hs;
    hs.reserve(kTasks);
    int finished = 0;
    std::int64_t t_end = 0;
    for (int i = 0; i < kTasks; ++i)
        hs.push_back(simul::fiber::spawn([&finished, &t_end] {
            for (int j = 0; j <= kYields; ++j) simul::fiber::yield();
            if (++finished == kTasks) t_end = bench::mono_ns();
        }));
    co_await simul::yield();  // every fiber has now started and yielded once
    const auto t0 = bench::mono_ns();
    for (auto& h : hs) co_await h;
    *ns = double(t_end - t0);
}

void BM_FiberSwitch(benchmark::State& state) {
    bench::PerOp per;
    for (auto _ : state) {
        double ns = 0;
        simul::run(fiber_switch_main(&ns));
        per.add(state, ns, double(kTasks) * kYields);
    }
    state.counters["ns_per_switch"] = per.ns_per_op();
}

// Spawned in batches of 1000 so that stacks come back to the cache, as in a
// server whose fibers are short-lived; kSpawns at once would measure mmap.
simul::Task<> fiber_spawn_main(double* ns) {
    std::vector<simul::fiber::Handle<>> hs;
    hs.reserve(1000);
    long count = 0;
    const auto t0 = bench::mono_ns();
    for (long i = 0; i < kSpawns; i += 1000) {
        for (int j = 0; j < 1000; ++j) hs.push_back(simul::fiber::spawn([&count] { ++count; }));
        for (auto& h : hs) co_await h;
        hs.clear();
    }
    *ns = double(bench::mono_ns() - t0);
    benchmark::DoNotOptimize(count);
}

void BM_FiberSpawn(benchmark::State& state) {
    bench::PerOp per;
    for (auto _ : state) {
        double ns = 0;
        simul::run(fiber_spawn_main(&ns));
        per.add(state, ns, double(kSpawns));
    }
    state.counters["ns_per_spawn"] = per.ns_per_op();
}

simul::Task<int> ready_value(int i) { co_return i; }

void BM_FiberAwaitTask(benchmark::State& state) {
    constexpr int kAwaits = 1'000'000;
    bench::PerOp per;
    for (auto _ : state) {
        double ns = 0;
        simul::fiber::run([&ns] {
            long sum = 0;
            const auto t0 = bench::mono_ns();
            for (int i = 0; i < kAwaits; ++i) sum += simul::fiber::await(ready_value(i));
            ns = double(bench::mono_ns() - t0);
            benchmark::DoNotOptimize(sum);
        });
        per.add(state, ns, double(kAwaits));
    }
    state.counters["ns_per_await"] = per.ns_per_op();
}

BENCHMARK(BM_FiberSwitch)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FiberSpawn)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FiberAwaitTask)->UseManualTime()->Unit(benchmark::kMillisecond);

#endif  // SIMUL_HAVE_FIBERS

}  // namespace

BENCHMARK(BM_CoroSwitchForFibers)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CoroSpawnForFibers)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
