#include <simul/io/fiber_stream.hpp>

#include <string>

#include <gtest/gtest.h>

#include <simul/simul.hpp>
#include <simul/testing/simul_test.hpp>

using namespace std::chrono_literals;

#ifdef SIMUL_HAVE_FIBERS

namespace {

SIMUL_TEST(FiberStream, BlockingLookingCallsSuspendOnlyTheFiber) {
    auto pair = simul::stream_pair();  // not a structured binding: clang 14 cannot capture one
    simul::Stream& a = pair.first;
    simul::Stream& b = pair.second;
    int ticks = 0;
    auto ticker = [](int& t) -> simul::Task<> {
        for (int i = 0; i < 5; ++i) {
            co_await simul::sleep(1ms);
            ++t;
        }
    };
    auto tick = simul::spawn(ticker(ticks));
    auto reader = simul::fiber::spawn([&b] {
        std::string first = simul::fiber::read_line(b);     // looks blocking; only the fiber waits
        std::string rest = simul::fiber::read_exactly(b, 4);
        simul::fiber::write(b, "got " + first);
        return first + rest;
    });
    co_await simul::sleep(3ms);
    co_await a.write("hello\nwxyz");
    EXPECT_EQ(co_await reader, "hello\nwxyz");
    EXPECT_EQ(co_await a.read_line(), "got hello\n");
    co_await tick;
    EXPECT_EQ(ticks, 5);  // the loop kept running while the fiber waited
}

TEST(FiberStream, OutsideAFiberSaysWhatToDo) {
    simul::run([]() -> simul::Task<> {
        auto [a, b] = simul::stream_pair();
        EXPECT_THROW(simul::fiber::read_line(a), simul::Error);
        co_return;
    }(), {.virtual_time = true});
}

SIMUL_TEST(FiberStream, ConnectsAndTalksOverTcp) {
    auto echo = [](simul::Stream s) -> simul::Task<> { co_await s.write(co_await s.read_line()); };
    auto server = co_await simul::start_server(echo, "127.0.0.1", 0);
    const std::uint16_t port = server.port();
    auto client = simul::fiber::spawn([port] {
        simul::Stream s = simul::fiber::await(simul::open_connection("127.0.0.1", port));
        simul::fiber::write(s, "over tcp\n");
        return simul::fiber::read_line(s);
    });
    EXPECT_EQ(co_await client, "over tcp\n");
    co_await server.wait_closed(1s);
}

}  // namespace

#else
TEST(FiberStream, NeedsBoostContext) { GTEST_SKIP() << "built without Boost.Context: fibers are off"; }
#endif
