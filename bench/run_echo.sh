#!/usr/bin/env bash
# bench/run_echo.sh: the echo benchmark of docs/performance.md. Three servers,
# each pinned to CPU 0, driven in turn by the peer kit's load generator on
# CPU 1 (100 connections x one 64-byte request in flight, 1 s warm-up, 10 s
# measured), runs interleaved; prints the medians with the server's CPU per
# message split into user space (the runtime's own work) and kernel:
#   simul        bench/peers/echo.cpp      (start_server + Stream, as a user writes it)
#   simul-raw    bench/peers/echo_raw.cpp  (raw descriptors + wait_readable)
#   epoll-c      bench/echo/epoll_echo.c   (hand-written C, no framework)
#
#   bench/run_echo.sh [BUILD_DIR] [RUNS]     e.g. bench/run_echo.sh build/bench 3
# LOADGEN=path overrides the load generator (default: the kit's build).
set -euo pipefail
dir=${1:-build/bench}
runs=${2:-3}
[ -d "$dir/bench" ] && dir=$dir/bench
loadgen=${LOADGEN:-/work/shared/peers/build/loadgen/loadgen}
[ -x "$loadgen" ] || loadgen=/tmp/simul-peers/build/loadgen/loadgen
[ -x "$loadgen" ] || { echo "no load generator: run ../shared/peers/setup.sh (or set LOADGEN)" >&2; exit 1; }
secs=${ECHO_SECS:-10}
out=${OUT:-/tmp/simul-echo-$(date +%Y%m%d-%H%M%S).txt}
: > "$out"
port=39123
for r in $(seq "$runs"); do
  for srv in simul:$dir/peers/echo simul-raw:$dir/peers-raw/echo epoll-c:$dir/echo/epoll_echo; do
    name=${srv%%:*}; bin=${srv#*:}
    port=$((port + 1))
    taskset -c 0 "$bin" "$port" > /dev/null 2>&1 &
    pid=$!
    sleep 0.3
    line=$(timeout 60 taskset -c 1 "$loadgen" --host 127.0.0.1 --port "$port" --conns 100 --size 64 \
             --secs "$secs" --warmup 1 --name "$name" --pid "$pid" | grep -m1 '^RESULT ' || true)
    kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
    echo "$line run=$r" | tee -a "$out" >&2
  done
done
echo "# raw lines: $out" >&2
python3 - "$out" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    kv = dict(t.split('=', 1) for t in line.split()[1:] if '=' in t)
    if 'peer' not in kv: continue
    for k in ('value', 'server_us', 'server_usr_us', 'server_sys_us', 'p50_us', 'p99_us'):
        if k in kv:
            rows.setdefault((kv['peer'], k), []).append(float(kv[k]))
def med(p, k):
    v = rows.get((p, k)); return statistics.median(v) if v else float('nan')
print("| server | msg/s | server CPU µs/msg | user space | kernel | total vs epoll-c |")
print("|---|---|---|---|---|---|")
base = med('epoll-c', 'server_us')
for p in ('simul', 'simul-raw', 'epoll-c'):
    print(f"| {p} | {med(p,'value')/1000:.1f}k | {med(p,'server_us'):.2f} | {med(p,'server_usr_us'):.2f} | "
          f"{med(p,'server_sys_us'):.2f} | {med(p,'server_us')/base:.2f}x |")
PY
