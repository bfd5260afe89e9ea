// Happy Eyeballs version 2 (RFC 8305) for open_connection(host, ...).
//
// The AAAA and A lookups run as two tasks on one c-ares channel; the
// connection attempts are tasks too; all of them report to a shared Race and
// poke its Future, and the function below is a loop that looks at the race,
// starts what is due, and waits for the next poke or the next deadline:
//   - the first attempt starts as soon as AAAA has answered with addresses,
//     or A has and AAAA has failed, or A has and the resolution delay
//     (50 ms) has passed without AAAA (section 3);
//   - families alternate, IPv6 first (section 4); addresses that arrive
//     later join the rotation where it stands;
//   - the next attempt starts when the connection attempt delay (250 ms)
//     has passed since the last one started, or at once when the last one
//     failed (section 5);
//   - the first connection wins; the lookups and the other attempts are
//     cancelled, and those close their sockets, before the winner is
//     returned.
// A name found in /etc/hosts is not asked of DNS, as with getaddrinfo.
#include "net/dns_connect.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <optional>
#include <system_error>

#include <simul/coro/future.hpp>
#include <simul/coro/spawn.hpp>
#include <simul/coro/wait_for.hpp>

#include "net/dns_channel.hpp"

namespace simul::detail {

namespace {

constexpr int kV6 = 0, kV4 = 1;

struct Race {
    std::vector<Address> found[2];
    std::size_t next[2] = {0, 0};
    bool resolved[2] = {false, false};
    std::exception_ptr failure[2];
    std::optional<Stream> winner;
    std::vector<std::string> errors;
    int running = 0;
    int latest = 0;              // the sequence number of the latest attempt
    bool latest_failed = false;  // ... and whether it has failed already
    Future<> changed;
    void poke() {
        if (!changed.done()) changed.set_result();
    }
};

Task<> lookup_family(std::shared_ptr<Race> race, std::shared_ptr<dns::detail::Channel> channel, std::string host,
                     std::uint16_t port, int which) {
    try {
        race->found[which] = co_await dns::detail::lookup(channel, host, port, which == kV6 ? AF_INET6 : AF_INET,
                                                          SOCK_STREAM, "simul::open_connection");
    } catch (const Cancelled&) {
        throw;
    } catch (...) {  // a ResolveError, or anything else: reported after the race
        race->failure[which] = std::current_exception();
    }
    race->resolved[which] = true;
    race->poke();
}

Task<> attempt(std::shared_ptr<Race> race, Address address, bool nodelay, int seq) {
    try {
        Stream s = co_await connect(address, nodelay);
        if (!race->winner) race->winner.emplace(std::move(s));
    } catch (const std::system_error& e) {
        race->errors.push_back(e.what());
        if (seq == race->latest) race->latest_failed = true;
    }
    --race->running;
    race->poke();
}

// The error for a name that gave no address: the more telling of the two.
[[noreturn]] void resolution_failed(const Race& race, const std::string& host) {
    auto status = [](const std::exception_ptr& e) {
        try {
            std::rethrow_exception(e);
        } catch (const ResolveError& r) {
            return r.status();
        }  // anything else (a busy Resolver, out of memory) propagates as it is
    };
    for (int w : {kV6, kV4})
        if (race.failure[w] && status(race.failure[w]) != dns::Status::no_data) std::rethrow_exception(race.failure[w]);
    throw ResolveError("simul::open_connection", host, dns::Status::no_data, ARES_ENODATA, "no A or AAAA record");
}

}  // namespace

Task<Stream> connect_by_name(std::string host, std::uint16_t port, ConnectOptions options) {
    std::optional<Address> numeric;
    try {
        numeric = Address::ip(host, port);
    } catch (const Error&) {
    }
    if (numeric) co_return co_await connect(*numeric, options.nodelay);
    const int family = options.resolve.family;
    auto channel = dns::detail::Channel::pick(options.resolve.dns, options.resolve.resolver);
    auto race = std::make_shared<Race>();
    std::vector<TaskHandle<>> lookups, attempts;
    std::vector<Address> local = channel->hosts_file(host, port);
    if (!local.empty()) {
        for (const auto& a : local)
            if (family == AF_UNSPEC || family == a.family()) race->found[a.family() == AF_INET6 ? kV6 : kV4].push_back(a);
        race->resolved[kV6] = race->resolved[kV4] = true;
    } else {
        for (int w : {kV6, kV4}) {
            if (family == (w == kV6 ? AF_INET : AF_INET6)) {
                race->resolved[w] = true;
                continue;
            }
            lookups.push_back(spawn(lookup_family(race, channel, host, port, w), w == kV6 ? "AAAA " + host : "A " + host));
        }
    }

    bool cancelled = false;
    bool started = false, delaying = false;
    TimePoint delay_until{}, next_attempt_at{};
    int last = -1;
    try {
        for (;;) {
            if (race->winner) break;
            const bool have6 = race->next[kV6] < race->found[kV6].size();
            const bool have4 = race->next[kV4] < race->found[kV4].size();
            if (!started) {
                if (!race->found[kV6].empty() || (!race->found[kV4].empty() && race->resolved[kV6])) {
                    started = true;
                } else if (!race->found[kV4].empty()) {
                    if (!delaying) {  // A came first: give AAAA the resolution delay
                        delaying = true;
                        delay_until = now() + options.resolution_delay;
                    }
                    if (now() >= delay_until) started = true;
                }
            }
            if (started && (have6 || have4) && (race->running == 0 || race->latest_failed || now() >= next_attempt_at)) {
                const int w = last == kV6 ? (have4 ? kV4 : kV6) : (have6 ? kV6 : kV4);
                last = w;
                Address a = race->found[w][race->next[w]++];
                ++race->running;
                race->latest = int(attempts.size()) + 1;
                race->latest_failed = false;
                next_attempt_at = now() + options.happy_eyeballs_delay;
                attempts.push_back(spawn(attempt(race, a, options.nodelay, race->latest), "connect " + a.to_string()));
                continue;
            }
            if (race->resolved[kV6] && race->resolved[kV4] && !have6 && !have4 && race->running == 0) break;
            Duration wait = Duration::max();
            if (!started && delaying)
                wait = delay_until - now();
            else if (started && (have6 || have4))
                wait = next_attempt_at - now();
            race->changed = Future<>();
            if (wait == Duration::max()) {
                co_await race->changed;
            } else {
                try {
                    co_await wait_for(race->changed, std::max(wait, Duration::zero()));
                } catch (const TimeoutError&) {
                }
            }
        }
    } catch (const Cancelled&) {
        cancelled = true;
    }
    // The lookups still running are cancelled (their queries with them), and
    // the losers close their sockets.
    for (auto& l : lookups) l.cancel();
    for (auto& a : attempts) a.cancel();
    for (auto& t : lookups) {
        try {
            co_await t;
        } catch (const Cancelled&) {
        }
    }
    for (auto& t : attempts) {
        try {
            co_await t;
        } catch (const Cancelled&) {
        }
    }
    if (cancelled) throw Cancelled{};
    if (race->winner) co_return std::move(*race->winner);
    if (attempts.empty()) resolution_failed(*race, host);
    std::string why;
    for (const auto& e : race->errors) why += (why.empty() ? "" : "; ") + e;
    throw std::system_error(ECONNREFUSED, std::generic_category(),
                            "simul::open_connection: every address of '" + host + "' failed (" + why + ")");
}

}  // namespace simul::detail
