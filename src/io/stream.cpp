// Stream: buffered reads and backpressured writes on a non-blocking descriptor
// (see simul/io/stream.hpp).
#include <simul/io/stream.hpp>

#include <simul/coro/sleep.hpp>

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <utility>

#include <simul/coro/wait_fd.hpp>

namespace simul {

namespace {
constexpr std::size_t kReadChunk = 64 * 1024;

[[noreturn]] void throw_errno(int err, const char* what) {
    std::string msg = std::string("simul::Stream::") + what;
    if (err == ECONNRESET) msg += ": the peer reset the connection";
    if (err == EPIPE) msg += ": the peer closed its end";
    throw std::system_error(err, std::generic_category(), msg);
}
}  // namespace

IncompleteReadError::IncompleteReadError(std::string partial, std::size_t expected)
    : Error("simul: the stream ended after " + std::to_string(partial.size()) + " of the " +
            std::to_string(expected) + " bytes expected; partial() has them"),
      partial_(std::move(partial)),
      expected_(expected) {}

LimitOverrunError::LimitOverrunError(std::size_t limit, std::size_t consumed)
    : Error("simul: no delimiter within the first " + std::to_string(limit) +
            " bytes; raise the limit argument if such long lines are expected"),
      consumed_(consumed) {}

Stream::Stream(Fd fd) : fd_(std::move(fd)) {
    if (!fd_) throw Error("simul::Stream: needs an open descriptor");
    make_nonblocking(fd_.get());
    struct stat st;
    is_socket_ = ::fstat(fd_.get(), &st) == 0 && S_ISSOCK(st.st_mode);
}

Stream::~Stream() { close(); }

// Not defaulted: the source must end closed and empty. A defaulted move left
// it with its read positions while its buffer went, so buffered() on it
// reported bytes (or, before the end mark, wrapped around) it did not hold.
Stream::Stream(Stream&& o) noexcept
    : fd_(std::move(o.fd_)),
      rbuf_(std::exchange(o.rbuf_, std::string())),
      rpos_(std::exchange(o.rpos_, 0)),
      rend_(std::exchange(o.rend_, 0)),
      eof_(std::exchange(o.eof_, false)),
      is_socket_(std::exchange(o.is_socket_, false)),
      write_shut_(std::exchange(o.write_shut_, false)),
      broken_(std::exchange(o.broken_, false)),
      likely_empty_(std::exchange(o.likely_empty_, false)),
      transport_(std::move(o.transport_)) {}

Stream& Stream::operator=(Stream&& o) noexcept {
    if (this != &o) {
        close();  // with its transport's goodbye (TLS close_notify), as the destructor would
        fd_ = std::move(o.fd_);
        rbuf_ = std::exchange(o.rbuf_, std::string());
        rpos_ = std::exchange(o.rpos_, 0);
        rend_ = std::exchange(o.rend_, 0);
        eof_ = std::exchange(o.eof_, false);
        is_socket_ = std::exchange(o.is_socket_, false);
        write_shut_ = std::exchange(o.write_shut_, false);
        broken_ = std::exchange(o.broken_, false);
        likely_empty_ = std::exchange(o.likely_empty_, false);
        transport_ = std::move(o.transport_);
    }
    return *this;
}

void Stream::check_open(const char* what) const {
    if (!fd_)
        throw Error(std::string("simul::Stream::") + what +
                    ": the stream is closed (by close(), or moved from); a task must not use a Stream after "
                    "that, nor outlive it");
}

void Stream::check_writable() const {
    check_open("write");
    if (write_shut_) throw Error("simul::Stream::write: the stream was shut down for writing");
    if (broken_)
        throw Error("simul::Stream::write: an earlier write was cancelled half-way, so the stream is broken; close it");
}

// The starvation budget (RunOptions::budget): a stream whose peer always has
// data would otherwise never make its reader suspend.
bool Stream::budget_allows() noexcept {
    Loop* loop = Loop::current();
    return !loop || loop->consume_budget();
}

// The read buffer: valid bytes are [rpos_, rend_) of rbuf_, whose size is
// only its capacity. It grows (zero-filled once, by std::string) when a read
// needs room, and is never shrunk back, so a read does not pay a 64 KiB
// memset each time as resize-per-read would. The unread tail moves to the
// front when that spares a growth (a line cut by the last read: the buffer
// stays at one chunk) or frees more than a chunk, and only when it is no
// longer than what was consumed, so each byte is moved O(1) times on average.
Task<bool> Stream::fill() {
    if (eof_) co_return false;
    if (rpos_ > 0 && rpos_ == rend_) {
        rpos_ = rend_ = 0;
    } else if (rpos_ > 0 && rend_ - rpos_ <= rpos_ && (rend_ + kReadChunk > rbuf_.size() || rpos_ > kReadChunk)) {
        std::memmove(rbuf_.data(), rbuf_.data() + rpos_, rend_ - rpos_);  // compact
        rend_ -= rpos_;
        rpos_ = 0;
    }
    const std::size_t old = rend_;
    if (rbuf_.size() < old + kReadChunk) rbuf_.resize(old + kReadChunk);
    if (transport_) [[unlikely]] {
        const std::size_t n = co_await transport_->read(fd_.get(), rbuf_.data() + old, kReadChunk);
        rend_ = old + n;
        if (n == 0) eof_ = true;
        co_return n > 0;
    }
    for (;;) {
        const ssize_t n = ::read(fd_.get(), rbuf_.data() + old, kReadChunk);
        if (n > 0) {
            rend_ = old + std::size_t(n);
            co_return true;
        }
        if (n == 0) {
            eof_ = true;
            co_return false;
        }
        const int err = errno;
        if (err == EINTR) continue;
        if (err == EAGAIN || err == EWOULDBLOCK) {
            co_await wait_readable(fd_.get());  // the buffer's valid bytes are untouched meanwhile
            continue;
        }
        throw_errno(err, "read");
    }
}

std::string Stream::take(std::size_t n) {
    std::string out(rbuf_.data() + rpos_, n);
    rpos_ += n;
    if (rpos_ == rend_) rpos_ = rend_ = 0;
    return out;
}

Task<std::size_t> Stream::read_some(char* data, std::size_t size) {
    check_open("read_some");
    if (size == 0) co_return 0;
    if (!budget_allows()) [[unlikely]]
        co_await detail::forced_yield();
    if (transport_) [[unlikely]] {
        if (buffered() == 0) {
            if (eof_) co_return 0;
            const std::size_t n = co_await transport_->read(fd_.get(), data, size);
            if (n == 0) eof_ = true;
            co_return n;
        }
    } else if (buffered() == 0) {
        // Nothing buffered: read straight into the caller's memory. After a
        // short read the socket is most likely empty (a peer that waits for
        // our reply sends nothing more), so wait first rather than spend a
        // read() on EAGAIN; the level-triggered poller answers at once if
        // bytes did arrive meanwhile.
        if (likely_empty_ && !eof_) {
            likely_empty_ = false;
            co_await wait_readable(fd_.get());
        }
        for (;;) {
            if (eof_) co_return 0;
            const ssize_t n = ::read(fd_.get(), data, size);
            if (n > 0) {
                likely_empty_ = std::size_t(n) < size;
                co_return std::size_t(n);
            }
            if (n == 0) {
                eof_ = true;
                co_return 0;
            }
            const int err = errno;
            if (err == EINTR) continue;
            if (err == EAGAIN || err == EWOULDBLOCK) {
                co_await wait_readable(fd_.get());
                continue;
            }
            throw_errno(err, "read_some");
        }
    }
    const std::size_t k = std::min(size, buffered());
    std::memcpy(data, rbuf_.data() + rpos_, k);
    rpos_ += k;
    co_return k;
}

Task<std::string> Stream::read(std::size_t n) {
    check_open("read");
    if (!budget_allows()) [[unlikely]]
        co_await detail::forced_yield();
    // (No co_await inside conditions here: g++ 12 miscompiles some of them.)
    if (n == std::string::npos) {
        for (;;) {
            const bool more = co_await fill();
            if (!more) break;
        }
        co_return take(buffered());
    }
    if (n == 0) co_return std::string();
    if (buffered() == 0) {
        const bool more = co_await fill();
        if (!more) co_return std::string();
    }
    co_return take(std::min(n, buffered()));
}

Task<std::string> Stream::read_exactly(std::size_t n) {
    check_open("read_exactly");
    if (!budget_allows()) [[unlikely]]
        co_await detail::forced_yield();
    while (buffered() < n) {
        const bool more = co_await fill();
        if (!more) throw IncompleteReadError(take(buffered()), n);
    }
    co_return take(n);
}

Task<std::string> Stream::read_until(std::string_view delimiter, std::size_t limit) {
    check_open("read_until");
    if (delimiter.empty()) throw Error("simul::Stream::read_until: the delimiter is empty");
    if (!budget_allows()) [[unlikely]]
        co_await detail::forced_yield();
    std::size_t searched = 0;  // bytes already known to hold no delimiter start
    for (;;) {
        std::string_view view(rbuf_.data() + rpos_, buffered());
        const std::size_t at = view.find(delimiter, searched);
        if (at != std::string_view::npos) {
            const std::size_t end = at + delimiter.size();
            if (end > limit) throw LimitOverrunError(limit, end);
            co_return take(end);
        }
        if (view.size() > limit) throw LimitOverrunError(limit, view.size());
        searched = view.size() >= delimiter.size() ? view.size() - delimiter.size() + 1 : 0;
        const bool more = co_await fill();
        if (!more) {
            if (buffered() == 0) co_return std::string();
            const std::size_t expected = buffered() + delimiter.size();  // before take() empties it
            throw IncompleteReadError(take(buffered()), expected);
        }
    }
}

Task<std::string> Stream::read_line(std::size_t limit) {
    check_open("read_line");
    try {
        co_return co_await read_until("\n", limit);
    } catch (const IncompleteReadError& e) {
        co_return e.partial();  // asyncio's readline(): the last line may lack its "\n"
    }
}

Task<> Stream::write(std::string_view data) {
    check_writable();
    if (!budget_allows()) [[unlikely]]
        co_await detail::forced_yield();
    if (transport_) [[unlikely]] {
        co_await transport_->write(fd_.get(), data, broken_);
        co_return;
    }
    std::size_t sent = 0;
    while (sent < data.size()) {
        const ssize_t n = is_socket_ ? ::send(fd_.get(), data.data() + sent, data.size() - sent, MSG_NOSIGNAL)
                                     : ::write(fd_.get(), data.data() + sent, data.size() - sent);
        if (n >= 0) {
            sent += std::size_t(n);
            continue;
        }
        const int err = errno;
        if (err == EINTR) continue;
        if (err == EAGAIN || err == EWOULDBLOCK) {
            try {
                co_await wait_writable(fd_.get());
            } catch (const Cancelled&) {
                if (sent > 0) broken_ = true;  // the peer has part of a message
                throw;
            }
            continue;
        }
        if (sent > 0) broken_ = true;
        throw_errno(err, "write");
    }
}

void Stream::shutdown_write() {
    check_open("shutdown_write");
    if (write_shut_) return;
    write_shut_ = true;
    if (transport_) [[unlikely]] {
        transport_->shutdown_write(fd_.get());
        return;
    }
    if (is_socket_) {
        if (::shutdown(fd_.get(), SHUT_WR) < 0 && errno != ENOTCONN)
            throw std::system_error(errno, std::generic_category(), "simul::Stream::shutdown_write");
    }
}

void Stream::close() noexcept {
    if (transport_ && fd_) [[unlikely]]
        transport_->close(fd_.get());
    fd_.close();
}

std::pair<Stream, Stream> stream_pair() {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0)
        throw std::system_error(errno, std::generic_category(), "simul::stream_pair: socketpair");
    return {Stream(Fd(sv[0])), Stream(Fd(sv[1]))};
}

}  // namespace simul
