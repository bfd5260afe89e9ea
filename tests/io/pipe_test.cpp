#include <simul/io/pipe.hpp>

#include <fcntl.h>

#include <string>

#include <simul/testing/simul_test.hpp>

using namespace std::chrono_literals;

namespace {

SIMUL_TEST_REAL_CLOCK(Pipe, BytesWrittenAreReadInOrder) {
    auto [r, w] = simul::make_pipe();
    co_await w.write("hello\nworld\n");
    EXPECT_EQ(co_await r.read_line(), "hello\n");
    EXPECT_EQ(co_await r.read_line(), "world\n");
}

SIMUL_TEST_REAL_CLOCK(Pipe, BothEndsAreCloseOnExecAndNonBlocking) {
    auto [r, w] = simul::make_pipe();
    for (int fd : {r.fd(), w.fd()}) {
        EXPECT_TRUE(::fcntl(fd, F_GETFD) & FD_CLOEXEC);
        EXPECT_TRUE(::fcntl(fd, F_GETFL) & O_NONBLOCK);
    }
    co_return;
}

SIMUL_TEST_REAL_CLOCK(Pipe, ClosingTheWriteEndGivesEndOfStream) {
    auto [r, w] = simul::make_pipe();
    co_await w.write("last words");
    w.close();
    EXPECT_EQ(co_await r.read(), "last words");
    EXPECT_TRUE(r.at_eof());
}

simul::Task<> produce(simul::Stream w, std::size_t total) {
    std::string chunk(4096, 'x');
    for (std::size_t sent = 0; sent < total; sent += chunk.size()) co_await w.write(chunk);
    w.close();  // the frame (and w) lives on while a handle holds it: close now for end of stream
}

SIMUL_TEST_REAL_CLOCK(Pipe, AWriterPastTheCapacityWaitsForTheReader) {
    auto [r, w] = simul::make_pipe();
    constexpr std::size_t kTotal = 4 << 20;  // 64 times the pipe's buffer
    auto writer = simul::spawn(produce(std::move(w), kTotal));
    std::size_t got = 0;
    char buf[65536];
    for (;;) {
        const std::size_t n = co_await r.read_some(buf, sizeof buf);
        if (n == 0) break;
        got += n;
    }
    co_await writer;
    EXPECT_EQ(got, kTotal);
}

SIMUL_TEST_REAL_CLOCK(Pipe, WritingAfterTheReaderClosedThrowsEpipeNotSigpipe) {
    auto [r, w] = simul::make_pipe();
    r.close();
    try {
        co_await w.write("nobody listens");
        ADD_FAILURE() << "write succeeded";
    } catch (const std::system_error& e) {
        EXPECT_EQ(e.code().value(), EPIPE);
    }
}

SIMUL_TEST_REAL_CLOCK(Pipe, ACancelledReadLosesNoBytes) {
    auto [r, w] = simul::make_pipe();
    auto reader = simul::spawn(r.read_exactly(10));
    co_await simul::sleep(5ms);
    co_await w.write("01234");
    co_await simul::sleep(5ms);
    reader.cancel();
    EXPECT_THROW(co_await reader, simul::Cancelled);
    co_await w.write("56789");
    EXPECT_EQ(co_await r.read_exactly(10), "0123456789");
}

}  // namespace
