// bench/dns/dns_lookups.cpp: name lookups per second, c-ares on the loop
// beside getaddrinfo on the thread pool (bench/dns/run.sh runs the set).
//
//     dns_lookups MODE NAME [SERVER] [CONCURRENCY] [SECONDS]
//
// MODE cares: simul::resolve(NAME) on c-ares driven by the loop; with
//   SERVER ("127.0.0.1:5353") through a dns::Resolver pointed at it, else
//   the thread's default resolver (/etc/resolv.conf; use a name from
//   /etc/hosts then, so no query leaves the machine).
// MODE getaddrinfo: simul::resolve(NAME, {.use_getaddrinfo = true}), i.e.
//   glibc's getaddrinfo on simul's thread pool (it cannot be pointed at a
//   server: use a name from /etc/hosts).
// CONCURRENCY tasks each resolve in a loop for SECONDS (default 64, 3 s);
// prints one RESULT line with lookups/s and the process's CPU time per lookup.
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include <simul/net/dns.hpp>
#include <simul/simul.hpp>

namespace {

double cpu_seconds() {
    rusage ru{};
    ::getrusage(RUSAGE_SELF, &ru);
    return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

struct Setup {
    bool gai = false;
    std::string name;
    std::optional<simul::dns::Resolver> resolver;
    simul::Duration length{};
};

simul::Task<> worker(Setup& s, simul::TimePoint until, long& count, long& errors) {
    simul::ResolveOptions o;
    o.use_getaddrinfo = s.gai;
    if (s.resolver) o.resolver = &*s.resolver;
    while (simul::now() < until) {
        try {
            auto v = co_await simul::resolve(s.name, 80, o);
            if (v.empty()) ++errors;
            ++count;
        } catch (const simul::ResolveError& e) {
            if (++errors == 1) std::fprintf(stderr, "dns_lookups: %s\n", e.what());
        }
    }
}

simul::Task<long> run_all(Setup& s, int concurrency, long& errors) {
    long count = 0;
    // Warm-up: the first lookup opens sockets, reads resolv.conf, starts threads.
    co_await simul::resolve(s.name, 80, {.resolver = s.resolver ? &*s.resolver : nullptr, .use_getaddrinfo = s.gai});
    const auto until = simul::now() + s.length;
    std::vector<simul::Task<>> tasks;
    for (int i = 0; i < concurrency; ++i) tasks.push_back(worker(s, until, count, errors));
    co_await simul::gather(std::move(tasks));
    co_return count;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: dns_lookups cares|getaddrinfo NAME [SERVER|-] [CONCURRENCY] [SECONDS]\n");
        return 2;
    }
    Setup s;
    const std::string mode = argv[1];
    s.gai = mode == "getaddrinfo";
    s.name = argv[2];
    const std::string server = argc > 3 ? argv[3] : "-";
    const int concurrency = argc > 4 ? std::atoi(argv[4]) : 64;
    const double seconds = argc > 5 ? std::atof(argv[5]) : 3.0;
    s.length = std::chrono::duration_cast<simul::Duration>(std::chrono::duration<double>(seconds));
    if (!s.gai && server != "-") s.resolver.emplace(simul::dns::Config{.servers = {server}});
    long errors = 0;
    const double cpu0 = cpu_seconds();
    const auto t0 = std::chrono::steady_clock::now();
    const long n = simul::run(run_all(s, concurrency, errors));
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double cpu = cpu_seconds() - cpu0;
    std::printf("RESULT name=%s-%s target=%s concurrency=%d lookups=%ld errors=%ld lookups_per_s=%.0f cpu_us_per_lookup=%.1f\n",
                mode.c_str(), server == "-" ? "local" : "server", s.name.c_str(), concurrency, n, errors,
                double(n) / seconds, n ? cpu * 1e6 / double(n) : 0.0);
    (void)wall;
    return errors ? 1 : 0;
}
