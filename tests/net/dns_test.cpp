#include <simul/net/dns.hpp>

#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <simul/simul.hpp>

#include "dns_fixture.hpp"

using namespace std::chrono_literals;
using simul::dns::Status;

// Real clock: the replies come from real servers on loopback (dns_fixture.py).
namespace {

template <class F>
auto run_real(F body) {
    return simul::run(body(), {.virtual_time = false});
}

std::set<std::string> hosts_of(const std::vector<simul::Address>& v) {
    std::set<std::string> out;
    for (const auto& a : v) out.insert(a.host());
    return out;
}

// Runs `body`, which must throw a ResolveError; returns it.
template <class F>
std::optional<simul::ResolveError> resolve_error(F body) {
    try {
        run_real(body);
    } catch (const simul::ResolveError& e) {
        return e;
    }
    return std::nullopt;
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST(Dns, ResolveReturnsEveryAAndAaaaRecordOfAName) {
    SKIP_WITHOUT_DNS_SERVERS(fx);
    simul::dns::Config cfg{.servers = {fx.dnsmasq}};
    auto got = run_real([&]() -> simul::Task<std::vector<simul::Address>> {
        co_return co_await simul::resolve("multi.test", 8080, {.dns = &cfg});
    });
    EXPECT_EQ(hosts_of(got), (std::set<std::string>{"127.0.0.11", "127.0.0.12", "127.0.0.13", "fd00::11", "fd00::12"}));
    for (const auto& a : got) EXPECT_EQ(a.port(), 8080);
}

TEST(Dns, ResolveOfAnIpv6OnlyNameGivesItsAaaa) {
    SKIP_WITHOUT_DNS_SERVERS(fx);
    simul::dns::Resolver r({.servers = {fx.dnsmasq}});
    auto got = run_real([&]() -> simul::Task<std::vector<simul::Address>> { co_return co_await r.resolve("v6only.test", 1); });
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].to_string(), "[fd00::6]:1");
}

TEST(Dns, ResolveFollowsACnameChain) {
    SKIP_WITHOUT_DNS_SERVERS(fx);
    simul::dns::Resolver r({.servers = {fx.dnsmasq}});
    auto got = run_real([&]() -> simul::Task<std::vector<simul::Address>> {
        co_return co_await r.resolve("chain1.test", 1, {.family = AF_INET});
    });
    EXPECT_EQ(hosts_of(got), (std::set<std::string>{"127.0.0.11", "127.0.0.12", "127.0.0.13"}));
}

TEST(Dns, FamilyRestrictsTheAnswer) {
    SKIP_WITHOUT_DNS_SERVERS(fx);
    simul::dns::Resolver r({.servers = {fx.dnsmasq}});
    auto got = run_real([&]() -> simul::Task<std::vector<simul::Address>> {
        co_return co_await r.resolve("multi.test", 1, {.family = AF_INET6});
    });
    EXPECT_EQ(hosts_of(got), (std::set<std::string>{"fd00::11", "fd00::12"}));
}

TEST(Dns, NxdomainNamesTheNameAndSaysNoSuchName) {
    SKIP_WITHOUT_DNS_SERVERS(fx);
    simul::dns::Resolver r({.servers = {fx.dnsmasq}, .search = std::vector<std::string>{}});
    auto e = resolve_error([&]() -> simul::Task<> { co_await r.resolve("nosuch.test", 80); });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->status(), Status::no_such_name);
    EXPECT_EQ(e->host(), "nosuch.test");
    EXPECT_FALSE(e->from_getaddrinfo());
    EXPECT_TRUE(contains(e->what(), "simul::resolve: cannot resolve 'nosuch.test': no such name (NXDOMAIN)")) << e->what();
}

TEST(Dns, ServfailIsReportedAsServerFailure) {
    SKIP_WITHOUT_DNS_SERVERS(fx);
    simul::dns::Resolver r({.servers = {fx.slow}, .tries = 1});
    auto e = resolve_error([&]() -> simul::Task<> { co_await r.resolve("servfail.test", 80); });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->status(), Status::server_failure);
    EXPECT_TRUE(contains(e->what(), "'servfail.test'") && contains(e->what(), "SERVFAIL")) << e->what();
    EXPECT_TRUE(contains(e->what(), fx.slow)) << "the message lists the servers asked: " << e->what();
}

TEST(Dns, RefusedIsReportedAsRefused) {
    SKIP_WITHOUT_DNS_SERVERS(fx);
    simul::dns::Resolver r({.servers = {fx.slow}, .tries = 1});
    auto e = resolve_error([&]() -> simul::Task<> { co_await r.query("refused.test", simul::dns::mx); });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->status(), Status::refused);
    EXPECT_TRUE(contains(e->what(), "simul::dns::query MX: cannot resolve 'refused.test'") && contains(e->what(), "REFUSED"))
        << e->what();
}

TEST(Dns, AServerThatNeverAnswersTimesOut) {
    SKIP_WITHOUT_DNS_SERVERS(fx);
    simul::dns::Resolver r({.servers = {fx.blackhole}, .timeout = 100ms, .tries = 2});
    const auto t0 = std::chrono::steady_clock::now();
    auto e = resolve_error([&]() -> simul::Task<> { co_await r.resolve("multi.test", 80); });
    const auto took = std::chrono::steady_clock::now() - t0;
    ASSERT_TRUE(e);
    EXPECT_EQ(e->status(), Status::timeout);
    EXPECT_TRUE(contains(e->what(), "timeout") && contains(e->what(), fx.blackhole)) << e->what();
    // Two tries: 100 ms, then 200 ms (c-ares doubles the timeout each round).
    EXPECT_GE(took, 250ms);
    EXPECT_LT(took, 3s);
}

TEST(Dns, ATimeoutMovesOnToTheNextServer) {
    SKIP_WITHOUT_DNS_SERVERS(fx);
    simul::dns::Resolver r({.servers = {fx.blackhole, fx.dnsmasq}, .timeout = 150ms, .tries = 1});
    const auto t0 = std::chrono::steady_clock::now();
    auto got = run_real([&]() -> simul::Task<std::vector<simul::Address>> {
        co_return co_await r.resolve("v6only.test", 1);
    });
    const auto took = std::chrono::steady_clock::now() - t0;
    EXPECT_EQ(hosts_of(got), (std::set<std::string>{"fd00::6"}));
    EXPECT_GE(took, 150ms) << "the first server was asked first and its timeout waited out";
    EXPECT_LT(took, 2s);
}

TEST(Dns, AReplyTooLargeForUdpIsFetchedOverTcp) {
    SKIP_WITHOUT_DNS_SERVERS(fx);
    simul::dns::Resolver r({.servers = {fx.dnsmasq}});
    auto [addresses, txts] = run_real([&]() -> simul::Task<std::pair<std::vector<simul::Address>, std::vector<simul::dns::TxtRecord>>> {
        auto a = co_await r.resolve("many.test", 1, {.family = AF_INET});
        auto t = co_await r.query("big.test", simul::dns::txt);
        co_return std::make_pair(std::move(a), std::move(t));
    });
    // Over UDP dnsmasq sends 30 of the 60 addresses with the TC bit set.
    EXPECT_EQ(addresses.size(), 60u);
    EXPECT_EQ(hosts_of(addresses).count("10.1.0.60"), 1u);
    EXPECT_EQ(txts.size(), 40u);
}

TEST(Dns, QueryMx) {
    SKIP_WITHOUT_DNS_SERVERS(fx);
    simul::dns::Config cfg{.servers = {fx.dnsmasq}};
    auto got = run_real([&]() -> simul::Task<std::vector<simul::dns::MxRecord>> {
        co_return co_await simul::dns::query("mail.test", simul::dns::mx, {.dns = &cfg});
    });
    std::sort(got.begin(), got.end(), [](auto& a, auto& b) { return a.priority < b.priority; });
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0].host, "mx1.test");
    EXPECT_EQ(got[0].priority, 10);
    EXPECT_EQ(got[1].host, "mx2.test");
    EXPECT_EQ(got[1].priority, 20);
}

TEST(Dns, QueryTxtKeepsEachRecordsStrings) {
    SKIP_WITHOUT_DNS_SERVERS(fx);
    simul::dns::Resolver r({.servers = {fx.dnsmasq}});
    auto got = run_real([&]() -> simul::Task<std::vector<simul::dns::TxtRecord>> { co_return co_await r.query("txt.test", simul::dns::txt); });
    std::sort(got.begin(), got.end(), [](auto& a, auto& b) { return a.text() < b.text(); });
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0].strings, (std::vector<std::string>{"another record"}));
    EXPECT_EQ(got[1].strings, (std::vector<std::string>{"hello world", "second string"}));
    EXPECT_EQ(got[1].text(), "hello worldsecond string");
}

TEST(Dns, QuerySrv) {
    SKIP_WITHOUT_DNS_SERVERS(fx);
    simul::dns::Resolver r({.servers = {fx.dnsmasq}});
    auto got = run_real([&]() -> simul::Task<std::vector<simul::dns::SrvRecord>> { co_return co_await r.query("_echo._tcp.test", simul::dns::srv); });
    std::sort(got.begin(), got.end(), [](auto& a, auto& b) { return a.priority < b.priority; });
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0].target, "echo.test");
    EXPECT_EQ(got[0].port, 7007);
    EXPECT_EQ(got[0].priority, 1);
    EXPECT_EQ(got[0].weight, 5);
    EXPECT_EQ(got[1].target, "echo2.test");
    EXPECT_EQ(got[1].port, 7008);
}

TEST(Dns, QueryCnameGivesTheFirstLink) {
    SKIP_WITHOUT_DNS_SERVERS(fx);
    simul::dns::Resolver r({.servers = {fx.dnsmasq}});
    auto got = run_real([&]() -> simul::Task<std::vector<simul::dns::CnameRecord>> { co_return co_await r.query("chain1.test", simul::dns::cname); });
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].alias, "chain1.test");
    EXPECT_EQ(got[0].target, "chain2.test");
}

TEST(Dns, QueryAAndAaaaWithTtls) {
    SKIP_WITHOUT_DNS_SERVERS(fx);
    simul::dns::Resolver r({.servers = {fx.dnsmasq}});
    auto [v4, v6] = run_real([&]() -> simul::Task<std::pair<std::vector<simul::dns::AddressRecord>, std::vector<simul::dns::AddressRecord>>> {
        auto a = co_await r.query("multi.test", simul::dns::a);
        auto b = co_await r.query("multi.test", simul::dns::aaaa);
        co_return std::make_pair(std::move(a), std::move(b));
    });
    std::set<std::string> four, six;
    for (const auto& x : v4) four.insert(x.address.host());
    for (const auto& x : v6) six.insert(x.address.host());
    EXPECT_EQ(four, (std::set<std::string>{"127.0.0.11", "127.0.0.12", "127.0.0.13"}));
    EXPECT_EQ(six, (std::set<std::string>{"fd00::11", "fd00::12"}));
    ASSERT_FALSE(v4.empty());
    EXPECT_GT(v4[0].ttl, 0u);
}

TEST(Dns, QueryOfATypeTheNameLacksSaysNoData) {
    SKIP_WITHOUT_DNS_SERVERS(fx);
    simul::dns::Resolver r({.servers = {fx.dnsmasq}});
    auto e = resolve_error([&]() -> simul::Task<> { co_await r.query("multi.test", simul::dns::mx); });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->status(), Status::no_data);
    EXPECT_TRUE(contains(e->what(), "'multi.test'")) << e->what();
}

TEST(Dns, AMalformedCnameAnswerIsABadResponseNotACrash) {
    SKIP_WITHOUT_DNS_SERVERS(fx);
    simul::dns::Resolver r({.servers = {fx.slow}, .tries = 1});
    for (const char* name : {"badcname.test", "loopcname.test"}) {
        auto e = resolve_error([&]() -> simul::Task<> { co_await r.query(name, simul::dns::cname, false); });
        ASSERT_TRUE(e) << name;
        EXPECT_EQ(e->status(), Status::bad_response) << e->what();
        EXPECT_TRUE(contains(e->what(), name)) << e->what();
    }
}

TEST(Dns, SearchDomainsAreTried) {
    SKIP_WITHOUT_DNS_SERVERS(fx);
    simul::dns::Resolver r({.servers = {fx.dnsmasq}, .search = std::vector<std::string>{"nothere.test", "test"}, .ndots = 1});
    auto got = run_real([&]() -> simul::Task<std::vector<simul::Address>> { co_return co_await r.resolve("v6only", 1); });
    EXPECT_EQ(hosts_of(got), (std::set<std::string>{"fd00::6"}));
}

TEST(Dns, SearchAndNdotsComeFromTheResolvConf) {
    SKIP_WITHOUT_DNS_SERVERS(fx);
    const std::string path = ::testing::TempDir() + "simul_dns_resolv.conf";
    {
        std::ofstream f(path);
        f << "nameserver 127.0.0.1\nsearch test\noptions ndots:3\n";
    }
    // ndots:3: "multi.x" (one dot) is tried with the search domain first.
    simul::dns::Resolver r({.servers = {fx.dnsmasq}, .resolv_conf = path});
    auto got = run_real([&]() -> simul::Task<std::vector<simul::dns::CnameRecord>> {
        co_return co_await r.query("chain1", simul::dns::cname);
    });
    std::remove(path.c_str());
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].alias, "chain1.test");
}

TEST(Dns, EtcHostsIsHonouredBeforeDns) {
    SKIP_WITHOUT_DNS_SERVERS(fx);
    // The only server never answers: an answer can only come from /etc/hosts.
    simul::dns::Resolver r({.servers = {fx.blackhole}, .timeout = 2s, .tries = 1});
    std::string name, address;
    {
        std::ifstream hosts("/etc/hosts");
        std::string line;
        while (name.empty() && std::getline(hosts, line)) {
            char a[64], n[256];
            if (line.empty() || line[0] == '#' || std::sscanf(line.c_str(), "%63s %255s", a, n) != 2) continue;
            in_addr probe;
            if (std::string(n) != "localhost" && ::inet_pton(AF_INET, a, &probe) == 1) name = n, address = a;
        }
    }
    const auto t0 = std::chrono::steady_clock::now();
    auto [local, other] = run_real([&]() -> simul::Task<std::pair<std::vector<simul::Address>, std::vector<simul::Address>>> {
        auto l = co_await r.resolve("localhost", 80, {.family = AF_INET});
        std::vector<simul::Address> o;
        if (!name.empty()) o = co_await r.resolve(name, 80, {.family = AF_INET});
        co_return std::make_pair(std::move(l), std::move(o));
    });
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
    EXPECT_EQ(hosts_of(local), (std::set<std::string>{"127.0.0.1"}));
    if (!name.empty()) {
        EXPECT_EQ(hosts_of(other).count(address), 1u) << name;
    }
}

TEST(Dns, NumericAddressesNeedNoLookup) {
    SKIP_WITHOUT_DNS_SERVERS(fx);
    simul::dns::Resolver r({.servers = {fx.blackhole}, .timeout = 2s, .tries = 1});
    auto got = run_real([&]() -> simul::Task<std::vector<simul::Address>> {
        auto v = co_await r.resolve("::1", 5);
        auto w = co_await r.resolve("127.0.0.1", 6);
        v.insert(v.end(), w.begin(), w.end());
        co_return v;
    });
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0].to_string(), "[::1]:5");
    EXPECT_EQ(got[1].to_string(), "127.0.0.1:6");
}

TEST(Dns, GetaddrinfoIsStillAvailable) {
    auto got = run_real([]() -> simul::Task<std::vector<simul::Address>> {
        co_return co_await simul::resolve("localhost", 7, {.family = AF_INET, .use_getaddrinfo = true});
    });
    EXPECT_EQ(hosts_of(got), (std::set<std::string>{"127.0.0.1"}));
}

TEST(Dns, ABadServerStringIsAClearError) {
    try {
        simul::dns::Resolver r({.servers = {"dns.example"}});
        ADD_FAILURE() << "expected simul::Error";
    } catch (const simul::Error& e) {
        EXPECT_TRUE(contains(e.what(), "'dns.example'") && contains(e.what(), "not a numeric IP address")) << e.what();
    }
    try {
        simul::dns::Resolver r({.servers = {"127.0.0.1:99999"}});
        ADD_FAILURE() << "expected simul::Error";
    } catch (const simul::Error& e) {
        EXPECT_TRUE(contains(e.what(), "port")) << e.what();
    }
    simul::dns::Resolver ok({.servers = {"127.0.0.1:5353", "[::1]:53", "::1"}});
    EXPECT_EQ(ok.servers(), "127.0.0.1:5353, [::1]:53, [::1]:53");
}

TEST(Dns, ACancelledLookupEndsAtOnceAndItsQueriesWithIt) {
    SKIP_WITHOUT_DNS_SERVERS(fx);
    const int fds_before = dns_fixture::open_fds();
    simul::dns::Resolver r({.servers = {fx.blackhole}, .timeout = 5s, .tries = 1});
    const auto t0 = std::chrono::steady_clock::now();
    bool cancelled = run_real([&]() -> simul::Task<bool> {
        auto h = simul::spawn(r.resolve("multi.test", 80));
        co_await simul::sleep(50ms);
        EXPECT_GT(dns_fixture::open_fds(), fds_before) << "c-ares has a socket open for the query";
        h.cancel();
        try {
            co_await h;
        } catch (const simul::Cancelled&) {
            co_return true;
        }
        co_return false;
    });
    EXPECT_TRUE(cancelled);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
    // Nobody else waited on the channel: the queries were cancelled and
    // their sockets closed, not left to time out.
    EXPECT_EQ(dns_fixture::open_fds(), fds_before);
}

TEST(Dns, CancellingOneLookupLeavesTheOthersOnTheSameResolver) {
    SKIP_WITHOUT_DNS_SERVERS(fx);
    const int fds_before = dns_fixture::open_fds();
    // The first server never answers: both lookups wait out its 300 ms.
    simul::dns::Resolver r({.servers = {fx.blackhole, fx.dnsmasq}, .timeout = 300ms, .tries = 1});
    auto [kept, dropped] = run_real([&]() -> simul::Task<std::pair<std::vector<simul::Address>, bool>> {
        auto keep = simul::spawn(r.resolve("v6only.test", 1));
        auto drop = simul::spawn(r.resolve("multi.test", 1));
        co_await simul::sleep(50ms);
        drop.cancel();
        bool was_cancelled = false;
        try {
            co_await drop;
        } catch (const simul::Cancelled&) {
            was_cancelled = true;
        }
        auto v = co_await keep;
        co_return std::make_pair(std::move(v), was_cancelled);
    });
    EXPECT_TRUE(dropped);
    EXPECT_EQ(hosts_of(kept), (std::set<std::string>{"fd00::6"}));
    EXPECT_EQ(dns_fixture::open_fds(), fds_before);
}

TEST(Dns, ALookupMayOutliveItsResolverObject) {
    SKIP_WITHOUT_DNS_SERVERS(fx);
    auto got = run_real([&]() -> simul::Task<std::vector<simul::Address>> {
        simul::Task<std::vector<simul::Address>> pending;
        {
            simul::dns::Resolver r({.servers = {fx.dnsmasq}});
            pending = r.resolve("v6only.test", 1);
        }  // the lookup keeps the channel
        co_return co_await std::move(pending);
    });
    EXPECT_EQ(hosts_of(got), (std::set<std::string>{"fd00::6"}));
}

TEST(Dns, ALookupOnTheVirtualClockWaitsInRealTime) {
    SKIP_WITHOUT_DNS_SERVERS(fx);
    simul::dns::Resolver good({.servers = {fx.dnsmasq}});
    simul::dns::Resolver silent({.servers = {fx.blackhole}, .timeout = 200ms, .tries = 1});
    const auto t0 = std::chrono::steady_clock::now();
    std::optional<Status> status;
    auto got = simul::run(
        [&]() -> simul::Task<std::vector<simul::Address>> {
            auto v = co_await good.resolve("v6only.test", 1);
            try {
                co_await silent.resolve("v6only.test", 1);
            } catch (const simul::ResolveError& e) {
                status = e.status();
            }
            co_return v;
        }(),
        {.virtual_time = true});
    const auto took = std::chrono::steady_clock::now() - t0;
    EXPECT_EQ(hosts_of(got), (std::set<std::string>{"fd00::6"}));
    EXPECT_EQ(status, Status::timeout);
    // c-ares keeps real time: the 200 ms timeout was really waited, not jumped over.
    EXPECT_GE(took, 190ms);
    EXPECT_LT(took, 2s);
}

TEST(Dns, TheDefaultResolverOutlivesItsLoop) {
    // /etc/hosts only (localhost): no query leaves the machine.
    for (int i = 0; i < 3; ++i) {
        auto got = run_real([]() -> simul::Task<std::vector<simul::Address>> {
            co_return co_await simul::resolve("localhost", 9, {.family = AF_INET});
        });
        EXPECT_EQ(hosts_of(got), (std::set<std::string>{"127.0.0.1"}));
    }
}

TEST(Dns, CaresVersionIsKnown) { EXPECT_FALSE(simul::dns::cares_version().empty()); }
