"""The MongoDB client benchmark, pymongo's side (bench/adapters/run_mongo.sh).

    /usr/bin/python3 mongo_bench.py PORT [THREADS=100] [SECS=5] [POOL=100] [WARMUP=1]

The same workload as mongo_bench.cpp: THREADS threads share one MongoClient
(maxPoolSize=POOL) and loop over find_one by _id and update_one by _id
($set), alternately, on 1,000 documents. pymongo 3.11 (Debian 12) has no
asyncio API, so threads are how a Python user gets 100 requests in flight.
Prints RESULT name=pymongo rps=... cpu_us_per_req=... ops=... secs=...
"""
import resource
import sys
import threading
import time

import pymongo


def cpu_seconds():
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def main():
    port = int(sys.argv[1])
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    secs = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    pool = int(sys.argv[4]) if len(sys.argv) > 4 else 100
    warmup = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    client = pymongo.MongoClient("127.0.0.1", port, maxPoolSize=pool)
    coll = client["bench"]["pymongo"]
    coll.drop()
    ids = coll.insert_many([{"k": k, "v": 0, "name": "user%d" % k} for k in range(1000)]).inserted_ids

    state = {"stop": False, "measuring": False}
    counts = [0] * threads
    errors = [0] * threads

    def worker(t):
        i = t * 1000003
        n = 0
        while not state["stop"]:
            oid = ids[(i * 7919) % len(ids)]
            try:
                if i % 2 == 0:
                    if coll.find_one({"_id": oid}) is None:
                        errors[t] += 1
                else:
                    coll.update_one({"_id": oid}, {"$set": {"v": i}})
                if state["measuring"]:
                    n += 1
                    counts[t] = n
            except pymongo.errors.PyMongoError:
                errors[t] += 1
            i += 1

    pool_threads = [threading.Thread(target=worker, args=(t,), daemon=True) for t in range(threads)]
    for th in pool_threads:
        th.start()
    time.sleep(warmup)
    state["measuring"] = True
    t0, c0 = time.monotonic(), cpu_seconds()
    time.sleep(secs)
    state["measuring"] = False
    t1, c1 = time.monotonic(), cpu_seconds()
    ops = sum(counts)
    state["stop"] = True
    for th in pool_threads:
        th.join()
    wall = t1 - t0
    print("RESULT name=pymongo rps=%.0f cpu_us_per_req=%.1f ops=%d secs=%.2f errors=%d"
          % (ops / wall, (c1 - c0) * 1e6 / max(ops, 1), ops, wall, sum(errors)))
    client.close()


if __name__ == "__main__":
    main()
