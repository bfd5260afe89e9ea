// The starvation budget: a task whose awaits keep completing at once is made
// to yield after RunOptions::budget operations, so the others still run.
#include <simul/debug/stats.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <sys/resource.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <simul/simul.hpp>

using namespace std::chrono_literals;

namespace {

// Drains a queue that never runs dry; counts how often the ticker ran meanwhile.
simul::Task<int> ticks_while_draining(std::uint32_t budget, std::uint64_t& forced) {
    simul::Loop::current()->set_budget(budget);
    simul::Queue<int> q;
    for (int i = 0; i < 10'000; ++i) q.try_put(i);
    int ticks = 0;
    bool done = false;
    auto ticker = simul::spawn([](int& t, bool& d) -> simul::Task<> {
        while (!d) {
            ++t;
            co_await simul::yield();
        }
    }(ticks, done));
    long sum = 0;
    for (int i = 0; i < 10'000; ++i) sum += co_await q.get();
    done = true;
    co_await ticker;
    EXPECT_EQ(sum, 10'000L * 9'999 / 2);  // nothing lost or duplicated by the forced yields
    forced = simul::stats().forced_yields;
    co_return ticks;
}

}  // namespace

TEST(Budget, AQueueThatNeverRunsDryStillLetsOthersRun) {
    std::uint64_t forced = 0;
    const int ticks = simul::run(ticks_while_draining(128, forced), {.virtual_time = true});
    EXPECT_GE(ticks, 10'000 / 129 - 2);
    EXPECT_GE(forced, 10'000u / 129 - 2);
}

TEST(Budget, ZeroTurnsItOff) {
    std::uint64_t forced = 0;
    const int ticks = simul::run(ticks_while_draining(0, forced), {.virtual_time = true});
    EXPECT_LE(ticks, 2);
    EXPECT_EQ(forced, 0u);
}

TEST(Budget, IsConfigurable) {
    std::uint64_t forced = 0;
    const int ticks = simul::run(ticks_while_draining(16, forced), {.virtual_time = true});
    EXPECT_GE(ticks, 10'000 / 18);
    EXPECT_LE(ticks, 10'000 / 16 + 2);
}

// One client floods the server from another thread (so its socket always has
// data), next to 100 quiet clients that each send one line and wait for the
// echo. Every quiet one must be served while the flood goes on.
TEST(Budget, OneFloodingClientDoesNotStarveAHundredQuietOnes) {
    rlimit lim{};
    ::getrlimit(RLIMIT_NOFILE, &lim);
    if (lim.rlim_cur < 512) {
        lim.rlim_cur = std::min<rlim_t>(lim.rlim_max, 1024);
        ::setrlimit(RLIMIT_NOFILE, &lim);
    }
    std::atomic<bool> stop_flood{false};
    std::atomic<long> flooded{0};
    std::thread flood_thread;
    const auto result = simul::run([&]() -> simul::Task<std::pair<int, double>> {
        auto server = co_await simul::start_server(
            [](simul::Stream s) -> simul::Task<> {
                for (;;) {
                    std::string line = co_await s.read_line();
                    if (line.empty()) co_return;
                    if (line[0] == 'q') co_await s.write(line);  // quiet clients get their echo; the flood does not
                }
            },
            "127.0.0.1", 0);
        const std::uint16_t port = server.port();
        // The flood: a blocking client on its own thread, bounded in bytes and time.
        flood_thread = std::thread([port, &stop_flood, &flooded] {
            int fd = ::socket(AF_INET, SOCK_STREAM, 0);
            sockaddr_in a{};
            a.sin_family = AF_INET;
            a.sin_port = htons(port);
            a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return;
            const std::string chunk(64 * 1024, 'f');
            std::string lines;
            for (int i = 0; i < 1024; ++i) lines += std::string(63, 'f') + "\n";
            const auto until = std::chrono::steady_clock::now() + 5s;
            while (!stop_flood && flooded < (1L << 30) && std::chrono::steady_clock::now() < until) {
                const ssize_t n = ::send(fd, lines.data(), lines.size(), MSG_NOSIGNAL);
                if (n <= 0) break;
                flooded += n;
            }
            ::close(fd);
        });
        while (flooded < 4 * 1024 * 1024) co_await simul::sleep(1ms);  // the flood is on
        int served = 0;
        double worst = 0;
        std::vector<simul::TaskHandle<double>> quiet;
        for (int i = 0; i < 100; ++i)
            quiet.push_back(simul::spawn([](std::uint16_t p) -> simul::Task<double> {
                auto s = co_await simul::open_connection("127.0.0.1", p);
                const auto t0 = std::chrono::steady_clock::now();
                co_await s.write("quiet\n");
                std::string echo = co_await s.read_line();
                if (echo != "quiet\n") throw std::runtime_error("bad echo: " + echo);
                co_return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            }(port)));
        for (auto& h : quiet) {
            worst = std::max(worst, co_await h);
            ++served;
        }
        stop_flood = true;
        server.close();
        co_return std::pair{served, worst};
    }());
    flood_thread.join();
    EXPECT_EQ(result.first, 100);
    EXPECT_LT(result.second, 2.0) << "a quiet client waited " << result.second << " s behind the flood";
}
