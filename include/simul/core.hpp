// simul/core.hpp: the core layer: the event loop, its clock, timers and poller.
//
// Loop (core/loop.hpp) runs callbacks and tasks on one thread. Its clock
// (core/clock.hpp) is monotonic or virtual; its timers (core/timer_queue.hpp)
// are a hierarchical wheel; its poller (core/poller.hpp) is epoll. Callbacks
// scheduled with call_soon/call_later/call_at return a CallHandle
// (core/call_handle.hpp). Errors are in core/error.hpp.
#pragma once

#include <simul/core/call_handle.hpp>
#include <simul/core/clock.hpp>
#include <simul/core/error.hpp>
#include <simul/core/loop.hpp>
#include <simul/core/poller.hpp>
#include <simul/core/run_options.hpp>
#include <simul/core/timer_queue.hpp>
