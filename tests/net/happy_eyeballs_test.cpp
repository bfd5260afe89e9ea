// Happy Eyeballs v2 (RFC 8305) in open_connection(host, ...): resolution
// through the DNS test servers (dns_fixture.py), connections to listeners on
// 127.0.0.1 and ::1 that accept, refuse, or never answer.
#include <simul/debug/blocking_detector.hpp>
#include <simul/net/tcp.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <simul/net/dns.hpp>
#include <simul/simul.hpp>
#include <simul/testing/simul_test.hpp>

#include "dns_fixture.hpp"

using namespace std::chrono_literals;

namespace {

template <class F>
auto run_real(F body) {
    return simul::run(body(), {.virtual_time = false});
}

simul::Task<> echo(simul::Stream s) {
    char buf[256];
    for (;;) {
        std::size_t n = co_await s.read_some(buf, sizeof buf);
        if (n == 0) break;
        co_await s.write(std::string_view(buf, n));
    }
}

// A listener whose queue is full: further SYNs are dropped, a connect there
// hangs (a black hole, on loopback). Holds its descriptors until destroyed.
struct BlackHole {
    int listener = -1;
    std::vector<int> fillers;
    std::uint16_t port = 0;
    BlackHole(int family, std::uint16_t want_port) {
        simul::AllowBlocking allow_blocking("the test's black hole");
        listener = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int one = 1;
        if (family == AF_INET6) ::setsockopt(listener, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
        simul::Address a = simul::Address::ip(family == AF_INET6 ? "::1" : "127.0.0.1", want_port);
        if (::bind(listener, a.data(), a.size()) != 0 || ::listen(listener, 0) != 0) return;
        port = simul::local_address(listener).port();
        for (int i = 0; i < 4; ++i) {
            int c = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            simul::Address to = simul::Address::ip(family == AF_INET6 ? "::1" : "127.0.0.1", port);
            (void)::connect(c, to.data(), to.size());
            fillers.push_back(c);
        }
        ::usleep(20'000);  // let the handshakes that fit complete and fill the queue
    }
    ~BlackHole() {
        for (int c : fillers) ::close(c);
        if (listener >= 0) ::close(listener);
    }
};

struct Outcome {
    std::string peer;  // the address connected to
    simul::Duration took{};
};

// Connects to `name` at `port`, checks the stream works, returns where it went.
simul::Task<Outcome> connect_and_echo(std::string name, std::uint16_t port, const simul::dns::Resolver* r) {
    const auto t0 = simul::now();
    simul::ConnectOptions options;
    options.resolve.resolver = r;
    auto s = co_await simul::open_connection(name, port, options);
    Outcome o{simul::peer_address(s.fd()).host(), simul::now() - t0};
    co_await s.write("ping");
    std::string back = co_await s.read_exactly(4);
    EXPECT_EQ(back, "ping");
    s.close();
    co_return o;
}

}  // namespace

TEST(HappyEyeballs, PrefersIpv6WhenBothFamiliesWork) {
    SKIP_WITHOUT_DNS_SERVERS(fx);
    simul::dns::Resolver r({.servers = {fx.dnsmasq}});
    auto o = run_real([&]() -> simul::Task<Outcome> {
        auto six = co_await simul::start_server(echo, "::1", 0);
        auto four = co_await simul::start_server(echo, "127.0.0.1", six.port());
        Outcome out = co_await connect_and_echo("dual.test", six.port(), &r);
        co_await six.wait_closed(1s);
        co_await four.wait_closed(1s);
        co_return out;
    });
    EXPECT_EQ(o.peer, "::1");
}

TEST(HappyEyeballs, MovesToIpv4AtOnceWhenIpv6Refuses) {
    SKIP_WITHOUT_DNS_SERVERS(fx);
    simul::dns::Resolver r({.servers = {fx.dnsmasq}});
    auto o = run_real([&]() -> simul::Task<Outcome> {
        auto four = co_await simul::start_server(echo, "127.0.0.1", 0);  // nothing on [::1] at that port
        Outcome out = co_await connect_and_echo("dual.test", four.port(), &r);
        co_await four.wait_closed(1s);
        co_return out;
    });
    EXPECT_EQ(o.peer, "127.0.0.1");
    EXPECT_LT(o.took, 200ms) << "a refused attempt starts the next one without waiting out the 250 ms";
}

TEST(HappyEyeballs, StaggersToIpv4After250msWhenIpv6IsABlackHoleAndClosesTheLoser) {
    SKIP_WITHOUT_DNS_SERVERS(fx);
    simul::dns::Resolver r({.servers = {fx.dnsmasq}});
    BlackHole hole(AF_INET6, 0);
    ASSERT_NE(hole.port, 0);
    const int fds_before = dns_fixture::open_fds();
    auto o = run_real([&]() -> simul::Task<Outcome> {
        auto four = co_await simul::start_server(echo, "127.0.0.1", hole.port);
        Outcome out = co_await connect_and_echo("dual.test", hole.port, &r);
        co_await four.wait_closed(1s);
        co_return out;
    });
    EXPECT_EQ(o.peer, "127.0.0.1");
    EXPECT_GE(o.took, 250ms);
    EXPECT_LT(o.took, 1s);
    EXPECT_EQ(dns_fixture::open_fds(), fds_before) << "the attempt to the black hole was closed";
}

TEST(HappyEyeballs, WaitsTheResolutionDelayForALateAaaa) {
    SKIP_WITHOUT_DNS_SERVERS(fx);
    // quick6.test: A at once, AAAA 20 ms later: within the 50 ms resolution
    // delay, so IPv6 is still tried first.
    simul::dns::Resolver r({.servers = {fx.slow}});
    auto o = run_real([&]() -> simul::Task<Outcome> {
        auto six = co_await simul::start_server(echo, "::1", 0);
        auto four = co_await simul::start_server(echo, "127.0.0.1", six.port());
        Outcome out = co_await connect_and_echo("quick6.test", six.port(), &r);
        co_await six.wait_closed(1s);
        co_await four.wait_closed(1s);
        co_return out;
    });
    EXPECT_EQ(o.peer, "::1");
    EXPECT_GE(o.took, 15ms);
    EXPECT_LT(o.took, 250ms);
}

TEST(HappyEyeballs, StartsWithIpv4WhenAaaaIsLaterThanTheResolutionDelay) {
    SKIP_WITHOUT_DNS_SERVERS(fx);
    // slow6.test: A at once, AAAA 300 ms later: IPv4 is tried after 50 ms.
    simul::dns::Resolver r({.servers = {fx.slow}});
    auto o = run_real([&]() -> simul::Task<Outcome> {
        auto six = co_await simul::start_server(echo, "::1", 0);
        auto four = co_await simul::start_server(echo, "127.0.0.1", six.port());
        Outcome out = co_await connect_and_echo("slow6.test", six.port(), &r);
        co_await six.wait_closed(1s);
        co_await four.wait_closed(1s);
        co_return out;
    });
    EXPECT_EQ(o.peer, "127.0.0.1");
    EXPECT_GE(o.took, 50ms);
    EXPECT_LT(o.took, 250ms) << "connected before the AAAA answer came";
}

TEST(HappyEyeballs, ResolutionDelayIsAnOption) {
    SKIP_WITHOUT_DNS_SERVERS(fx);
    // With a 500 ms resolution delay the late AAAA (300 ms) is waited for.
    simul::dns::Resolver r({.servers = {fx.slow}});
    auto o = run_real([&]() -> simul::Task<Outcome> {
        auto six = co_await simul::start_server(echo, "::1", 0);
        auto four = co_await simul::start_server(echo, "127.0.0.1", six.port());
        const auto t0 = simul::now();
        simul::ConnectOptions options;
        options.resolve.resolver = &r;
        options.resolution_delay = 500ms;
        auto s = co_await simul::open_connection("slow6.test", six.port(), options);
        Outcome out{simul::peer_address(s.fd()).host(), simul::now() - t0};
        s.close();
        co_await six.wait_closed(1s);
        co_await four.wait_closed(1s);
        co_return out;
    });
    EXPECT_EQ(o.peer, "::1");
    EXPECT_GE(o.took, 280ms);
}

TEST(HappyEyeballs, AnUnknownNameSaysWhichNameFailedAndWhy) {
    SKIP_WITHOUT_DNS_SERVERS(fx);
    simul::dns::Resolver r({.servers = {fx.dnsmasq}, .search = std::vector<std::string>{}});
    try {
        run_real([&]() -> simul::Task<> {
            simul::ConnectOptions options;
            options.resolve.resolver = &r;
            co_await simul::open_connection("nowhere.test", 80, options);
        });
        ADD_FAILURE() << "expected a ResolveError";
    } catch (const simul::ResolveError& e) {
        EXPECT_EQ(e.status(), simul::dns::Status::no_such_name);
        EXPECT_EQ(std::string(e.what()), "simul::open_connection: cannot resolve 'nowhere.test': no such name (NXDOMAIN)");
    }
}

TEST(HappyEyeballs, ServfailSaysSo) {
    SKIP_WITHOUT_DNS_SERVERS(fx);
    simul::dns::Config cfg{.servers = {fx.slow}, .tries = 1};
    try {
        run_real([&]() -> simul::Task<> {
            simul::ConnectOptions options;
            options.resolve.dns = &cfg;
            co_await simul::open_connection("servfail.test", 80, options);
        });
        ADD_FAILURE() << "expected a ResolveError";
    } catch (const simul::ResolveError& e) {
        EXPECT_EQ(e.status(), simul::dns::Status::server_failure) << e.what();
        EXPECT_NE(std::string(e.what()).find("'servfail.test'"), std::string::npos) << e.what();
    }
}

TEST(HappyEyeballs, ATimeoutSaysSo) {
    SKIP_WITHOUT_DNS_SERVERS(fx);
    simul::dns::Config cfg{.servers = {fx.blackhole}, .timeout = 100ms, .tries = 1};
    try {
        run_real([&]() -> simul::Task<> {
            simul::ConnectOptions options;
            options.resolve.dns = &cfg;
            co_await simul::open_connection("multi.test", 80, options);
        });
        ADD_FAILURE() << "expected a ResolveError";
    } catch (const simul::ResolveError& e) {
        EXPECT_EQ(e.status(), simul::dns::Status::timeout) << e.what();
        EXPECT_NE(std::string(e.what()).find("simul::open_connection: cannot resolve 'multi.test'"), std::string::npos) << e.what();
    }
}

TEST(HappyEyeballs, AnIpv4OnlyNameConnectsWithoutTheResolutionDelay) {
    SKIP_WITHOUT_DNS_SERVERS(fx);
    // v4only.test has no AAAA: the empty answer ends the wait for it, even
    // with a resolution delay of 2 s.
    simul::dns::Resolver r({.servers = {fx.dnsmasq}});
    auto o = run_real([&]() -> simul::Task<Outcome> {
        auto four = co_await simul::start_server(echo, "127.0.0.1", 0);
        const auto t0 = simul::now();
        simul::ConnectOptions options;
        options.resolve.resolver = &r;
        options.resolution_delay = 2s;
        auto s = co_await simul::open_connection("v4only.test", four.port(), options);
        Outcome out{simul::peer_address(s.fd()).host(), simul::now() - t0};
        s.close();
        co_await four.wait_closed(1s);
        co_return out;
    });
    EXPECT_EQ(o.peer, "127.0.0.1");
    EXPECT_LT(o.took, 1s);
}

TEST(HappyEyeballs, ANameInEtcHostsIsNotAskedOfDns) {
    SKIP_WITHOUT_DNS_SERVERS(fx);
    // The only server never answers: a DNS query would hang for 2 s.
    simul::dns::Resolver r({.servers = {fx.blackhole}, .timeout = 2s, .tries = 1});
    auto o = run_real([&]() -> simul::Task<Outcome> {
        auto four = co_await simul::start_server(echo, "127.0.0.1", 0);
        Outcome out = co_await connect_and_echo("localhost", four.port(), &r);
        co_await four.wait_closed(1s);
        co_return out;
    });
    EXPECT_EQ(o.peer, "127.0.0.1");
    EXPECT_LT(o.took, 500ms);
}

TEST(HappyEyeballs, CancellingAConnectClosesEverySocketItOpened) {
    SKIP_WITHOUT_DNS_SERVERS(fx);
    simul::dns::Resolver r({.servers = {fx.slow}});  // slow6.test: AAAA after 300 ms
    BlackHole hole4(AF_INET, 0);
    ASSERT_NE(hole4.port, 0);
    const int fds_before = dns_fixture::open_fds();
    bool cancelled = run_real([&]() -> simul::Task<bool> {
        simul::ConnectOptions options;
        options.resolve.resolver = &r;
        auto h = simul::spawn(simul::open_connection("slow6.test", hole4.port, options));
        co_await simul::sleep(120ms);  // the IPv4 attempt hangs, the AAAA lookup is pending
        h.cancel();
        try {
            co_await h;
        } catch (const simul::Cancelled&) {
            co_return true;
        }
        co_return false;
    });
    EXPECT_TRUE(cancelled);
    EXPECT_EQ(dns_fixture::open_fds(), fds_before);
}

// On the virtual clock (addresses given, no DNS): the 250 ms stagger exactly.
SIMUL_TEST(HappyEyeballs, TheStaggerIs250msOnTheVirtualClock) {
    BlackHole hole(AF_INET6, 0);
    CO_ASSERT_TRUE(hole.port != 0);
    auto four = co_await simul::start_server(echo, "127.0.0.1", hole.port);
    std::vector<simul::Address> both;
    both.push_back(simul::Address::ip("::1", hole.port));
    both.push_back(simul::Address::ip("127.0.0.1", hole.port));
    const auto t0 = simul::now();
    auto s = co_await simul::open_connection(both);
    EXPECT_EQ(simul::now() - t0, 250ms);
    EXPECT_EQ(simul::peer_address(s.fd()).host(), "127.0.0.1");
    s.close();
    co_await four.wait_closed(1s);
}
