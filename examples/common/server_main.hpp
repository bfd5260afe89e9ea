// examples/common/server_main.hpp: the command line shared by the example
// servers (echo, chat): `[--tls --cert FILE --key FILE] [port]`, then
// simul::run(serve(port, tls)) with a TLS context when --tls is given, and
// an exit code a shell can test (0 after Ctrl-C or SIGTERM, 1 on an error,
// 2 on a bad command line).
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>

#include <simul/simul.hpp>
#include <simul/net/tls.hpp>

namespace examples {

using ServeFn = simul::Task<> (*)(std::uint16_t port, simul::tls::Context tls);

inline int server_main(int argc, char** argv, const char* program, int port, ServeFn serve) {
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
            std::fprintf(stderr, "usage: %s [--tls --cert FILE --key FILE] [port]\n", program);
            return 2;
        }
    }
    if (port < 0 || port > 65535) {
        std::fprintf(stderr, "%s: the port must be 0..65535\n", program);
        return 2;
    }
    try {
        simul::tls::Context tls;  // empty: plain TCP
        if (use_tls) {
            if (cert.empty() || key.empty()) {
                std::fprintf(stderr, "%s: --tls needs --cert FILE and --key FILE\n", program);
                return 2;
            }
            tls = simul::tls::Context::server({.certfile = cert, .keyfile = key});
        }
        simul::run(serve(std::uint16_t(port), tls));
    } catch (const simul::Cancelled&) {
        return 0;  // Ctrl-C or SIGTERM: run() cancelled the server
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: %s\n", program, e.what());
        return 1;
    }
    return 0;
}

}  // namespace examples
