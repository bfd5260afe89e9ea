// TLS echo server on Boost.Asio (bench/tls), the peer simul is measured
// against: one single-threaded io_context, one C++20 coroutine per
// connection, boost::asio::ssl::stream over a tcp::socket: async_handshake,
// then async_read_some (up to 4096 bytes) and async_write back.
//
// Usage: tls_echo_asio PORT CERT KEY
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

#include <cstdio>
#include <cstdlib>

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using asio::ip::tcp;

namespace {

asio::awaitable<void> session(ssl::stream<tcp::socket> s) {
    s.next_layer().set_option(tcp::no_delay(true));
    auto [hec] = co_await s.async_handshake(ssl::stream_base::server, asio::as_tuple(asio::use_awaitable));
    if (hec) co_return;
    char buf[4096];
    for (;;) {
        auto [ec, n] = co_await s.async_read_some(asio::buffer(buf), asio::as_tuple(asio::use_awaitable));
        if (ec) break;
        auto [ec2, m] = co_await asio::async_write(s, asio::buffer(buf, n), asio::as_tuple(asio::use_awaitable));
        if (ec2) break;
    }
}

asio::awaitable<void> listener(tcp::acceptor acceptor, ssl::context& ctx) {
    for (;;) {
        auto [ec, sock] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
        if (ec) continue;
        asio::co_spawn(acceptor.get_executor(), session(ssl::stream<tcp::socket>(std::move(sock), ctx)), asio::detached);
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 4) {
        std::fprintf(stderr, "usage: tls_echo_asio PORT CERT KEY\n");
        return 2;
    }
    asio::io_context io(1);
    ssl::context ctx(ssl::context::tls_server);
    ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                    ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    ctx.use_certificate_chain_file(argv[2]);
    ctx.use_private_key_file(argv[3], ssl::context::pem);
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), std::uint16_t(std::atoi(argv[1]))));
    acceptor.listen(1024);
    asio::co_spawn(io, listener(std::move(acceptor), ctx), asio::detached);
    std::printf("ready\n");
    std::fflush(stdout);
    io.run();
}
