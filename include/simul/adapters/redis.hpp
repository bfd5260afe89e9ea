// simul/adapters/redis.hpp: simul::redis, a Redis client on the loop (layer 6, adapters).
//
// A Redis client written on simul's own Streams, with hiredis's reply parser
// (redisReader) turning bytes into Replies. It is linked as simul::redis
// (CMake) and needs Debian's libhiredis-dev; the rest of simul does not.
//
//   redis/reply.hpp       Reply (a typed variant of RESP2 replies), redis::Error, ConnectionError
//   redis/args.hpp        Arg, ArgList: binary-safe command arguments
//   redis/connection.hpp  Connection (many requests in flight, automatic pipelining), Pipeline, Options
//   redis/pool.hpp        Pool (bounded, FIFO leases, replaces broken connections), PoolOptions
//   redis/subscriber.hpp  Subscriber (pub/sub on a dedicated connection), Message
//
//     #include <simul/adapters/redis.hpp>
//     namespace redis = simul::redis;
//
//     simul::Task<> amain() {
//         redis::Pool pool("127.0.0.1", 6379, {.size = 4});
//         co_await pool.command("SET", "user:1", "Ada");
//         redis::Reply r = co_await pool.command("GET", "user:1");
//         std::cout << r.as_string() << '\n';
//     }
//
// Who resumes a waiting task: each connection has a reader task that parses
// replies and puts the task whose request it answers on the ready queue.
// Cancellation never puts a connection out of step (see connection.hpp).
// Reference: docs/adapters/redis.md.
#pragma once

#include <simul/adapters/redis/args.hpp>
#include <simul/adapters/redis/connection.hpp>
#include <simul/adapters/redis/pool.hpp>
#include <simul/adapters/redis/reply.hpp>
#include <simul/adapters/redis/subscriber.hpp>
