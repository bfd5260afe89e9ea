#include <simul/debug/blocking_detector.hpp>
#include <simul/net/tcp.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <simul/simul.hpp>

using namespace std::chrono_literals;

// Network tests run on the real clock, on loopback only, and every one ends by itself.
namespace {

simul::Task<> echo(simul::Stream s) {
    char buf[4096];
    for (;;) {
        std::size_t n = co_await s.read_some(buf, sizeof buf);
        if (n == 0) break;
        co_await s.write(std::string_view(buf, n));
    }
}

template <class F>
auto run_real(F body) {
    return simul::run(body(), {.virtual_time = false});
}

TEST(Tcp, EchoOfOneByte) {
    std::string got = run_real([]() -> simul::Task<std::string> {
        auto server = co_await simul::start_server(echo, "127.0.0.1", 0);
        auto s = co_await simul::open_connection("127.0.0.1", server.port());
        co_await s.write("x");
        std::string r = co_await s.read_exactly(1);
        s.close();
        co_await server.wait_closed(1s);
        co_return r;
    });
    EXPECT_EQ(got, "x");
}

simul::Task<std::string> read_all(simul::Stream& s) { co_return co_await s.read(); }

TEST(Tcp, EchoOverIpv6) {
    std::string got = run_real([]() -> simul::Task<std::string> {
        auto server = co_await simul::start_server(echo, "::1", 0);
        auto s = co_await simul::open_connection("::1", server.port());
        co_await s.write("six");
        std::string r = co_await s.read_exactly(3);
        s.close();
        co_await server.wait_closed(1s);
        co_return r;
    });
    EXPECT_EQ(got, "six");
}

TEST(Tcp, EchoOfTenMegabytesByName) {
    bool same = run_real([]() -> simul::Task<bool> {
        auto server = co_await simul::start_server(echo, "localhost", 0);  // every address of localhost
        auto s = co_await simul::open_connection("localhost", server.port());
        std::string data(10 * 1024 * 1024, '\0');
        for (std::size_t i = 0; i < data.size(); ++i) data[i] = char((i * 131) ^ (i >> 12));
        auto reader = simul::spawn(read_all(s));
        co_await s.write(data);
        s.shutdown_write();
        std::string back = co_await reader;
        co_await server.wait_closed(1s);
        co_return back == data;
    });
    EXPECT_TRUE(same);
}

simul::Task<> echo_small_buffers(simul::Stream s) {
    int small = 16384;
    ::setsockopt(s.fd(), SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    ::setsockopt(s.fd(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    co_await echo(std::move(s));
}

TEST(Tcp, PartialReadsAndWritesWithSmallSocketBuffers) {
    bool same = run_real([]() -> simul::Task<bool> {
        auto server = co_await simul::start_server(echo_small_buffers, "127.0.0.1", 0);
        auto s = co_await simul::open_connection("127.0.0.1", server.port());
        int small = 16384;
        ::setsockopt(s.fd(), SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
        ::setsockopt(s.fd(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
        std::string data(1024 * 1024, '\0');
        for (std::size_t i = 0; i < data.size(); ++i) data[i] = char(i % 251);
        auto reader = simul::spawn(read_all(s));
        co_await s.write(data);  // many short writes underneath
        s.shutdown_write();
        std::string back = co_await reader;
        co_await server.wait_closed(1s);
        co_return back == data;
    });
    EXPECT_TRUE(same);
}

simul::Task<bool> one_client(std::uint16_t port, int i) {
    auto s = co_await simul::open_connection("127.0.0.1", port);
    const std::string msg = "client " + std::to_string(i) + "\n";
    co_await s.write(msg);
    std::string back = co_await s.read_line();
    co_return back == msg;
}

TEST(Tcp, AThousandConcurrentClientsAgainstOneServer) {
    int ok = run_real([]() -> simul::Task<int> {
        auto server = co_await simul::start_server(echo, "127.0.0.1", 0, {.backlog = 1024});
        std::vector<simul::Task<bool>> clients;
        for (int i = 0; i < 1000; ++i) clients.push_back(one_client(server.port(), i));
        auto results = co_await simul::gather(std::move(clients));
        int good = 0;
        for (bool r : results) good += r;
        co_await server.wait_closed(2s);
        co_return good;
    });
    EXPECT_EQ(ok, 1000);
}

TEST(Tcp, ConnectionRefusedSaysWhere) {
    // Bind a port, close it: nothing listens there now.
    int probe = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(probe, reinterpret_cast<sockaddr*>(&sin), sizeof sin), 0);
    socklen_t len = sizeof sin;
    ::getsockname(probe, reinterpret_cast<sockaddr*>(&sin), &len);
    const std::uint16_t port = ntohs(sin.sin_port);
    ::close(probe);
    try {
        run_real([port]() -> simul::Task<> { co_await simul::open_connection("127.0.0.1", port); });
        ADD_FAILURE() << "expected ECONNREFUSED";
    } catch (const std::system_error& e) {
        EXPECT_EQ(e.code().value(), ECONNREFUSED);
        EXPECT_NE(std::string(e.what()).find("127.0.0.1:" + std::to_string(port)), std::string::npos) << e.what();
    }
}

TEST(Tcp, ConnectTimesOutWhenTheBacklogIsFull) {
    // A listener that never accepts, with its queue full: further SYNs are dropped.
    int lfd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(lfd, reinterpret_cast<sockaddr*>(&sin), sizeof sin), 0);
    ASSERT_EQ(::listen(lfd, 0), 0);
    socklen_t len = sizeof sin;
    ::getsockname(lfd, reinterpret_cast<sockaddr*>(&sin), &len);
    const std::uint16_t port = ntohs(sin.sin_port);
    bool timed_out = run_real([port]() -> simul::Task<bool> {
        std::vector<simul::Stream> held;
        try {
            for (int i = 0; i < 16; ++i)
                held.push_back(co_await simul::open_connection("127.0.0.1", port, {.timeout = 300ms}));
        } catch (const simul::TimeoutError&) {
            co_return true;
        }
        co_return false;
    });
    EXPECT_TRUE(timed_out);
    ::close(lfd);
}

std::uint16_t full_backlog_listener(int family, int& fd_out) {
    // Listens and never accepts, its queue filled: further SYNs are dropped,
    // so a connect there hangs (a black hole, on loopback).
    fd_out = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    simul::Address a = simul::Address::ip(family == AF_INET6 ? "::1" : "127.0.0.1", 0);
    if (::bind(fd_out, a.data(), a.size()) != 0 || ::listen(fd_out, 0) != 0) return 0;
    const std::uint16_t port = simul::local_address(fd_out).port();
    for (int i = 0; i < 4; ++i) {  // fill the queue
        int c = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        simul::Address to = simul::Address::ip(family == AF_INET6 ? "::1" : "127.0.0.1", port);
        (void)::connect(c, to.data(), to.size());
    }
    return port;
}

TEST(Tcp, HappyEyeballsMovesOnFromAFailedAddressAtOnce) {
    auto [ok, took] = run_real([]() -> simul::Task<std::pair<bool, simul::Duration>> {
        auto server = co_await simul::start_server(echo, "127.0.0.1", 0);
        // Nothing listens on ::1 at that port: refused at once, so the next
        // family is tried without waiting out the 250 ms stagger.
        const auto t0 = simul::now();
        std::vector<simul::Address> both;  // (no braced list: g++ 12 rejects one in a coroutine)
        both.push_back(simul::Address::ip("::1", server.port()));
        both.push_back(simul::Address::ip("127.0.0.1", server.port()));
        auto s = co_await simul::open_connection(both);
        const auto elapsed = simul::now() - t0;
        co_await s.write("k");
        bool good = (co_await s.read_exactly(1)) == "k";
        s.close();
        co_await server.wait_closed(1s);
        co_return std::pair<bool, simul::Duration>(good, elapsed);
    });
    EXPECT_TRUE(ok);
    EXPECT_LT(took, 200ms);
}

TEST(Tcp, HappyEyeballsStaggersPastAnAddressThatHangs) {
    int hole_fd = -1;
    const std::uint16_t hole = full_backlog_listener(AF_INET6, hole_fd);
    ASSERT_NE(hole, 0);
    auto [ok, took] = run_real([hole]() -> simul::Task<std::pair<bool, simul::Duration>> {
        auto server = co_await simul::start_server(echo, "127.0.0.1", 0);
        const auto t0 = simul::now();
        std::vector<simul::Address> both;
        both.push_back(simul::Address::ip("::1", hole));
        both.push_back(simul::Address::ip("127.0.0.1", server.port()));
        auto s = co_await simul::open_connection(both);
        const auto elapsed = simul::now() - t0;
        s.close();
        co_await server.wait_closed(1s);
        co_return std::pair<bool, simul::Duration>(true, elapsed);
    });
    ::close(hole_fd);
    EXPECT_TRUE(ok);
    EXPECT_GE(took, 250ms);  // the second attempt started after the stagger delay
    EXPECT_LT(took, 2s);     // and won; the hanging one was abandoned
}

simul::Task<> reads_then_resets(simul::Stream s) {
    (void)co_await s.read_exactly(1);
    linger lg{1, 0};  // close with RST
    ::setsockopt(s.fd(), SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    s.close();
}

TEST(Tcp, PeerResetDuringAWriteGivesASystemError) {
    int err = run_real([]() -> simul::Task<int> {
        auto server = co_await simul::start_server(reads_then_resets, "127.0.0.1", 0);
        auto s = co_await simul::open_connection("127.0.0.1", server.port());
        co_await s.write("a");
        int code = 0;
        try {
            for (int i = 0; i < 1000; ++i) co_await s.write(std::string(65536, 'b'));
        } catch (const std::system_error& e) {
            code = e.code().value();
        }
        co_await server.wait_closed(1s);
        co_return code;
    });
    EXPECT_TRUE(err == ECONNRESET || err == EPIPE) << err;
}

simul::Task<> half_close_server(simul::Stream s) {
    std::string all = co_await s.read();  // until the client's shutdown_write
    co_await s.write("got " + std::to_string(all.size()));
}

TEST(Tcp, HalfCloseBothWays) {
    std::string reply = run_real([]() -> simul::Task<std::string> {
        auto server = co_await simul::start_server(half_close_server, "127.0.0.1", 0);
        auto s = co_await simul::open_connection("127.0.0.1", server.port());
        co_await s.write("12345");
        s.shutdown_write();
        std::string r = co_await s.read();  // the server wrote, then closed: EOF after its data
        co_await server.wait_closed(1s);
        co_return r;
    });
    EXPECT_EQ(reply, "got 5");
}

simul::Task<> sleepy(simul::Stream) { co_await simul::sleep(1h); }

TEST(Tcp, WaitClosedCancelsHandlersAtTheDeadline) {
    std::size_t left = run_real([]() -> simul::Task<std::size_t> {
        auto server = co_await simul::start_server(sleepy, "127.0.0.1", 0);
        auto s = co_await simul::open_connection("127.0.0.1", server.port());
        co_await simul::sleep(20ms);
        EXPECT_EQ(server.connections(), 1u);
        co_await server.wait_closed(50ms);
        co_return server.connections();
    });
    EXPECT_EQ(left, 0u);
}

// A child process that opens `count` blocking connections to the port,
// holds them until its stdin (a pipe) closes, or 10 s at most, then exits.
pid_t spawn_connection_holder(std::uint16_t port, int count, int& control_fd) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) return -1;
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::close(p[1]);
        std::vector<int> held;
        simul::Address to = simul::Address::ip("127.0.0.1", port);
        for (int i = 0; i < count; ++i) {
            int c = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
            if (c < 0 || ::connect(c, to.data(), to.size()) != 0) break;
            held.push_back(c);
        }
        pollfd pf{p[0], POLLIN, 0};
        ::poll(&pf, 1, 10'000);
        ::_exit(0);
    }
    ::close(p[0]);
    control_fd = p[1];
    return pid;
}

TEST(Tcp, AcceptSurvivesRunningOutOfDescriptors) {
    // The server's process gets a descriptor limit just above what it uses;
    // a child process opens 40 connections, so accept() meets EMFILE. The
    // server must say so once, back off instead of spinning, and accept
    // again once descriptors are free. (The clients live in another process
    // so that nothing else here runs out: sanitizers need descriptors too.)
    rlimit old{};
    ::getrlimit(RLIMIT_NOFILE, &old);
    std::vector<std::string> reports;
    int served = run_real([&]() -> simul::Task<int> {
        simul::Loop::current()->set_exception_handler([&](const simul::ExceptionContext& c) { reports.push_back(c.message); });
        auto server = co_await simul::start_server(echo, "127.0.0.1", 0);
        int control = -1;
        simul::AllowBlocking allow_blocking("the test's child process, which holds 40 connections");
        const pid_t child = spawn_connection_holder(server.port(), 40, control);
        EXPECT_GT(child, 0);
        int open_now = 0;
        for (int fd = 0; fd < 4096; ++fd) open_now += ::fcntl(fd, F_GETFD) != -1;
        rlimit low = old;
        low.rlim_cur = rlim_t(open_now + 8);  // room for about 8 connections
        ::setrlimit(RLIMIT_NOFILE, &low);
        co_await simul::sleep(300ms);  // the server accepts 8, then meets EMFILE
        const std::size_t at_limit = server.connections();
        ::setrlimit(RLIMIT_NOFILE, &old);  // descriptors free again
        co_await simul::sleep(1200ms);     // longer than the largest back-off
        const std::size_t after = server.connections();
        EXPECT_LT(at_limit, 40u);
        EXPECT_EQ(after, 40u);  // the queued connections were accepted in the end
        ::close(control);       // the child closes its connections and exits
        int status = 0;
        ::waitpid(child, &status, 0);
        int good = 0;
        for (int i = 0; i < 5; ++i) good += co_await one_client(server.port(), i);
        co_await server.wait_closed(2s);
        co_return good;
    });
    ::setrlimit(RLIMIT_NOFILE, &old);
    EXPECT_EQ(served, 5);
    int backoffs = 0;
    for (const auto& r : reports) backoffs += r.find("backing off") != std::string::npos;
    EXPECT_EQ(backoffs, 1);  // once per episode, not once per attempt
}

}  // namespace
