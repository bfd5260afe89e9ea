// echo (peer kit workload 4), written as a user would: simul::start_server
// runs one task per connection, which reads up to 4096 bytes from its
// simul::Stream and writes them back. TCP_NODELAY is on for accepted sockets
// (the server sets it). The kit's load generator drives it and prints the
// RESULT line. (echo_raw.cpp is the same on raw descriptors.)
//
// Usage: echo PORT
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include <simul/simul.hpp>

namespace {

simul::Task<> serve(simul::Stream s) {
    char buf[4096];
    for (;;) {
        const std::size_t n = co_await s.read_some(buf, sizeof buf);
        if (n == 0) co_return;
        co_await s.write(std::string_view(buf, n));
    }
}

simul::Task<> main_task(std::uint16_t port) {
    simul::Server server = co_await simul::start_server(serve, "127.0.0.1", port, {.backlog = 1024});
    co_await server.serve_forever();
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: echo PORT\n");
        return 2;
    }
    simul::run(main_task(std::uint16_t(std::atoi(argv[1]))));
}
