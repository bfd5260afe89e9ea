#!/usr/bin/env bash
# bench/adapters/run_mongo.sh: the MongoDB client benchmark of docs/performance.md.
#
# 100 concurrent tasks (simul: bench/adapters/mongo_bench.cpp) or threads
# (pymongo: bench/adapters/mongo_bench.py, Debian's python3-pymongo 3.11, which
# has no asyncio API) do simple reads and writes (find_one / update_one by
# _id, alternately, on 1,000 documents) against CongoDB, the TypeScript
# MongoDB-wire server (tests/adapters/setup_congodb.sh). Each measurement gets
# a fresh server pinned to CPU 0, the client pinned to CPU 1; runs alternate
# simul / pymongo. Prints the medians: requests per second and the client's
# CPU time (user + system) per request, and the ratios simul / pymongo.
#
# The server, one node.js thread, is the bottleneck for both clients, so
# requests per second mostly measure CongoDB; client CPU per request is the
# fair comparison of the clients.
#
#   bench/adapters/run_mongo.sh [BUILD_DIR] [RUNS] [SECS]   e.g. bench/adapters/run_mongo.sh build/bench 5 5
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
dir=${1:-build/bench}
runs=${2:-5}
secs=${3:-5}
tasks=${TASKS:-100}
pool=${POOL:-100}
[ -d "$dir/bench" ] && dir=$dir/bench
bin=$dir/adapters/mongo_bench
[ -x "$bin" ] || { echo "run_mongo.sh: $bin not built (cmake --build <dir> --target simul_bench_mongo)" >&2; exit 1; }
congo=${CONGODB_DIR:-$root/build/congodb}
"$root/tests/adapters/setup_congodb.sh" "$congo"
out=${OUT:-/tmp/simul-mongo-$(date +%Y%m%d-%H%M%S).txt}
: > "$out"
log=$(mktemp)
spid=
cleanup() { [ -n "$spid" ] && kill "$spid" 2>/dev/null || true; rm -f "$log"; }
trap cleanup EXIT

start_server() {
  : > "$log"
  taskset -c 0 node "$root/tests/adapters/congodb_server.mjs" "$congo" 0 > "$log" 2>&1 &
  spid=$!
  for _ in $(seq 100); do grep -q '^ready ' "$log" && break; sleep 0.05; done
  port=$(sed -n 's/^ready \([0-9]*\)$/\1/p' "$log")
  [ -n "$port" ] || { echo "run_mongo.sh: CongoDB did not start:" >&2; cat "$log" >&2; exit 1; }
}
stop_server() { kill "$spid" 2>/dev/null || true; wait "$spid" 2>/dev/null || true; spid=; }

for r in $(seq "$runs"); do
  for client in simul pymongo; do
    start_server
    if [ "$client" = simul ]; then
      line=$(timeout 120 taskset -c 1 "$bin" "$port" "$tasks" "$secs" "$pool" 1 | grep -m1 '^RESULT ' || true)
    else
      line=$(timeout 120 taskset -c 1 /usr/bin/python3 "$here/mongo_bench.py" "$port" "$tasks" "$secs" "$pool" 1 | grep -m1 '^RESULT ' || true)
    fi
    stop_server
    echo "$line run=$r" | tee -a "$out" >&2
  done
done
echo "# raw lines: $out" >&2
/usr/bin/python3 - "$out" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    if not line.startswith("RESULT "):
        continue
    f = dict(kv.split("=", 1) for kv in line.split()[1:])
    rows.setdefault(f["name"], []).append((float(f["rps"]), float(f["cpu_us_per_req"])))
med = {n: (statistics.median(r for r, _ in v), statistics.median(c for _, c in v), len(v)) for n, v in rows.items()}
print("%-8s %12s %22s %5s" % ("client", "requests/s", "client CPU us/request", "runs"))
for n in ("simul", "pymongo"):
    if n in med:
        print("%-8s %12.0f %22.1f %5d" % (n, med[n][0], med[n][1], med[n][2]))
if "simul" in med and "pymongo" in med:
    print("simul / pymongo: %.2fx requests/s, %.2fx CPU per request (%.1fx less)"
          % (med["simul"][0] / med["pymongo"][0], med["simul"][1] / med["pymongo"][1], med["pymongo"][1] / med["simul"][1]))
PY
