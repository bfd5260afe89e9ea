// An echo server: every connection gets its own task, which writes back
// whatever it reads. One thread serves thousands of connections.
//
//     echo_server [port]                                  (default 8888; Ctrl-C to stop)
//     echo_server --tls --cert cert.pem --key key.pem [port]
//
// With --tls the same handler serves TLS: start_server runs each
// connection's handshake in that connection's task and hands `echo` a Stream
// with the same calls.
#include <simul/simul.hpp>
#include <simul/net/tls.hpp>

#include "../common/server_main.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

simul::Task<> echo(simul::Stream client) {
    char buf[4096];
    for (;;) {
        std::size_t n = co_await client.read_some(buf, sizeof buf);
        if (n == 0) co_return;  // the client closed its end
        co_await client.write(std::string_view(buf, n));
    }
}

simul::Task<> serve(std::uint16_t port, simul::tls::Context tls) {
    simul::ServerOptions options;
    options.tls = tls;  // empty: plain TCP
    simul::Server server = co_await simul::start_server(echo, "127.0.0.1", port, options);
    std::printf("echo server on 127.0.0.1:%u%s\n", unsigned(server.port()), tls ? " (TLS)" : "");
    std::fflush(stdout);
    co_await server.serve_forever();
}

int main(int argc, char** argv) { return examples::server_main(argc, argv, "echo_server", 8888, &serve); }
