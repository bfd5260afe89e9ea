// simul/net/dns/config.hpp: dns::Config, how a resolver finds names, and dns::Status, why it did not.
//
// A Config says which DNS servers to ask and how patiently; everything left
// empty or zero comes from the machine's configuration (/etc/resolv.conf:
// nameservers, search domains, ndots, timeout, attempts). It is given to a
// dns::Resolver (net/dns.hpp), or by pointer to resolve(), dns::query() and
// open_connection() through their options (a channel is then made for the
// one call):
//
//     simul::dns::Config office{.servers = {"10.0.0.2", "10.0.0.3:5353"}, .timeout = 500ms, .tries = 2};
//     co_await simul::resolve("db.internal", 5432, {.dns = &office});
//
// A plain data struct: no waiting, nothing to cancel. Bad values (a server
// that is not "ip", "ip:port" or "[ipv6]:port") are reported with
// simul::Error when a lookup starts, naming the value.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <simul/core/clock.hpp>

namespace simul::dns {

class Resolver;  // net/dns.hpp

struct Config {
    // "127.0.0.1", "127.0.0.1:5353", "::1", "[::1]:5353"; tried in this order
    // (the next one on a timeout, SERVFAIL or REFUSED). Empty: resolv.conf's.
    std::vector<std::string> servers = {};
    // How long the first try waits for a reply (c-ares doubles it on each
    // later round through the servers). Zero: resolv.conf's, or 2 s.
    Duration timeout = Duration::zero();
    // Rounds through the servers before giving up. 0: resolv.conf's, or 3.
    int tries = 0;
    // Search domains for names with fewer than `ndots` dots. Unset:
    // resolv.conf's; an empty list: none.
    std::optional<std::vector<std::string>> search = {};
    int ndots = -1;  // -1: resolv.conf's, or 1
    // Look in /etc/hosts before asking DNS (as getaddrinfo does).
    bool hosts_file = true;
    // Spread queries over the servers instead of always starting with the first.
    bool rotate = false;
    // Another file in resolv.conf's format to read the defaults from. Empty: /etc/resolv.conf.
    std::string resolv_conf = {};

    // True if every field has its default (the machine's configuration).
    bool is_default() const noexcept {
        return servers.empty() && timeout == Duration::zero() && tries == 0 && !search && ndots < 0 && hosts_file &&
               !rotate && resolv_conf.empty();
    }
};

// Why a name could not be resolved: the status() of a simul::ResolveError.
enum class Status {
    no_such_name,        // NXDOMAIN: the name does not exist
    no_data,             // the name exists but has no record of the type asked (NODATA)
    server_failure,      // SERVFAIL from every server
    refused,             // REFUSED from every server
    timeout,             // no server answered in time
    connection_refused,  // the servers could not be reached
    bad_name,            // not a valid domain name
    bad_response,        // a reply that could not be understood
    cancelled,           // the resolver was destroyed while the lookup ran
    other,               // anything else (out of memory, a bad configuration file)
};

}  // namespace simul::dns
