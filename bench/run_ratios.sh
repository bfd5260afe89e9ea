#!/usr/bin/env bash
# bench/run_ratios.sh: simul against the minimal-scheduler baseline, one
# fresh process per measurement, runs interleaved (simul, baseline, simul,
# ...), on CPU 0; prints the medians, the ratios and the issue's targets as a
# Markdown table, and keeps the raw RESULT lines.
#
#   bench/run_ratios.sh [BUILD_DIR] [RUNS]      e.g. bench/run_ratios.sh build/bench 5
#
# BUILD_DIR is the CMake build directory (or its bench/ subfolder), holding
# bench/peers/{switch,spawn,timers} (simul) and bench/baseline/{...}, built
# by the target simul_benchmarks. OUT=file keeps the raw lines there.
set -euo pipefail
dir=${1:-build/bench}
runs=${2:-5}
[ -x "$dir/bench/peers/switch" ] && dir=$dir/bench
[ -x "$dir/peers/switch" ] || { echo "no $dir/peers/switch: build the target simul_benchmarks first" >&2; exit 1; }
out=${OUT:-/tmp/simul-ratios-$(date +%Y%m%d-%H%M%S).txt}
: > "$out"
for r in $(seq "$runs"); do
  for w in switch spawn timers; do
    for impl in peers baseline; do
      line=$(timeout 120 taskset -c 0 "$dir/$impl/$w" | grep -m1 '^RESULT ')
      echo "$line run=$r" | tee -a "$out" >&2
    done
  done
done
echo "# raw lines: $out" >&2
python3 - "$out" <<'PY'
import re, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    kv = dict(t.split('=', 1) for t in line.split()[1:] if '=' in t)
    for k in ('value', 'bytes_per_task', 'rss_mib'):
        if k in kv:
            rows.setdefault((kv['workload'], kv['peer'], k), []).append(float(kv[k]))
def med(w, p, k):
    v = rows.get((w, p, k))
    return statistics.median(v) if v else None
def span(w, p, k):
    v = rows.get((w, p, k))
    return f"{min(v):g}..{max(v):g}" if v else ""
figs = [("switch", "value", "ns/switch", 1.10), ("spawn", "value", "ns/task", 1.00),
        ("spawn", "bytes_per_task", "bytes/task", 1.25), ("timers", "value", "ms beyond 1 s", 0.90),
        ("timers", "rss_mib", "peak RSS MiB", 1.15)]
print("| figure | simul (median, min..max) | baseline (median, min..max) | ratio | target | met |")
print("|---|---|---|---|---|---|")
for w, k, label, target in figs:
    s, b = med(w, "simul", k), med(w, "baseline", k)
    if s is None or b is None:
        continue
    ratio = s / b
    print(f"| {w}: {label} | {s:g} ({span(w,'simul',k)}) | {b:g} ({span(w,'baseline',k)}) | "
          f"{ratio:.2f}x | <= {target:.2f}x | {'yes' if ratio <= target else 'no'} |")
PY
