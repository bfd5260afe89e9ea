// simul/io/stream.hpp: Stream, a connected byte stream (TCP, Unix socket, pipe).
//
// A Stream owns a non-blocking descriptor and gives tasks the calls of
// asyncio's StreamReader and StreamWriter: read_some() (whatever has arrived),
// read(n), read_exactly(n), read_until(delimiter), read_line(), write(bytes),
// shutdown_write() (half-close) and close(). Each read waits only when no
// byte is there; the loop resumes the task when the descriptor is readable.
//
//     simul::Stream s = co_await simul::open_connection("localhost", 8080);
//     co_await s.write("GET / HTTP/1.0\r\n\r\n");
//     std::string status = co_await s.read_line();
//
// Memory is bounded: read_until() and read_line() stop at `limit` bytes
// (default 64 KiB) with simul::LimitOverrunError, and write() completes once
// the kernel has taken every byte, so a slow reader at the other end makes
// the writer wait (backpressure) instead of growing a buffer. drain() is
// therefore immediate; it exists for asyncio's habit.
//
// Errors: a peer that resets gives std::system_error (ECONNRESET, EPIPE)
// from the call that meets it, never SIGPIPE (the loop ignores SIGPIPE;
// sockets write with MSG_NOSIGNAL). read_exactly() at end of stream throws
// simul::IncompleteReadError carrying the bytes that did arrive.
//
// Fairness: reads and writes count against the running task's starvation
// budget (RunOptions::budget, 128 by default): past it, the call first lets
// the other ready tasks run, so a peer that always has data cannot starve
// the rest of the program.
//
// Cancellation: a cancelled read loses no bytes: what arrived stays in the
// stream's buffer for the next read. A cancelled write either took none of
// its bytes, or took some and marks the stream broken (later writes throw),
// so the peer never silently sees half a message. One task at a time may read,
// and one may write. A Stream must outlive every task that uses it: closing
// or destroying it while a task waits in a read or write makes that call
// throw std::system_error(EBADF), and any later call on a closed or moved-from
// Stream throws simul::Error ("the stream is closed"); a call on a destroyed
// one is undefined (co_await the tasks before the Stream's scope ends).
//
// A Stream may carry a transport (detail::StreamTransport) that turns the
// bytes on the descriptor into the bytes the reader sees: TLS does so
// (simul/net/tls.hpp: tls::wrap_client() returns a Stream with the same calls
// over an encrypted session). A plain Stream has none; its fast path pays one
// predictable null check for the hook.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include <simul/core/error.hpp>
#include <simul/coro/task.hpp>
#include <simul/io/fd.hpp>

namespace simul {

// read_exactly() met the end of the stream first; partial() holds what came.
class IncompleteReadError : public Error {
public:
    IncompleteReadError(std::string partial, std::size_t expected);
    const std::string& partial() const noexcept { return partial_; }
    std::size_t expected() const noexcept { return expected_; }

private:
    std::string partial_;
    std::size_t expected_;
};

// read_until()/read_line() found no delimiter within the limit. The bytes stay
// in the stream (consumed() says how many were looked at).
class LimitOverrunError : public Error {
public:
    LimitOverrunError(std::size_t limit, std::size_t consumed);
    std::size_t consumed() const noexcept { return consumed_; }

private:
    std::size_t consumed_;
};

namespace detail {

// What a Stream delegates to when it has a transport (TLS). The Stream keeps
// its descriptor, its read buffer and the framing calls (read_until,
// read_exactly...); the transport moves bytes. Each call has the Stream's
// cancellation contract: read() loses no byte it has decoded (a cancelled
// read leaves them for the next), write() either took none of `data` or sets
// `broken`.
class StreamTransport {
public:
    virtual ~StreamTransport() = default;
    // Up to `size` bytes; waits for them; 0 at a clean end of stream.
    virtual Task<std::size_t> read(int fd, char* data, std::size_t size) = 0;
    // Completes when the kernel has taken every byte that carries `data`.
    virtual Task<> write(int fd, std::string_view data, bool& broken) = 0;
    // Half-close in the transport's terms (TLS: close_notify), without waiting.
    virtual void shutdown_write(int fd) = 0;
    // Just before the descriptor closes; must not wait or throw.
    virtual void close(int fd) noexcept = 0;
};

struct StreamAccess;  // the transports' way in (src/net/tls.cpp)

}  // namespace detail

class Stream {
public:
    static constexpr std::size_t kDefaultLimit = 64 * 1024;

    Stream() = default;
    // Takes ownership of a connected descriptor and makes it non-blocking.
    explicit Stream(Fd fd);
    // A moved-from Stream is closed and holds no bytes (is_closed(),
    // buffered() == 0); assigning over an open Stream closes it first.
    Stream(Stream&& other) noexcept;
    Stream& operator=(Stream&& other) noexcept;
    ~Stream();

    // Up to `size` bytes: what is buffered, else what arrives next; 0 at end of stream.
    Task<std::size_t> read_some(char* data, std::size_t size);
    // Up to n bytes (n = npos: everything until end of stream); "" at end of stream.
    Task<std::string> read(std::size_t n = std::string::npos);
    Task<std::string> read_exactly(std::size_t n);
    // Up to and including `delimiter`. At end of stream before it: IncompleteReadError.
    Task<std::string> read_until(std::string_view delimiter, std::size_t limit = kDefaultLimit);
    // A line with its "\n"; at end of stream, what is left (maybe "").
    Task<std::string> read_line(std::size_t limit = kDefaultLimit);

    // Completes when the kernel has every byte (see backpressure above).
    Task<> write(std::string_view data);
    Task<> drain() { co_return; }
    // Half-close: the peer reads end of stream; reading here goes on.
    void shutdown_write();
    void close() noexcept;

    bool at_eof() const noexcept { return eof_ && rpos_ == rend_; }
    bool is_closed() const noexcept { return !fd_; }
    int fd() const noexcept { return fd_.get(); }
    std::size_t buffered() const noexcept { return rend_ - rpos_; }
    // The transport (TLS) under this stream, or null for a plain one.
    const detail::StreamTransport* transport() const noexcept { return transport_.get(); }

private:
    friend struct detail::StreamAccess;

    // Reads once from the descriptor into the buffer (waiting if needed);
    // false at end of stream.
    Task<bool> fill();
    static bool budget_allows() noexcept;
    std::string take(std::size_t n);
    void check_open(const char* what) const;
    void check_writable() const;

    Fd fd_;
    std::string rbuf_;       // its size is the buffer's capacity; the bytes are [rpos_, rend_)
    std::size_t rpos_ = 0;
    std::size_t rend_ = 0;
    bool eof_ = false;
    bool is_socket_ = false;
    bool write_shut_ = false;
    bool broken_ = false;
    bool likely_empty_ = false;  // the last read came back short: wait before the next
    std::unique_ptr<detail::StreamTransport> transport_;  // null: plain bytes
};

// Two connected Streams (a Unix socketpair): handy for tests and for talking
// to a child process.
std::pair<Stream, Stream> stream_pair();

}  // namespace simul
