// simul/net/address.hpp: Address (an IPv4, IPv6 or Unix socket address) and resolve().
//
// `co_await simul::resolve("localhost", 8080)` returns the addresses a name
// has, IPv6 and IPv4. The lookup is c-ares driven by the loop (no thread):
// /etc/hosts first, then A and AAAA queries in parallel to the DNS servers,
// with the search domains and ndots of /etc/resolv.conf; the loop's poller
// watches c-ares's sockets and the loop's timers run its timeouts. A numeric
// address is parsed on the spot. `.dns` points the lookup at other servers
// (see net/dns/config.hpp), `.resolver` at a dns::Resolver (net/dns.hpp);
// `.use_getaddrinfo` takes the old road, getaddrinfo() on the thread pool
// (also the only road when simul is built without c-ares).
//
//     for (const simul::Address& a : co_await simul::resolve("localhost", 80))
//         std::cout << a.to_string() << '\n';          // 127.0.0.1:80 (and [::1]:80 if /etc/hosts has it)
//     simul::dns::Config at_5353{.servers = {"127.0.0.1:5353"}};
//     co_await simul::resolve("db.test", 5432, {.dns = &at_5353});
//
// A name that cannot be resolved throws simul::ResolveError, whose message
// names it and says why (NXDOMAIN, SERVFAIL, timeout, ...) and whose status()
// says it to code.
//
// Cancellation: a cancelled resolve() returns at once with Cancelled; its
// DNS queries are cancelled (see src/net/dns_channel.cpp for how, c-ares's
// ares_cancel being channel-wide), and no callback ever reaches the frame
// afterwards. On the getaddrinfo road, the lookup finishes on its thread and
// is dropped.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <simul/core/error.hpp>
#include <simul/coro/task.hpp>
#include <simul/net/dns/config.hpp>

namespace simul {

// A name that could not be resolved; the message names it and says why.
// Also known as simul::dns::Error.
class ResolveError : public Error {
public:
    // From getaddrinfo(): `gai_error` is its EAI_* code.
    ResolveError(const std::string& host, int gai_error);
    // From c-ares: `code` is its ARES_* status; `context` starts the message
    // ("simul::resolve"); `detail` is added at the end (the servers asked).
    ResolveError(const std::string& context, std::string host, dns::Status status, int code,
                 const std::string& detail = {});

    const std::string& host() const noexcept { return host_; }
    dns::Status status() const noexcept { return status_; }
    // EAI_* (getaddrinfo) or ARES_* (c-ares), as from_getaddrinfo() says.
    int code() const noexcept { return code_; }
    bool from_getaddrinfo() const noexcept { return gai_; }

private:
    std::string host_;
    dns::Status status_;
    int code_;
    bool gai_;
};

namespace dns {
using Error = ResolveError;
// The words a ResolveError uses for a status ("no such name (NXDOMAIN)").
const char* describe(Status status) noexcept;
}  // namespace dns

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
    // Which servers to ask and how patiently (null: /etc/resolv.conf's); it
    // must outlive the call. Ignored when `resolver` is given.
    const dns::Config* dns = nullptr;
    // A resolver to use (its servers, its open sockets); it must outlive the call.
    const dns::Resolver* resolver = nullptr;
    // getaddrinfo() on the thread pool instead of c-ares (glibc's NSS: nscd,
    // mDNS, LDAP...; `dns` and `resolver` are then ignored).
    bool use_getaddrinfo = false;
};

// Options are passed by pointer and the struct stays trivially destructible
// on purpose: g++ 12 miscompiles a braced temporary with a non-trivial
// destructor inside a co_await expression, and `co_await resolve(h, p, {...})`
// is how everyone writes it.
static_assert(std::is_trivially_destructible_v<ResolveOptions>);

// The addresses of `host` (a name or a numeric address); see the top of this file.
Task<std::vector<Address>> resolve(std::string host, std::uint16_t port, ResolveOptions options = {});

// The addresses of a socket's own end and of its peer.
Address local_address(int fd);
Address peer_address(int fd);

}  // namespace simul
