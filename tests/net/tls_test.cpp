#include <simul/net/tls.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <simul/simul.hpp>
#include <simul/testing/simul_test.hpp>

#include "tls_fixture.hpp"

// simul to simul over TLS on loopback, real clock (except the handshake
// timeout, on the virtual clock), certificates from the tls fixture.
using namespace tls_test;

namespace {

simul::Task<> echo(simul::Stream s) {
    char buf[16384];
    for (;;) {
        const std::size_t n = co_await s.read_some(buf, sizeof buf);
        if (n == 0) break;
        co_await s.write(std::string_view(buf, n));
    }
}

simul::Task<std::string> read_all(simul::Stream& s) { co_return co_await s.read(); }

// Whether awaiting `op` throws E (g++ 12 cannot have co_await inside EXPECT_*'s conditions).
template <class E, class Op>
simul::Task<bool> throws(Op op) {
    try {
        co_await std::move(op);
    } catch (const E&) {
        co_return true;
    }
    co_return false;
}

}  // namespace

TEST(Tls, EchoOverTls13WithTheSameStreamCalls) {
    run_real([]() -> simul::Task<> {
        simul::ServerOptions opt1;
        auto ctx_opt1 = server_context();
        opt1.tls = ctx_opt1;
        auto server = co_await simul::start_server(echo, "127.0.0.1", 0, opt1);
        simul::ConnectOptions opt2;
        auto ctx_opt2 = client_context();
        opt2.tls = ctx_opt2;
        auto s = co_await simul::open_connection("localhost", server.port(), opt2);
        co_await s.write("hello\nworld\n");
        {
            auto got1 = co_await s.read_line();
            EXPECT_EQ(got1, "hello\n");
        }
        {
            auto got2 = co_await s.read_until("ld");
            EXPECT_EQ(got2, "world");
        }
        {
            auto got3 = co_await s.read_exactly(1);
            EXPECT_EQ(got3, "\n");
        }
        auto i = tls::info(s);
        EXPECT_EQ(i.version, "TLSv1.3");
        EXPECT_NE(i.peer_subject.find("CN=localhost"), std::string::npos) << i.peer_subject;
        EXPECT_TRUE(tls::is_tls(s));
        s.close();
        co_await server.wait_closed(2s);
    });
}

// The one-option form, braces inside the co_await expression: the options
// stay trivially destructible, which g++ 12 needs there.
TEST(Tls, TheOneOptionFormWorksInsideCoAwait) {
    run_real([]() -> simul::Task<> {
        auto sctx = server_context();
        auto ctx = client_context();
        auto server = co_await simul::start_server(echo, "127.0.0.1", 0, {.tls = sctx});
        auto s = co_await simul::open_connection("localhost", server.port(), {.timeout = 5s, .tls = ctx});
        auto t = co_await simul::open_connection("127.0.0.1", server.port(), {.tls = ctx, .tls_server_name = "localhost"});
        co_await s.write("a");
        co_await t.write("b");
        std::string a = co_await s.read_exactly(1);
        std::string b = co_await t.read_exactly(1);
        EXPECT_EQ(a + b, "ab");
        EXPECT_TRUE(tls::is_tls(t));
        s.close();
        t.close();
        co_await server.wait_closed(2s);
    });
}

TEST(Tls, Tls12WhenTheClientAllowsNoMore) {
    run_real([]() -> simul::Task<> {
        simul::ServerOptions opt3;
        auto ctx_opt3 = server_context();
        opt3.tls = ctx_opt3;
        auto server = co_await simul::start_server(echo, "127.0.0.1", 0, opt3);
        auto ctx = client_context({.max_version = tls::Version::tls1_2});
        simul::ConnectOptions opt4;
        opt4.tls = ctx;
        auto s = co_await simul::open_connection("127.0.0.1", server.port(), opt4);
        co_await s.write("x");
        {
            auto got4 = co_await s.read_exactly(1);
            EXPECT_EQ(got4, "x");
        }
        EXPECT_EQ(tls::info(s).version, "TLSv1.2");
        s.close();
        co_await server.wait_closed(2s);
    });
}

TEST(Tls, AlpnTheServerPicksItsFirstChoiceAmongTheOffered) {
    run_real([]() -> simul::Task<> {
        std::string server_saw;
        auto handler = [&](simul::Stream s) -> simul::Task<> {
            server_saw = tls::info(s).alpn;
            co_await s.write("ok");
        };
        simul::ServerOptions opt5;
        auto ctx_opt5 = server_context("server", {.alpn = {"h2", "http/1.1"}});
        opt5.tls = ctx_opt5;
        auto server = co_await simul::start_server(handler, "127.0.0.1", 0,
                                                   opt5);
        simul::ConnectOptions opt6;
        auto ctx_opt6 = client_context({.alpn = {"http/1.1", "h2"}});
        opt6.tls = ctx_opt6;
        auto s = co_await simul::open_connection("127.0.0.1", server.port(),
                                                 opt6);
        {
            auto got5 = co_await s.read_exactly(2);
            EXPECT_EQ(got5, "ok");
        }
        EXPECT_EQ(tls::info(s).alpn, "h2");
        EXPECT_EQ(server_saw, "h2");
        simul::ConnectOptions opt7;
        auto ctx_opt7 = client_context({.alpn = {"spdy/1"}});
        opt7.tls = ctx_opt7;
        auto t = co_await simul::open_connection("127.0.0.1", server.port(),
                                                 opt7);
        {
            auto got6 = co_await t.read_exactly(2);
            EXPECT_EQ(got6, "ok");
        }
        EXPECT_EQ(tls::info(t).alpn, "");  // nothing in common: no protocol, no failure
        co_await server.wait_closed(2s);
    });
}

TEST(Tls, SniPicksTheCertificateForTheNameAsked) {
    run_real([]() -> simul::Task<> {
        std::string server_saw;
        auto handler = [&](simul::Stream s) -> simul::Task<> {
            server_saw = tls::info(s).server_name;
            co_await s.write("ok");
        };
        tls::ServerConfig config;
        config.sni.push_back({"alt.test", {.certfile = cert("alt.pem"), .keyfile = cert("alt.key")}});
        simul::ServerOptions opt8;
        auto ctx_opt8 = server_context("server", config);
        opt8.tls = ctx_opt8;
        auto server = co_await simul::start_server(handler, "127.0.0.1", 0, opt8);
        // Dial the address, ask for alt.test: the alt certificate must come (it names only alt.test).
        simul::ConnectOptions opt9;
        auto ctx_opt9 = client_context();
        opt9.tls = ctx_opt9;
        opt9.tls_server_name = "alt.test";
        auto s = co_await simul::open_connection("127.0.0.1", server.port(),
                                                 opt9);
        {
            auto got7 = co_await s.read_exactly(2);
            EXPECT_EQ(got7, "ok");
        }
        EXPECT_EQ(server_saw, "alt.test");
        EXPECT_NE(tls::info(s).peer_subject.find("CN=alt.test"), std::string::npos);
        // Another name gets the default certificate.
        simul::ConnectOptions opt10;
        auto ctx_opt10 = client_context();
        opt10.tls = ctx_opt10;
        auto t = co_await simul::open_connection("localhost", server.port(), opt10);
        {
            auto got8 = co_await t.read_exactly(2);
            EXPECT_EQ(got8, "ok");
        }
        EXPECT_EQ(server_saw, "localhost");
        EXPECT_NE(tls::info(t).peer_subject.find("CN=localhost"), std::string::npos);
        co_await server.wait_closed(2s);
    });
}

namespace {
simul::Task<bool> one_exchange_resumed(std::uint16_t port, tls::Context ctx) {
    simul::ConnectOptions opt11;
    opt11.tls = ctx;
    auto s = co_await simul::open_connection("localhost", port, opt11);
    co_await s.write("ping");
    {
        auto got9 = co_await s.read_exactly(4);
        EXPECT_EQ(got9, "ping");
    }
    const bool resumed = tls::info(s).resumed;
    s.shutdown_write();
    {
        auto got10 = co_await s.read();
        EXPECT_EQ(got10, "");
    }
    co_return resumed;
}
}  // namespace

TEST(Tls, SecondConnectionResumesTheSessionTls13) {
    run_real([]() -> simul::Task<> {
        simul::ServerOptions opt12;
        auto ctx_opt12 = server_context();
        opt12.tls = ctx_opt12;
        auto server = co_await simul::start_server(echo, "127.0.0.1", 0, opt12);
        auto ctx = client_context();
        {
            const bool got21 = co_await one_exchange_resumed(server.port(), ctx);
            EXPECT_FALSE(got21);
        }
        EXPECT_EQ(ctx.cached_sessions(), 1u);
        {
            const bool got22 = co_await one_exchange_resumed(server.port(), ctx);
            EXPECT_TRUE(got22);
        }
        co_await server.wait_closed(2s);
    });
}

TEST(Tls, SecondConnectionResumesTheSessionTls12) {
    run_real([]() -> simul::Task<> {
        simul::ServerOptions opt13;
        auto ctx_opt13 = server_context();
        opt13.tls = ctx_opt13;
        auto server = co_await simul::start_server(echo, "127.0.0.1", 0, opt13);
        auto ctx = client_context({.max_version = tls::Version::tls1_2});
        {
            const bool got23 = co_await one_exchange_resumed(server.port(), ctx);
            EXPECT_FALSE(got23);
        }
        {
            const bool got24 = co_await one_exchange_resumed(server.port(), ctx);
            EXPECT_TRUE(got24);
        }
        co_await server.wait_closed(2s);
    });
}

TEST(Tls, NoResumptionWhenTheClientCacheIsOff) {
    run_real([]() -> simul::Task<> {
        simul::ServerOptions opt14;
        auto ctx_opt14 = server_context();
        opt14.tls = ctx_opt14;
        auto server = co_await simul::start_server(echo, "127.0.0.1", 0, opt14);
        auto ctx = client_context({.session_cache = false});
        {
            const bool got25 = co_await one_exchange_resumed(server.port(), ctx);
            EXPECT_FALSE(got25);
        }
        {
            const bool got26 = co_await one_exchange_resumed(server.port(), ctx);
            EXPECT_FALSE(got26);
        }
        co_await server.wait_closed(2s);
    });
}

TEST(Tls, MutualTlsTheServerSeesTheClientCertificate) {
    run_real([]() -> simul::Task<> {
        std::string subject;
        auto handler = [&](simul::Stream s) -> simul::Task<> {
            subject = tls::info(s).peer_subject;
            co_await s.write("ok");
        };
        auto sctx = server_context("server", {.require_client_certificate = true, .cafile = cert("ca.pem")});
        simul::ServerOptions opt15;
        opt15.tls = sctx;
        auto server = co_await simul::start_server(handler, "127.0.0.1", 0, opt15);
        auto ctx = client_context({.certfile = cert("client.pem"), .keyfile = cert("client.key")});
        simul::ConnectOptions opt16;
        opt16.tls = ctx;
        auto s = co_await simul::open_connection("localhost", server.port(), opt16);
        {
            auto got11 = co_await s.read_exactly(2);
            EXPECT_EQ(got11, "ok");
        }
        EXPECT_NE(subject.find("simul test client"), std::string::npos) << subject;
        co_await server.wait_closed(2s);
    });
}

TEST(Tls, MutualTlsRefusesAClientWithoutCertificate) {
    run_real([]() -> simul::Task<> {
        std::vector<std::string> logged;
        simul::Loop::current()->set_exception_handler(
            [&](const simul::ExceptionContext& c) { logged.push_back(c.message); });
        bool handled = false;
        auto handler = [&](simul::Stream s) -> simul::Task<> {
            handled = true;
            co_await s.write("should not get here");
        };
        auto sctx = server_context("server", {.require_client_certificate = true, .cafile = cert("ca.pem")});
        simul::ServerOptions opt17;
        opt17.tls = sctx;
        auto server = co_await simul::start_server(handler, "127.0.0.1", 0, opt17);
        std::string client_error;
        try {
            // TLS 1.3: the client's handshake ends before the server judges
            // it; the refusal comes as an alert on the first read.
            simul::ConnectOptions opt18;
            auto ctx_opt18 = client_context();
            opt18.tls = ctx_opt18;
            auto s = co_await simul::open_connection("localhost", server.port(), opt18);
            std::string got = co_await s.read();
            client_error = "no error; read '" + got + "'";
        } catch (const tls::Error& e) {
            client_error = e.what();
        }
        EXPECT_NE(client_error.find("alert"), std::string::npos) << client_error;
        EXPECT_NE(client_error.find("certificate required"), std::string::npos) << client_error;
        for (int i = 0; i < 100 && logged.empty(); ++i) co_await simul::sleep(10ms);
        EXPECT_FALSE(handled);
        CO_ASSERT_EQ(logged.size(), 1u);
        EXPECT_NE(logged[0].find("sent no certificate"), std::string::npos) << logged[0];
        // The server goes on.
        simul::ConnectOptions opt19;
        auto ctx_opt19 = client_context({.certfile = cert("client.pem"), .keyfile = cert("client.key")});
        opt19.tls = ctx_opt19;
        auto ok = co_await simul::open_connection(
            "localhost", server.port(),
            opt19);
        {
            auto got12 = co_await ok.read_exactly(5);
            EXPECT_EQ(got12, "shoul");
        }
        co_await server.wait_closed(2s);
    });
}

TEST(Tls, HundredMegabytesByteForByte) {
    // 100 MB in a normal build; 20 MB under sanitizers (same code paths, 5x slower per byte).
    const std::size_t size = (sanitized() ? 20 : 100) * 1024 * 1024;
    std::string data(size, '\0');  // made before the loop runs: 100 MB of filling is no task's step
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = char((i * 131) ^ (i >> 12));
    bool same = run_real([&data]() -> simul::Task<bool> {
        simul::ServerOptions opt20;
        auto ctx_opt20 = server_context();
        opt20.tls = ctx_opt20;
        auto server = co_await simul::start_server(echo, "127.0.0.1", 0, opt20);
        simul::ConnectOptions opt21;
        auto ctx_opt21 = client_context();
        opt21.tls = ctx_opt21;
        auto s = co_await simul::open_connection("localhost", server.port(), opt21);
        auto reader = simul::spawn(read_all(s));
        co_await s.write(data);
        s.shutdown_write();
        std::string back = co_await reader;
        co_await server.wait_closed(2s);
        co_return back == data;
    });
    EXPECT_TRUE(same);
}

TEST(Tls, HalfCloseFromTheClientThenTheServerAnswers) {
    run_real([]() -> simul::Task<> {
        auto handler = [](simul::Stream s) -> simul::Task<> {
            std::string all = co_await s.read();  // to close_notify: a clean end, not truncation
            co_await s.write("got " + std::to_string(all.size()));
        };
        simul::ServerOptions opt22;
        auto ctx_opt22 = server_context();
        opt22.tls = ctx_opt22;
        auto server = co_await simul::start_server(handler, "127.0.0.1", 0, opt22);
        simul::ConnectOptions opt23;
        auto ctx_opt23 = client_context();
        opt23.tls = ctx_opt23;
        auto s = co_await simul::open_connection("localhost", server.port(), opt23);
        co_await s.write(std::string(100000, 'a'));
        s.shutdown_write();
        {
            const bool threw27 = co_await throws<simul::Error>(s.write("more"));
            EXPECT_TRUE(threw27);
        }
        {
            auto got13 = co_await s.read();
            EXPECT_EQ(got13, "got 100000");
        }
        EXPECT_TRUE(s.at_eof());
        co_await server.wait_closed(2s);
    });
}

TEST(Tls, HalfCloseFromTheServerThenTheClientAnswers) {
    run_real([]() -> simul::Task<> {
        std::string server_got;
        auto handler = [&](simul::Stream s) -> simul::Task<> {
            co_await s.write("bye");
            s.shutdown_write();
            server_got = co_await s.read();
        };
        simul::ServerOptions opt24;
        auto ctx_opt24 = server_context();
        opt24.tls = ctx_opt24;
        auto server = co_await simul::start_server(handler, "127.0.0.1", 0, opt24);
        simul::ConnectOptions opt25;
        auto ctx_opt25 = client_context();
        opt25.tls = ctx_opt25;
        auto s = co_await simul::open_connection("localhost", server.port(), opt25);
        {
            auto got14 = co_await s.read();
            EXPECT_EQ(got14, "bye");
        }
        co_await s.write("still here");
        s.close();
        co_await server.wait_closed(2s);
        EXPECT_EQ(server_got, "still here");
    });
}

TEST(Tls, APeerThatClosesWithoutCloseNotifyIsTruncation) {
    run_real([]() -> simul::Task<> {
        auto handler = [](simul::Stream s) -> simul::Task<> {
            co_await s.write("partial");
            ::shutdown(s.fd(), SHUT_RDWR);  // TCP FIN with no close_notify
            co_return;
        };
        simul::ServerOptions opt26;
        auto ctx_opt26 = server_context();
        opt26.tls = ctx_opt26;
        auto server = co_await simul::start_server(handler, "127.0.0.1", 0, opt26);
        simul::ConnectOptions opt27;
        auto ctx_opt27 = client_context();
        opt27.tls = ctx_opt27;
        auto s = co_await simul::open_connection("localhost", server.port(), opt27);
        {
            auto got15 = co_await s.read_exactly(7);
            EXPECT_EQ(got15, "partial");
        }
        std::string error;
        try {
            co_await s.read();
        } catch (const tls::TruncatedError& e) {
            error = e.what();
        }
        EXPECT_NE(error.find("without close_notify"), std::string::npos) << error;
        co_await server.wait_closed(2s);
    });
}

TEST(Tls, APeerThatVanishesMidHandshakeGivesAClearError) {
    run_real([]() -> simul::Task<> {
        // A TCP server that reads the ClientHello and hangs up.
        auto vanish = [](simul::Stream s) -> simul::Task<> {
            char buf[512];
            co_await s.read_some(buf, sizeof buf);
            s.close();
        };
        auto server = co_await simul::start_server(vanish, "127.0.0.1", 0);
        std::string error;
        auto ctx = client_context();
        simul::ConnectOptions options;
        options.tls = ctx;
        try {
            auto s = co_await simul::wait_for(simul::open_connection("localhost", server.port(), options), 5s);
        } catch (const tls::Error& e) {
            error = e.what();
        } catch (const std::system_error& e) {
            error = e.what();  // a reset is fine too, if it says so
        }
        EXPECT_TRUE(error.find("before the handshake completed") != std::string::npos ||
                    error.find("reset") != std::string::npos)
            << error;
        EXPECT_NE(error.find("localhost"), std::string::npos) << error;
        co_await server.wait_closed(2s);
    });
}

// Virtual clock: the listener's kernel backlog completes the TCP handshake,
// nobody ever answers, and the 10 s default timeout passes in no real time.
SIMUL_TEST(Tls, HandshakeTimeoutNamesTheHost) {
    int lfd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(lfd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(lfd, 8);
    socklen_t len = sizeof a;
    ::getsockname(lfd, reinterpret_cast<sockaddr*>(&a), &len);
    const auto t0 = simul::now();
    std::string error;
    try {
        simul::ConnectOptions opt28;
        auto ctx_opt28 = client_context();
        opt28.tls = ctx_opt28;
        auto s = co_await simul::open_connection("127.0.0.1", ntohs(a.sin_port), opt28);
    } catch (const simul::TimeoutError& e) {
        error = e.what();
    }
    EXPECT_NE(error.find("TLS handshake with 127.0.0.1 timed out"), std::string::npos) << error;
    EXPECT_GE(simul::now() - t0, 10s);
    EXPECT_LT(simul::now() - t0, 11s);
    ::close(lfd);
}

TEST(Tls, AServerHandshakeThatTimesOutIsLoggedAndTheServerGoesOn) {
    run_real([]() -> simul::Task<> {
        std::vector<std::string> logged;
        simul::Loop::current()->set_exception_handler(
            [&](const simul::ExceptionContext& c) { logged.push_back(c.message); });
        auto sctx = server_context("server", {.handshake_timeout = 200ms});
        simul::ServerOptions opt29;
        opt29.tls = sctx;
        auto server = co_await simul::start_server(echo, "127.0.0.1", 0, opt29);
        auto silent = co_await simul::open_connection("127.0.0.1", server.port());  // says nothing
        simul::ConnectOptions opt30;
        auto ctx_opt30 = client_context();
        opt30.tls = ctx_opt30;
        auto s = co_await simul::open_connection("localhost", server.port(), opt30);
        co_await s.write("x");
        {
            auto got16 = co_await s.read_exactly(1);
            EXPECT_EQ(got16, "x");
        }
        for (int i = 0; i < 100 && logged.empty(); ++i) co_await simul::sleep(10ms);
        CO_ASSERT_EQ(logged.size(), 1u);
        EXPECT_NE(logged[0].find("timed out"), std::string::npos) << logged[0];
        {
            auto got17 = co_await silent.read();
            EXPECT_EQ(got17, "");
        }
        s.close();
        co_await server.wait_closed(2s);
    });
}

TEST(Tls, AThousandConcurrentHandshakes) {
    raise_fd_limit();
    static constexpr int n = 1000;
    int ok = run_real([]() -> simul::Task<int> {
        simul::ServerOptions opt31;
        opt31.backlog = 2048;
        auto ctx_opt31 = server_context();
        opt31.tls = ctx_opt31;
        auto server = co_await simul::start_server(echo, "127.0.0.1", 0, opt31);
        auto ctx = client_context({.session_cache = false});  // full handshakes, every one
        int done = 0;
        auto one = [&](int i) -> simul::Task<> {
            simul::ConnectOptions opt32;
            opt32.tls = ctx;
            auto s = co_await simul::open_connection("localhost", server.port(), opt32);
            const std::string msg = std::to_string(i) + "\n";
            co_await s.write(msg);
            if (co_await s.read_line() == msg) ++done;
        };
        std::vector<simul::Task<>> all;
        for (int i = 0; i < n; ++i) all.push_back(one(i));
        co_await simul::wait_for(simul::gather(std::move(all)), 60s);
        co_await server.wait_closed(5s);
        co_return done;
    });
    EXPECT_EQ(ok, n);
}

TEST(Tls, ACancelledReadLosesNoDecryptedByte) {
    run_real([]() -> simul::Task<> {
        simul::Event second;
        auto handler = [&](simul::Stream s) -> simul::Task<> {
            co_await s.write("hello");
            co_await second.wait();
            co_await s.write(" world");
        };
        simul::ServerOptions opt33;
        auto ctx_opt33 = server_context();
        opt33.tls = ctx_opt33;
        auto server = co_await simul::start_server(handler, "127.0.0.1", 0, opt33);
        simul::ConnectOptions opt34;
        auto ctx_opt34 = client_context();
        opt34.tls = ctx_opt34;
        auto s = co_await simul::open_connection("localhost", server.port(), opt34);
        {
            const bool threw28 = co_await throws<simul::TimeoutError>(simul::wait_for(s.read_exactly(11), 100ms));
            EXPECT_TRUE(threw28);
        }
        second.set();
        {
            auto got18 = co_await s.read_exactly(11);
            EXPECT_EQ(got18, "hello world");
        }
        co_await server.wait_closed(2s);
    });
}

TEST(Tls, WriteWaitsForASlowReaderAndACancelledWriteBreaksTheStream) {
    run_real([]() -> simul::Task<> {
        simul::Event done;
        auto handler = [&](simul::Stream) -> simul::Task<> { co_await done.wait(); };  // never reads
        simul::ServerOptions opt35;
        auto ctx_opt35 = server_context();
        opt35.tls = ctx_opt35;
        auto server = co_await simul::start_server(handler, "127.0.0.1", 0, opt35);
        simul::ConnectOptions opt36;
        auto ctx_opt36 = client_context();
        opt36.tls = ctx_opt36;
        auto s = co_await simul::open_connection("localhost", server.port(), opt36);
        const std::string big(64 * 1024 * 1024, 'z');
        {
            const bool threw29 = co_await throws<simul::TimeoutError>(simul::wait_for(s.write(big), 200ms));
            EXPECT_TRUE(threw29);
        }
        std::string error;
        try {
            co_await s.write("after");
        } catch (const simul::Error& e) {
            error = e.what();
        }
        EXPECT_NE(error.find("broken"), std::string::npos) << error;
        done.set();
        s.close();
        co_await server.wait_closed(2s);
    });
}

TEST(Tls, WorksOverAUnixSocketPairAndKeepsBytesReadBeforeTheHandshake) {
    run_real([]() -> simul::Task<> {
        auto [a, b] = simul::stream_pair();
        auto server_side = [](simul::Stream s) -> simul::Task<std::string> {
            // STARTTLS-like: a plain line first, then TLS on the same stream.
            std::string hello = co_await s.read_line();
            auto ctx = server_context();
            auto t = co_await tls::wrap_server(std::move(s), ctx);
            std::string line = co_await t.read_line();
            co_await t.write(line);
            co_return hello;
        };
        auto srv = simul::spawn(server_side(std::move(b)));
        co_await a.write("STARTTLS\n");
        auto ctx = client_context();
        auto t = co_await tls::wrap_client(std::move(a), ctx, "localhost");
        co_await t.write("secret\n");
        {
            auto got19 = co_await t.read_line();
            EXPECT_EQ(got19, "secret\n");
        }
        std::string hello = co_await srv;
        EXPECT_EQ(hello, "STARTTLS\n");
    });
}

namespace {
// Reads the raw bytes (ciphertext) of `fd` until end of stream.
simul::Task<std::string> read_raw_to_eof(int fd) {
    std::string all;
    char buf[65536];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n > 0) {
            all.append(buf, std::size_t(n));
            continue;
        }
        if (n == 0) co_return all;
        if (errno != EAGAIN) throw std::system_error(errno, std::generic_category(), "read");
        co_await simul::wait_readable(fd);
    }
}
}  // namespace

// shutdown_write() when the kernel cannot take close_notify at once: a small
// task sends it later (on a duplicate descriptor, so closing the stream at
// once is fine), then half-closes the socket.
TEST(Tls, CloseNotifyThatTheKernelCannotTakeAtOnceIsSentLater) {
    run_real([]() -> simul::Task<> {
        auto [a, b] = simul::stream_pair();
        auto sctx = server_context();
        auto server = simul::spawn(tls::wrap_server(std::move(b), sctx));
        auto ctx = client_context();
        auto t = co_await tls::wrap_client(std::move(a), ctx, "localhost");
        auto st = co_await server;
        // One exchange, so the client has read the server's session tickets
        // (closing a Unix socket with unread bytes resets the peer).
        co_await st.write("x");
        std::string x = co_await t.read_exactly(1);
        EXPECT_EQ(x, "x");
        // Fill the socket with raw bytes, bypassing TLS, until the kernel refuses even one.
        std::string junk(4096, 'j');
        std::size_t filled = 0;
        for (std::size_t size = junk.size(); size > 0;) {
            const ssize_t n = ::send(t.fd(), junk.data(), size, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n > 0)
                filled += std::size_t(n);
            else
                size /= 2;
        }
        t.shutdown_write();  // close_notify cannot go now
        t.close();           // and the stream is gone at once
        std::string raw = co_await simul::wait_for(read_raw_to_eof(st.fd()), 5s);
        CO_ASSERT_TRUE(raw.size() > filled);
        const std::string tail = raw.substr(filled);
        // One TLS 1.3 record (an alert travels as type 23, version 3.3): the close_notify.
        CO_ASSERT_TRUE(tail.size() >= 5);
        EXPECT_EQ(int(std::uint8_t(tail[0])), 23);
        EXPECT_EQ(int(std::uint8_t(tail[1])), 3);
        EXPECT_EQ(int(std::uint8_t(tail[2])), 3);
        EXPECT_EQ(tail.size(), 5u + ((std::uint8_t(tail[3]) << 8) | std::uint8_t(tail[4])));
    });
}

TEST(Tls, ConfigurationMistakesSayWhatIsWrong) {
    auto message = [](auto f) {
        try {
            f();
        } catch (const tls::Error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    EXPECT_NE(message([] { tls::Context::server({}); }).find("needs a certificate"), std::string::npos);
    EXPECT_NE(message([] { tls::Context::server({.certfile = "/nonexistent.pem", .keyfile = "/x.key"}); })
                  .find("/nonexistent.pem"),
              std::string::npos);
    EXPECT_NE(message([] { tls::Context::server({.certfile = cert("server.pem"), .keyfile = cert("client.key")}); })
                  .find("does not match"),
              std::string::npos);
    EXPECT_NE(message([] { tls::Context::client({.alpn = {""}}); }).find("ALPN"), std::string::npos);
    EXPECT_NE(message([] {
                  tls::Context::client({.min_version = tls::Version::tls1_3, .max_version = tls::Version::tls1_2});
              }).find("min_version"),
              std::string::npos);
}

TEST(Tls, CertificatesFromMemory) {
    auto slurp = [](const std::string& path) {
        std::string s;
        FILE* f = std::fopen(path.c_str(), "rb");
        char buf[4096];
        std::size_t n;
        while (f && (n = std::fread(buf, 1, sizeof buf, f)) > 0) s.append(buf, n);
        if (f) std::fclose(f);
        return s;
    };
    const std::string cert_pem = slurp(cert("server.pem")), key_pem = slurp(cert("server.key")), ca = slurp(cert("ca.pem"));
    run_real([&]() -> simul::Task<> {
        auto sctx = tls::Context::server({.cert_pem = cert_pem, .key_pem = key_pem});
        simul::ServerOptions opt37;
        opt37.tls = sctx;
        auto server = co_await simul::start_server(echo, "127.0.0.1", 0, opt37);
        simul::ConnectOptions opt38;
        auto ctx_opt38 = tls::Context::client({.ca_pem = ca});
        opt38.tls = ctx_opt38;
        auto s = co_await simul::open_connection("127.0.0.1", server.port(), opt38);
        co_await s.write("m");
        {
            auto got20 = co_await s.read_exactly(1);
            EXPECT_EQ(got20, "m");
        }
        s.close();
        co_await server.wait_closed(2s);
    });
}

namespace {
simul::Task<simul::Stream> accept_tls(simul::Stream s) { co_return co_await tls::wrap_server(std::move(s), server_context()); }
simul::Task<> write_16_mib(simul::Stream& s) { co_await s.write(std::string(16 << 20, 'q')); }
}  // namespace

// The Stream goes while its writer waits on a full socket: the writer wakes
// with EBADF and touches neither the Stream nor its transport (ASan watches).
TEST(Tls, DestroyingTheStreamUnderAWaitingWriterWakesItWithEbadf) {
    run_real([]() -> simul::Task<> {
        auto [a, b] = simul::stream_pair();
        auto server = simul::spawn(accept_tls(std::move(b)));
        auto client = std::make_unique<simul::Stream>(co_await tls::wrap_client(std::move(a), client_context(), "localhost"));
        simul::Stream peer = co_await server;  // kept open and unread: the writer fills the socket
        auto writer = simul::spawn(write_16_mib(*client));
        co_await simul::sleep(20ms);
        client.reset();
        try {
            co_await writer;
            ADD_FAILURE() << "expected std::system_error(EBADF)";
        } catch (const std::system_error& e) {
            EXPECT_EQ(e.code().value(), EBADF) << e.what();
        }
    });
}
