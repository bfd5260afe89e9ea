// bench/common/simul_sync_workloads.hpp: the three sync workloads, written
// once for the two programs that time them: bench/sync_primitives_bench.cpp
// (Google Benchmark, in-process repetitions) and bench/sync_peers/simul_sync.cpp
// (one workload per fresh process, beside its peers in bench/sync_peers/run.sh).
// Each body times itself with a monotonic clock read inside the workload.
//   lock_main       one task, n x `auto g = co_await lock.acquire();` on a
//                   free Lock (acquire + release)
//   ping_pong_main  two tasks bounce through two Events (set / wait / clear),
//                   n round trips (two wake-ups each)
//   queue_main      one producer puts n ints into a Queue<int>(128), one
//                   consumer gets them (and checks their sum)
#pragma once

#include <stdexcept>

#include <simul/simul.hpp>

#include "measure.hpp"

namespace simul_sync_work {

inline simul::Task<> lock_main(long n, double* ns) {
    simul::Lock lock;
    const auto t0 = bench::mono_ns();
    for (long i = 0; i < n; ++i) {
        auto held = co_await lock.acquire();
        bench::keep(held);
    }
    *ns = double(bench::mono_ns() - t0);
}

inline simul::Task<> pong_side(simul::Event& ping, simul::Event& pong, long n) {
    for (long i = 0; i < n; ++i) {
        co_await ping.wait();
        ping.clear();
        pong.set();
    }
}

inline simul::Task<> ping_pong_main(long n, double* ns) {
    simul::Event ping, pong;
    auto other = simul::spawn(pong_side(ping, pong, n));
    co_await simul::yield();  // let it reach its first wait
    const auto t0 = bench::mono_ns();
    for (long i = 0; i < n; ++i) {
        ping.set();
        co_await pong.wait();
        pong.clear();
    }
    *ns = double(bench::mono_ns() - t0);
    co_await other;
}

inline simul::Task<> producer(simul::Queue<int>& q, long n) {
    for (long i = 0; i < n; ++i) co_await q.put(int(i));
}

inline simul::Task<> queue_main(long n, double* ns) {
    simul::Queue<int> q(128);
    const auto t0 = bench::mono_ns();
    auto p = simul::spawn(producer(q, n));
    long sum = 0;
    for (long i = 0; i < n; ++i) sum += co_await q.get();
    *ns = double(bench::mono_ns() - t0);
    bench::keep(sum);
    co_await p;
    if (sum != n * (n - 1) / 2) throw std::runtime_error("queue_spsc: the consumer got a wrong sum");
}

}  // namespace simul_sync_work
