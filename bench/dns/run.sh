#!/usr/bin/env bash
# bench/dns/run.sh: name lookups per second (docs/performance.md), each figure
# the median of RUNS fresh processes:
#   cares-local        simul::resolve("localhost") on c-ares, default resolver:
#                      answered from /etc/hosts by c-ares's file lookup, no
#                      packet sent (the loop + c-ares + hosts-file cost)
#   getaddrinfo-local  the same name through getaddrinfo() on simul's thread
#                      pool (glibc reads /etc/hosts too): the old road
#   cares-server       simul::resolve("multi.test") through a dns::Resolver
#                      pointed at dnsmasq on 127.0.0.1 (A and AAAA queries over
#                      UDP, both answered by dnsmasq): a real DNS round trip
# at 1 and 64 lookups in flight. getaddrinfo cannot be pointed at a server,
# so there is no getaddrinfo-server row.
#
#   bench/dns/run.sh [BUILD_DIR] [RUNS] [SECONDS]   e.g. bench/dns/run.sh build/bench 3 3
set -euo pipefail
dir=${1:-build/bench}
runs=${2:-3}
secs=${3:-3}
[ -d "$dir/bench" ] && dir=$dir/bench
bin=$dir/dns/dns_lookups
[ -x "$bin" ] || { echo "no $bin: cmake --build <dir> --target simul_dns_lookups" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
fx=$(mktemp -d /tmp/simul-dns-bench.XXXXXX)
trap '/usr/bin/python3 "$here/../../tests/net/dns_fixture.py" stop "$fx" >/dev/null; rm -rf "$fx"' EXIT
/usr/bin/python3 "$here/../../tests/net/dns_fixture.py" start "$fx" >&2
server=$(sed -n 's/^DNSMASQ=//p' "$fx/servers")
out=$(mktemp /tmp/simul-dns-bench-out.XXXXXX)
for c in 1 64; do
  for r in $(seq "$runs"); do
    "$bin" cares localhost - "$c" "$secs" | tee -a "$out" >&2
    "$bin" getaddrinfo localhost - "$c" "$secs" | tee -a "$out" >&2
    "$bin" cares multi.test "$server" "$c" "$secs" | tee -a "$out" >&2
  done
done
python3 - "$out" <<'PY'
import statistics, sys, collections
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    if not line.startswith("RESULT "):
        continue
    kv = dict(f.split("=", 1) for f in line.split()[1:])
    rows[(kv["name"], int(kv["concurrency"]))].append((float(kv["lookups_per_s"]), float(kv["cpu_us_per_lookup"])))
print("| road | in flight | lookups/s (median) | CPU µs per lookup |")
print("|---|---|---|---|")
for (name, c), v in sorted(rows.items(), key=lambda x: (x[0][1], x[0][0])):
    print("| %s | %d | %.0f | %.1f |" % (name, c, statistics.median(x[0] for x in v), statistics.median(x[1] for x in v)))
PY
rm -f "$out"
