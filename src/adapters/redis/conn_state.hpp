// ConnState: the shared state of one Redis connection, and Request, the
// awaiter a task waits in for its replies (private to src/adapters/redis).
//
// How a request travels:
//   1. Request::await_suspend (in the asking task) appends the encoded
//      command to `out`, pushes the Request once per expected reply onto the
//      in-flight queue `ring`, wakes the writer task and suspends.
//   2. The writer task swaps `out` for `sending` and writes it with one
//      Stream::write: every command queued since its last turn goes in one
//      send() (automatic pipelining).
//   3. The I/O task reads, feeds hiredis's redisReader (whose reply objects
//      are our Replies, built in place by the functions in parser.cpp), and
//      for each reply pops the front of `ring`: a Request gets the reply and,
//      once complete, its task goes on the ready queue; a null entry is a
//      tombstone (a cancelled request) and the reply is dropped.
//
// Cancellation of a waiting Request nulls its entries (tombstones) instead
// of removing them: the sequence numbers keep the ring in step with the
// server. Nothing else can: the command may already be on the wire.
#pragma once

#include <coroutine>
#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <simul/adapters/redis/connection.hpp>
#include <simul/adapters/redis/subscriber.hpp>
#include <simul/detail/park.hpp>
#include <simul/io/stream.hpp>
#include <simul/sync/event.hpp>
#include <simul/sync/queue.hpp>

struct redisReader;

namespace simul::redis::detail {

struct ConnState;

struct Request : simul::detail::Waiter {
    enum class State : std::uint8_t { idle, waiting, done, cancelled };

    ConnState* conn;
    std::string_view bytes;  // the encoded command(s), queued at suspension
    std::uint32_t count = 1;        // replies expected
    std::uint32_t got = 0;
    std::uint64_t first_seq = 0;
    Reply* one = nullptr;              // count == 1
    std::vector<Reply>* many = nullptr;  // count >= 1
    simul::detail::TaskHeader* task = nullptr;
    std::exception_ptr error;
    State state = State::idle;

    Request(ConnState* c, simul::SourceLocation site = simul::SourceLocation::current()) noexcept
        : Waiter{&kOps, site}, conn(c) {}
    // Movable until awaited (wait_for takes its awaitable by value).
    Request(Request&& o) noexcept
        : Waiter(o), conn(o.conn), bytes(o.bytes), count(o.count), one(o.one), many(o.many) {}
    Request(const Request&) = delete;
    ~Request();

    bool await_ready() const noexcept { return false; }
    bool await_suspend(std::coroutine_handle<> h);
    void await_resume();

    static void cancel_op(simul::detail::Waiter* w) noexcept;
    static constexpr simul::detail::WaitOps kOps{&cancel_op, "redis reply"};
};

struct ConnState : std::enable_shared_from_this<ConnState> {
    ConnState(std::string host, std::uint16_t port, Options options, bool pubsub);
    ConnState(const ConnState&) = delete;
    ~ConnState();

    // Makes the state and spawns its I/O task (connect, handshake, read loop).
    static std::shared_ptr<ConnState> start(std::string host, std::uint16_t port, Options options,
                                            bool pubsub = false);

    // Takes new requests (connecting or connected, not broken, closed or retiring).
    bool usable() const noexcept { return !error && !retiring; }
    std::size_t in_flight() const noexcept { return ring.size(); }
    std::size_t live() const noexcept { return live_requests; }

    // Step 1 above (called by Request::await_suspend).
    void enqueue(Request* r);
    // Tombstones what is left of r in the ring.
    void abandon(Request* r) noexcept;
    // Hands one reply to the front of the ring (or to the message queue).
    bool deliver(Reply&& reply);
    // Breaks the connection: every waiting request gets `e`; later ones too.
    void fail(std::exception_ptr e) noexcept;
    void close() noexcept;
    // Takes no new requests; closes once the live ones are answered.
    void retire() noexcept;

    std::string host;
    std::uint16_t port;
    Options options;
    bool pubsub;
    bool pooled = false;  // a command timeout retires it

    Stream stream;
    redisReader* reader = nullptr;
    Reply root;  // the reply being parsed (parser.cpp builds it in place)

    std::string out;      // encoded commands not yet taken by the writer
    std::string sending;  // what the writer is writing
    std::deque<Request*> ring;
    std::uint64_t head_seq = 0;  // sequence number of ring.front()
    std::size_t live_requests = 0;
    std::size_t abandoned = 0;  // tombstones in the ring

    std::exception_ptr error;  // set once: broken or closed
    bool retiring = false;
    bool connected = false;
    Event ready;  // set when the handshake is done or failed
    Event writer_wake;
    simul::detail::TaskHeader* io_task = nullptr;
    simul::detail::TaskHeader* writer_task = nullptr;
    std::unique_ptr<Queue<Message>> messages;  // pubsub only

    char buf[16 * 1024];

private:
    static Task<> run(std::shared_ptr<ConnState> keep);
    static Task<> write_loop(std::shared_ptr<ConnState> keep);
    Task<> handshake();
    Task<> read_loop();
public:
    std::exception_ptr connection_error(const std::string& what) const;
};

// The reader with our reply functions (parser.cpp).
redisReader* make_reader(ConnState* owner);
void free_reader(redisReader* r) noexcept;

// One command (a server error reply thrown as redis::Error), and a batch.
Task<Reply> exec_one(std::shared_ptr<ConnState> s, Command command);
Task<std::vector<Reply>> exec_many(std::shared_ptr<ConnState> s, std::string_view bytes, std::size_t count);

bool equals_nocase(std::string_view a, std::string_view b) noexcept;

}  // namespace simul::redis::detail
