// timers (peer kit workload 3): 1,000,000 tasks each sleep once for a random
// 0..1000 ms (fixed seed) on the real clock, then a counting join. Prints the
// wall time beyond 1 s and the peak RSS. Usage: timers [tasks]
#include "impl.hpp"

int main(int argc, char** argv) {
    const long n = argc > 1 ? std::atol(argv[1]) : 1000000;
    const double ms = work::run_timers(n) / 1e6;
    std::printf("RESULT workload=timers peer=%s value=%.1f unit=ms_over_1s tasks=%ld wall_ms=%.1f rss_mib=%.1f\n",
                SIMUL_BENCH_PEER, ms - 1000.0, n, ms, bench::peak_rss_kib() / 1024.0);
}
