// The DNS servers of tests/net/dns_fixture.py, as the tests see them.
//
// ctest starts them once per run (tests/net/dns.cmake) and passes their
// directory in SIMUL_DNS_DIR; DIR/servers has DNSMASQ=, SLOW= and BLACKHOLE=
// lines (ip:port). Run a test binary by hand with
//     /usr/bin/python3 tests/net/dns_fixture.py start /tmp/dns
//     SIMUL_DNS_DIR=/tmp/dns ./dns_test
// Every resolver in these tests is pointed at these servers (or at a
// numeric address, or /etc/hosts): no test asks the machine's resolver.
#pragma once

#include <dirent.h>

#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>

#include <simul/net/dns.hpp>

namespace dns_fixture {

struct Servers {
    std::string dnsmasq;    // the zone under .test (see dns_fixture.py)
    std::string slow;       // slow6/quick6 (late AAAA), servfail, refused
    std::string blackhole;  // reads and drops every query
};

inline std::optional<Servers> servers() {
    const char* dir = std::getenv("SIMUL_DNS_DIR");
    if (!dir) return std::nullopt;
    std::ifstream in(std::string(dir) + "/servers");
    Servers s;
    std::string line;
    while (std::getline(in, line)) {
        const auto eq = line.find('=');
        if (eq == std::string::npos) continue;
        const std::string key = line.substr(0, eq), value = line.substr(eq + 1);
        if (key == "DNSMASQ") s.dnsmasq = value;
        if (key == "SLOW") s.slow = value;
        if (key == "BLACKHOLE") s.blackhole = value;
    }
    if (s.dnsmasq.empty() || s.slow.empty() || s.blackhole.empty()) return std::nullopt;
    return s;
}

#define SKIP_WITHOUT_DNS_SERVERS(var)                                                                \
    const auto var##_opt = ::dns_fixture::servers();                                                 \
    if (!var##_opt) GTEST_SKIP() << "SIMUL_DNS_DIR is not set: run under ctest, or start "           \
                                    "tests/net/dns_fixture.py (see tests/net/dns_fixture.hpp)";      \
    const ::dns_fixture::Servers& var = *var##_opt

// Open descriptors of this process (to check that nothing leaks).
inline int open_fds() {
    int n = 0;
    if (DIR* d = ::opendir("/proc/self/fd")) {
        while (::readdir(d)) ++n;
        ::closedir(d);
    }
    return n;
}

}  // namespace dns_fixture
