// An echo server: every connection gets its own task, which writes back
// whatever it reads. One thread serves thousands of connections.
//
//     echo_server [port]        (default 8888; Ctrl-C to stop)
#include <simul/simul.hpp>

#include <cstdio>
#include <cstdlib>
#include <string_view>

simul::Task<> echo(simul::Stream client) {
    char buf[4096];
    for (;;) {
        std::size_t n = co_await client.read_some(buf, sizeof buf);
        if (n == 0) co_return;  // the client closed its end
        co_await client.write(std::string_view(buf, n));
    }
}

simul::Task<> serve(std::uint16_t port) {
    simul::Server server = co_await simul::start_server(echo, "127.0.0.1", port);
    std::printf("echo server on 127.0.0.1:%u\n", unsigned(server.port()));
    std::fflush(stdout);
    co_await server.serve_forever();
}

int main(int argc, char** argv) {
    const int port = argc > 1 ? std::atoi(argv[1]) : 8888;
    if (port < 0 || port > 65535) {
        std::fprintf(stderr, "echo_server: the port must be 0..65535\n");
        return 2;
    }
    simul::run(serve(std::uint16_t(port)));
}
