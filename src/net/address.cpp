// Addresses and name resolution (see simul/net/address.hpp).
#include <simul/net/address.hpp>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <cstring>
#include <memory>
#include <system_error>

#include <simul/io/to_thread.hpp>

#if SIMUL_HAVE_DNS
#include "net/dns_channel.hpp"
#endif

namespace simul {

namespace {
dns::Status status_of_gai(int e) noexcept {
    switch (e) {
    case EAI_NONAME: return dns::Status::no_such_name;
#ifdef EAI_NODATA
    case EAI_NODATA: return dns::Status::no_data;
#endif
#ifdef EAI_ADDRFAMILY
    case EAI_ADDRFAMILY: return dns::Status::no_data;
#endif
    case EAI_AGAIN: return dns::Status::timeout;
    case EAI_FAIL: return dns::Status::server_failure;
    default: return dns::Status::other;
    }
}
}  // namespace

const char* dns::describe(Status s) noexcept {
    switch (s) {
    case Status::no_such_name: return "no such name (NXDOMAIN)";
    case Status::no_data: return "the name has no record of the type asked (NODATA)";
    case Status::server_failure: return "the DNS server failed (SERVFAIL)";
    case Status::refused: return "the DNS server refused the query (REFUSED)";
    case Status::timeout: return "no DNS server answered in time (timeout)";
    case Status::connection_refused: return "the DNS servers could not be reached (connection refused)";
    case Status::bad_name: return "not a valid domain name";
    case Status::bad_response: return "the DNS reply could not be understood";
    case Status::cancelled: return "the resolver was closed while the lookup ran";
    case Status::other: return "the lookup failed";
    }
    return "the lookup failed";
}

ResolveError::ResolveError(const std::string& host, int gai_error)
    : Error("simul::resolve: cannot resolve '" + host + "': " + ::gai_strerror(gai_error)),
      host_(host),
      status_(status_of_gai(gai_error)),
      code_(gai_error),
      gai_(true) {}

ResolveError::ResolveError(const std::string& context, std::string host, dns::Status status, int code,
                           const std::string& detail)
    : Error(context + ": cannot resolve '" + host + "': " + dns::describe(status) +
            (detail.empty() ? std::string() : " (" + detail + ")")),
      host_(std::move(host)),
      status_(status),
      code_(code),
      gai_(false) {}

Address::Address() noexcept { std::memset(&storage_, 0, sizeof storage_); }

Address::Address(const sockaddr* sa, socklen_t len) : Address() {
    if (len > sizeof storage_) throw Error("simul::Address: socket address too long");
    std::memcpy(&storage_, sa, len);
    len_ = len;
}

Address Address::ip(std::string_view numeric_host, std::uint16_t port) {
    Address a;
    std::string host(numeric_host);
    if (!host.empty() && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    auto* v4 = reinterpret_cast<sockaddr_in*>(&a.storage_);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&a.storage_);
    if (::inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        a.len_ = sizeof(sockaddr_in);
    } else if (::inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        a.len_ = sizeof(sockaddr_in6);
    } else {
        throw Error("simul::Address::ip: '" + host + "' is not a numeric IPv4 or IPv6 address; use simul::resolve for names");
    }
    return a;
}

Address Address::unix_path(std::string_view path) {
    Address a;
    auto* un = reinterpret_cast<sockaddr_un*>(&a.storage_);
    if (path.empty() || path.size() >= sizeof un->sun_path)
        throw Error("simul::Address::unix_path: the path must have 1 to " + std::to_string(sizeof un->sun_path - 1) +
                    " bytes");
    un->sun_family = AF_UNIX;
    std::memcpy(un->sun_path, path.data(), path.size());
    a.len_ = socklen_t(offsetof(sockaddr_un, sun_path) + path.size() + 1);
    return a;
}

std::uint16_t Address::port() const noexcept {
    if (family() == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&storage_)->sin_port);
    if (family() == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_port);
    return 0;
}

std::string Address::host() const {
    char buf[INET6_ADDRSTRLEN] = {};
    if (family() == AF_INET)
        ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr, buf, sizeof buf);
    else if (family() == AF_INET6)
        ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_addr, buf, sizeof buf);
    else if (family() == AF_UNIX)
        return reinterpret_cast<const sockaddr_un*>(&storage_)->sun_path;
    return buf;
}

std::string Address::to_string() const {
    if (family() == AF_INET6) {
        // Appended, not `"[" + host()`: that form trips g++ 12's false
        // -Wrestrict at -O3 (GCC bug 105329).
        std::string out = "[";
        out += host();
        out += "]:";
        out += std::to_string(port());
        return out;
    }
    if (family() == AF_INET) return host() + ":" + std::to_string(port());
    if (family() == AF_UNIX) return "unix:" + host();
    return "(no address)";
}

bool Address::operator==(const Address& o) const noexcept {
    return len_ == o.len_ && std::memcmp(&storage_, &o.storage_, len_) == 0;
}

namespace {
std::vector<Address> lookup(const std::string& host, std::uint16_t port, ResolveOptions opt) {
    addrinfo hints{};
    hints.ai_family = opt.family;
    hints.ai_socktype = opt.socktype;
    hints.ai_flags = AI_ADDRCONFIG | (opt.passive ? AI_PASSIVE : 0);
    addrinfo* res = nullptr;
    const std::string service = std::to_string(port);
    const int rc = ::getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &res);
    if (rc != 0) throw ResolveError(host, rc);
    std::unique_ptr<addrinfo, void (*)(addrinfo*)> guard(res, ::freeaddrinfo);
    std::vector<Address> out;
    for (addrinfo* ai = res; ai; ai = ai->ai_next) {
        Address a(ai->ai_addr, ai->ai_addrlen);
        bool seen = false;
        for (const auto& b : out) seen = seen || b == a;
        if (!seen) out.push_back(a);
    }
    return out;
}
}  // namespace

Task<std::vector<Address>> resolve(std::string host, std::uint16_t port, ResolveOptions options) {
    // Numeric addresses need no lookup and no thread.
    try {
        Address a = Address::ip(host, port);
        if (options.family == AF_UNSPEC || options.family == a.family()) co_return std::vector<Address>{a};
    } catch (const Error&) {
    }
#if SIMUL_HAVE_DNS
    // "" (every interface, for bind) stays with getaddrinfo: it is no lookup.
    if (!options.use_getaddrinfo && !host.empty()) {
        auto channel = dns::detail::Channel::pick(options.dns, options.resolver);
        co_return co_await dns::detail::lookup(std::move(channel), std::move(host), port, options.family,
                                               options.socktype, "simul::resolve");
    }
#endif
    co_return co_await to_thread(lookup, std::move(host), port, options);
}

Address local_address(int fd) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) < 0)
        throw std::system_error(errno, std::generic_category(), "simul: getsockname");
    return Address(reinterpret_cast<sockaddr*>(&ss), len);
}

Address peer_address(int fd) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) < 0)
        throw std::system_error(errno, std::generic_category(), "simul: getpeername");
    return Address(reinterpret_cast<sockaddr*>(&ss), len);
}

}  // namespace simul
