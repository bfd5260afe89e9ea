// An echo client: sends each argument as a line and prints what comes back.
//
//     echo_client host port word...
//     echo_client --tls [--cafile ca.pem] [--insecure-skip-verify] host port word...
//     echo_client --resolve-with 127.0.0.1:5353 host port word...
//
// With --tls the client verifies the server's certificate against the system's
// trust store (or --cafile) and checks that it names `host`;
// --insecure-skip-verify turns both checks off (for throwaway test servers).
// --resolve-with SERVER looks `host` up at that DNS server (c-ares, "ip" or
// "ip:port") instead of the system's resolver.
#include <simul/simul.hpp>
#include <simul/net/dns.hpp>
#include <simul/net/tls.hpp>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

using namespace std::chrono_literals;

simul::Task<int> talk(std::string host, std::uint16_t port, std::vector<std::string> words, simul::tls::Context tls,
                      std::string resolve_with) {
    simul::ConnectOptions options;
    options.timeout = 5s;
    options.tls = tls;  // empty: plain TCP
    std::optional<simul::dns::Resolver> resolver;  // must outlive the connect
    if (!resolve_with.empty()) {
        simul::dns::Config config;
        config.servers.push_back(resolve_with);
        resolver.emplace(std::move(config));
        options.resolve.resolver = &*resolver;
    }
    simul::Stream s = co_await simul::open_connection(host, port, options);
    for (const auto& w : words) {
        co_await s.write(w + "\n");
        std::string back = co_await s.read_line();
        std::printf("%s", back.c_str());
    }
    co_return 0;
}

int main(int argc, char** argv) {
    bool use_tls = false, insecure = false;
    std::string cafile, resolve_with;
    std::vector<std::string> rest;
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        if (a == "--tls")
            use_tls = true;
        else if (a == "--insecure-skip-verify")
            insecure = true;
        else if (a == "--cafile" && i + 1 < argc)
            cafile = argv[++i];
        else if (a == "--resolve-with" && i + 1 < argc)
            resolve_with = argv[++i];
        else
            rest.emplace_back(a);
    }
    if (rest.size() < 3) {
        std::fprintf(stderr, "usage: echo_client [--tls [--cafile FILE] [--insecure-skip-verify]] [--resolve-with SERVER] host port word...\n");
        return 2;
    }
    try {
        simul::tls::Context tls;
        if (use_tls) tls = simul::tls::Context::client({.cafile = cafile, .insecure_skip_verify = insecure});
        return simul::run(talk(rest[0], std::uint16_t(std::atoi(rest[1].c_str())),
                               std::vector<std::string>(rest.begin() + 2, rest.end()), tls, resolve_with));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "echo_client: %s\n", e.what());
        return 1;
    }
}
