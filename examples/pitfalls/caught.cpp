// The two pitfalls, caught in the act by debug mode (docs/tutorial/05-the-two-pitfalls-caught.md).
//
//   pitfalls_caught cpu      a CPU-bound loop that never yields: the stall watchdog
//   pitfalls_caught sleep    sleep() on the loop thread: the blocking-call detector
//   pitfalls_caught recv     a blocking recv() on the loop thread: the detector again
//   pitfalls_caught flood    one client that always has data: the starvation budget
//   pitfalls_caught dump     where is every task? the task dump
// Add --fixed to run the repaired version of each. The program turns debug mode
// on itself (as SIMUL_DEBUG=1 would) and links libsimul_blocking_detector.so.
#include <simul/debug.hpp>
#include <simul/simul.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

using namespace std::chrono_literals;

namespace {

bool fixed = false;

// ---- 1. a CPU-bound loop --------------------------------------------------
bool is_prime(long n) {
    for (long d = 2; d * d <= n; ++d)
        if (n % d == 0) return false;
    return n > 1;
}

simul::Task<long> count_primes(long limit) {
    long found = 0;
    for (long n = 0; n < limit; ++n) {
        found += is_prime(n);
        if (fixed && n % 10'000 == 0) co_await simul::yield();  // the fix: let the others run
    }
    co_return found;
}

simul::Task<> heartbeat(int beats) {
    for (int i = 0; i < beats; ++i) co_await simul::sleep(50ms);
}

simul::Task<> cpu() {
    auto beat = simul::spawn(heartbeat(10), "heartbeat");
    const long primes = co_await simul::spawn(count_primes(1'000'000), "count_primes");
    co_await beat;
    std::printf("%ld primes\n", primes);
}

// ---- 2. sleep() on the loop ------------------------------------------------
simul::Task<> poll_sensor() {
    for (int i = 0; i < 3; ++i) {
        if (fixed)
            co_await simul::sleep(20ms);
        else
            ::usleep(20'000);  // blocks the thread, and every task with it
    }
}

simul::Task<> sleep_demo() { co_await simul::spawn(poll_sensor(), "poll_sensor"); }

// ---- 3. a blocking recv() --------------------------------------------------
simul::Task<> read_reply(int fd) {
    char buf[16];
    if (fixed) {
        simul::Stream s{simul::Fd(fd)};  // makes it non-blocking; reads wait on the loop
        (void)co_await s.read_some(buf, sizeof buf);
        co_return;
    }
    (void)::recv(fd, buf, sizeof buf, 0);
    ::close(fd);
}

simul::Task<> recv_demo() {
    int sv[2];
    ::socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    (void)::send(sv[1], "pong", 4, MSG_DONTWAIT);  // (non-blocking: only the reader is at fault here)
    co_await simul::spawn(read_reply(sv[0]), "read_reply");
    ::close(sv[1]);
}

// ---- 4. a flood ------------------------------------------------------------
simul::Task<> flood_demo() {
    simul::Queue<int> q;
    for (int i = 0; i < 100'000; ++i) q.try_put(i);  // a queue (or socket) that never runs dry
    int quiet_turns = 0;
    bool done = false;
    auto quiet = simul::spawn([](int& turns, bool& d) -> simul::Task<> {
        while (!d) {
            ++turns;
            co_await simul::yield();
        }
    }(quiet_turns, done), "quiet");
    long sum = 0;
    for (int i = 0; i < 100'000; ++i) sum += co_await q.get();
    done = true;
    co_await quiet;
    const auto s = simul::stats();
    std::printf("drained 100000 items (sum %ld); the quiet task ran %d times meanwhile; %llu forced yields\n", sum,
                quiet_turns, static_cast<unsigned long long>(s.forced_yields));
}

// ---- 5. the task dump ------------------------------------------------------
simul::Task<> stuck(simul::Event& never) { co_await never.wait(); }
simul::Task<> waits_for_stuck(simul::Event& never) { co_await simul::spawn(stuck(never), "stuck"); }

simul::Task<> dump_demo() {
    simul::Event never;
    auto h = simul::spawn(waits_for_stuck(never), "waits_for_stuck");
    co_await simul::sleep(10ms);
    std::fputs(simul::dump_tasks().c_str(), stdout);
    h.cancel();
    try {
        co_await h;
    } catch (const simul::Cancelled&) {
    }
}

}  // namespace

int main(int argc, char** argv) {
    const std::string what = argc > 1 ? argv[1] : "";
    fixed = argc > 2 && std::strcmp(argv[2], "--fixed") == 0;
    simul::RunOptions options{.debug = true, .stats_at_exit = what == "flood", .debug_log = [](std::string_view l) {
        std::printf("%.*s\n", int(l.size()), l.data());
    }};
    if (what == "flood") options.budget = fixed ? 128 : 0;  // 0: the budget off, as before the fix
    if (what == "cpu") simul::run(cpu(), options);
    else if (what == "sleep") simul::run(sleep_demo(), options);
    else if (what == "recv") simul::run(recv_demo(), options);
    else if (what == "flood") simul::run(flood_demo(), options);
    else if (what == "dump") simul::run(dump_demo(), options);
    else {
        std::fprintf(stderr, "usage: pitfalls_caught cpu|sleep|recv|flood|dump [--fixed]\n");
        return 2;
    }
}
