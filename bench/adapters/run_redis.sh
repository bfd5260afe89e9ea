#!/bin/sh
# Redis client benchmark: simul::redis beside redis-py's asyncio client, on
# one redis-server started here on a free loopback port, in the same run.
#
#   bench/adapters/run_redis.sh [BUILD_DIR=build/rel] [ROUNDS=5]
#
# Needs the benchmark built (cmake --build BUILD_DIR --target simul_bench_redis),
# redis-server and python3-redis (Debian). Each round runs every client once,
# in turn; the medians over the rounds and the ratios are printed at the end.
# Workload: 100 concurrent tasks, 2,000 requests each (SET and GET alternately).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build/rel}
rounds=${2:-5}
bin="$build/bench/adapters/redis_bench"
[ -x "$bin" ] || { echo "run_redis.sh: $bin is missing; build the target simul_bench_redis first" >&2; exit 1; }
tasks=100
per_task=2000

dir=$(mktemp -d)
port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize no --dir "$dir" \
    --logfile "$dir/redis.log" </dev/null >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$dir"' EXIT
i=0
until [ "$(redis-cli -p "$port" ping 2>/dev/null)" = PONG ]; do
    i=$((i + 1)); [ $i -lt 200 ] || { echo "redis-server did not start" >&2; exit 1; }
    sleep 0.05
done
echo "redis-server $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/') on 127.0.0.1:$port; $tasks tasks x $per_task requests; $rounds rounds"

out="$dir/results"
for r in $(seq 1 "$rounds"); do
    "$bin" "$port" $tasks $per_task 4 | tee -a "$out"
    "$bin" "$port" $tasks $per_task 100 | tee -a "$out"
    /usr/bin/python3 "$here/redis_bench.py" "$port" $tasks $per_task | tee -a "$out"
done

/usr/bin/python3 - "$out" <<'PY'
import re, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    f = dict(kv.split("=", 1) for kv in line.split())
    name = "%s (pool %s)" % (f["client"], f["pool"])
    rows.setdefault(name, []).append((float(f["req_per_s"]), float(f["cpu_us_per_req"])))
med = {k: (statistics.median(a for a, _ in v), statistics.median(b for _, b in v)) for k, v in rows.items()}
py = med["redis-py (pool default)"]
print("\nmedians                      req/s   client CPU us/req   req/s vs redis-py   CPU/req vs redis-py")
for k, (rps, cpu) in med.items():
    print("%-26s %9.0f %15.2f %17.2fx %19.2fx" % (k, rps, cpu, rps / py[0], cpu / py[1]))
PY
