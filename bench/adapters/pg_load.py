#!/usr/bin/python3
"""bench/adapters/pg_load.py: asyncpg under the load of pg_load.cpp (bench/adapters/run_pg.sh).

    pg_load.py SOCKET_DIR PORT [TASKS=100] [REQUESTS=50000] [POOL=10] [WRITE_PERCENT=20] [LOOP=asyncio|uvloop]

The same workload as pg_load.cpp: TASKS tasks share an asyncpg pool of POOL
connections and make REQUESTS requests (SELECT by primary key, or an UPDATE
of one row WRITE_PERCENT % of the time), after a warm-up of a tenth as many.
asyncpg prepares and caches each statement on each connection by itself.
"""
import asyncio
import random
import resource
import sys
import time

import asyncpg


def cpu_seconds():
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime


async def phase(pool, tasks, requests, write_percent, seed):
    state = {"remaining": requests, "errors": 0}

    async def worker(i):
        rng = random.Random(seed + i)
        while state["remaining"] > 0:
            state["remaining"] -= 1
            key = rng.randrange(10000) + 1
            if rng.randrange(100) < write_percent:
                status = await pool.execute("UPDATE bench_kv SET v = v + 1 WHERE id = $1", key)
                if status != "UPDATE 1":
                    state["errors"] += 1
            else:
                row = await pool.fetchrow("SELECT id, v, name FROM bench_kv WHERE id = $1", key)
                if row is None or row[0] != key:
                    state["errors"] += 1

    await asyncio.gather(*(worker(i) for i in range(tasks)))
    if state["errors"]:
        print(f"pg_load.py: {state['errors']} wrong answers", file=sys.stderr)


async def amain(host, port, tasks, requests, pool_size, write_percent, loop_name):
    pool = await asyncpg.create_pool(host=host, port=port, user="postgres", database="postgres",
                                     min_size=pool_size, max_size=pool_size)
    await phase(pool, tasks, requests // 10, write_percent, 1)
    cpu0 = cpu_seconds()
    t0 = time.monotonic()
    await phase(pool, tasks, requests, write_percent, 1000)
    secs = time.monotonic() - t0
    cpu = cpu_seconds() - cpu0
    await pool.close()
    print(f"RESULT client=asyncpg-{loop_name} tasks={tasks} pool={pool_size} requests={requests} seconds={secs:.3f} "
          f"rps={requests / secs:.0f} cpu_us_per_req={cpu * 1e6 / requests:.2f}")


def main():
    a = sys.argv[1:]
    host, port = a[0], int(a[1])
    tasks = int(a[2]) if len(a) > 2 else 100
    requests = int(a[3]) if len(a) > 3 else 50000
    pool_size = int(a[4]) if len(a) > 4 else 10
    write_percent = int(a[5]) if len(a) > 5 else 20
    loop_name = a[6] if len(a) > 6 else "asyncio"
    coro = amain(host, port, tasks, requests, pool_size, write_percent, loop_name)
    if loop_name == "uvloop":
        import uvloop
        uvloop.install()
    asyncio.run(coro)


if __name__ == "__main__":
    main()
