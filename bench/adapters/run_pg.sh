#!/usr/bin/env bash
# bench/adapters/run_pg.sh: simul::pg beside asyncpg on the same PostgreSQL 15.
#
#   bench/adapters/run_pg.sh [BUILD_DIR] [RUNS]     e.g. bench/adapters/run_pg.sh build/pg-bench 3
#
# Starts a throwaway server (tests/adapters/pg_server.sh: Unix socket, trust,
# fsync off), fills bench_kv with 10,000 rows, then runs, interleaved RUNS
# times, the same workload with each client on the Unix socket: 100 tasks
# sharing a pool of 10 connections, 30,000 requests (80 % SELECT by primary
# key, 20 % UPDATE of one row) after a warm-up of 3,000:
#   simul            bench/adapters/pg_load.cpp (pg::Pool, PQsendQueryParams)
#   asyncpg-asyncio  bench/adapters/pg_load.py  (asyncpg pool, statement cache, asyncio loop)
#   asyncpg-uvloop   the same on uvloop
# and prints the medians: requests per second, and the client's CPU time per
# request (getrusage of the client process: user + system). The server's
# CPU is not counted. Environment: REQUESTS, TASKS, POOL, WRITE_PERCENT.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=${1:-build/pg-bench}
runs=${2:-3}
[ -d "$dir/bench" ] && dir=$dir/bench
load=$dir/adapters/pg_load
[ -x "$load" ] || { echo "no $load: cmake --build <dir> --target simul_pg_load (with -DSIMUL_BUILD_BENCH=ON)" >&2; exit 1; }
requests=${REQUESTS:-30000}
tasks=${TASKS:-100}
pool=${POOL:-10}
writes=${WRITE_PERCENT:-20}

server=$(mktemp -d /tmp/simul-pg-bench.XXXXXX)
trap 'sh "$here/../../tests/adapters/pg_server.sh" stop "$server"' EXIT
sh "$here/../../tests/adapters/pg_server.sh" start "$server" >&2
port=$(cat "$server/port")
psql -q -X -h "$server" -p "$port" -U postgres -d postgres \
  -c "CREATE TABLE bench_kv (id int8 PRIMARY KEY, v int8 NOT NULL, name text NOT NULL)" \
  -c "INSERT INTO bench_kv SELECT g, 0, 'user' || g FROM generate_series(1, 10000) g" \
  -c "VACUUM ANALYZE bench_kv"

out=$(mktemp /tmp/simul-pg-bench-results.XXXXXX)
for r in $(seq "$runs"); do
  "$load" "host=$server port=$port user=postgres dbname=postgres" "$tasks" "$requests" "$pool" "$writes" | grep '^RESULT' | tee -a "$out" >&2
  /usr/bin/python3 "$here/pg_load.py" "$server" "$port" "$tasks" "$requests" "$pool" "$writes" asyncio | grep '^RESULT' | tee -a "$out" >&2
  /usr/bin/python3 "$here/pg_load.py" "$server" "$port" "$tasks" "$requests" "$pool" "$writes" uvloop | grep '^RESULT' | tee -a "$out" >&2
done
/usr/bin/python3 - "$out" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    f = dict(kv.split("=", 1) for kv in line.split()[1:])
    rows.setdefault(f["client"], []).append((float(f["rps"]), float(f["cpu_us_per_req"])))
med = {c: (statistics.median(r for r, _ in v), statistics.median(c_ for _, c_ in v)) for c, v in rows.items()}
print(f"{'client':<18}{'req/s (median)':>16}{'client CPU us/req':>20}{'runs':>6}")
for c, (rps, cpu) in med.items():
    print(f"{c:<18}{rps:>16.0f}{cpu:>20.1f}{len(rows[c]):>6}")
s = med.get("simul")
for c, (rps, cpu) in med.items():
    if c != "simul" and s:
        print(f"simul / {c}: {s[0] / rps:.2f}x the requests per second, {cpu / s[1]:.1f}x less client CPU per request")
PY
rm -f "$out"
