// The TLS load generator of bench/tls (one simul process, pinned to its own
// CPU by run_tls.sh), the same for every server it drives:
//   echo:       CONNS connections, handshakes first (not measured), then each
//               sends SIZE bytes and waits for them back, over and over;
//               counts round trips in SECS after WARMUP.
//   handshake:  CONNS workers, each connects, makes a full handshake (no
//               resumption), exchanges one byte and closes, over and over.
// It prints one line: RESULT name=.. mode=.. value=<per second>
// server_us=<server CPU µs per op> p50_us p99_us (echo round trip), reading
// the server's CPU time from /proc/PID/stat before and after the window.
//
// Usage: tls_load --port P --ca FILE --mode echo|handshake [--conns N]
//                 [--size B] [--secs S] [--warmup S] [--pid SERVER_PID] [--name NAME]
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <simul/net/tls.hpp>
#include <simul/simul.hpp>

using namespace std::chrono_literals;

namespace {

struct Args {
    std::uint16_t port = 0;
    std::string ca, mode = "echo", name = "server";
    int conns = 100, size = 64, pid = 0;
    double secs = 5, warmup = 1;
};

double cpu_seconds(int pid) {
    if (pid <= 0) return 0;
    std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    std::getline(f, line);
    const std::size_t paren = line.rfind(')');
    if (paren == std::string::npos || paren + 2 > line.size()) return 0;
    std::istringstream in(line.substr(paren + 2));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && in >> field; ++i) {
        if (i == 14) utime = std::stoull(field);
        if (i == 15) stime = std::stoull(field);
    }
    return double(utime + stime) / double(sysconf(_SC_CLK_TCK));
}

struct Shared {
    bool measuring = false, stop = false;
    long ops = 0;
    std::vector<double> latencies_us;
};

simul::Task<> echo_worker(const Args& a, simul::tls::Context& ctx, Shared& sh, simul::Event& ready, int& connected) {
    simul::ConnectOptions o;
    o.tls = ctx;
    simul::Stream s = co_await simul::open_connection("localhost", a.port, o);
    if (++connected == a.conns) ready.set();
    co_await ready.wait();
    const std::string msg(std::size_t(a.size), 'x');
    std::vector<char> back(msg.size());
    while (!sh.stop) {
        const auto t0 = simul::now();
        co_await s.write(msg);
        std::size_t got = 0;
        while (got < back.size()) {
            const std::size_t n = co_await s.read_some(back.data() + got, back.size() - got);
            if (n == 0) co_return;
            got += n;
        }
        if (sh.measuring) {
            ++sh.ops;
            if (sh.latencies_us.size() < 2000000)
                sh.latencies_us.push_back(std::chrono::duration<double, std::micro>(simul::now() - t0).count());
        }
    }
    s.close();
}

simul::Task<> handshake_worker(const Args& a, simul::tls::Context& ctx, Shared& sh) {
    simul::ConnectOptions o;
    o.tls = ctx;
    while (!sh.stop) {
        const auto t0 = simul::now();
        simul::Stream s = co_await simul::open_connection("localhost", a.port, o);
        co_await s.write("x");
        co_await s.read_exactly(1);
        s.close();
        if (sh.measuring) {
            ++sh.ops;
            sh.latencies_us.push_back(std::chrono::duration<double, std::micro>(simul::now() - t0).count());
        }
    }
}

simul::Task<int> run_load(Args a) {
    auto ctx = simul::tls::Context::client({.cafile = a.ca, .session_cache = false});
    Shared sh;
    simul::Event ready;
    int connected = 0;
    std::vector<simul::TaskHandle<>> workers;
    for (int i = 0; i < a.conns; ++i) {
        if (a.mode == "echo")
            workers.push_back(simul::spawn(echo_worker(a, ctx, sh, ready, connected)));
        else
            workers.push_back(simul::spawn(handshake_worker(a, ctx, sh)));
    }
    if (a.mode == "echo") co_await simul::wait_for(ready.wait(), 60s);  // handshakes done: not measured
    co_await simul::sleep(std::chrono::duration_cast<simul::Duration>(std::chrono::duration<double>(a.warmup)));
    const double cpu0 = cpu_seconds(a.pid);
    const auto t0 = simul::now();
    sh.measuring = true;
    co_await simul::sleep(std::chrono::duration_cast<simul::Duration>(std::chrono::duration<double>(a.secs)));
    sh.measuring = false;
    const double elapsed = std::chrono::duration<double>(simul::now() - t0).count();
    const double cpu = cpu_seconds(a.pid) - cpu0;
    sh.stop = true;
    for (auto& w : workers) w.cancel();
    for (auto& w : workers) {
        try {
            co_await w;
        } catch (...) {
        }
    }
    const double rate = double(sh.ops) / elapsed;
    double p50 = 0, p99 = 0;
    if (!sh.latencies_us.empty()) {
        auto& v = sh.latencies_us;
        std::sort(v.begin(), v.end());
        p50 = v[v.size() / 2];
        p99 = v[std::min(v.size() - 1, v.size() * 99 / 100)];
    }
    std::printf("RESULT name=%s mode=%s value=%.1f server_us=%.2f p50_us=%.1f p99_us=%.1f ops=%ld\n", a.name.c_str(),
                a.mode.c_str(), rate, sh.ops ? cpu * 1e6 / double(sh.ops) : 0.0, p50, p99, sh.ops);
    co_return 0;
}

}  // namespace

int main(int argc, char** argv) {
    Args a;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string k = argv[i], v = argv[i + 1];
        if (k == "--port") a.port = std::uint16_t(std::atoi(v.c_str()));
        else if (k == "--ca") a.ca = v;
        else if (k == "--mode") a.mode = v;
        else if (k == "--name") a.name = v;
        else if (k == "--conns") a.conns = std::atoi(v.c_str());
        else if (k == "--size") a.size = std::atoi(v.c_str());
        else if (k == "--pid") a.pid = std::atoi(v.c_str());
        else if (k == "--secs") a.secs = std::atof(v.c_str());
        else if (k == "--warmup") a.warmup = std::atof(v.c_str());
    }
    if (a.port == 0 || a.ca.empty()) {
        std::fprintf(stderr, "usage: tls_load --port P --ca FILE --mode echo|handshake [--conns N] ...\n");
        return 2;
    }
    return simul::run(run_load(a));
}
