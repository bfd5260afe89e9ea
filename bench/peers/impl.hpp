// bench/peers/impl.hpp: picks the runtime a standalone program measures.
//
// Each program in bench/peers/ is built twice from the same source: as
// simul's program for the peer kit (peer=simul, in build/.../bench/peers/)
// and, with -DSIMUL_BENCH_BASELINE, on the minimal scheduler (peer=baseline,
// in build/.../bench/baseline/), so the two differ only in the runtime.
#pragma once

#include <cstdio>
#include <cstdlib>

#ifdef SIMUL_BENCH_BASELINE
#include "../baseline/workloads.hpp"
namespace work = baseline::work;
#define SIMUL_BENCH_PEER "baseline"
#else
#include "../common/simul_workloads.hpp"
namespace work = simul_work;
#define SIMUL_BENCH_PEER "simul"
#endif
