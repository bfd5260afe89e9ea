// simul/debug/task_dump.hpp: dump_tasks(), where every task is and what it waits for.
//
// `simul::dump_tasks(std::cerr)` prints each live task of the current loop:
// its name, its state (running, ready, waiting, not started), what it waits
// on (a timer and its deadline, a descriptor and the direction, a lock, a
// queue, another task...), the source line of the co_await where it is
// suspended, and the chain of tasks that await it (an async backtrace). The
// lines come from std::source_location on the awaitables, so no debugger and
// no debug info are needed. Spawn sites and wake-up lines are kept in debug
// mode (SIMUL_DEBUG=1), where SIGUSR1 also prints the dump (`kill -USR1 PID`),
// unless the program handles SIGUSR1 itself.
//
//     simul::Task<> watchdog() {
//         for (;;) {
//             co_await simul::sleep(10s);
//             simul::dump_tasks(std::cerr);   // who is stuck, and where
//         }
//     }
//
//     simul: 3 tasks alive at t=10.000 s
//       task 'fetch' (spawned at app.cpp:40 in main_task): waiting on readable fd (fd 7), at net.cpp:88 in read_reply
//           awaited by task 'main' at app.cpp:41 in main_task
//
// Cancellation: none; it only reads the loop's state, and must be called on
// the loop's thread.
#pragma once

#include <ostream>
#include <string>

#include <simul/core/loop.hpp>
#include <simul/coro/task.hpp>

namespace simul {

// The dump of the current loop (empty if this thread runs none).
inline std::string dump_tasks() {
    std::string out;
    if (Loop* loop = Loop::current()) loop->dump_tasks(out);
    return out;
}

inline void dump_tasks(std::ostream& out) { out << dump_tasks(); }

}  // namespace simul
