// bench/adapters/pg_load.cpp: simul::pg under load (bench/adapters/run_pg.sh).
//
//   pg_load CONNINFO [TASKS=100] [REQUESTS=50000] [POOL=10] [WRITE_PERCENT=20]
//
// TASKS tasks share a pg::Pool of POOL connections and together make
// REQUESTS requests on the table bench_kv (id int8 primary key, v int8, name
// text; run_pg.sh fills it with 10,000 rows): a SELECT by primary key, or
// WRITE_PERCENT % of the time an UPDATE of one row. A tenth as many requests
// first warm up the pool. Prints one line: requests per second, and the
// client process's CPU time (user + system, getrusage) per request.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include <simul/adapters/pg.hpp>
#include <simul/simul.hpp>

namespace pg = simul::pg;

namespace {

double cpu_seconds() {
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

struct Load {
    pg::Pool* pool;
    long remaining;
    int write_percent;
    long errors = 0;
};

simul::Task<> worker(Load& load, unsigned seed) {
    std::mt19937 rng(seed);
    while (load.remaining > 0) {
        --load.remaining;
        const std::int64_t id = std::int64_t(rng() % 10000) + 1;
        if (int(rng() % 100) < load.write_percent) {
            const std::int64_t n = co_await load.pool->execute("UPDATE bench_kv SET v = v + 1 WHERE id = $1", id);
            if (n != 1) ++load.errors;
        } else {
            pg::Result r = co_await load.pool->query("SELECT id, v, name FROM bench_kv WHERE id = $1", id);
            if (r.size() != 1 || r[0].get<std::int64_t>(0) != id) ++load.errors;
        }
    }
}

simul::Task<> phase(pg::Pool& pool, int tasks, long requests, int write_percent, unsigned seed) {
    Load load{&pool, requests, write_percent};
    std::vector<simul::TaskHandle<>> workers;
    for (int i = 0; i < tasks; ++i) workers.push_back(simul::spawn(worker(load, seed + unsigned(i))));
    for (auto& w : workers) co_await w;
    if (load.errors) std::fprintf(stderr, "pg_load: %ld wrong answers\n", load.errors);
}

simul::Task<int> amain(std::string conninfo, int tasks, long requests, std::size_t pool_size, int write_percent) {
    pg::PoolOptions options;
    options.size = pool_size;
    pg::Pool pool(conninfo, options);
    co_await phase(pool, tasks, requests / 10, write_percent, 1);
    const double cpu0 = cpu_seconds();
    const auto t0 = std::chrono::steady_clock::now();
    co_await phase(pool, tasks, requests, write_percent, 1000);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double cpu = cpu_seconds() - cpu0;
    std::printf("RESULT client=simul tasks=%d pool=%zu requests=%ld seconds=%.3f rps=%.0f cpu_us_per_req=%.2f\n", tasks,
                pool_size, requests, secs, double(requests) / secs, cpu * 1e6 / double(requests));
    co_return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: pg_load CONNINFO [TASKS=100] [REQUESTS=50000] [POOL=10] [WRITE_PERCENT=20]\n");
        return 2;
    }
    const int tasks = argc > 2 ? std::atoi(argv[2]) : 100;
    const long requests = argc > 3 ? std::atol(argv[3]) : 50000;
    const std::size_t pool = argc > 4 ? std::size_t(std::atol(argv[4])) : 10;
    const int write_percent = argc > 5 ? std::atoi(argv[5]) : 20;
    return simul::run(amain(argv[1], tasks, requests, pool, write_percent));
}
