#!/usr/bin/env bash
# bench/run_debug_overhead.sh: what debug mode costs, when off and when on.
#
#   bench/run_debug_overhead.sh [BUILD_DIR] [REV] [RUNS]
#       e.g. bench/run_debug_overhead.sh build/bench 40b242f 7
#
# Builds the peer kit's switch and spawn programs at REV (default: the commit
# before debug mode, the starvation budget and the stats landed) in a
# temporary worktree, and runs them interleaved on CPU 0 with this tree's
# (BUILD_DIR, target simul_benchmarks), one fresh process per measurement:
#   before      REV
#   off         this tree, debug off (the default)
#   on          this tree, SIMUL_DEBUG=1 (watchdog, step bookkeeping)
# Prints medians and the ratios off/before and on/off, plus the cost per step.
set -euo pipefail
build=${1:-build/bench}
rev=${2:-40b242f}
runs=${3:-7}
here=$(cd "$(dirname "$0")/.." && pwd)
[ -x "$build/bench/peers/switch" ] || { echo "no $build/bench/peers/switch: build the target simul_benchmarks" >&2; exit 1; }
old=/tmp/simul-rev-$rev
if [ ! -x "$old/build/bench/peers/switch" ]; then
  rm -rf "$old"; git -C "$here" worktree prune
  git -C "$here" worktree add -f --detach "$old" "$rev" >/dev/null
  cmake -S "$old" -B "$old/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSIMUL_BUILD_TESTS=OFF \
        -DSIMUL_BUILD_EXAMPLES=OFF >/dev/null
  cmake --build "$old/build" -j 2 --target simul_peer_switch simul_peer_spawn >/dev/null
fi
out=$(mktemp)
for r in $(seq "$runs"); do
  for w in switch spawn; do
    echo "$(taskset -c 0 "$old/build/bench/peers/$w" | grep -m1 '^RESULT ') variant=before" >> "$out"
    echo "$(taskset -c 0 "$build/bench/peers/$w" | grep -m1 '^RESULT ') variant=off" >> "$out"
    echo "$(SIMUL_DEBUG=1 taskset -c 0 "$build/bench/peers/$w" 2>/dev/null | grep -m1 '^RESULT ') variant=on" >> "$out"
  done
done
python3 - "$out" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    kv = dict(t.split('=', 1) for t in line.split()[1:] if '=' in t)
    rows.setdefault((kv['workload'], kv['variant']), []).append(float(kv['value']))
print("| workload | before (median) | debug off | debug on | off / before | on - off per step |")
print("|---|---|---|---|---|---|")
for w, unit in (("switch", "ns/switch"), ("spawn", "ns/task")):
    b, f, n = (statistics.median(rows[(w, v)]) for v in ("before", "off", "on"))
    print(f"| {w} ({unit}) | {b:.2f} | {f:.2f} | {n:.2f} | {f/b:.2f}x | +{n-f:.1f} ns |")
PY
rm -f "$out"
