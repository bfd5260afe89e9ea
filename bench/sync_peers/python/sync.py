"""asyncio / uvloop peer of bench/sync_peers/simul_sync.cpp: the same three
workloads, sizes and timing (time.perf_counter_ns, read inside the workload).

  lock            asyncio.Lock: N x `async with lock:` on a free lock (acquire
                  returns without suspending when the lock is free and nobody
                  waits); ns per acquire
  event_pingpong  two tasks, two asyncio.Event: set / wait / clear; N round
                  trips; ns per round trip
  queue_spsc      asyncio.Queue(128): one producer task awaits put() N times,
                  the main task awaits get(); ns per item

usage: /usr/bin/python3 sync.py asyncio|uvloop lock|event_pingpong|queue_spsc [N]
Debian's python3 (python3-uvloop is installed for it).
"""
import asyncio
import sys
import time

DEFAULT_N = {"lock": 1_000_000, "event_pingpong": 200_000, "queue_spsc": 1_000_000}
PER = {"lock": "acquire", "event_pingpong": "round_trip", "queue_spsc": "item"}


async def lock_main(n):
    lock = asyncio.Lock()
    t0 = time.perf_counter_ns()
    for _ in range(n):
        async with lock:
            pass
    return time.perf_counter_ns() - t0


async def pong_side(ping, pong, n):
    for _ in range(n):
        await ping.wait()
        ping.clear()
        pong.set()


async def ping_pong_main(n):
    ping, pong = asyncio.Event(), asyncio.Event()
    other = asyncio.create_task(pong_side(ping, pong, n))
    await asyncio.sleep(0)  # let it reach its first wait
    t0 = time.perf_counter_ns()
    for _ in range(n):
        ping.set()
        await pong.wait()
        pong.clear()
    ns = time.perf_counter_ns() - t0
    await other
    return ns


async def producer(q, n):
    for i in range(n):
        await q.put(i)


async def queue_main(n):
    q = asyncio.Queue(128)
    t0 = time.perf_counter_ns()
    p = asyncio.create_task(producer(q, n))
    total = 0
    for _ in range(n):
        total += await q.get()
    ns = time.perf_counter_ns() - t0
    await p
    if total != n * (n - 1) // 2:
        raise SystemExit(f"queue_spsc: wrong sum {total}")
    return ns


MAINS = {"lock": lock_main, "event_pingpong": ping_pong_main, "queue_spsc": queue_main}


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("asyncio", "uvloop") or sys.argv[2] not in MAINS:
        raise SystemExit(__doc__)
    loop_name, workload = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else DEFAULT_N[workload]
    if loop_name == "uvloop":
        import uvloop
        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    ns = asyncio.run(MAINS[workload](n))
    print(f"RESULT workload={workload} peer=py-{loop_name} value={ns / n:.2f} unit=ns/op "
          f"per={PER[workload]} n={n} total_ms={ns / 1e6:.1f}")


if __name__ == "__main__":
    main()
