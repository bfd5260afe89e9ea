// TLS echo server on simul (bench/tls): start_server with {.tls = ctx}; each
// connection's task reads up to 4096 bytes and writes them back, exactly as
// the plain echo (bench/peers/echo.cpp) does.
//
// Usage: tls_echo_simul PORT CERT KEY
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include <simul/net/tls.hpp>
#include <simul/simul.hpp>

namespace {

simul::Task<> serve(simul::Stream s) {
    char buf[4096];
    try {
        for (;;) {
            const std::size_t n = co_await s.read_some(buf, sizeof buf);
            if (n == 0) co_return;
            co_await s.write(std::string_view(buf, n));
        }
    } catch (const std::exception&) {  // a client that goes away mid-stream (end of a run)
    }
}

simul::Task<> main_task(std::uint16_t port, simul::tls::Context ctx) {
    simul::ServerOptions options;
    options.backlog = 1024;
    options.tls = ctx;
    simul::Server server = co_await simul::start_server(serve, "127.0.0.1", port, options);
    std::printf("ready\n");
    std::fflush(stdout);
    co_await server.serve_forever();
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 4) {
        std::fprintf(stderr, "usage: tls_echo_simul PORT CERT KEY\n");
        return 2;
    }
    auto ctx = simul::tls::Context::server({.certfile = argv[2], .keyfile = argv[3]});
    simul::Loop::current();
    try {
        simul::run(main_task(std::uint16_t(std::atoi(argv[1])), ctx));
    } catch (const simul::Cancelled&) {
    }
}
