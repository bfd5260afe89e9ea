// ConnState (the connection's machinery; see conn_state.hpp for how a request
// travels), Request, Connection and Pipeline.
#include "conn_state.hpp"

#include <hiredis/read.h>

#include <algorithm>
#include <system_error>

#include <simul/coro/spawn.hpp>
#include <simul/coro/wait_for.hpp>
#include <simul/net/tcp.hpp>
#include <simul/adapters/redis/pool.hpp>

namespace simul::redis::detail {

using simul::detail::TaskHeader;

bool equals_nocase(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'a' && x <= 'z') x = char(x - 32);
        if (y >= 'a' && y <= 'z') y = char(y - 32);
        if (x != y) return false;
    }
    return true;
}

// ---- Request ----

Request::~Request() {
    // Only the loop's teardown destroys a frame whose request still waits.
    if (state == State::waiting) conn->abandon(this);
}

bool Request::await_suspend(std::coroutine_handle<> h) {
    Loop& loop = simul::detail::require_loop("simul::redis: a command");
    task = loop.current_task();
    if (conn->error) {
        error = conn->error;
        state = State::done;
        return false;
    }
    // Queue the bytes, then park; a cancel already pending takes them back
    // out, so nothing was sent.
    const std::size_t mark = conn->out.size();
    conn->out.append(bytes);
    if (!simul::detail::park(task, h, this)) {
        conn->out.resize(mark);
        state = State::cancelled;
        return false;
    }
    state = State::waiting;
    conn->enqueue(this);
    return true;
}

void Request::await_resume() {
    if (state == State::cancelled) simul::detail::finish_cancelled(task);
    if (error) std::rethrow_exception(error);
}

void Request::cancel_op(simul::detail::Waiter* w) noexcept {
    auto* r = static_cast<Request*>(w);
    if (r->state != State::waiting) return;
    r->conn->abandon(r);
    r->state = State::cancelled;
    simul::detail::wake(*Loop::current(), r->task);
}

// ---- ConnState ----

ConnState::ConnState(std::string h, std::uint16_t p, Options o, bool ps)
    : host(std::move(h)), port(p), options(std::move(o)), pubsub(ps) {}

ConnState::~ConnState() { free_reader(reader); }

std::shared_ptr<ConnState> ConnState::start(std::string host, std::uint16_t port, Options options, bool pubsub) {
    simul::detail::require_loop("simul::redis: opening a connection");
    auto s = std::make_shared<ConnState>(std::move(host), port, std::move(options), pubsub);
    s->reader = make_reader(s.get());
    if (pubsub) s->messages = std::make_unique<Queue<Message>>(1024);
    auto handle = spawn(run(s), "simul::redis " + s->host + ":" + std::to_string(s->port));
    s->io_task = handle.header();
    return s;
}

void ConnState::enqueue(Request* r) {
    r->first_seq = head_seq + ring.size();
    for (std::uint32_t i = 0; i < r->count; ++i) ring.push_back(r);
    ++live_requests;
    if (!writer_wake.is_set()) writer_wake.set();
}

void ConnState::abandon(Request* r) noexcept {
    const std::uint64_t end = r->first_seq + r->count;
    for (std::uint64_t seq = std::max(r->first_seq, head_seq); seq < end; ++seq) {
        Request*& slot = ring[std::size_t(seq - head_seq)];
        if (slot == r) {
            slot = nullptr;
            ++abandoned;
        }
    }
    --live_requests;
}

bool ConnState::deliver(Reply&& reply) {
    if (ring.empty()) {
        fail(connection_error("a reply came that no request asked for (the protocol is out of step)"));
        return false;
    }
    Request* r = ring.front();
    ring.pop_front();
    ++head_seq;
    if (!r) {
        --abandoned;  // a tombstone: the task gave up; drop its reply
        return true;
    }
    if (r->one)
        *r->one = std::move(reply);
    else
        r->many->push_back(std::move(reply));
    if (++r->got == r->count) {
        r->state = Request::State::done;
        --live_requests;
        simul::detail::wake(*Loop::current(), r->task);
    }
    return true;
}

void ConnState::fail(std::exception_ptr e) noexcept {
    if (!error) error = std::move(e);
    std::deque<Request*> pending;
    pending.swap(ring);
    head_seq += pending.size();
    Loop* loop = Loop::current();
    for (Request* r : pending) {
        if (r && r->state == Request::State::waiting) {
            r->error = error;
            r->state = Request::State::done;
            if (loop) simul::detail::wake(*loop, r->task);
        }
    }
    live_requests = 0;
    abandoned = 0;
    out.clear();
    if (messages) messages->close();
    if (!ready.is_set()) ready.set();
}

std::exception_ptr ConnState::connection_error(const std::string& what) const {
    return std::make_exception_ptr(
        ConnectionError("simul::redis: " + host + ":" + std::to_string(port) + ": " + what));
}

void ConnState::close() noexcept {
    if (!error) fail(connection_error("the connection was closed"));
    if (writer_task) writer_task->cancel();
    if (io_task) io_task->cancel();
    // The waits on the socket were unregistered by those cancels (or the
    // task is queued and will see its cancel first): closing is safe.
    stream.close();
}

void ConnState::retire() noexcept {
    retiring = true;
    if (live_requests == 0) close();
}

namespace {
// Clears the state's pointer to a task when the task ends.
struct TaskSlot {
    TaskHeader** slot;
    ~TaskSlot() { *slot = nullptr; }
};

std::optional<Message> as_message(Reply& r) {
    if (!r.is_array()) return std::nullopt;
    auto& a = std::get<std::vector<Reply>>(r.variant());
    if (a.size() == 3 && a[0].is_string() && equals_nocase(a[0].as_string(), "message") && a[1].is_string() &&
        a[2].is_string())
        return Message{std::move(a[1]).as_string(), std::move(a[2]).as_string(), {}};
    if (a.size() == 4 && a[0].is_string() && equals_nocase(a[0].as_string(), "pmessage") && a[1].is_string() &&
        a[2].is_string() && a[3].is_string())
        return Message{std::move(a[2]).as_string(), std::move(a[3]).as_string(), std::move(a[1]).as_string()};
    return std::nullopt;
}
}  // namespace

Task<> ConnState::run(std::shared_ptr<ConnState> keep) {
    std::shared_ptr<ConnState> self = std::move(keep);
    struct Cleanup {
        ConnState* s;
        ~Cleanup() {
            s->io_task = nullptr;
            if (s->writer_task) s->writer_task->cancel();
            s->stream.close();
        }
    } cleanup{self.get()};
    try {
        if (self->options.connect_timeout > Duration::zero()) {
            try {
                co_await wait_for(self->handshake(), self->options.connect_timeout);
            } catch (const TimeoutError&) {
                std::rethrow_exception(self->connection_error(
                    "could not connect and authenticate within " + simul::detail::format_duration(self->options.connect_timeout)));
            }
        } else {
            co_await self->handshake();
        }
        self->connected = true;
        self->ready.set();
        auto writer = spawn(write_loop(self), "simul::redis writer " + self->host + ":" + std::to_string(self->port));
        self->writer_task = writer.header();
        co_await self->read_loop();
    } catch (const Cancelled&) {
        self->fail(self->connection_error("the connection was closed"));
        throw;
    } catch (const Error&) {  // the server refused AUTH or SELECT
        self->fail(std::current_exception());
    } catch (const ConnectionError&) {
        self->fail(std::current_exception());
    } catch (const std::exception& e) {
        self->fail(self->connection_error(self->connected ? std::string("the connection broke: ") + e.what()
                                                          : std::string("could not connect: ") + e.what()));
    }
}

Task<> ConnState::handshake() {
    ConnectOptions copts;
    copts.timeout = Duration::zero();  // the whole handshake is under wait_for above
    Stream s = co_await open_connection(host, port, copts);
    stream = std::move(s);
    std::vector<std::string> hello;
    std::size_t expected = 0;
    std::string bytes;
    if (!options.password.empty()) {
        if (options.username.empty())
            encode(bytes, std::vector<std::string>{"AUTH", options.password});
        else
            encode(bytes, std::vector<std::string>{"AUTH", options.username, options.password});
        hello.push_back("AUTH");
        ++expected;
    }
    if (options.db != 0) {
        encode(bytes, std::vector<std::string>{"SELECT", std::to_string(options.db)});
        hello.push_back("SELECT " + std::to_string(options.db));
        ++expected;
    }
    if (expected == 0) co_return;
    co_await stream.write(bytes);
    std::size_t got = 0;
    while (got < expected) {
        const std::size_t n = co_await stream.read_some(buf, sizeof buf);
        if (n == 0) std::rethrow_exception(connection_error("the server closed the connection during the handshake"));
        if (redisReaderFeed(reader, buf, n) != REDIS_OK) throw std::bad_alloc();
        for (;;) {
            void* obj = nullptr;
            if (redisReaderGetReply(reader, &obj) != REDIS_OK)
                std::rethrow_exception(connection_error(std::string("malformed reply: ") + reader->errstr));
            if (!obj) break;
            Reply r = std::move(root);
            root = Reply();
            if (r.is_error()) throw Error(hello[got] + " failed: " + r.error_message());
            ++got;
        }
    }
}

Task<> ConnState::read_loop() {
    for (;;) {
        const std::size_t n = co_await stream.read_some(buf, sizeof buf);
        if (n == 0) std::rethrow_exception(connection_error("the server closed the connection"));
        if (redisReaderFeed(reader, buf, n) != REDIS_OK) throw std::bad_alloc();
        for (;;) {
            void* obj = nullptr;
            if (redisReaderGetReply(reader, &obj) != REDIS_OK)
                std::rethrow_exception(connection_error(std::string("malformed reply: ") + reader->errstr));
            if (!obj) break;
            Reply r = std::move(root);
            root = Reply();
            if (pubsub) {
                std::optional<Message> m = as_message(r);
                if (m) {
                    co_await messages->put(std::move(*m));
                    continue;
                }
            }
            deliver(std::move(r));
            if (error) co_return;  // closed or failed meanwhile
        }
        if (retiring && live_requests == 0) {
            close();
            co_return;
        }
    }
}

Task<> ConnState::write_loop(std::shared_ptr<ConnState> keep) {
    std::shared_ptr<ConnState> self = std::move(keep);
    TaskSlot slot{&self->writer_task};
    try {
        for (;;) {
            if (self->out.empty()) {
                self->writer_wake.clear();
                co_await self->writer_wake.wait();
                continue;
            }
            self->sending.swap(self->out);
            co_await self->stream.write(self->sending);
            self->sending.clear();
            if (self->sending.capacity() > (std::size_t(1) << 20)) self->sending.shrink_to_fit();
        }
    } catch (const Cancelled&) {
        throw;
    } catch (const std::exception& e) {
        self->fail(self->connection_error(std::string("could not write: ") + e.what()));
        if (self->io_task) self->io_task->cancel();
    }
}

// One command with its reply (Connection and Pool).
Task<Reply> exec_one(std::shared_ptr<ConnState> s, Command command) {
    Reply reply;
    Request req(s.get());
    req.bytes = command.bytes();
    req.one = &reply;
    const Duration timeout = s->options.command_timeout;
    if (timeout > Duration::zero()) {
        try {
            co_await wait_for(std::move(req), timeout);
        } catch (const TimeoutError&) {
            if (s->pooled) s->retire();
            throw TimeoutError("simul::redis: no reply to " + std::string(command.name()) + " within " +
                               simul::detail::format_duration(timeout) + " (command_timeout)");
        }
    } else {
        co_await req;
    }
    if (reply.is_error()) throw Error(std::move(std::get<Reply::ErrorText>(reply.variant()).text));
    co_return reply;
}

Task<std::vector<Reply>> exec_many(std::shared_ptr<ConnState> s, std::string_view bytes, std::size_t count) {
    std::vector<Reply> replies;
    if (count == 0) co_return replies;
    replies.reserve(count);
    Request req(s.get());
    req.bytes = bytes;
    req.count = std::uint32_t(count);
    req.many = &replies;
    const Duration timeout = s->options.command_timeout;
    if (timeout > Duration::zero()) {
        try {
            co_await wait_for(std::move(req), timeout);
        } catch (const TimeoutError&) {
            if (s->pooled) s->retire();
            throw TimeoutError("simul::redis: no reply to a pipeline of " + std::to_string(count) + " commands within " +
                               simul::detail::format_duration(timeout) + " (command_timeout)");
        }
    } else {
        co_await req;
    }
    co_return replies;
}

}  // namespace simul::redis::detail

namespace simul::redis {

// ---- Pipeline ----

Pipeline& Pipeline::command(const std::vector<std::string>& argv) {
    detail::encode(bytes_, argv);
    ++count_;
    return *this;
}

Pipeline& Pipeline::command_args(const ArgList& args) {
    detail::encode(bytes_, args);
    ++count_;
    return *this;
}

// ---- Connection ----

Connection::Connection() noexcept = default;
Connection::Connection(std::shared_ptr<detail::ConnState> s, bool owner) noexcept : s_(std::move(s)), owner_(owner) {}
Connection::Connection(Connection&& o) noexcept : s_(std::move(o.s_)), owner_(o.owner_) {}
Connection& Connection::operator=(Connection&& o) noexcept {
    if (this != &o) {
        if (owner_) close();
        s_ = std::move(o.s_);
        owner_ = o.owner_;
    }
    return *this;
}
Connection::~Connection() {
    if (owner_) close();
}

Task<Connection> Connection::open(std::string host, std::uint16_t port, Options options) {
    auto s = detail::ConnState::start(std::move(host), port, std::move(options));
    Connection c(s, true);
    co_await s->ready.wait();
    if (s->error) std::rethrow_exception(s->error);
    co_return std::move(c);
}

namespace {
[[noreturn]] void no_connection() {
    throw ConnectionError("simul::redis::Connection: not connected (default-constructed or moved from); use Connection::open()");
}
}  // namespace

Task<Reply> Connection::execute(Command command) {
    if (!s_) no_connection();
    return detail::exec_one(s_, std::move(command));
}

Task<std::vector<Reply>> Connection::execute(const Pipeline& p) {
    if (!s_) no_connection();
    return detail::exec_many(s_, p.bytes(), p.size());
}

Task<std::vector<Reply>> Pipeline::execute() const {
    if (conn_) return conn_->execute(*this);
    if (pool_) return pool_->execute(*this);
    throw simul::Error("simul::redis::Pipeline::execute: this pipeline is not bound; use conn.execute(p) or pool.execute(p), or make it with conn.pipeline()");
}

Pipeline Connection::pipeline() {
    Pipeline p;
    p.conn_ = this;
    return p;
}

void Connection::close() noexcept {
    if (s_) s_->close();
}

bool Connection::is_open() const noexcept { return s_ && !s_->error; }
std::size_t Connection::in_flight() const noexcept { return s_ ? s_->in_flight() : 0; }

}  // namespace simul::redis
