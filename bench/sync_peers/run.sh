#!/usr/bin/env bash
# bench/sync_peers/run.sh: the sync-primitive workloads of
# bench/sync_primitives_bench.cpp on simul and its peers, side by side:
#   lock            uncontended acquire + release, 1,000,000 times
#   event_pingpong  two tasks bounce through two Events, 200,000 round trips
#   queue_spsc      one producer, one consumer, bounded queue of 128, 1,000,000 items
# Peers: simul (simul_sync.cpp), Tokio 1.x current_thread (tokio/, built here
# with cargo --offline against Debian's crates), Boost.Asio (asio/sync.cpp:
# experimental::channel; no async mutex, a channel of one stands in),
# asyncio and uvloop (python/sync.py on Debian's /usr/bin/python3).
# Every measurement is a fresh process pinned to CPU 0 (taskset -c 0); runs
# are interleaved (run 1 of every peer and workload, then run 2, ..., the
# order of the peers rotating each run); the table gives medians (min..max)
# and each peer's median divided by simul's median from the same run.
#
#   bench/sync_peers/run.sh BUILD_DIR [RUNS]     e.g. bench/sync_peers/run.sh build/bench 5
#
# BUILD_DIR is a CMake build with SIMUL_BUILD_BENCH=ON (RelWithDebInfo, as
# `make bench` configures it); the script builds simul_sync_simul and
# simul_sync_asio there, and the Tokio peer into BUILD_DIR/bench/sync_peers/.
# Raw RESULT lines: BUILD_DIR/bench/sync_peers/results-<stamp>.txt (and the
# table beside it, table-<stamp>.md).
set -uo pipefail
build=${1:?usage: run.sh BUILD_DIR [RUNS]}
runs=${2:-5}
here=$(cd "$(dirname "$0")" && pwd)
[ -f "$build/CMakeCache.txt" ] || { echo "$build is not a CMake build directory (cmake -S . -B $build -DSIMUL_BUILD_BENCH=ON)" >&2; exit 1; }
build=$(cd "$build" && pwd)
out=$build/bench/sync_peers
PY=/usr/bin/python3   # Debian's interpreter: python3-uvloop is installed for it
WORKLOADS="lock event_pingpong queue_spsc"
peers="simul"

echo "== building simul_sync (and the Asio peer)" >&2
targets=simul_sync_simul
cmake --build "$build" --target help 2>/dev/null | grep -q simul_sync_asio && targets="$targets simul_sync_asio"
cmake --build "$build" -j2 --target $targets >&2 || { echo "cmake build failed" >&2; exit 1; }
[ -x "$out/asio_sync" ] && peers="$peers asio" || echo "no Asio peer (Boost headers missing)" >&2

echo "== building the Tokio peer (cargo --offline, Debian crates)" >&2
[ -d "$HOME/.cargo/bin" ] && export PATH="$HOME/.cargo/bin:$PATH"
tok_src=$out/tokio-src
if command -v cargo >/dev/null; then
  # Built from a copy, so that Cargo.lock and target/ stay out of the source tree.
  mkdir -p "$tok_src/.cargo" "$tok_src/src"
  cp "$here/tokio/Cargo.toml" "$tok_src/"
  cp "$here/tokio/.cargo/config.toml" "$tok_src/.cargo/"
  cp "$here/tokio/src/main.rs" "$tok_src/src/"
  if (cd "$tok_src" && CARGO_TARGET_DIR="$out/tokio-target" cargo build --release --offline --quiet >&2); then
    peers="$peers tokio"
  else
    echo "the Tokio peer did not build (apt-get install librust-tokio-dev cargo): skipped" >&2
  fi
else
  echo "no cargo: the Tokio peer is skipped" >&2
fi

if [ -x "$PY" ]; then
  peers="$peers py-asyncio"
  if "$PY" -c 'import uvloop' 2>/dev/null; then peers="$peers py-uvloop"
  else echo "no uvloop for $PY (apt-get install python3-uvloop): skipped" >&2; fi
fi

cmd_of() {  # peer workload
  case $1 in
    simul)      echo "$out/simul_sync $2" ;;
    asio)       echo "$out/asio_sync $2" ;;
    tokio)      echo "$out/tokio-target/release/tokio_sync $2" ;;
    py-asyncio) echo "$PY $here/python/sync.py asyncio $2" ;;
    py-uvloop)  echo "$PY $here/python/sync.py uvloop $2" ;;
  esac
}

# Hypervisor steal of the whole machine over the run, percent of all CPU time.
cpu_steal() { awk '/^cpu /{t=0; for(i=2;i<=NF;i++) t+=$i; print $9, t}' /proc/stat; }

stamp=$(date -u +%Y%m%d-%H%M%S)
raw=$out/results-$stamp.txt
: > "$raw"
read -r s0 t0 < <(cpu_steal)
load0=$(cut -d' ' -f1 /proc/loadavg)
echo "== $runs runs, peers: $peers; raw lines: $raw" >&2
read -r -a order <<< "$peers"
for r in $(seq "$runs"); do
  for w in $WORKLOADS; do
    for p in "${order[@]}"; do
      line=$(timeout 300 taskset -c 0 $(cmd_of "$p" "$w") | grep '^RESULT ')
      if [ -z "$line" ]; then
        line="FAIL workload=$w peer=$p"
      fi
      echo "$line run=$r" | tee -a "$raw" >&2
    done
  done
  order=("${order[@]:1}" "${order[0]}")  # rotate: no peer always runs first
done
read -r s1 t1 < <(cpu_steal)
load1=$(cut -d' ' -f1 /proc/loadavg)
steal=$(awk -v a="$s0" -v b="$t0" -v c="$s1" -v d="$t1" 'BEGIN{printf "%.1f", (d>b) ? 100*(c-a)/(d-b) : 0}')

# Versions for the peers' names in the table.
export V_TOKIO V_BOOST V_PY V_UVLOOP
V_TOKIO=$(awk '/^name = "tokio"/{getline; print $3}' "$tok_src/Cargo.lock" 2>/dev/null | tr -d '"')
V_BOOST=$(sed -n 's/^#define BOOST_LIB_VERSION "\(.*\)"/\1/p' /usr/include/boost/version.hpp 2>/dev/null | tr _ .)
V_PY=$("$PY" -c 'import platform; print(platform.python_version())' 2>/dev/null)
V_UVLOOP=$("$PY" -c 'import uvloop; print(uvloop.__version__)' 2>/dev/null)
"$PY" - "$raw" "$runs" "$steal" "$load0" "$load1" "$stamp" <<'PY' | tee "$out/table-$stamp.md"
import collections, os, statistics, sys
raw, runs, steal, load0, load1, stamp = sys.argv[1:]
vals = collections.defaultdict(list)   # (workload, peer) -> [value]
fails = collections.Counter()
for line in open(raw):
    kv = dict(f.split("=", 1) for f in line.split()[1:] if "=" in f)
    if line.startswith("RESULT "):
        vals[(kv["workload"], kv["peer"])].append(float(kv["value"]))
    elif line.startswith("FAIL "):
        fails[(kv["workload"], kv["peer"])] += 1
NAMES = {
    "simul": "**simul**",
    "tokio": f"Tokio {os.environ.get('V_TOKIO') or '1.x'} current_thread",
    "asio": f"Boost.Asio {os.environ.get('V_BOOST') or ''}, C++20 awaitables",
    "py-asyncio": f"asyncio (CPython {os.environ.get('V_PY') or '3'})",
    "py-uvloop": f"asyncio on uvloop {os.environ.get('V_UVLOOP') or ''}",
}
HOW = {
    ("lock", "simul"): "`Lock`, `co_await acquire()` + guard",
    ("lock", "tokio"): "`sync::Mutex<()>`, `lock().await` + drop",
    ("lock", "asio"): "none in Asio; stand-in: `experimental::channel` of 1 (`try_send`, else `co_await async_send`; `try_receive`)",
    ("lock", "py-asyncio"): "`asyncio.Lock`, `async with`",
    ("lock", "py-uvloop"): "`asyncio.Lock`, `async with`",
    ("event_pingpong", "simul"): "two `Event`s: set / wait / clear",
    ("event_pingpong", "tokio"): "two `sync::Notify`: `notify_one()` / `notified().await`",
    ("event_pingpong", "asio"): "two `experimental::channel`s of 1: `try_send` / `co_await async_receive`",
    ("event_pingpong", "py-asyncio"): "two `asyncio.Event`s: set / wait / clear",
    ("event_pingpong", "py-uvloop"): "two `asyncio.Event`s: set / wait / clear",
    ("queue_spsc", "simul"): "`Queue<int>(128)`, `co_await put` / `get`",
    ("queue_spsc", "tokio"): "`sync::mpsc::channel(128)`, `send().await` / `recv().await`",
    ("queue_spsc", "asio"): "`experimental::channel<void(error_code, int)>(128)`, `async_send` / `async_receive`",
    ("queue_spsc", "py-asyncio"): "`asyncio.Queue(128)`, `await put` / `get`",
    ("queue_spsc", "py-uvloop"): "`asyncio.Queue(128)`, `await put` / `get`",
}
TITLES = {"lock": "uncontended lock, ns per acquire + release",
          "event_pingpong": "Event ping-pong, ns per round trip (two wake-ups)",
          "queue_spsc": "SPSC queue (capacity 128), ns per item"}
ORDER = ["simul", "tokio", "asio", "py-uvloop", "py-asyncio"]
def fmt(x):
    return f"{x:,.0f}" if x >= 100 else f"{x:.2f}" if x < 10 else f"{x:.1f}"
print(f"Sync primitives beside peers ({stamp} UTC): medians of {runs} fresh processes each, "
      f"taskset -c 0, interleaved; load average {load0} -> {load1}, host steal {steal}%.\n")
for w in ["lock", "event_pingpong", "queue_spsc"]:
    print(f"**{TITLES[w]}**\n")
    print("| peer | what | median | min..max | x simul |")
    print("|---|---|---:|---:|---:|")
    base = statistics.median(vals[(w, "simul")]) if vals[(w, "simul")] else None
    for p in ORDER:
        v = vals.get((w, p))
        if not v:
            if fails[(w, p)]:
                print(f"| {NAMES[p]} | {HOW[(w, p)]} | failed | | |")
            continue
        m = statistics.median(v)
        ratio = f"{m / base:.1f}x" if base else "?"
        if p == "simul":
            ratio = "1"
        note = f" ({fails[(w, p)]} failed)" if fails[(w, p)] else ""
        print(f"| {NAMES[p]} | {HOW[(w, p)]} | {fmt(m)}{note} | {fmt(min(v))}..{fmt(max(v))} | {ratio} |")
    print()
PY
