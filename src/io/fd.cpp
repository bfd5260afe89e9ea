// Fd: close after telling the loop (see simul/io/fd.hpp).
#include <simul/io/fd.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include <simul/core/loop.hpp>

namespace simul {

void Fd::close() noexcept {
    if (fd_ < 0) return;
    if (Loop* loop = Loop::current()) loop->forget_fd(fd_);
    ::close(fd_);  // never retried on EINTR: on Linux the descriptor is gone either way
    fd_ = -1;
}

void make_nonblocking(int fd) {
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0 || (!(flags & O_NONBLOCK) && ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0))
        throw std::system_error(errno, std::generic_category(), "simul: cannot make fd non-blocking");
}

}  // namespace simul
