// Helpers for the TLS tests (tests/net/tls*_test.cpp): where the fixture's
// certificates are (SIMUL_TLS_DIR, made by tls_certs.sh), contexts built on
// them, a free loopback port, and running a test body on the real clock.
#pragma once

#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include <simul/net/tls.hpp>
#include <simul/simul.hpp>

namespace tls_test {

using namespace std::chrono_literals;
namespace tls = simul::tls;

inline std::string cert_dir() {
    const char* d = std::getenv("SIMUL_TLS_DIR");
    if (!d || !*d) {
        ADD_FAILURE() << "SIMUL_TLS_DIR is not set: run the TLS tests through ctest (the tls fixture makes the "
                         "certificates), or run tests/net/tls_certs.sh DIR and set SIMUL_TLS_DIR=DIR";
        return "/nonexistent";
    }
    return d;
}
inline std::string cert(const std::string& name) { return cert_dir() + "/" + name; }

// (Overloads, not default arguments: a default argument with a destructor
// inside a co_await expression is miscompiled by g++ 12.)
inline tls::Context server_context(const std::string& name, tls::ServerConfig config) {
    config.certfile = cert(name + ".pem");
    config.keyfile = cert(name + ".key");
    return tls::Context::server(std::move(config));
}

inline tls::Context server_context(const std::string& name) { return server_context(name, tls::ServerConfig()); }
inline tls::Context server_context() { return server_context("server", tls::ServerConfig()); }

inline tls::Context client_context(tls::ClientConfig config) {
    if (config.cafile.empty() && config.ca_pem.empty() && config.capath.empty()) config.cafile = cert("ca.pem");
    return tls::Context::client(std::move(config));
}
inline tls::Context client_context() { return client_context(tls::ClientConfig()); }

// A port nobody listens on now (the kernel's pick; a race is possible, but
// only with another program binding that very port meanwhile).
inline std::uint16_t free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(fd);
    return ntohs(a.sin_port);
}

template <class F>
auto run_real(F body) {
    return simul::run(body(), {.virtual_time = false});
}

inline bool sanitized() {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    return true;
#else
    return false;
#endif
}

inline void raise_fd_limit() {
    rlimit r{};
    if (::getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
        r.rlim_cur = r.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &r);
    }
}

}  // namespace tls_test
