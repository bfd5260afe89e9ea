// echo (peer kit workload 4): TCP echo server on 127.0.0.1:PORT, one task per
// connection on simul's loop, TCP_NODELAY on accepted sockets, read up to
// 4096 bytes and write back what was read. The load generator of the kit
// (shared/peers/loadgen) drives it and prints the RESULT line.
//
// Sockets are raw non-blocking descriptors: a task waits for readiness with
// simul::wait_readable / wait_writable and does its own read()/write(), and
// tells the loop (forget_fd) before it closes a descriptor.
//
// The same server written against the library's own API is echo.cpp; this
// one shows the floor under it (raw descriptors, no Stream).
//
// Usage: echo PORT
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <system_error>

#include <simul/simul.hpp>

namespace {

void close_fd(int fd) {
    simul::Loop::current()->forget_fd(fd);
    ::close(fd);
}

// Writes all of buf; false if the peer is gone.
simul::Task<bool> write_all(int fd, const char* buf, std::size_t len) {
    std::size_t off = 0;
    while (off < len) {
        const ssize_t w = ::write(fd, buf + off, len - off);
        if (w > 0) {
            off += std::size_t(w);
        } else if (w < 0 && errno == EAGAIN) {
            co_await simul::wait_writable(fd);
        } else if (w < 0 && errno == EINTR) {
            continue;
        } else {
            co_return false;
        }
    }
    co_return true;
}

simul::Task<> serve(int fd) {
    char buf[4096];
    for (;;) {
        // A client sends its next request only after our reply: wait first,
        // rather than spend a read() on EAGAIN.
        co_await simul::wait_readable(fd);
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n > 0) {
            // Usually the whole reply fits in the socket buffer at once.
            const ssize_t w = ::write(fd, buf, std::size_t(n));
            if (w == n) continue;
            if (w < 0 && errno != EAGAIN && errno != EINTR) break;
            const std::size_t done = w > 0 ? std::size_t(w) : 0;
            if (!co_await write_all(fd, buf + done, std::size_t(n) - done)) break;
        } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
            break;
        }
    }
    close_fd(fd);
}

simul::Task<> accept_loop(int lfd) {
    for (;;) {
        const int fd = ::accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EAGAIN) {
                co_await simul::wait_readable(lfd);
                continue;
            }
            if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE || errno == ENFILE) continue;
            throw std::system_error(errno, std::generic_category(), "accept4");
        }
        const int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        simul::spawn(serve(fd));
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: echo PORT\n");
        return 2;
    }
    const int lfd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    const int one = 1;
    ::setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(std::uint16_t(std::atoi(argv[1])));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(lfd, 1024) != 0) {
        std::perror("echo: bind/listen");
        return 1;
    }
    simul::run(accept_loop(lfd));
}
