#include <simul/io/stream.hpp>

#include <cerrno>
#include <memory>
#include <random>
#include <string>
#include <system_error>
#include <vector>

#include <gtest/gtest.h>

#include <simul/simul.hpp>
#include <simul/testing/simul_test.hpp>

using namespace std::chrono_literals;

namespace {

// Text lines of random lengths in [0, max_line], about `total` bytes; the
// last line lacks its "\n" when `final_newline` is false.
std::string make_lines(std::mt19937& rng, std::size_t total, std::size_t max_line, bool final_newline) {
    std::uniform_int_distribution<std::size_t> length(0, max_line);
    std::string s;
    while (s.size() < total) {
        const std::size_t n = length(rng);
        for (std::size_t i = 0; i < n; ++i) s += char('a' + (s.size() + i) % 26);
        s += '\n';
    }
    if (!final_newline) s += "the last line, without its newline";
    return s;
}

simul::Task<> send_in_chunks(simul::Stream& s, const std::string& text, std::size_t chunk, bool close_at_end) {
    for (std::size_t off = 0; off < text.size(); off += chunk) co_await s.write(std::string_view(text).substr(off, chunk));
    if (close_at_end)
        s.close();
    else
        s.shutdown_write();
}

simul::Task<std::vector<std::string>> read_lines_until_eof(simul::Stream& s, std::size_t limit) {
    std::vector<std::string> lines;
    for (;;) {
        std::string line = co_await s.read_line(limit);
        if (line.empty()) break;
        lines.push_back(std::move(line));
    }
    co_return lines;
}

// The writer's chunks cut lines anywhere (1 byte to past the 64 KiB read
// chunk); lines run from empty to twice the read chunk. Every line comes back
// whole, with its "\n"; the last one as it was sent; then "" at end of stream.
SIMUL_TEST(StreamReadLine, EveryLineComesBackWholeWhateverTheChunkSize) {
    std::mt19937 rng(20261128);
    const std::size_t chunks[] = {1, 2, 7, 100, 4095, 10240, 65535, 65536, 65537};
    for (std::size_t chunk : chunks) {
        for (int variant = 0; variant < 4; ++variant) {
            const bool final_newline = variant & 1;
            const bool close_at_end = variant & 2;
            const std::size_t total = chunk < 100 ? 6000 : 400000;
            const std::size_t max_line = chunk < 100 ? 300 : 2 * simul::Stream::kDefaultLimit;
            const std::string text = make_lines(rng, total, max_line, final_newline);
            auto [a, b] = simul::stream_pair();
            auto writer = simul::spawn(send_in_chunks(a, text, chunk, close_at_end));
            const std::vector<std::string> lines = co_await read_lines_until_eof(b, 4 * simul::Stream::kDefaultLimit);
            co_await writer;
            std::string joined;
            for (std::size_t i = 0; i < lines.size(); ++i) {
                const std::string& l = lines[i];
                const bool last = i + 1 == lines.size();
                EXPECT_EQ(l.find('\n'), (last && !final_newline) ? std::string::npos : l.size() - 1)
                    << "chunk " << chunk << ", line " << i;
                joined += l;
            }
            EXPECT_EQ(joined.size(), text.size()) << "chunk " << chunk << ", variant " << variant;
            EXPECT_TRUE(joined == text) << "chunk " << chunk << ", variant " << variant;
            EXPECT_EQ(co_await b.read_line(), "");  // end of stream stays so
            EXPECT_TRUE(b.at_eof());
            EXPECT_EQ(b.buffered(), 0u);
        }
    }
}

// Lines whose end falls just before, on and just after a 64 KiB read.
SIMUL_TEST(StreamReadLine, LinesAroundTheReadChunkBoundaryComeBackWhole) {
    const std::size_t k = 64 * 1024;
    std::string text;
    for (std::size_t n : {k - 2, k - 1, k, k + 1, std::size_t(0), 2 * k - 1, std::size_t(5)}) text += std::string(n, 'x') + "\n";
    text += std::string(k, 'y');  // a last line of exactly 64 KiB, no newline
    auto [a, b] = simul::stream_pair();
    auto writer = simul::spawn(send_in_chunks(a, text, k, false));
    const std::vector<std::string> lines = co_await read_lines_until_eof(b, 4 * k);
    co_await writer;
    CO_ASSERT_EQ(lines.size(), 8u);
    EXPECT_EQ(lines[0].size(), k - 1);
    EXPECT_EQ(lines[3].size(), k + 2);
    EXPECT_EQ(lines[4], "\n");
    EXPECT_EQ(lines[7], std::string(k, 'y'));
    std::string joined;
    for (const auto& l : lines) joined += l;
    EXPECT_TRUE(joined == text);
}

// asyncio's StreamReader.readline(): the partial last line, then "" for ever.
SIMUL_TEST(StreamReadLine, AtEndOfStreamThePartialLastLineThenEmpty) {
    auto [a, b] = simul::stream_pair();
    co_await a.write("first\nsecond\nlast");
    a.close();
    EXPECT_EQ(co_await b.read_line(), "first\n");
    EXPECT_EQ(co_await b.read_line(), "second\n");
    EXPECT_EQ(co_await b.read_line(), "last");
    EXPECT_EQ(co_await b.read_line(), "");
    EXPECT_EQ(co_await b.read_line(), "");
    EXPECT_TRUE(b.at_eof());
}

SIMUL_TEST(StreamReadLine, AnEmptyStreamGivesEmptyAtOnce) {
    auto [a, b] = simul::stream_pair();
    a.shutdown_write();
    EXPECT_EQ(co_await b.read_line(), "");
    EXPECT_TRUE(b.at_eof());
}

SIMUL_TEST(StreamReadLine, ReadUntilAtEndOfStreamReportsWhatCameAndWhatWasExpected) {
    auto [a, b] = simul::stream_pair();
    co_await a.write("abc");
    a.close();
    try {
        (void)co_await b.read_until("\r\n");
        ADD_FAILURE() << "expected IncompleteReadError";
    } catch (const simul::IncompleteReadError& e) {
        EXPECT_EQ(e.partial(), "abc");
        EXPECT_EQ(e.expected(), 5u);  // the three bytes and the delimiter
    }
    EXPECT_EQ(b.buffered(), 0u);
}

// The misuse behind "read_line: the stream is closed": reading on after close().
SIMUL_TEST(StreamReadLine, ReadingAClosedStreamThrowsAClearError) {
    auto [a, b] = simul::stream_pair();
    co_await a.write("unread\n");
    b.close();
    try {
        (void)co_await b.read_line();
        ADD_FAILURE() << "expected simul::Error";
    } catch (const simul::Error& e) {
        EXPECT_NE(std::string(e.what()).find("read_line: the stream is closed"), std::string::npos) << e.what();
    }
}

simul::Task<std::string> read_one_line(simul::Stream& s) { co_return co_await s.read_line(); }

// A reader on a deadline (asyncio's wait_for(reader.readline(), t)): the half
// line that came before the timeout is not lost.
SIMUL_TEST(StreamReadLine, ATimedOutReadLineLosesNoBytes) {
    auto [a, b] = simul::stream_pair();
    co_await a.write("half a ");
    bool timed_out = false;
    try {
        (void)co_await simul::wait_for(b.read_line(), 10ms);
    } catch (const simul::TimeoutError&) {
        timed_out = true;
    }
    EXPECT_TRUE(timed_out);
    co_await a.write("line\nnext\n");
    EXPECT_EQ(co_await b.read_line(), "half a line\n");
    EXPECT_EQ(co_await b.read_line(), "next\n");
}

SIMUL_TEST(StreamReadLine, ClosingTheStreamUnderAWaitingReaderWakesItWithEbadf) {
    auto [a, b] = simul::stream_pair();
    auto reader = simul::spawn(read_one_line(b));
    co_await a.write("no newline yet");
    co_await simul::sleep(1ms);  // the reader has the bytes and waits for more
    b.close();
    try {
        (void)co_await reader;
        ADD_FAILURE() << "expected std::system_error(EBADF)";
    } catch (const std::system_error& e) {
        EXPECT_EQ(e.code().value(), EBADF) << e.what();
    }
}

// The Stream goes while its reader waits: the reader must not touch it after
// it wakes (ASan watches this test).
SIMUL_TEST(StreamReadLine, DestroyingTheStreamUnderAWaitingReaderWakesItWithEbadf) {
    auto pair = std::make_unique<std::pair<simul::Stream, simul::Stream>>(simul::stream_pair());
    auto reader = simul::spawn(read_one_line(pair->second));
    co_await pair->first.write("half a li");
    co_await simul::sleep(1ms);
    pair.reset();
    try {
        (void)co_await reader;
        ADD_FAILURE() << "expected std::system_error(EBADF)";
    } catch (const std::system_error& e) {
        EXPECT_EQ(e.code().value(), EBADF) << e.what();
    }
}

SIMUL_TEST(StreamMove, AMovedFromStreamIsClosedAndHoldsNothing) {
    auto [a, b] = simul::stream_pair();
    co_await a.write("one\ntwo\n");
    EXPECT_EQ(co_await b.read_line(), "one\n");  // "two\n" stays buffered
    simul::Stream c = std::move(b);
    EXPECT_TRUE(b.is_closed());
    EXPECT_EQ(b.buffered(), 0u);
    EXPECT_FALSE(b.at_eof());
    EXPECT_THROW((void)co_await b.read_line(), simul::Error);
    EXPECT_EQ(c.buffered(), 4u);
    EXPECT_EQ(co_await c.read_line(), "two\n");
}

SIMUL_TEST(StreamMove, AssigningOverAnOpenStreamClosesItAndTakesTheBuffer) {
    auto [a, b] = simul::stream_pair();
    auto [c, d] = simul::stream_pair();
    co_await a.write("x\ny\n");
    EXPECT_EQ(co_await b.read_line(), "x\n");
    d = std::move(b);  // d's old descriptor closes: c reads end of stream
    EXPECT_EQ(co_await c.read_line(), "");
    EXPECT_TRUE(b.is_closed());
    EXPECT_EQ(b.buffered(), 0u);
    EXPECT_EQ(co_await d.read_line(), "y\n");
    co_await d.write("back");
    EXPECT_EQ(co_await a.read_exactly(4), "back");
}

}  // namespace
