#include <simul/net/unix_socket.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include <gtest/gtest.h>

#include <simul/simul.hpp>

using namespace std::chrono_literals;

namespace {

simul::Task<> upper(simul::Stream s) {
    std::string line = co_await s.read_line();
    for (char& c : line) c = char(std::toupper(static_cast<unsigned char>(c)));
    co_await s.write(line);
}

std::string socket_path() { return "/tmp/simul-unix-test-" + std::to_string(::getpid()); }

TEST(UnixSocket, ServerAndClientByPath) {
    const std::string path = socket_path();
    std::string got = simul::run([&]() -> simul::Task<std::string> {
        auto server = co_await simul::start_unix_server(upper, path);
        auto s = co_await simul::open_unix_connection(path);
        co_await s.write("quiet please\n");
        std::string r = co_await s.read_line();
        co_await server.wait_closed(1s);
        co_return r;
    }());
    EXPECT_EQ(got, "QUIET PLEASE\n");
    struct stat st;
    EXPECT_NE(::lstat(path.c_str(), &st), 0);  // the server removed its socket file
}

TEST(UnixSocket, AStaleSocketFileIsReplacedButOtherFilesAreNot) {
    const std::string path = socket_path() + "-stale";
    simul::run([&]() -> simul::Task<> {
        {
            auto first = co_await simul::start_unix_server(upper, path);
            first.close();
        }
        auto second = co_await simul::start_unix_server(upper, path);  // over a stale file, if any
        second.close();
    }());
    const std::string regular = socket_path() + "-regular";
    FILE* f = std::fopen(regular.c_str(), "w");
    std::fclose(f);
    EXPECT_THROW(simul::run([&]() -> simul::Task<> { co_await simul::start_unix_server(upper, regular); }()), simul::Error);
    ::unlink(regular.c_str());
}

}  // namespace
