// simul/coro.hpp: the coroutine layer: tasks and the ways to wait for them.
//
// Task<T> (coro/task.hpp) is the coroutine type; spawn() (coro/spawn.hpp)
// hands a task to the loop and returns a TaskHandle; run() (coro/run.hpp) is
// the entry point. sleep/sleep_until/yield (coro/sleep.hpp) and Interval
// (coro/interval.hpp) wait on the clock; wait_readable/wait_writable
// (coro/wait_fd.hpp) on a descriptor; Future<T> (coro/future.hpp) on a
// result set by callback code. gather() (coro/gather.hpp) runs tasks
// concurrently; wait_for() (coro/wait_for.hpp) puts a deadline on an await.
// Cancellation throws simul::Cancelled (core/error.hpp) at the suspension point.
// Generator<T> (coro/generator.hpp) and AsyncGenerator<T>
// (coro/async_generator.hpp) produce sequences and streams with co_yield;
// GeneratorCoroutine (coro/generator_coroutine.hpp) is async/await's
// generator-based ancestor; fibers (coro/fiber.hpp, Boost.Context) run plain
// functions that wait with fiber::await/sleep/yield.
#pragma once

#include <simul/coro/async_generator.hpp>
#include <simul/coro/future.hpp>
#include <simul/coro/generator.hpp>
#include <simul/coro/generator_coroutine.hpp>
#ifdef SIMUL_HAVE_FIBERS
#include <simul/coro/fiber.hpp>
#endif
#include <simul/coro/gather.hpp>
#include <simul/coro/interval.hpp>
#include <simul/coro/run.hpp>
#include <simul/coro/sleep.hpp>
#include <simul/coro/spawn.hpp>
#include <simul/coro/task.hpp>
#include <simul/coro/task_local.hpp>
#include <simul/coro/wait_fd.hpp>
#include <simul/coro/wait_for.hpp>
