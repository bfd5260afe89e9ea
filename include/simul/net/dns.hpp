// simul/net/dns.hpp: dns::Resolver and dns::query(), DNS lookups on c-ares driven by the loop.
//
// `co_await simul::dns::query("example.test", simul::dns::mx)` asks the DNS
// for one type of record and returns typed records (MxRecord, TxtRecord,
// SrvRecord, CnameRecord, AddressRecord for A and AAAA). The name goes
// through the search domains as resolv.conf says (ndots). A dns::Resolver
// keeps a c-ares channel (its settings, its open sockets) for many lookups,
// and can be pointed at given servers; resolve() and open_connection() take
// one through their options (`.resolver = &r`).
//
//     simul::dns::Resolver r({.servers = {"127.0.0.1:5353"}, .timeout = 200ms, .tries = 2});
//     for (const auto& mx : co_await r.query("mail.test", simul::dns::mx))
//         std::cout << mx.priority << ' ' << mx.host << '\n';
//     auto addrs = co_await r.resolve("db.test", 5432);            // as simul::resolve
//     auto s = co_await simul::open_connection("db.test", 5432, {.resolve = {.resolver = &r}});
//
// Who resumes a waiter: c-ares calls back from inside ares_process_fd(), which
// the loop runs when one of c-ares's sockets is readable or writable or when
// its timeout (a loop timer) expires; the callback wakes the waiting task. No
// thread is involved. Without options, lookups share one channel per thread,
// configured from /etc/resolv.conf; a `.dns = &config` option makes a channel
// for the one call.
//
// Errors: simul::dns::Error (= simul::ResolveError) naming the name and why:
// status() is no_such_name (NXDOMAIN), no_data (the name has no record of the
// type), server_failure (SERVFAIL), refused, timeout, ...
//
// Cancellation: a cancelled lookup throws Cancelled at once; its queries are
// cancelled as soon as no other lookup shares the channel (c-ares can only
// cancel a whole channel; see src/net/dns_channel.cpp), and until then their
// replies are dropped. No callback ever reaches a finished frame. Destroying
// a Resolver while lookups run on it is allowed: they keep the channel alive.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <simul/coro/task.hpp>
#include <simul/net/address.hpp>
#include <simul/net/dns/config.hpp>

namespace simul::dns {

namespace detail {
class Channel;
}

struct MxRecord {
    std::string host;
    std::uint16_t priority = 0;
};
struct SrvRecord {
    std::string target;
    std::uint16_t priority = 0;
    std::uint16_t weight = 0;
    std::uint16_t port = 0;
};
struct TxtRecord {
    std::vector<std::string> strings;  // a TXT record is a list of strings of up to 255 bytes
    std::string text() const;          // them, joined
};
struct CnameRecord {
    std::string alias;   // the name the record is for
    std::string target;  // the name it points to
    std::uint32_t ttl = 0;
};
struct AddressRecord {
    Address address;  // port 0
    std::uint32_t ttl = 0;
};

// The record types dns::query() knows: pass one as its second argument.
struct Mx {};
struct Txt {};
struct Srv {};
struct Cname {};
struct A {};
struct Aaaa {};
inline constexpr Mx mx{};
inline constexpr Txt txt{};
inline constexpr Srv srv{};
inline constexpr Cname cname{};
inline constexpr A a{};
inline constexpr Aaaa aaaa{};

// Trivially destructible on purpose, as ResolveOptions (see net/address.hpp).
struct QueryOptions {
    const Config* dns = nullptr;         // null: /etc/resolv.conf's; ignored when `resolver` is given
    const Resolver* resolver = nullptr;  // must outlive the call
    bool search = true;                  // apply the search domains (ares_search), or ask the name as is
};

class Resolver {
public:
    explicit Resolver(Config config = {});  // throws simul::Error for a bad server string
    Resolver(const Resolver&) = default;    // copies share the channel
    Resolver& operator=(const Resolver&) = default;
    ~Resolver();

    const Config& config() const noexcept;
    // The servers it asks, as c-ares sees them ("127.0.0.1:5353,...").
    std::string servers() const;

    // As simul::resolve (options.dns and options.resolver are ignored).
    Task<std::vector<Address>> resolve(std::string host, std::uint16_t port, ResolveOptions options = {}) const;

    Task<std::vector<MxRecord>> query(std::string name, Mx, bool search = true) const;
    Task<std::vector<TxtRecord>> query(std::string name, Txt, bool search = true) const;
    Task<std::vector<SrvRecord>> query(std::string name, Srv, bool search = true) const;
    Task<std::vector<CnameRecord>> query(std::string name, Cname, bool search = true) const;
    Task<std::vector<AddressRecord>> query(std::string name, A, bool search = true) const;
    Task<std::vector<AddressRecord>> query(std::string name, Aaaa, bool search = true) const;

    // The machinery (net/tcp.cpp's Happy Eyeballs uses it).
    const std::shared_ptr<detail::Channel>& channel() const noexcept { return channel_; }

private:
    std::shared_ptr<detail::Channel> channel_;
};

Task<std::vector<MxRecord>> query(std::string name, Mx, QueryOptions options = {});
Task<std::vector<TxtRecord>> query(std::string name, Txt, QueryOptions options = {});
Task<std::vector<SrvRecord>> query(std::string name, Srv, QueryOptions options = {});
Task<std::vector<CnameRecord>> query(std::string name, Cname, QueryOptions options = {});
Task<std::vector<AddressRecord>> query(std::string name, A, QueryOptions options = {});
Task<std::vector<AddressRecord>> query(std::string name, Aaaa, QueryOptions options = {});

// The c-ares version in use ("1.18.1").
std::string cares_version();

}  // namespace simul::dns
