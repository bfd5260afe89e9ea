// The made-up C library behind slowdb.h: each query answers after the
// latency, from a thread of its own (as a real client's I/O thread would).
#include "slowdb.h"

#include <cerrno>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

struct slowdb {
    int latency_ms;
    std::mutex mutex;
    std::vector<std::thread> threads;
};

extern "C" slowdb* slowdb_open(int latency_ms) { return new slowdb{latency_ms, {}, {}}; }

extern "C" int slowdb_get(slowdb* db, const char* key, slowdb_callback cb, void* user) {
    if (!db || !key || !cb) return EINVAL;
    std::string k = key;
    std::lock_guard<std::mutex> lock(db->mutex);
    db->threads.emplace_back([latency = db->latency_ms, k, cb, user] {
        std::this_thread::sleep_for(std::chrono::milliseconds(latency));
        if (k == "missing") {
            cb(user, ENOENT, nullptr);
        } else {
            const std::string value = "value of " + k;
            cb(user, 0, value.c_str());
        }
    });
    return 0;
}

extern "C" void slowdb_close(slowdb* db) {
    if (!db) return;
    for (auto& t : db->threads) t.join();
    delete db;
}
