#!/usr/bin/env bash
# bench/tls/run_tls.sh: the TLS benchmarks of docs/performance.md. Two TLS echo
# servers, each pinned to CPU 0, driven in turn by the same load generator
# (bench/tls/tls_load.cpp, a simul program) on CPU 1, runs interleaved:
#   simul   bench/tls/tls_echo_simul.cpp   start_server {.tls = ctx} + Stream
#   asio    bench/tls/tls_echo_asio.cpp    Boost.Asio ssl::stream, C++20 coroutines
# Two measurements per server and run:
#   echo       100 connections, handshakes first (not measured), then a 64-byte
#              ping-pong on each; round trips per second and server CPU µs each
#   handshake  20 workers, each: connect, full handshake (no resumption), one
#              byte there and back, close; handshakes per second and server CPU µs each
# Certificates: EC P-256, made by tests/net/tls_certs.sh. Prints the medians.
#
#   bench/tls/run_tls.sh [BUILD_DIR] [RUNS]     e.g. bench/tls/run_tls.sh build/bench 5
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=${1:-build/bench}
runs=${2:-3}
[ -d "$dir/bench" ] && dir=$dir/bench
bin=$dir/tls
secs=${TLS_SECS:-5}
certs=$(mktemp -d /tmp/simul-tls-bench.XXXXXX)
trap 'rm -rf "$certs"' EXIT
bash "$here/../../tests/net/tls_certs.sh" "$certs" > /dev/null
out=${OUT:-/tmp/simul-tls-$(date +%Y%m%d-%H%M%S).txt}
: > "$out"
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
for r in $(seq "$runs"); do
  for name in simul asio; do
    port=$(free_port)
    taskset -c 0 "$bin/tls_echo_$name" "$port" "$certs/server.pem" "$certs/server.key" > /dev/null 2>&1 &
    pid=$!
    sleep 0.3
    for mode in echo handshake; do
      conns=100; [ "$mode" = handshake ] && conns=20
      line=$(timeout 120 taskset -c 1 "$bin/tls_load" --port "$port" --ca "$certs/ca.pem" --mode "$mode" \
               --conns "$conns" --size 64 --secs "$secs" --warmup 1 --pid "$pid" --name "$name" | grep -m1 '^RESULT ' || true)
      echo "$line run=$r" | tee -a "$out" >&2
    done
    kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
  done
done
echo "# raw lines: $out" >&2
/usr/bin/python3 - "$out" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    kv = dict(t.split('=', 1) for t in line.split()[1:] if '=' in t)
    if 'name' not in kv: continue
    for k in ('value', 'server_us', 'p50_us', 'p99_us'):
        rows.setdefault((kv['name'], kv['mode'], k), []).append(float(kv[k]))
def med(n, m, k):
    v = rows.get((n, m, k)); return statistics.median(v) if v else float('nan')
print("| server | echo round trips/s | server CPU µs/round trip | p50 µs | p99 µs | handshakes/s | server CPU µs/handshake |")
print("|---|---|---|---|---|---|---|")
for n in ('simul', 'asio'):
    print(f"| {n} | {med(n,'echo','value')/1000:.1f}k | {med(n,'echo','server_us'):.2f} | {med(n,'echo','p50_us'):.0f} | "
          f"{med(n,'echo','p99_us'):.0f} | {med(n,'handshake','value'):.0f} | {med(n,'handshake','server_us'):.0f} |")
PY
