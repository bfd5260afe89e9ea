// The snippets of docs/tutorial/05-names-and-tls.md, run against the test
// zone (dns_fixture.py), so the chapter cannot rot.
#include <simul/net/dns.hpp>

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <simul/simul.hpp>

#include "dns_fixture.hpp"

using namespace std::chrono_literals;

namespace {

// ---- from the tutorial, verbatim ----
simul::Task<std::vector<std::string>> tour(const simul::dns::Resolver& r) {
    std::vector<std::string> lines;
    for (const auto& a : co_await r.resolve("multi.test", 80)) lines.push_back(a.to_string());
    for (const auto& mx : co_await r.query("mail.test", simul::dns::mx))
        lines.push_back("MX " + std::to_string(mx.priority) + " " + mx.host);
    for (const auto& c : co_await r.query("chain1.test", simul::dns::cname))
        lines.push_back("CNAME " + c.alias + " -> " + c.target);
    try {
        co_await r.resolve("nowhere.test", 80);
    } catch (const simul::ResolveError& e) {
        lines.push_back(e.what());
    }
    co_return lines;
}
// ----

bool has(const std::vector<std::string>& v, const std::string& s) {
    for (const auto& x : v)
        if (x == s) return true;
    return false;
}

}  // namespace

TEST(DnsTutorial, TheTourOfTheTestZone) {
    SKIP_WITHOUT_DNS_SERVERS(fx);
    simul::dns::Resolver r({.servers = {fx.dnsmasq}, .search = std::vector<std::string>{}});
    auto lines = simul::run(tour(r));
    EXPECT_EQ(lines.size(), 5u + 2u + 1u + 1u);
    EXPECT_TRUE(has(lines, "127.0.0.11:80"));
    EXPECT_TRUE(has(lines, "[fd00::12]:80"));
    EXPECT_TRUE(has(lines, "MX 10 mx1.test"));
    EXPECT_TRUE(has(lines, "MX 20 mx2.test"));
    EXPECT_TRUE(has(lines, "CNAME chain1.test -> chain2.test"));
    EXPECT_TRUE(has(lines, "simul::resolve: cannot resolve 'nowhere.test': no such name (NXDOMAIN)"));
}

TEST(DnsTutorial, AWaitForAroundALookupCancelsIt) {
    SKIP_WITHOUT_DNS_SERVERS(fx);
    const int fds_before = dns_fixture::open_fds();
    simul::dns::Resolver silent({.servers = {fx.blackhole}, .timeout = 5s});
    bool timed_out = simul::run([&]() -> simul::Task<bool> {
        try {
            auto addrs = co_await simul::wait_for(silent.resolve("slow.example", 80), 100ms);
        } catch (const simul::TimeoutError&) {
            co_return true;
        }
        co_return false;
    }());
    EXPECT_TRUE(timed_out);
    EXPECT_EQ(dns_fixture::open_fds(), fds_before);
}
