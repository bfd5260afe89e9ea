// simul/adapters/mongo.hpp: simul::mongo, a MongoDB client on simul's loop.
//
// The client speaks MongoDB's wire protocol (OP_MSG, after a `hello`
// handshake) itself, over simul's TCP Streams, with BSON encoded and decoded
// by libbson: no blocking driver underneath, so a request waits the way a
// socket read does and the loop runs other tasks meanwhile. Link simul::mongo.
//
//     #include <simul/adapters/mongo.hpp>
//     namespace mongo = simul::mongo;
//
//     simul::Task<> amain() {
//         mongo::Client client("127.0.0.1", 27017, {.pool_size = 4});
//         auto users = client.database("app").collection("users");
//         co_await users.insert_one(mongo::doc("name", "ada", "age", 36));
//         auto found = co_await users.find_one(mongo::doc("name", "ada"));
//         auto adults = users.find(mongo::doc{{"age", mongo::doc{{"$gte", 18}}}});
//         while (auto u = co_await adults.next()) { /* ... */ }
//     }
//
// The pieces, one header each:
//   mongo/document.hpp    Document (doc), Value, Array, ObjectId, DateTime
//   mongo/json.hpp        Document <-> nlohmann::json (opt-in)
//   mongo/error.hpp       Error (server code, codeName), ConnectionError, ProtocolError
//   mongo/connection.hpp  one socket, one command at a time
//   mongo/pool.hpp        Options, Pool: bounded, cancellation-safe reuse
//   mongo/client.hpp      Client, Database
//   mongo/collection.hpp  Collection: insert, find (cursor), update, delete, count, aggregate, indexes
//
// Tested against CongoDB (a MongoDB-wire server in TypeScript), scripted
// servers and pymongo cross-checks; not yet against a real mongod (see
// docs/adapters/mongo.md).
#pragma once

#include <simul/adapters/mongo/client.hpp>
#include <simul/adapters/mongo/collection.hpp>
#include <simul/adapters/mongo/connection.hpp>
#include <simul/adapters/mongo/document.hpp>
#include <simul/adapters/mongo/error.hpp>
#include <simul/adapters/mongo/pool.hpp>
