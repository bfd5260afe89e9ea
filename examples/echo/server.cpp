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

int main(int argc, char** argv) {
    int port = 8888;
    bool use_tls = false;
    std::string cert, key;
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        if (a == "--tls") {
            use_tls = true;
        } else if ((a == "--cert" || a == "--key") && i + 1 < argc) {
            (a == "--cert" ? cert : key) = argv[++i];
        } else if (!a.empty() && a[0] != '-') {
            port = std::atoi(argv[i]);
        } else {
            std::fprintf(stderr, "usage: echo_server [--tls --cert FILE --key FILE] [port]\n");
            return 2;
        }
    }
    if (port < 0 || port > 65535) {
        std::fprintf(stderr, "echo_server: the port must be 0..65535\n");
        return 2;
    }
    try {
        simul::tls::Context tls;
        if (use_tls) {
            if (cert.empty() || key.empty()) {
                std::fprintf(stderr, "echo_server: --tls needs --cert FILE and --key FILE\n");
                return 2;
            }
            tls = simul::tls::Context::server({.certfile = cert, .keyfile = key});
        }
        simul::run(serve(std::uint16_t(port), tls));
    } catch (const simul::Cancelled&) {
        return 0;  // Ctrl-C or SIGTERM: run() cancelled the server
    } catch (const std::exception& e) {
        std::fprintf(stderr, "echo_server: %s\n", e.what());
        return 1;
    }
}
