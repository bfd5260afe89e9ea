// spawn (peer kit workload 2): 1,000,000 tasks whose body is one counter
// increment, then a counting join. Prints ns per task, peak RSS and
// (peak RSS - RSS at start) / tasks. Usage: spawn [tasks]
#include "impl.hpp"

int main(int argc, char** argv) {
    const long rss0 = bench::peak_rss_kib();
    const long n = argc > 1 ? std::atol(argv[1]) : 1000000;
    const double ns = work::run_spawn(n);
    if (work::g_spawn_counter != n) return 1;
    const long rss = bench::peak_rss_kib();
    std::printf("RESULT workload=spawn peer=%s value=%.1f unit=ns/task tasks=%ld total_ms=%.1f rss_mib=%.1f "
                "bytes_per_task=%.0f\n",
                SIMUL_BENCH_PEER, ns / double(n), n, ns / 1e6, rss / 1024.0, double(rss - rss0) * 1024.0 / double(n));
}
