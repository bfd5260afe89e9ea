// BM_CoreCallSoon: `loop.call_soon(fn)` for a batch of callbacks, then run
// the loop until the last one stops it; counter ns_per_callback (scheduling,
// running and freeing one callback). BM_CoreCallSoonBaseline: the same batch
// on the minimal scheduler's FIFO of std::function, in the same binary.
#include "bench_main.hpp"

#include <simul/simul.hpp>

#include "baseline/minimal_scheduler.hpp"

namespace {

constexpr long kBatch = 10'000;

struct Counter {
    long left;
    long ran;
};

void BM_CoreCallSoon(benchmark::State& state) {
    simul::Loop loop;
    Counter c{0, 0};
    bench::PerOp per;
    for (auto _ : state) {
        const auto t0 = bench::mono_ns();
        c.left = kBatch;
        for (long i = 0; i < kBatch; ++i)
            loop.call_soon([&c, &loop] {
                ++c.ran;
                if (--c.left == 0) loop.stop();
            });
        loop.run_forever();
        per.add(state, double(bench::mono_ns() - t0), double(kBatch));
    }
    bench::keep(c.ran);
    state.counters["ns_per_callback"] = per.ns_per_op();
}

void BM_CoreCallSoonBaseline(benchmark::State& state) {
    baseline::CallbackQueue q;
    Counter c{0, 0};
    bench::PerOp per;
    for (auto _ : state) {
        const auto t0 = bench::mono_ns();
        c.left = kBatch;
        for (long i = 0; i < kBatch; ++i)
            q.call_soon([&c, &q] {
                ++c.ran;
                if (--c.left == 0) q.stop();
            });
        q.run();
        per.add(state, double(bench::mono_ns() - t0), double(kBatch));
    }
    bench::keep(c.ran);
    state.counters["ns_per_callback"] = per.ns_per_op();
}

}  // namespace

BENCHMARK(BM_CoreCallSoon)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_CoreCallSoonBaseline)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK_MAIN();
