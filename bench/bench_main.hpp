// bench/bench_main.hpp: what every Google Benchmark binary here shares.
//
// Where the standalone programs are (for fresh-process memory figures), and
// a helper to record a per-operation figure as a plain counter (Google
// Benchmark's rate counters divide by CPU time; these divide by the time
// measured inside the workload, as the peer kit does).
#pragma once

#include <benchmark/benchmark.h>

#include <string>

#include "common/measure.hpp"

#ifndef SIMUL_BENCH_BIN_DIR
#define SIMUL_BENCH_BIN_DIR "."
#endif

namespace bench {

// The standalone program of a workload: impl "simul" (bench/peers/) or "baseline".
inline std::string standalone(const char* impl, const char* workload) {
    return std::string(SIMUL_BENCH_BIN_DIR) + "/" + (std::string(impl) == "simul" ? "peers" : "baseline") + "/" + workload;
}

// Accumulates (ns, operations) over the iterations of one benchmark run.
struct PerOp {
    double ns = 0, ops = 0;
    void add(benchmark::State& state, double run_ns, double run_ops) {
        state.SetIterationTime(run_ns / 1e9);
        ns += run_ns;
        ops += run_ops;
    }
    double ns_per_op() const { return ops > 0 ? ns / ops : 0; }
};

}  // namespace bench
