// The Redis client benchmark, simul's side (bench/adapters/run_redis.sh).
//
//     redis_bench PORT [TASKS=100] [REQUESTS_PER_TASK=2000] [POOL_SIZE=4]
//
// TASKS concurrent tasks each do REQUESTS_PER_TASK requests, alternating
// SET key value and GET key (a key of its own per task, a 32-byte value),
// through one redis::Pool of POOL_SIZE connections. Prints one line:
// requests, seconds, requests per second and the client's CPU time (user +
// system, from getrusage) per request in microseconds.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <simul/adapters/redis.hpp>
#include <simul/simul.hpp>

namespace redis = simul::redis;

namespace {

double cpu_seconds() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

simul::Task<long> worker(redis::Pool& pool, int id, int requests) {
    const std::string key = "bench:simul:" + std::to_string(id);
    const std::string value(32, char('a' + id % 26));
    long bad = 0;
    for (int i = 0; i < requests; i += 2) {
        co_await pool.command("SET", key, value);
        redis::Reply r = co_await pool.command("GET", key);
        if (r.as_string().size() != value.size()) ++bad;
    }
    co_return bad;
}

simul::Task<int> amain(std::uint16_t port, int tasks, int requests, std::size_t size) {
    redis::Pool pool("127.0.0.1", port, {.size = size});
    co_await pool.command("PING");  // connect before the clock starts
    const double cpu0 = cpu_seconds();
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<simul::TaskHandle<long>> hs;
    hs.reserve(std::size_t(tasks));
    for (int t = 0; t < tasks; ++t) hs.push_back(simul::spawn(worker(pool, t, requests)));
    long bad = 0;
    for (auto& h : hs) bad += co_await h;
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double cpu = cpu_seconds() - cpu0;
    const double total = double(tasks) * double(requests);
    std::printf("client=simul pool=%zu tasks=%d requests=%.0f seconds=%.3f req_per_s=%.0f cpu_us_per_req=%.3f\n", size,
                tasks, total, secs, total / secs, cpu / total * 1e6);
    co_return bad == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: redis_bench PORT [TASKS=100] [REQUESTS_PER_TASK=2000] [POOL_SIZE=4]\n");
        return 2;
    }
    const auto port = std::uint16_t(std::atoi(argv[1]));
    const int tasks = argc > 2 ? std::atoi(argv[2]) : 100;
    const int requests = argc > 3 ? std::atoi(argv[3]) : 2000;
    const std::size_t size = argc > 4 ? std::size_t(std::atoi(argv[4])) : 4;
    return simul::run(amain(port, tasks, requests, size));
}
