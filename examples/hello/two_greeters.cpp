// Two greeters at once: both wait their 3 s at the same time, so the program
// takes 3 s, not 6. (--virtual runs it on the virtual clock: no real waiting.)
#include <simul/simul.hpp>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

using namespace std::chrono_literals;

simul::Task<> greet(std::string name) {
    std::printf("hello from %s\n", name.c_str());
    co_await simul::sleep(3s);
    std::printf("world from %s\n", name.c_str());
}

simul::Task<> both() {
    const auto t0 = simul::now();
    co_await simul::gather(greet("Ada"), greet("Grace"));
    const double took = std::chrono::duration<double>(simul::now() - t0).count();
    std::printf("two greeters, 3 s each, took %.2f s in all\n", took);
}

int main(int argc, char** argv) {
    const bool virtual_time = argc > 1 && std::strcmp(argv[1], "--virtual") == 0;
    simul::run(both(), {.virtual_time = virtual_time});
}
