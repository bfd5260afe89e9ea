// redis_test_server.hpp: the redis-server a simul::redis test talks to.
//
// redis_test::shared_port() is the port of the server shared by the ctest run
// (SIMUL_REDIS_DIR/port, written by redis_server.sh); when the variable is
// not set (the binary run alone), the process starts a server of its own on
// the first call and stops it at exit. redis_test::Server is a private
// instance, for tests that stop and restart a server. Each test uses keys
// under its own prefix (redis_test::prefix()), so tests run in parallel on
// the shared server without meeting.
#pragma once

#include <simul/debug/blocking_detector.hpp>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

extern char** environ;

namespace redis_test {

inline std::uint16_t free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) < 0)
        throw std::runtime_error("redis_test: no free port");
    ::close(fd);
    return ntohs(a.sin_port);
}

// True once something answers PING on the port (blocking; for set-up only).
inline bool answers_ping(std::uint16_t port) {
    simul::AllowBlocking allow_blocking("the test's redis-server scaffolding");
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    timeval tv{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    bool ok = false;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && ::write(fd, "PING\r\n", 6) == 6) {
        char buf[16] = {};
        // A server with a password answers NOAUTH: it is up all the same.
        ok = ::read(fd, buf, sizeof buf - 1) >= 5 &&
             (std::string(buf).rfind("+PONG", 0) == 0 || std::string(buf).rfind("-NOAUTH", 0) == 0);
    }
    ::close(fd);
    return ok;
}

// A redis-server child of this process, on a loopback port.
class Server {
public:
    explicit Server(std::vector<std::string> extra = {}, std::uint16_t port = 0)
        : port_(port ? port : free_port()), extra_(std::move(extra)) {
        start();
    }
    Server(const Server&) = delete;
    ~Server() { stop(); }

    std::uint16_t port() const { return port_; }
    bool running() const { return pid_ > 0; }

    void start() {
        if (pid_ > 0) return;
        std::vector<std::string> argv = {"redis-server", "--port",      std::to_string(port_), "--bind",
                                         "127.0.0.1",    "--save",      "",                    "--appendonly",
                                         "no",           "--daemonize", "no",                  "--dir",
                                         "/tmp"};
        for (auto& e : extra_) argv.push_back(e);
        std::vector<char*> cargv;
        for (auto& s : argv) cargv.push_back(s.data());
        cargv.push_back(nullptr);
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
        // The loop blocks the signals it listens for (SIGINT, SIGTERM): give
        // the server an empty mask, or it would ignore a polite stop.
        posix_spawnattr_t attr;
        posix_spawnattr_init(&attr);
        sigset_t none;
        sigemptyset(&none);
        posix_spawnattr_setsigmask(&attr, &none);
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
        pid_t pid = -1;
        const int rc = posix_spawnp(&pid, "redis-server", &fa, &attr, cargv.data(), environ);
        posix_spawn_file_actions_destroy(&fa);
        posix_spawnattr_destroy(&attr);
        if (rc != 0) throw std::runtime_error("redis_test: cannot start redis-server (apt-get install redis-server)");
        pid_ = pid;
        simul::AllowBlocking allow_blocking("the test's redis-server scaffolding");
        for (int i = 0; i < 400; ++i) {
            if (answers_ping(port_)) return;
            std::this_thread::sleep_for(std::chrono::milliseconds(25));
        }
        stop();
        throw std::runtime_error("redis_test: redis-server did not answer within 10 s on port " + std::to_string(port_));
    }

    void stop() {
        if (pid_ <= 0) return;
        simul::AllowBlocking allow_blocking("the test's redis-server scaffolding");
        ::kill(pid_, SIGKILL);
        int st = 0;
        ::waitpid(pid_, &st, 0);
        pid_ = -1;
    }

private:
    std::uint16_t port_;
    std::vector<std::string> extra_;
    pid_t pid_ = -1;
};

inline std::uint16_t shared_port() {
    static std::uint16_t port = [] {
        const char* dir = std::getenv("SIMUL_REDIS_DIR");
        if (dir && *dir) {
            std::ifstream in(std::string(dir) + "/port");
            int p = 0;
            if (in >> p && p > 0) return std::uint16_t(p);
            throw std::runtime_error(std::string("redis_test: SIMUL_REDIS_DIR is set but ") + dir +
                                     "/port is missing: did the redis_server_start fixture run?");
        }
        static Server own;  // stopped at exit
        return own.port();
    }();
    return port;
}

// A key prefix unique to this test (the suite and test names, and the pid).
inline std::string prefix() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    return std::string("t:") + (info ? std::string(info->test_suite_name()) + "." + info->name() : "?") + ":" +
           std::to_string(::getpid()) + ":";
}

}  // namespace redis_test
