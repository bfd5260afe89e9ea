// hello, the async way: the task waits, the loop is free meanwhile.
#include <simul/simul.hpp>
#include <cstdio>
using namespace std::chrono_literals;

simul::Task<> hello() {
    std::puts("hello");
    co_await simul::sleep(3s);
    std::puts("world");
}

int main() { simul::run(hello()); }
