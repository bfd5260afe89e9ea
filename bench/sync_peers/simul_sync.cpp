// simul_sync: the three sync workloads (bench/common/simul_sync_workloads.hpp) as
// a standalone program, one workload per fresh process, so that
// bench/sync_peers/run.sh compares simul with its peers like for like.
// Same sizes, same timing (a monotonic clock read inside the workload):
//   lock            one task, N x `auto g = co_await lock.acquire();` on a
//                   free Lock (acquire + release); value = ns per acquire
//   event_pingpong  two tasks bounce through two Events (set / wait / clear),
//                   N round trips; value = ns per round trip (two wake-ups)
//   queue_spsc      one producer puts N ints into a Queue<int>(128), one
//                   consumer gets them; value = ns per item
// Usage: simul_sync lock|event_pingpong|queue_spsc [N]
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "common/simul_sync_workloads.hpp"

using namespace simul_sync_work;

int main(int argc, char** argv) {
    const char* w = argc > 1 ? argv[1] : "";
    simul::Task<> (*body)(long, double*) = nullptr;
    long n = 0;
    const char* per = "";
    if (std::strcmp(w, "lock") == 0) {
        body = &lock_main, n = 1'000'000, per = "acquire";
    } else if (std::strcmp(w, "event_pingpong") == 0) {
        body = &ping_pong_main, n = 200'000, per = "round_trip";
    } else if (std::strcmp(w, "queue_spsc") == 0) {
        body = &queue_main, n = 1'000'000, per = "item";
    } else {
        std::fprintf(stderr, "usage: %s lock|event_pingpong|queue_spsc [N]\n", argv[0]);
        return 2;
    }
    if (argc > 2) n = std::atol(argv[2]);
    double ns = 0;
    simul::run(body(n, &ns));
    std::printf("RESULT workload=%s peer=simul value=%.2f unit=ns/op per=%s n=%ld total_ms=%.1f\n", w, ns / double(n),
                per, n, ns / 1e6);
}
