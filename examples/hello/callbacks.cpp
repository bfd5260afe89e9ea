// hello, the callback way: no coroutine at all. Each step schedules the next
// one on the loop and returns; "waiting" is a call_later. This is how glue to
// C libraries looks, and how every other style works underneath.
#include <simul/simul.hpp>

#include <cstdio>

using namespace std::chrono_literals;

int main() {
    simul::Loop loop;
    loop.call_soon([&loop] {
        std::puts("hello");
        loop.call_later(3s, [&loop] {
            std::puts("world");
            loop.stop();
        });
    });
    loop.run_forever();
}
