#!/usr/bin/env bash
# bench/run.sh: run every benchmark of a build, on CPU 0 (`make bench` calls it).
#
#   bench/run.sh [BUILD_DIR] [RUNS]     default build/bench, 5 runs
#
# 1. Each Google Benchmark binary (<build>/bench/*_bench): simul and its
#    baseline in the same binary, repetitions in random interleaved order,
#    medians.
# 2. bench/run_ratios.sh: the standalone programs, one fresh process per
#    measurement, simul and baseline interleaved; medians, ratios, targets.
# The peer kit (simul beside Tokio, Asio, ...) is run separately; the
# command is in docs/performance.md.
set -euo pipefail
build=${1:-build/bench}
runs=${2:-5}
here=$(cd "$(dirname "$0")" && pwd)
for b in "$build"/bench/*_bench; do
  [ -x "$b" ] || continue
  echo "== $(basename "$b")"
  taskset -c 0 "$b" --benchmark_repetitions=3 --benchmark_enable_random_interleaving=true \
    --benchmark_report_aggregates_only=true 2>&1 | grep -E '^(BM_|Benchmark|-)' | grep -vE '_(mean|stddev|cv)\b'
done
echo "== fresh processes, simul vs baseline ($runs interleaved runs)"
"$here/run_ratios.sh" "$build" "$runs" 2>/dev/null
