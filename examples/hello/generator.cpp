// hello, the generator way (asyncio before async/await, Python 3.4): the
// coroutine yields what it waits for, and a driver task waits on its behalf
// and resumes it. simul::drive is that driver; Task<> and co_await replaced it.
#include <simul/coro/generator_coroutine.hpp>
#include <simul/simul.hpp>

#include <cstdio>

using namespace std::chrono_literals;

simul::GeneratorCoroutine<> hello() {
    std::puts("hello");
    co_yield simul::sleep(3s);  // `yield from asyncio.sleep(3)`
    std::puts("world");
}

int main() { simul::run(simul::drive(hello())); }
