#include <simul/io/file.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <simul/testing/simul_test.hpp>

using namespace std::chrono_literals;

namespace {

// A fresh directory for one test, removed at its end.
struct TempDir {
    std::string path;
    TempDir() {
        char tmpl[] = "/tmp/simul-file-test-XXXXXX";
        path = ::mkdtemp(tmpl);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
    std::string operator/(const std::string& name) const { return path + "/" + name; }
};

template <class F>
simul::Task<std::system_error> expect_system_error(F make_task) {
    try {
        co_await make_task();
    } catch (const std::system_error& e) {
        co_return e;
    }
    ADD_FAILURE() << "no std::system_error";
    co_return std::system_error(0, std::generic_category());
}

SIMUL_TEST_REAL_CLOCK(File, WriteFileThenReadFileRoundTrips) {
    TempDir dir;
    std::string data(3 << 20, '\0');
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = char(i * 7919 % 251);
    co_await simul::write_file(dir / "a.bin", data);
    const std::string back = co_await simul::read_file(dir / "a.bin");
    EXPECT_EQ(back.size(), data.size());
    EXPECT_TRUE(back == data);
    co_await simul::write_file(dir / "a.bin", "short");  // truncates
    EXPECT_EQ(co_await simul::read_file(dir / "a.bin"), "short");
    co_await simul::write_file(dir / "empty", "");
    EXPECT_EQ(co_await simul::read_file(dir / "empty"), "");
}

SIMUL_TEST_REAL_CLOCK(File, ErrorsNameTheCallAndThePath) {
    TempDir dir;
    const std::string missing = dir / "no/such/file";
    auto e = co_await expect_system_error([&] { return simul::read_file(missing); });
    EXPECT_EQ(e.code().value(), ENOENT);
    EXPECT_NE(std::string(e.what()).find("simul::read_file: open \"" + missing + "\""), std::string::npos) << e.what();
    e = co_await expect_system_error([&] { return simul::write_file(missing, "x"); });
    EXPECT_EQ(e.code().value(), ENOENT);
    EXPECT_NE(std::string(e.what()).find(missing), std::string::npos);
    e = co_await expect_system_error([&] { return simul::read_file(dir.path); });  // a directory
    EXPECT_EQ(e.code().value(), EISDIR);
}

SIMUL_TEST_REAL_CLOCK(File, ReadFileStopsAtMaxSize) {
    TempDir dir;
    co_await simul::write_file(dir / "big", std::string(10'000, 'x'));
    EXPECT_THROW((void)co_await simul::read_file(dir / "big", 1000), simul::Error);
    EXPECT_EQ((co_await simul::read_file(dir / "big", 10'000)).size(), 10'000u);
}

SIMUL_TEST_REAL_CLOCK(File, PositionalReadsAndWrites) {
    TempDir dir;
    auto f = co_await simul::AsyncFile::open(dir / "p", "w+");
    EXPECT_TRUE(f.is_open());
    EXPECT_EQ(f.path(), dir / "p");
    co_await f.write_at(0, "hello");
    co_await f.write_at(10, "world");
    EXPECT_EQ(co_await f.size(), 15u);
    EXPECT_EQ(co_await f.read_at(0, 100), std::string("hello\0\0\0\0\0world", 15));
    EXPECT_EQ(co_await f.read_at(10, 3), "wor");
    EXPECT_EQ(co_await f.read_at(100, 5), "");
    co_await f.sync();
    co_await f.close();
    EXPECT_FALSE(f.is_open());
    EXPECT_THROW((void)co_await f.read_at(0, 1), simul::Error);
    EXPECT_EQ((co_await simul::read_file(dir / "p")).size(), 15u);
}

SIMUL_TEST_REAL_CLOCK(File, ModesFollowFopen) {
    TempDir dir;
    auto e = co_await expect_system_error([&] { return simul::AsyncFile::open(dir / "none", "r"); });
    EXPECT_EQ(e.code().value(), ENOENT);
    co_await simul::write_file(dir / "f", "abc");
    e = co_await expect_system_error([&] { return simul::AsyncFile::open(dir / "f", "wx"); });
    EXPECT_EQ(e.code().value(), EEXIST);
    {
        auto ro = co_await simul::AsyncFile::open(dir / "f", "rb");
        e = co_await expect_system_error([&] { return ro.write_at(0, "x"); });
        EXPECT_EQ(e.code().value(), EBADF);
    }
    {
        auto ap = co_await simul::AsyncFile::open(dir / "f", "a");
        co_await ap.write_at(0, "def");  // O_APPEND: at the end whatever the offset
        co_await ap.close();
    }
    EXPECT_EQ(co_await simul::read_file(dir / "f"), "abcdef");
    EXPECT_THROW((void)co_await simul::AsyncFile::open(dir / "f", "q"), simul::Error);
    EXPECT_THROW((void)co_await simul::AsyncFile::open(dir / "f", "rx"), simul::Error);
}

simul::Task<std::string> read_piece(simul::AsyncFile& f, int i) { co_return co_await f.read_at(std::uint64_t(i) * 4, 4); }

SIMUL_TEST_REAL_CLOCK(File, ManyCallsMayBeInFlightOnOneFile) {
    TempDir dir;
    std::string data;
    for (int i = 0; i < 200; ++i) data += std::to_string(1000 + i);
    co_await simul::write_file(dir / "n", data);
    auto f = co_await simul::AsyncFile::open(dir / "n");
    std::vector<simul::Task<std::string>> reads;
    for (int i = 0; i < 200; ++i) reads.push_back(read_piece(f, i));
    const std::vector<std::string> pieces = co_await simul::gather(std::move(reads));
    for (int i = 0; i < 200; ++i) EXPECT_EQ(pieces[std::size_t(i)], std::to_string(1000 + i));
}

SIMUL_TEST_REAL_CLOCK(File, TheLoopRunsOtherTasksWhileAFileCallBlocks) {
    TempDir dir;
    const std::string fifo = dir / "fifo";
    CO_ASSERT_TRUE(::mkfifo(fifo.c_str(), 0600) == 0);
    auto reader = simul::spawn(simul::read_file(fifo));  // open() blocks until a writer comes
    int ticks = 0;
    for (int i = 0; i < 5; ++i) {
        co_await simul::sleep(2ms);
        ++ticks;
    }
    EXPECT_EQ(ticks, 5);
    EXPECT_FALSE(reader.done());
    co_await simul::write_file(fifo, "through the fifo");
    EXPECT_EQ(co_await simul::wait_for(std::move(reader), 5s), "through the fifo");
}

SIMUL_TEST_REAL_CLOCK(File, ACancelledCallLeavesTheFileUsable) {
    TempDir dir;
    co_await simul::write_file(dir / "c", std::string(1 << 20, 'c'));
    auto f = co_await simul::AsyncFile::open(dir / "c", "r+");
    auto r = simul::spawn(f.read_at(0, 1 << 20));
    r.cancel();
    EXPECT_THROW((void)co_await r, simul::Cancelled);
    EXPECT_EQ(co_await f.read_at(0, 3), "ccc");
    co_await f.close();  // the abandoned read, if still running, keeps the descriptor until it ends
}

}  // namespace
