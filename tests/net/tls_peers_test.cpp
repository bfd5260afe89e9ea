#include <simul/net/tls.hpp>

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <simul/simul.hpp>

#include "tls_fixture.hpp"

// TLS with peers nobody here wrote: `openssl s_server` and `openssl s_client`
// (OpenSSL's own test tools) and Python's ssl module, on loopback. Each peer
// is started by the test, its port read from its output, and every wait is
// bounded (the peer is killed at the end whatever happened).
using namespace tls_test;
namespace sp = simul::subprocess;

namespace {

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// `openssl s_server ... -accept 127.0.0.1:0`: started, and its port read from "ACCEPT host:port".
struct SServer {
    sp::Process process;
    std::uint16_t port = 0;
    std::string seen;  // its output up to the ACCEPT line
};

simul::Task<SServer> start_s_server(std::vector<std::string> extra) {
    std::vector<std::string> argv = {"openssl", "s_server", "-accept", "127.0.0.1:0", "-cert", cert("server.pem"),
                                     "-key", cert("server.key")};
    argv.insert(argv.end(), extra.begin(), extra.end());
    SServer s;
    sp::Options o;
    o.std_in = sp::Stdio::pipe();
    o.std_out = sp::Stdio::pipe();
    o.std_err = sp::Stdio::to_stdout();
    o.kill_on_destroy = true;
    s.process = sp::exec(argv, o);
    for (int i = 0; i < 20 && s.port == 0; ++i) {
        std::string line = co_await simul::wait_for(s.process.stdout_stream().read_line(), 5s);
        if (line.empty()) break;
        s.seen += line;
        if (line.rfind("ACCEPT ", 0) == 0) s.port = std::uint16_t(std::stoi(line.substr(line.rfind(':') + 1)));
    }
    if (s.port == 0) throw std::runtime_error("openssl s_server did not start: " + s.seen);
    co_return s;
}

// The rest of a child's output, then its end; killed if it takes longer than `limit`.
simul::Task<std::string> finish(sp::Process& p, simul::Duration limit) {
    std::string out;
    try {
        out = co_await simul::wait_for(p.stdout_stream().read(), limit);
    } catch (const simul::TimeoutError&) {
        out += "[timed out]";
    }
    p.kill();
    co_await simul::wait_for(p.wait(), 5s);
    co_return out;
}

simul::Task<> echo_lines(simul::Stream s) {
    for (;;) {
        std::string line = co_await s.read_line();
        if (line.empty()) break;
        co_await s.write(line);
    }
}

// s_client -ign_eof reads until the server closes: answer one line, then close (close_notify).
simul::Task<> echo_one_line(simul::Stream s) {
    std::string line = co_await s.read_line();
    co_await s.write(line);
    s.close();
}

}  // namespace

TEST(TlsPeers, SimulClientTalksToOpensslSServer) {
    run_real([]() -> simul::Task<> {
        std::vector<std::string> args = {"-rev", "-naccept", "1", "-alpn", "h2"};
        SServer server = co_await start_s_server(args);
        auto ctx = client_context({.alpn = {"h2", "http/1.1"}});
        simul::ConnectOptions co;
        co.tls = ctx;
        auto s = co_await simul::open_connection("localhost", server.port, co);
        co_await s.write("hello\n");
        std::string back = co_await simul::wait_for(s.read_line(), 5s);
        EXPECT_EQ(back, "olleh\n");
        EXPECT_EQ(tls::info(s).alpn, "h2");
        EXPECT_EQ(tls::info(s).version, "TLSv1.3");
        s.close();
        std::string out = co_await finish(server.process, 5s);
        EXPECT_TRUE(has(out, "CONNECTION ESTABLISHED")) << out;
    });
}

TEST(TlsPeers, SimulClientResumesItsSessionWithOpensslSServer) {
    run_real([]() -> simul::Task<> {
        std::vector<std::string> args = {"-rev", "-naccept", "2"};
        SServer server = co_await start_s_server(args);
        auto ctx = client_context();
        simul::ConnectOptions co;
        co.tls = ctx;
        std::vector<bool> resumed;
        for (int i = 0; i < 2; ++i) {
            auto s = co_await simul::open_connection("localhost", server.port, co);
            co_await s.write("abc\n");
            std::string back = co_await simul::wait_for(s.read_line(), 5s);
            EXPECT_EQ(back, "cba\n");
            resumed.push_back(tls::info(s).resumed);
            s.close();
        }
        EXPECT_EQ(resumed, (std::vector<bool>{false, true}));
        co_await finish(server.process, 5s);
    });
}

TEST(TlsPeers, SimulClientPresentsItsCertificateToOpensslSServerThatRequiresOne) {
    run_real([]() -> simul::Task<> {
        std::vector<std::string> args = {"-rev", "-naccept", "2", "-Verify", "1", "-CAfile", cert("ca.pem"),
                                         "-verify_return_error"};
        SServer server = co_await start_s_server(args);
        auto with_cert = client_context({.certfile = cert("client.pem"), .keyfile = cert("client.key")});
        simul::ConnectOptions co;
        co.tls = with_cert;
        auto s = co_await simul::open_connection("localhost", server.port, co);
        co_await s.write("mtls\n");
        std::string back = co_await simul::wait_for(s.read_line(), 5s);
        EXPECT_EQ(back, "sltm\n");
        s.close();
        // Without a certificate: refused, and the error says so.
        auto without = client_context();
        co.tls = without;
        std::string error;
        try {
            auto t = co_await simul::open_connection("localhost", server.port, co);
            co_await t.write("x\n");
            std::string got = co_await simul::wait_for(t.read_line(), 5s);
            error = "no error, got '" + got + "'";
        } catch (const tls::Error& e) {
            error = e.what();
        }
        EXPECT_TRUE(has(error, "alert")) << error;
        co_await finish(server.process, 5s);
    });
}

TEST(TlsPeers, SimulClientRefusesRenegotiationFromOpensslSServer) {
    run_real([]() -> simul::Task<> {
        std::vector<std::string> args = {"-tls1_2", "-naccept", "1"};
        SServer server = co_await start_s_server(args);
        auto ctx = client_context();
        simul::ConnectOptions co;
        co.tls = ctx;
        auto s = co_await simul::open_connection("localhost", server.port, co);
        EXPECT_EQ(tls::info(s).version, "TLSv1.2");
        co_await s.write("before\n");
        co_await simul::sleep(200ms);
        co_await server.process.stdin_stream().write("R\n");  // s_server: "R" asks the client to renegotiate
        co_await simul::sleep(200ms);
        co_await server.process.stdin_stream().write("after\n");
        std::string got, error;
        try {
            got = co_await simul::wait_for(s.read_line(), 5s);
        } catch (const std::exception& e) {
            error = e.what();
        }
        // We answer the HelloRequest with a no_renegotiation warning; s_server
        // gives up on it and the data flows on in the session as it was.
        EXPECT_EQ(got, "after\n") << error;
        s.close();
        std::string out = co_await finish(server.process, 5s);
        EXPECT_TRUE(has(out, "before")) << out;
        EXPECT_FALSE(has(out, "Secure Renegotiation IS supported\nSSL_do_handshake -> 1")) << out;
    });
}

namespace {

// `openssl s_client` against a simul server: writes `input`, reads to the end.
simul::Task<std::string> s_client(std::uint16_t port, std::vector<std::string> extra, std::string input) {
    std::vector<std::string> argv = {"openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(port),
                                     "-servername", "localhost", "-CAfile", cert("ca.pem"), "-verify_return_error",
                                     "-verify_hostname", "localhost"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    sp::Options o;
    o.std_in = sp::Stdio::pipe();
    o.std_out = sp::Stdio::pipe();
    o.std_err = sp::Stdio::to_stdout();
    o.kill_on_destroy = true;
    sp::Process p = sp::exec(argv, o);
    try {
        auto result = co_await simul::wait_for(p.communicate(input), 10s);
        co_return result.out;
    } catch (const simul::TimeoutError&) {
        p.kill();
    }
    co_await p.wait();
    co_return "[s_client timed out]";
}

simul::Task<simul::Server> tls_server(simul::ConnectionHandler handler, const tls::Context& ctx) {
    simul::ServerOptions so;
    so.tls = ctx;
    co_return co_await simul::start_server(std::move(handler), "127.0.0.1", 0, so);
}

}  // namespace

TEST(TlsPeers, OpensslSClientTalksToASimulServer) {
    run_real([]() -> simul::Task<> {
        auto ctx = server_context("server", {.alpn = {"h2", "http/1.1"}});
        auto server = co_await tls_server(echo_one_line, ctx);
        std::vector<std::string> args = {"-alpn", "http/1.1", "-ign_eof"};
        std::string out = co_await s_client(server.port(), args, "ping-from-s_client\n");
        EXPECT_TRUE(has(out, "Verification: OK")) << out;
        EXPECT_TRUE(has(out, "ALPN protocol: http/1.1")) << out;
        // (s_client's report and the echoed bytes share stdout: no line boundaries to rely on)
        EXPECT_TRUE(has(out, "ping-from-s_client")) << out;
        co_await server.wait_closed(2s);
    });
}

TEST(TlsPeers, OpensslSClientResumesWithASimulServer) {
    run_real([]() -> simul::Task<> {
        auto ctx = server_context();
        auto server = co_await tls_server(echo_one_line, ctx);
        const std::string sess = cert_dir() + "/s_client-" + std::to_string(::getpid()) + ".sess";
        std::vector<std::string> first = {"-sess_out", sess, "-ign_eof"};
        std::string out1 = co_await s_client(server.port(), first, "first-connection\n");
        std::vector<std::string> second = {"-sess_in", sess, "-ign_eof"};
        std::string out2 = co_await s_client(server.port(), second, "second-connection\n");
        std::remove(sess.c_str());
        EXPECT_TRUE(has(out1, "New, TLSv1.3")) << out1;
        EXPECT_TRUE(has(out2, "Reused, TLSv1.3")) << out2;
        EXPECT_TRUE(has(out2, "second-connection")) << out2;
        co_await server.wait_closed(2s);
    });
}

TEST(TlsPeers, OpensslSClientWithACertificateForMutualTls) {
    run_real([]() -> simul::Task<> {
        std::string subject;
        auto handler = [&](simul::Stream s) -> simul::Task<> {
            subject = tls::info(s).peer_subject;
            co_await echo_one_line(std::move(s));
        };
        auto ctx = server_context("server", {.require_client_certificate = true, .cafile = cert("ca.pem")});
        auto server = co_await tls_server(handler, ctx);
        std::vector<std::string> args = {"-cert", cert("client.pem"), "-key", cert("client.key"), "-ign_eof"};
        std::string out = co_await s_client(server.port(), args, "mutual-tls-echo\n");
        EXPECT_TRUE(has(out, "mutual-tls-echo")) << out;
        EXPECT_TRUE(has(subject, "simul test client")) << subject;
        co_await server.wait_closed(2s);
    });
}

TEST(TlsPeers, ASimulServerRefusesRenegotiationFromOpensslSClient) {
    run_real([]() -> simul::Task<> {
        std::vector<std::string> logged;
        simul::Loop::current()->set_exception_handler(
            [&](const simul::ExceptionContext& c) { logged.push_back(c.message); });
        auto ctx = server_context();
        auto server = co_await tls_server(echo_lines, ctx);
        std::vector<std::string> argv = {"openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(server.port()),
                                         "-CAfile", cert("ca.pem"), "-tls1_2"};
        sp::Options o;
        o.std_in = sp::Stdio::pipe();
        o.std_out = sp::Stdio::pipe();
        o.std_err = sp::Stdio::to_stdout();
        o.kill_on_destroy = true;
        sp::Process p = sp::exec(argv, o);
        co_await p.stdin_stream().write("first-line\n");
        co_await simul::sleep(300ms);
        co_await p.stdin_stream().write("R\n");  // interactive s_client: renegotiate
        co_await simul::sleep(300ms);
        p.close_stdin();
        std::string out = co_await finish(p, 5s);
        EXPECT_TRUE(has(out, "first-line")) << out;
        EXPECT_TRUE(has(out, "RENEGOTIATING")) << out;
        EXPECT_TRUE(has(out, "no renegotiation")) << out;  // our alert, as s_client reports it
        co_await server.wait_closed(2s);
    });
}

namespace {

simul::Task<std::string> python(std::string script, std::vector<std::string> args) {
    std::vector<std::string> argv = {"/usr/bin/python3", "-c", script};
    argv.insert(argv.end(), args.begin(), args.end());
    sp::Options o;
    o.std_out = sp::Stdio::pipe();
    o.std_err = sp::Stdio::to_stdout();
    o.kill_on_destroy = true;
    sp::Process p = sp::exec(argv, o);
    co_return co_await finish(p, 10s);
}

const char* kPythonClient = R"(
import socket, ssl, sys
port, cafile, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ctx = ssl.create_default_context(cafile=cafile)
ctx.set_alpn_protocols(["h2"])
raw = socket.create_connection(("127.0.0.1", port), timeout=5)
s = ctx.wrap_socket(raw, server_hostname="localhost")
s.sendall(b"from python\n")
data = b""
while not data.endswith(b"\n"):
    chunk = s.recv(100)
    if not chunk: break
    data += chunk
print("GOT", data.decode().strip(), s.version(), s.selected_alpn_protocol())
if mode == "clean":
    s.unwrap()   # close_notify
    raw.close()
else:
    s.shutdown(socket.SHUT_RDWR)   # the TCP shutdown only, no close_notify: truncation
    s.close()
print("DONE")
)";

}  // namespace

TEST(TlsPeers, PythonSslClientTalksToASimulServerAndClosesCleanly) {
    run_real([]() -> simul::Task<> {
        std::string ended;
        auto handler = [&](simul::Stream s) -> simul::Task<> {
            std::string line = co_await s.read_line();
            co_await s.write(line);
            try {
                std::string rest = co_await s.read();
                ended = "clean end, " + std::to_string(rest.size()) + " more bytes";
            } catch (const tls::TruncatedError& e) {
                ended = std::string("truncated: ") + e.what();
            }
        };
        auto ctx = server_context("server", {.alpn = {"h2"}});
        auto server = co_await tls_server(handler, ctx);
        std::vector<std::string> args = {std::to_string(server.port()), cert("ca.pem"), "clean"};
        std::string out = co_await python(kPythonClient, args);
        EXPECT_TRUE(has(out, "GOT from python TLSv1.3 h2")) << out;
        EXPECT_TRUE(has(out, "DONE")) << out;
        co_await server.wait_closed(2s);
        EXPECT_EQ(ended, "clean end, 0 more bytes");
    });
}

TEST(TlsPeers, APythonClientThatDropsTheConnectionIsTruncation) {
    run_real([]() -> simul::Task<> {
        std::string ended;
        auto handler = [&](simul::Stream s) -> simul::Task<> {
            std::string line = co_await s.read_line();
            co_await s.write(line);
            try {
                co_await s.read();
                ended = "clean end";
            } catch (const tls::TruncatedError& e) {
                ended = std::string("truncated: ") + e.what();
            }
        };
        auto ctx = server_context();
        auto server = co_await tls_server(handler, ctx);
        std::vector<std::string> args = {std::to_string(server.port()), cert("ca.pem"), "drop"};
        std::string out = co_await python(kPythonClient, args);
        EXPECT_TRUE(has(out, "DONE")) << out;
        co_await server.wait_closed(2s);
        EXPECT_TRUE(has(ended, "truncated: ")) << ended;
        EXPECT_TRUE(has(ended, "without close_notify")) << ended;
    });
}
