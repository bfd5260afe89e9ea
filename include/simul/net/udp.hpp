// simul/net/udp.hpp: DatagramSocket, UDP (and Unix datagram) sockets.
//
//     auto sock = co_await simul::DatagramSocket::bind("127.0.0.1", 0);
//     co_await sock.send_to("ping", peer);
//     auto [data, from] = co_await sock.recv_from();
//
// A connected socket (`connect()`) uses send()/recv() and receives only from
// its peer. Each datagram is sent whole or not at all; recv_from() returns
// one datagram (truncated to `max` bytes, as the kernel does).
//
// Cancellation: a cancelled recv consumes no datagram; a cancelled send sent
// nothing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include <simul/coro/task.hpp>
#include <simul/io/fd.hpp>
#include <simul/net/address.hpp>

namespace simul {

class DatagramSocket {
public:
    DatagramSocket() = default;
    explicit DatagramSocket(Fd fd) : fd_(std::move(fd)) {}

    // Resolves host (numeric or a name) and binds; port 0 picks a free port.
    static Task<DatagramSocket> bind(std::string host, std::uint16_t port);
    static DatagramSocket bind(const Address& address);
    // A socket connected to one peer.
    static Task<DatagramSocket> connect(std::string host, std::uint16_t port);
    static DatagramSocket connect(const Address& address);

    Task<> send_to(std::string_view data, Address to);
    Task<std::pair<std::string, Address>> recv_from(std::size_t max = 65536);
    Task<> send(std::string_view data);
    Task<std::string> recv(std::size_t max = 65536);

    Address local_address() const;
    int fd() const noexcept { return fd_.get(); }
    void close() noexcept { fd_.close(); }

private:
    Fd fd_;
};

}  // namespace simul
