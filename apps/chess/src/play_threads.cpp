#include "play_threads.hpp"

#include <atomic>
#include <mutex>
#include <pthread.h>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "spin.hpp"

namespace chess {
namespace {

struct Hall {
    Exhibition ex;
    std::mutex master;  // whoever holds it has the master at their board
    std::atomic<bool> stop{false};
};

void* play_one_board(void* arg) {
    Hall& hall = *static_cast<Hall*>(arg);
    for (std::int64_t move = 1; move <= hall.ex.moves && !hall.stop.load(std::memory_order_relaxed); ++move) {
        {
            std::lock_guard<std::mutex> at_this_board(hall.master);
            spin_for(hall.ex.master);
        }
        std::this_thread::sleep_for(hall.ex.opponent);
    }
    return nullptr;
}

}  // namespace

void play_threads(const Exhibition& ex, std::size_t stack_size) {
    Hall hall{ex, {}, {}};
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, stack_size);
    std::vector<pthread_t> threads;
    threads.reserve(static_cast<std::size_t>(ex.boards));
    int error = 0;
    for (std::int64_t b = 0; b < ex.boards; ++b) {
        pthread_t t;
        if ((error = pthread_create(&t, &attr, play_one_board, &hall)) != 0) break;
        threads.push_back(t);
    }
    pthread_attr_destroy(&attr);
    if (error != 0) hall.stop = true;
    for (pthread_t t : threads) pthread_join(t, nullptr);
    if (error != 0)
        throw std::system_error(error, std::generic_category(),
                                "could create only " + std::to_string(threads.size()) + " threads");
}

}  // namespace chess
