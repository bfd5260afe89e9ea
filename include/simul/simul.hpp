// simul/simul.hpp: everything a program needs, in one include.
//
//     #include <simul/simul.hpp>
//     using namespace std::chrono_literals;
//
//     simul::Task<> hello() {
//         std::puts("hello");
//         co_await simul::sleep(3s);
//         std::puts("world");
//     }
//     int main() { simul::run(hello()); }
//
// The layers (shared/design.md): core (the loop), coro (tasks), sync (locks,
// queues, task groups, cancel scopes), io (streams, the thread pool), net
// (TCP, Unix, UDP). The test kit
// is <simul/testing/simul_test.hpp>.
#pragma once

#include <simul/core.hpp>
#include <simul/coro.hpp>
#include <simul/io.hpp>
#include <simul/sync.hpp>
#include <simul/net.hpp>
