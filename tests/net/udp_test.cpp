#include <simul/net/udp.hpp>

#include <string>

#include <gtest/gtest.h>

#include <simul/simul.hpp>

using namespace std::chrono_literals;

namespace {

TEST(Udp, RoundTripWithSendToAndRecvFrom) {
    auto [reply, from_port] = simul::run([]() -> simul::Task<std::pair<std::string, std::uint16_t>> {
        auto server = co_await simul::DatagramSocket::bind("127.0.0.1", 0);
        auto client = co_await simul::DatagramSocket::bind("127.0.0.1", 0);
        auto serve = [](simul::DatagramSocket& s) -> simul::Task<> {
            auto [data, from] = co_await s.recv_from();
            co_await s.send_to("re: " + data, from);
        };
        auto h = simul::spawn(serve(server));
        co_await client.send_to("ping", server.local_address());
        auto [data, from] = co_await client.recv_from();
        co_await h;
        co_return std::pair<std::string, std::uint16_t>(data, from.port());
    }());
    EXPECT_EQ(reply, "re: ping");
    EXPECT_NE(from_port, 0);
}

TEST(Udp, ConnectedModeOverIpv6) {
    std::string got = simul::run([]() -> simul::Task<std::string> {
        auto server = co_await simul::DatagramSocket::bind("::1", 0);
        auto client = simul::DatagramSocket::connect(server.local_address());
        co_await client.send("hello");
        auto [data, from] = co_await server.recv_from();
        co_await server.send_to(data + "!", from);
        co_return co_await client.recv();
    }());
    EXPECT_EQ(got, "hello!");
}

TEST(Udp, UnixDatagramSockets) {
    const std::string a_path = "/tmp/simul-udp-test-a-" + std::to_string(::getpid());
    const std::string b_path = "/tmp/simul-udp-test-b-" + std::to_string(::getpid());
    ::unlink(a_path.c_str());
    ::unlink(b_path.c_str());
    std::string got = simul::run([&]() -> simul::Task<std::string> {
        auto a = simul::DatagramSocket::bind(simul::Address::unix_path(a_path));
        auto b = simul::DatagramSocket::bind(simul::Address::unix_path(b_path));
        co_await a.send_to("over unix", simul::Address::unix_path(b_path));
        auto [data, from] = co_await b.recv_from();
        co_return data + " from " + from.host();
    }());
    EXPECT_EQ(got, "over unix from " + a_path);
    ::unlink(a_path.c_str());
    ::unlink(b_path.c_str());
}

}  // namespace
