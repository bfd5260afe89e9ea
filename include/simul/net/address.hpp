// simul/net/address.hpp: Address (an IPv4, IPv6 or Unix socket address) and resolve().
//
// `co_await simul::resolve("localhost", 8080)` returns the addresses a name
// has, IPv6 and IPv4, as getaddrinfo() finds them (/etc/hosts, then DNS). The
// lookup runs on the thread pool (getaddrinfo blocks); a numeric address is
// parsed on the spot with no thread at all. (A c-ares resolver driven by the
// loop replaces the thread later, behind the same call.)
//
//     for (const simul::Address& a : co_await simul::resolve("localhost", 80))
//         std::cout << a.to_string() << '\n';          // [::1]:80, 127.0.0.1:80
//
// Cancellation: a cancelled resolve() returns at once with Cancelled; the
// lookup itself finishes on its thread and is dropped.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <simul/core/error.hpp>
#include <simul/coro/task.hpp>

namespace simul {

// A name that could not be resolved; the message names it and says why.
class ResolveError : public Error {
public:
    ResolveError(const std::string& host, int gai_error);
    int code() const noexcept { return code_; }

private:
    int code_;
};

class Address {
public:
    Address() noexcept;
    Address(const sockaddr* sa, socklen_t len);
    // "127.0.0.1" or "::1" (no name lookup); throws simul::Error if not numeric.
    static Address ip(std::string_view numeric_host, std::uint16_t port);
    static Address unix_path(std::string_view path);

    int family() const noexcept { return storage_.ss_family; }
    std::uint16_t port() const noexcept;
    std::string host() const;       // "127.0.0.1", "::1", or the Unix path
    std::string to_string() const;  // "127.0.0.1:80", "[::1]:80", "unix:/tmp/s"
    const sockaddr* data() const noexcept { return reinterpret_cast<const sockaddr*>(&storage_); }
    socklen_t size() const noexcept { return len_; }
    bool operator==(const Address& o) const noexcept;

private:
    sockaddr_storage storage_;
    socklen_t len_ = 0;
};

struct ResolveOptions {
    int family = AF_UNSPEC;         // AF_INET, AF_INET6 or both
    int socktype = SOCK_STREAM;     // SOCK_DGRAM for UDP
    bool passive = false;           // for bind(): "" means every interface
};

// The addresses of `host` (a name or a numeric address); see the top of this file.
Task<std::vector<Address>> resolve(std::string host, std::uint16_t port, ResolveOptions options = {});

// The addresses of a socket's own end and of its peer.
Address local_address(int fd);
Address peer_address(int fd);

}  // namespace simul
