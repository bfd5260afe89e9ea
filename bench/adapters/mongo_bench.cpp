// The MongoDB client benchmark, simul's side (bench/adapters/run_mongo.sh runs
// it beside bench/adapters/mongo_bench.py, pymongo with threads):
//
//     mongo_bench PORT [TASKS=100] [SECS=5] [POOL=100] [WARMUP=1]
//
// TASKS tasks share one Client (a pool of POOL connections) and loop over
// simple requests on 1,000 documents: find_one by _id and update_one by _id
// ($set), alternately. After WARMUP seconds it counts requests for SECS
// seconds and the process's CPU time (user + system, getrusage), and prints
//     RESULT name=simul rps=... cpu_us_per_req=... ops=... secs=...
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

#include <simul/adapters/mongo.hpp>
#include <simul/simul.hpp>

namespace mongo = simul::mongo;
using namespace std::chrono_literals;

namespace {

struct State {
    bool stop = false;
    bool measuring = false;
    std::uint64_t ops = 0;
    std::uint64_t errors = 0;
};

double cpu_seconds() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

simul::Task<> worker(mongo::Collection c, const std::vector<mongo::ObjectId>* ids, std::uint64_t seed, State* st) {
    std::uint64_t i = seed;
    while (!st->stop) {
        const mongo::ObjectId& id = (*ids)[(i * 7919) % ids->size()];
        mongo::doc filter{{"_id", id}};
        try {
            if (i % 2 == 0) {
                auto d = co_await c.find_one(filter);
                if (!d) ++st->errors;
            } else {
                mongo::doc update{{"$set", mongo::doc{{"v", std::int64_t(i)}}}};
                co_await c.update_one(filter, update);
            }
            if (st->measuring) ++st->ops;
        } catch (const simul::Error& e) {
            ++st->errors;
            if (st->errors < 5) std::fprintf(stderr, "mongo_bench: %s\n", e.what());
        }
        ++i;
    }
}

simul::Task<int> amain(std::uint16_t port, int tasks, int secs, std::size_t pool, int warmup) {
    mongo::Options o;
    o.pool_size = pool;
    mongo::Client client("127.0.0.1", port, o);
    auto coll = client.database("bench").collection("simul");
    co_await coll.drop();
    std::vector<mongo::Document> docs;
    for (int k = 0; k < 1000; ++k) docs.push_back(mongo::doc{{"k", k}, {"v", std::int64_t(0)}, {"name", "user" + std::to_string(k)}});
    auto ins = co_await coll.insert_many(std::move(docs));
    std::vector<mongo::ObjectId> ids;
    for (auto& v : ins.inserted_ids) ids.push_back(v.as_object_id());

    State st;
    simul::TaskGroup group;
    for (int t = 0; t < tasks; ++t) group.spawn(worker(coll, &ids, std::uint64_t(t) * 1000003u, &st));
    co_await simul::sleep(std::chrono::seconds(warmup));
    st.measuring = true;
    auto t0 = simul::now();
    double c0 = cpu_seconds();
    co_await simul::sleep(std::chrono::seconds(secs));
    st.measuring = false;
    double c1 = cpu_seconds();
    auto t1 = simul::now();
    std::uint64_t ops = st.ops;
    st.stop = true;
    co_await group.join();
    double wall = std::chrono::duration<double>(t1 - t0).count();
    std::printf("RESULT name=simul rps=%.0f cpu_us_per_req=%.1f ops=%llu secs=%.2f errors=%llu\n", double(ops) / wall,
                (c1 - c0) * 1e6 / double(ops ? ops : 1), (unsigned long long)ops, wall, (unsigned long long)st.errors);
    co_return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: mongo_bench PORT [TASKS=100] [SECS=5] [POOL=100] [WARMUP=1]\n");
        return 2;
    }
    std::uint16_t port = std::uint16_t(std::atoi(argv[1]));
    int tasks = argc > 2 ? std::atoi(argv[2]) : 100;
    int secs = argc > 3 ? std::atoi(argv[3]) : 5;
    std::size_t pool = argc > 4 ? std::size_t(std::atoi(argv[4])) : 100;
    int warmup = argc > 5 ? std::atoi(argv[5]) : 1;
    return simul::run(amain(port, tasks, secs, pool, warmup));
}
