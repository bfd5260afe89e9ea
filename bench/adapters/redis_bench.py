#!/usr/bin/python3
"""The Redis client benchmark, redis-py's side (bench/adapters/run_redis.sh).

    redis_bench.py PORT [TASKS=100] [REQUESTS_PER_TASK=2000]

The same workload as redis_bench.cpp, on redis-py's asyncio client
(redis.asyncio.Redis with its default connection pool, which opens a
connection per concurrent task), on Debian's python3-redis and the standard
asyncio loop. Prints one line in the same format.
"""
import asyncio
import resource
import sys
import time

import redis.asyncio as aioredis


def cpu_seconds():
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


async def worker(client, ident, requests):
    key = "bench:py:%d" % ident
    value = chr(ord("a") + ident % 26) * 32
    bad = 0
    for _ in range(0, requests, 2):
        await client.set(key, value)
        got = await client.get(key)
        if got is None or len(got) != len(value):
            bad += 1
    return bad


async def amain(port, tasks, requests):
    client = aioredis.Redis(host="127.0.0.1", port=port)
    await client.ping()
    cpu0 = cpu_seconds()
    t0 = time.perf_counter()
    bad = sum(await asyncio.gather(*(worker(client, t, requests) for t in range(tasks))))
    secs = time.perf_counter() - t0
    cpu = cpu_seconds() - cpu0
    total = tasks * requests
    print("client=redis-py pool=default tasks=%d requests=%d seconds=%.3f req_per_s=%.0f cpu_us_per_req=%.3f"
          % (tasks, total, secs, total / secs, cpu / total * 1e6))
    await client.close()
    return 0 if bad == 0 else 1


if __name__ == "__main__":
    port = int(sys.argv[1])
    tasks = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    requests = int(sys.argv[3]) if len(sys.argv) > 3 else 2000
    sys.exit(asyncio.run(amain(port, tasks, requests)))
