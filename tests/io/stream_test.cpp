#include <simul/io/stream.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include <gtest/gtest.h>

#include <simul/simul.hpp>
#include <simul/testing/simul_test.hpp>

using namespace std::chrono_literals;

namespace {

SIMUL_TEST(Stream, ReadUntilAcrossBufferBoundaries) {
    auto [a, b] = simul::stream_pair();
    auto writer = [](simul::Stream& s) -> simul::Task<> {
        co_await s.write("hel");
        co_await simul::sleep(1ms);
        co_await s.write("lo\nwor");
        co_await simul::sleep(1ms);
        co_await s.write("ld\n");
        s.shutdown_write();
    };
    auto w = simul::spawn(writer(a));
    EXPECT_EQ(co_await b.read_line(), "hello\n");
    EXPECT_EQ(co_await b.read_until("\n"), "world\n");
    EXPECT_EQ(co_await b.read_line(), "");  // end of stream
    EXPECT_TRUE(b.at_eof());
    co_await w;
}

SIMUL_TEST(Stream, ReadUntilLimitIsEnforcedAndBytesStay) {
    auto [a, b] = simul::stream_pair();
    co_await a.write(std::string(100, 'x'));
    try {
        (void)co_await b.read_until("\n", 50);
        ADD_FAILURE() << "expected LimitOverrunError";
    } catch (const simul::LimitOverrunError& e) {
        EXPECT_GE(e.consumed(), 50u);
    }
    EXPECT_EQ(b.buffered(), 100u);  // nothing was lost
    co_await a.write("\n");
    EXPECT_EQ((co_await b.read_until("\n", 200)).size(), 101u);
}

SIMUL_TEST(Stream, ReadExactlyAtEndOfStreamCarriesThePartialBytes) {
    auto [a, b] = simul::stream_pair();
    co_await a.write("abc");
    a.close();
    try {
        (void)co_await b.read_exactly(10);
        ADD_FAILURE();
    } catch (const simul::IncompleteReadError& e) {
        EXPECT_EQ(e.partial(), "abc");
        EXPECT_EQ(e.expected(), 10u);
    }
}

simul::Task<> echo_all(simul::Stream& s) {
    char buf[4096];
    for (;;) {
        std::size_t n = co_await s.read_some(buf, sizeof buf);
        if (n == 0) break;
        co_await s.write(std::string_view(buf, n));
    }
    s.shutdown_write();
}

TEST(Stream, TenMegabytesEchoByteForByte) {
    auto sent_back = simul::run([]() -> simul::Task<bool> {
        auto [a, b] = simul::stream_pair();
        auto echo = simul::spawn(echo_all(b));
        std::string data(10 * 1024 * 1024, '\0');
        for (std::size_t i = 0; i < data.size(); ++i) data[i] = char(i * 7 + i / 4096);
        auto reader = [](simul::Stream& s) -> simul::Task<std::string> { co_return co_await s.read(); };
        auto r = simul::spawn(reader(a));
        co_await a.write(data);  // backpressure: waits while the echo catches up
        a.shutdown_write();
        std::string got = co_await r;
        co_await echo;
        co_return got == data;
    }());
    EXPECT_TRUE(sent_back);
}

SIMUL_TEST(Stream, HalfCloseLeavesTheOtherDirectionWorking) {
    auto [a, b] = simul::stream_pair();
    a.shutdown_write();
    EXPECT_EQ(co_await b.read(), "");  // b sees end of stream
    co_await b.write("still here");
    EXPECT_EQ(co_await a.read_exactly(10), "still here");
}

SIMUL_TEST(Stream, ACancelledReadLosesNoBytes) {
    auto [a, b] = simul::stream_pair();
    auto reader = [](simul::Stream& s) -> simul::Task<std::string> { co_return co_await s.read_exactly(10); };
    auto r = simul::spawn(reader(b));
    co_await a.write("12345");
    co_await simul::sleep(1ms);
    r.cancel();
    try {
        (void)co_await r;
    } catch (const simul::Cancelled&) {
    }
    co_await a.write("67890");
    EXPECT_EQ(co_await b.read_exactly(10), "1234567890");
}

SIMUL_TEST(Stream, WritingToAClosedPeerRaisesNotSigpipe) {
    auto [a, b] = simul::stream_pair();
    b.close();
    try {
        for (int i = 0; i < 100; ++i) co_await a.write(std::string(65536, 'z'));
        ADD_FAILURE() << "expected EPIPE";
    } catch (const std::system_error& e) {
        EXPECT_TRUE(e.code().value() == EPIPE || e.code().value() == ECONNRESET) << e.what();
    }
}

SIMUL_TEST(Stream, ACancelledHalfWriteMarksTheStreamBroken) {
    auto [a, b] = simul::stream_pair();
    auto writer = [](simul::Stream& s) -> simul::Task<> { co_await s.write(std::string(8 * 1024 * 1024, 'q')); };
    auto w = simul::spawn(writer(a));
    co_await simul::sleep(1ms);  // the socket buffer is full; the writer waits
    w.cancel();
    try {
        co_await w;
    } catch (const simul::Cancelled&) {
    }
    EXPECT_THROW(co_await a.write("more"), simul::Error);
}

}  // namespace
