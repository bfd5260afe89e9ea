// Pitfall: a blocking call inside a task freezes the whole loop.
//
// Three "requests" each wait one second (for a disk, a server, a timer), run
// concurrently with gather(), while a ticker wants to run every 100 ms.
//   1. std::this_thread::sleep_for(1s) blocks the thread, and with it the
//      loop: the requests run one after the other (3 s) and the ticker stops.
//   2. co_await simul::sleep(1s) suspends only the task: the three waits
//      overlap (1 s in all) and the ticker keeps its rhythm.
// The same holds for every blocking call: read() on a blocking socket,
// a database driver's query(), getaddrinfo(), a file on a slow disk. Use
// simul's awaitable form, or simul::to_thread for code that can only block.
#include <simul/simul.hpp>

#include <chrono>
#include <cstdio>
#include <thread>

using namespace std::chrono_literals;

namespace {

double ms(simul::Duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

struct Ticker {
    bool stop = false;
    int ticks = 0;
    simul::Duration longest_gap{0};
};

simul::Task<> tick(Ticker& t) {
    auto last = simul::now();
    while (!t.stop) {
        co_await simul::sleep(100ms);
        const auto now = simul::now();
        if (now - last > t.longest_gap) t.longest_gap = now - last;
        last = now;
        ++t.ticks;
    }
}

simul::Task<> blocking_request() {
    std::this_thread::sleep_for(1s);  // the pitfall: the loop's thread sleeps
    co_return;
}

simul::Task<> async_request() {
    co_await simul::sleep(1s);  // only this task waits
}

template <class MakeRequest>
simul::Task<> round(const char* name, MakeRequest request) {
    Ticker t;
    auto ticker = simul::spawn(tick(t));
    co_await simul::sleep(150ms);
    const auto t0 = simul::now();
    co_await simul::gather(request(), request(), request());
    const auto took = simul::now() - t0;
    co_await simul::sleep(150ms);
    t.stop = true;
    co_await ticker;
    std::printf("%-40s 3 requests of 1 s took %5.0f ms; ticker: %2d ticks, longest gap %5.0f ms\n", name, ms(took),
                t.ticks, ms(t.longest_gap));
}

simul::Task<> amain() {
    co_await round("1. std::this_thread::sleep_for(1s):", blocking_request);
    co_await round("2. co_await simul::sleep(1s):", async_request);
    std::printf("\nA blocking call stops the loop: the other tasks, and the ticker, wait for it.\n");
}

}  // namespace

int main() { simul::run(amain()); }
