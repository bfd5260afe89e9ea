// simul/coro/run.hpp: run(), the entry point (asyncio.run).
//
// `simul::run(main())` makes a fresh loop on this thread, runs `main` to
// completion, then cancels whatever it left running and lets those tasks
// finish their cleanup, closes the loop, and returns main's value or rethrows
// its exception.
//
//     int main() { return simul::run(amain()); }
//     simul::run(amain(), {.virtual_time = true, .debug = true});
//
// Options are in core/run_options.hpp; SIMUL_DEBUG=1 in the environment
// switches debug mode on as well. On the virtual clock, a program whose tasks
// all wait on something nothing can complete ends with simul::Error
// ("deadlock") instead of hanging.
#pragma once

#include <optional>
#include <type_traits>
#include <utility>

#include <simul/core/loop.hpp>
#include <simul/core/run_options.hpp>
#include <simul/coro/spawn.hpp>
#include <simul/coro/task.hpp>

namespace simul {

namespace detail {
// Runs the loop until `main` ends, then cancels and drains the rest.
void run_main(Loop& loop, TaskHeader* main);
}  // namespace detail

template <class T>
T run(Task<T> main, RunOptions options = {}) {
    if (Loop::current() && Loop::current()->is_running())
        throw Error("simul::run: a loop is already running on this thread; co_await the task instead");
    Loop loop(std::move(options));
    TaskHandle<T> handle = spawn(std::move(main), "main");
    detail::run_main(loop, handle.header());
    return handle.result();
}

}  // namespace simul
