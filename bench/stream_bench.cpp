// Stream's buffered reads over a stream_pair() (a Unix socketpair).
//
// BM_StreamReadLineBulk/<line>: a writer task sends 8 MiB of lines of <line>
// bytes in 64 KiB writes, the reader read_line()s them all; counters
// ns_per_line and MB_per_s. Each fill() brings up to 64 KiB here.
// BM_StreamReadLinePingPong: one line each way, 20,000 times (a request and
// its reply); counter ns_per_round_trip. Each fill() brings one short line,
// which is where a per-fill cost of the read buffer shows.
#include "bench_main.hpp"

#include <simul/simul.hpp>

#include <string>

namespace {

constexpr std::size_t kBulkBytes = 8u << 20;
constexpr std::size_t kWrite = 64 * 1024;
constexpr long kRoundTrips = 20'000;

simul::Task<> send_all(simul::Stream& s, const std::string& text) {
    for (std::size_t off = 0; off < text.size(); off += kWrite) co_await s.write(std::string_view(text).substr(off, kWrite));
    s.shutdown_write();
}

simul::Task<long> read_all_lines(const std::string& text) {
    auto [a, b] = simul::stream_pair();
    auto writer = simul::spawn(send_all(a, text));
    long lines = 0;
    for (;;) {
        const std::string line = co_await b.read_line();
        if (line.empty()) break;
        ++lines;
    }
    co_await writer;
    co_return lines;
}

void BM_StreamReadLineBulk(benchmark::State& state) {
    const std::size_t line = std::size_t(state.range(0));
    std::string text;
    text.reserve(kBulkBytes + line);
    while (text.size() < kBulkBytes) text += std::string(line - 1, 'x') + "\n";
    bench::PerOp per;
    long lines = 0;
    for (auto _ : state) {
        const auto t0 = bench::mono_ns();
        lines = simul::run(read_all_lines(text));
        per.add(state, double(bench::mono_ns() - t0), double(lines));
    }
    bench::keep(lines);
    state.counters["ns_per_line"] = per.ns_per_op();
    state.counters["MB_per_s"] = per.ns > 0 ? double(text.size()) * double(state.iterations()) / per.ns * 1e3 : 0;
}

simul::Task<> echo_lines(simul::Stream& s) {
    for (;;) {
        const std::string line = co_await s.read_line();
        if (line.empty()) break;
        co_await s.write(line);
    }
}

simul::Task<long> ping_pong() {
    auto [a, b] = simul::stream_pair();
    auto server = simul::spawn(echo_lines(b));
    const std::string request = "PING a line of about 32 bytes\n";
    long replies = 0;
    for (long i = 0; i < kRoundTrips; ++i) {
        co_await a.write(request);
        const std::string reply = co_await a.read_line();
        replies += reply.size() == request.size();
    }
    a.shutdown_write();
    co_await server;
    co_return replies;
}

void BM_StreamReadLinePingPong(benchmark::State& state) {
    bench::PerOp per;
    long replies = 0;
    for (auto _ : state) {
        const auto t0 = bench::mono_ns();
        replies = simul::run(ping_pong());
        per.add(state, double(bench::mono_ns() - t0), double(replies));
    }
    if (replies != kRoundTrips) state.SkipWithError("a reply went missing");
    state.counters["ns_per_round_trip"] = per.ns_per_op();
}

}  // namespace

BENCHMARK(BM_StreamReadLineBulk)->Arg(80)->Arg(1000)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_StreamReadLinePingPong)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
