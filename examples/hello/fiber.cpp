// hello, the fiber (greenlet) way: an ordinary function whose wait looks like
// a blocking call. fiber::sleep switches the fiber's stack out; the loop runs
// the others meanwhile and switches it back in 3 s later.
#include <simul/coro/fiber.hpp>
#include <simul/simul.hpp>

#include <cstdio>

using namespace std::chrono_literals;

void hello() {
    std::puts("hello");
    simul::fiber::sleep(3s);
    std::puts("world");
}

int main() { simul::fiber::run(hello); }
