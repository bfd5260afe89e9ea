// simul/adapters/mongo/connection.hpp: Connection, one MongoDB wire-protocol connection.
//
// A Connection is a TCP Stream to one server that has said hello. It runs
// one command at a time: command() writes an OP_MSG (the command in a kind-0
// body, bulk documents in kind-1 sequences), reads the one OP_MSG that
// answers it (its responseTo must be the request's id) and returns the reply
// body. The task that awaits command() is resumed by the loop when the
// socket has the reply's bytes; nothing blocks.
//
//     auto conn = co_await mongo::Connection::open("127.0.0.1", 27017);
//     mongo::Document reply = co_await conn.command("admin", mongo::doc("ping", 1));
//
// Most programs use a Client (client.hpp), whose pool owns Connections;
// this type is public for tools and tests that want one socket.
//
// Errors (error.hpp): ok:0 gives mongo::Error and the connection stays
// usable; a dropped connection gives ConnectionError, a malformed reply
// ProtocolError, and the connection is then closed (usable() is false).
//
// Cancellation: a command cancelled (or timed out) between its first written
// byte and the last byte of its reply leaves the reply unread on the socket.
// The connection cannot tell that reply from the next one's without reading
// it, so it closes itself instead (usable() is false) and the pool opens a
// fresh one: the next request never reads a stale reply.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <simul/adapters/mongo/document.hpp>
#include <simul/adapters/mongo/error.hpp>
#include <simul/coro/task.hpp>
#include <simul/io/stream.hpp>

namespace simul::mongo {

// A kind-1 section of an OP_MSG: "documents" for insert, "updates",
// "deletes"... The documents must outlive the command() call.
struct Sequence {
    std::string_view identifier;
    std::span<const Document> documents;
};

// What the server said in its hello reply (the limits the client obeys).
struct ServerInfo {
    int max_wire_version = 0;
    std::int64_t max_bson_object_size = 16 * 1024 * 1024;
    std::int64_t max_message_size_bytes = 48'000'000;
    std::int64_t max_write_batch_size = 100'000;
    Document hello;  // the whole reply
};

class Connection {
public:
    Connection() = default;
    Connection(Connection&&) noexcept = default;
    Connection& operator=(Connection&&) noexcept = default;

    // Connects (within `connect_timeout`; 0: no limit), then sends hello with
    // the client's metadata; ConnectionError if either fails.
    static Task<Connection> open(std::string host, std::uint16_t port) {
        return open(std::move(host), port, std::chrono::seconds(10), std::string());
    }
    static Task<Connection> open(std::string host, std::uint16_t port, Duration connect_timeout, std::string app_name);
    // Wraps a connected stream and says hello on it.
    static Task<Connection> handshake(Stream stream, std::string peer, std::string app_name);

    // Runs `command` on database `db` ($db is appended); the reply's body.
    // Throws mongo::Error when the reply says ok:0.
    Task<Document> command(std::string db, Document command) {
        return this->command(std::move(db), std::move(command), std::vector<Sequence>());
    }
    Task<Document> command(std::string db, Document command, std::vector<Sequence> sequences);
    // The same without the ok check: the reply as it came.
    Task<Document> round_trip(std::string db, Document command, std::vector<Sequence> sequences);

    // False once the connection was closed, failed, or left a reply unread.
    bool usable() const noexcept { return !stream_.is_closed() && !in_flight_; }
    // usable(), and the peer has neither closed it nor sent anything unasked
    // (a cheap poll with no wait): the check the pool makes before reuse.
    bool alive() const noexcept;
    void close() noexcept { stream_.close(); }

    const ServerInfo& server() const noexcept { return info_; }
    const std::string& peer() const noexcept { return peer_; }

private:
    Stream stream_;
    std::vector<char> rbuf_;  // one reply at a time is read into it
    std::string peer_;
    ServerInfo info_;
    std::int32_t next_id_ = 1;
    bool in_flight_ = false;  // a request was written whose reply is not fully read
};

// Throws mongo::Error if `reply` says ok:0 (or ok is missing); `what` names the command.
void check_ok(const Document& reply, std::string_view what);

}  // namespace simul::mongo
