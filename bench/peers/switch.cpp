// switch (peer kit workload 1): 1000 tasks each yield 1000 times, then a
// counting join. Prints ns per switch. Usage: switch [tasks] [yields]
#include "impl.hpp"

int main(int argc, char** argv) {
    const int tasks = argc > 1 ? std::atoi(argv[1]) : 1000;
    const int yields = argc > 2 ? std::atoi(argv[2]) : 1000;
    const double ns = work::run_switch(tasks, yields);
    std::printf("RESULT workload=switch peer=%s value=%.2f unit=ns/switch tasks=%d yields=%d total_ms=%.1f\n",
                SIMUL_BENCH_PEER, ns / (double(tasks) * yields), tasks, yields, ns / 1e6);
}
