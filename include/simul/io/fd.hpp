// simul/io/fd.hpp: Fd, ownership of a file descriptor that the loop may watch.
//
// An Fd closes its descriptor when it goes, and tells the loop first
// (Loop::forget_fd), so no stale readiness event can reach a new descriptor
// that reuses the number. Move-only.
//
//     simul::Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
//     if (!fd) throw std::system_error(errno, std::generic_category(), "socket");
//
// simul::make_nonblocking(fd) sets O_NONBLOCK (every descriptor a task waits
// on must be non-blocking).
#pragma once

#include <utility>

namespace simul {

class Fd {
public:
    Fd() noexcept = default;
    explicit Fd(int fd) noexcept : fd_(fd) {}
    Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
    Fd& operator=(Fd&& o) noexcept {
        if (this != &o) {
            close();
            fd_ = std::exchange(o.fd_, -1);
        }
        return *this;
    }
    ~Fd() { close(); }

    int get() const noexcept { return fd_; }
    explicit operator bool() const noexcept { return fd_ >= 0; }
    // Gives up ownership without closing.
    int release() noexcept { return std::exchange(fd_, -1); }
    // Forgets the descriptor in the current loop, then closes it.
    void close() noexcept;

private:
    int fd_ = -1;
};

// Sets O_NONBLOCK; throws std::system_error on failure.
void make_nonblocking(int fd);

}  // namespace simul
