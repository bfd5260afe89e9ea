// simul/adapters/redis/connection.hpp: Connection, one Redis connection with many requests in flight; Pipeline.
//
// `co_await redis::Connection::open(host, port)` connects (with a timeout),
// sends AUTH and SELECT if the Options ask for them, and returns a
// Connection. `co_await conn.command("SET", key, value)` sends one command
// and returns its Reply; a server error reply is thrown as redis::Error.
// Arguments are binary-safe (see args.hpp): string_view, std::string, C
// strings, integers, doubles; or a std::vector<std::string> for a command
// built at run time.
//
// Pipelining is automatic: commands issued by concurrent tasks on one
// Connection are appended to one output buffer and written together, in one
// send(), by the connection's writer task when the loop next runs it; the
// replies come back in the same order and the connection's reader task hands
// each to the task that asked (it puts that task on the ready queue). A
// Pipeline is the explicit form: commands batched up front, sent as one
// write, their replies returned together as a vector (errors stay Replies).
//
//     auto conn = co_await redis::Connection::open("127.0.0.1", 6379);
//     co_await conn.command("SET", "greeting", "hello");
//     redis::Reply r = co_await conn.command("GET", "greeting");   // r.as_string() == "hello"
//
//     redis::Pipeline p;
//     p.command("INCR", "hits").command("EXPIRE", "hits", 60);
//     std::vector<redis::Reply> rs = co_await conn.execute(p);
//
// Cancellation: a request whose task is cancelled (or whose command_timeout
// or wait_for() deadline passes) after its bytes were queued is not taken
// back: it is sent, and its slot in the in-flight queue becomes a tombstone,
// so its reply is read and dropped and every later request still gets its
// own reply. The connection never goes out of step. A cancelled blocking
// command (BLPOP 30) therefore delays the later requests on that connection
// until the server answers it; Pool avoids that by running blocking commands
// on a leased connection that it discards when one is abandoned.
//
// Errors: a connection that cannot be made, is reset, closed by the server,
// or sends bytes that are not RESP fails every request in flight (and every
// later one) with redis::ConnectionError. close() (and the destructor) fail
// what is in flight the same way. A Connection belongs to the loop it was
// opened on and must not outlive it; one Connection may be shared by any
// number of tasks of that loop.
//
// Why not hiredis's async context: see docs/adapters/redis.md ("Design"). In
// short, the client runs on simul's own Stream and uses hiredis only for its
// reply parser (redisReader), because the in-flight queue with tombstones is
// what makes cancellation safe, and owning the write buffer is what lets
// concurrent tasks share one send().
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <simul/core/clock.hpp>
#include <simul/coro/task.hpp>
#include <simul/adapters/redis/args.hpp>
#include <simul/adapters/redis/reply.hpp>

namespace simul::redis {

struct Options {
    // For the TCP connect and the AUTH/SELECT handshake; 0: no limit.
    Duration connect_timeout = std::chrono::seconds(5);
    // For each command's reply; 0: no limit. A command past it throws
    // simul::TimeoutError (its reply is still read and dropped).
    Duration command_timeout = Duration::zero();
    std::string username = {};  // ACL user (AUTH username password); empty: AUTH password
    std::string password = {};  // empty: no AUTH
    int db = 0;            // SELECT db when not 0
};

namespace detail {
struct ConnState;
}

class Pool;
class Connection;

// A batch of commands sent with one write; their replies come back together.
class Pipeline {
public:
    Pipeline() = default;

    template <class... A>
    Pipeline& command(const A&... args) {
        return command_args(ArgList{Arg(args)...});
    }
    Pipeline& command(const Command& c) {
        bytes_.append(c.bytes());
        ++count_;
        return *this;
    }
    Pipeline& command(const std::vector<std::string>& argv);
    Pipeline& command_args(const ArgList& args);

    std::size_t size() const noexcept { return count_; }
    bool empty() const noexcept { return count_ == 0; }
    void clear() noexcept {
        bytes_.clear();
        count_ = 0;
    }
    // For a Pipeline made by conn.pipeline() or pool.pipeline(): executes it there.
    Task<std::vector<Reply>> execute() const;

    // The encoded commands (RESP), as they will be written.
    const std::string& bytes() const noexcept { return bytes_; }

private:
    friend class Connection;
    friend class Pool;
    std::string bytes_;
    std::size_t count_ = 0;
    Connection* conn_ = nullptr;
    Pool* pool_ = nullptr;
};

class Connection {
public:
    static Task<Connection> open(std::string host, std::uint16_t port, Options options);
    // (Overloads, not default arguments: g++ 12 miscompiles a defaulted
    // `Options options = {}` in a co_await expression.)
    static Task<Connection> open(std::string host, std::uint16_t port) {
        return open(std::move(host), port, Options());
    }

    Connection() noexcept;
    Connection(Connection&& o) noexcept;
    Connection& operator=(Connection&& o) noexcept;
    ~Connection();  // close()

    // One command; a server error reply throws redis::Error. The arguments
    // are encoded at the call, so the Task may be awaited later.
    template <class... A>
    Task<Reply> command(const A&... args) {
        return execute(Command(ArgList{Arg(args)...}));
    }
    Task<Reply> command(const std::vector<std::string>& argv) { return execute(Command(argv)); }
    Task<Reply> command_args(const ArgList& args) { return execute(Command(args)); }
    Task<Reply> execute(Command command);

    // Every command of `p`, in one write; the replies in order, server errors
    // included as error Replies (nothing is thrown for them).
    Task<std::vector<Reply>> execute(const Pipeline& p);
    // An empty Pipeline bound to this connection (p.execute() runs it here).
    Pipeline pipeline();

    // Fails what is in flight with ConnectionError and closes the socket. Idempotent.
    void close() noexcept;
    // Connected (or connecting) and not broken or closed.
    bool is_open() const noexcept;
    // Requests sent or queued whose replies have not come yet (tombstones included).
    std::size_t in_flight() const noexcept;

    // Used by Pool: a handle on a shared state, owning (closes it) or not.
    Connection(std::shared_ptr<detail::ConnState> s, bool owner) noexcept;
    detail::ConnState* state() const noexcept { return s_.get(); }

private:
    std::shared_ptr<detail::ConnState> s_;
    bool owner_ = true;
};

}  // namespace simul::redis
