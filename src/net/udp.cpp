// Datagram sockets (see simul/net/udp.hpp).
#include <simul/net/udp.hpp>

#include <sys/socket.h>

#include <cerrno>
#include <system_error>

#include <simul/coro/wait_fd.hpp>

namespace simul {

namespace {
Fd datagram_socket(int family) {
    Fd fd(::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd) throw std::system_error(errno, std::generic_category(), "simul::DatagramSocket: socket");
    return fd;
}
}  // namespace

DatagramSocket DatagramSocket::bind(const Address& address) {
    Fd fd = datagram_socket(address.family());
    if (::bind(fd.get(), address.data(), address.size()) < 0)
        throw std::system_error(errno, std::generic_category(), "simul::DatagramSocket: cannot bind " + address.to_string());
    return DatagramSocket(std::move(fd));
}

DatagramSocket DatagramSocket::connect(const Address& address) {
    Fd fd = datagram_socket(address.family());
    if (::connect(fd.get(), address.data(), address.size()) < 0)
        throw std::system_error(errno, std::generic_category(), "simul::DatagramSocket: cannot connect to " + address.to_string());
    return DatagramSocket(std::move(fd));
}

Task<DatagramSocket> DatagramSocket::bind(std::string host, std::uint16_t port) {
    auto addresses = co_await resolve(host, port, {.family = AF_UNSPEC, .socktype = SOCK_DGRAM, .passive = true});
    co_return bind(addresses.at(0));
}

Task<DatagramSocket> DatagramSocket::connect(std::string host, std::uint16_t port) {
    auto addresses = co_await resolve(host, port, {.family = AF_UNSPEC, .socktype = SOCK_DGRAM});
    co_return connect(addresses.at(0));
}

Task<> DatagramSocket::send_to(std::string_view data, Address to) {
    for (;;) {
        const ssize_t n = ::sendto(fd_.get(), data.data(), data.size(), MSG_NOSIGNAL, to.data(), to.size());
        if (n >= 0) co_return;
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            co_await wait_writable(fd_.get());
            continue;
        }
        throw std::system_error(errno, std::generic_category(), "simul::DatagramSocket::send_to " + to.to_string());
    }
}

Task<std::pair<std::string, Address>> DatagramSocket::recv_from(std::size_t max) {
    std::string buf(max, '\0');
    for (;;) {
        sockaddr_storage ss{};
        socklen_t len = sizeof ss;
        const ssize_t n = ::recvfrom(fd_.get(), buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&ss), &len);
        if (n >= 0) {
            buf.resize(std::size_t(n));
            co_return std::pair<std::string, Address>(std::move(buf), Address(reinterpret_cast<sockaddr*>(&ss), len));
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            co_await wait_readable(fd_.get());
            continue;
        }
        throw std::system_error(errno, std::generic_category(), "simul::DatagramSocket::recv_from");
    }
}

Task<> DatagramSocket::send(std::string_view data) {
    for (;;) {
        const ssize_t n = ::send(fd_.get(), data.data(), data.size(), MSG_NOSIGNAL);
        if (n >= 0) co_return;
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            co_await wait_writable(fd_.get());
            continue;
        }
        throw std::system_error(errno, std::generic_category(), "simul::DatagramSocket::send");
    }
}

Task<std::string> DatagramSocket::recv(std::size_t max) {
    std::string buf(max, '\0');
    for (;;) {
        const ssize_t n = ::recv(fd_.get(), buf.data(), buf.size(), 0);
        if (n >= 0) {
            buf.resize(std::size_t(n));
            co_return buf;
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            co_await wait_readable(fd_.get());
            continue;
        }
        throw std::system_error(errno, std::generic_category(), "simul::DatagramSocket::recv");
    }
}

Address DatagramSocket::local_address() const { return simul::local_address(fd_.get()); }

}  // namespace simul
