#include <simul/net/tls.hpp>

#include <openssl/x509_vfy.h>

#include <string>

#include <gtest/gtest.h>

#include <simul/simul.hpp>

#include "tls_fixture.hpp"

// Verification is on by default, and each failure says why. The server side
// runs simul with the fixture's bad certificates; the client verifies.
using namespace tls_test;

namespace {

simul::Task<> hello(simul::Stream s) { co_await s.write("hello"); }

struct Outcome {
    std::string error;  // "" if it connected
    long code = 0;      // X509_V_ERR_*, for a VerificationError
    std::string got;
};

// Serves `server_cert` and connects to `host` with `client`.
Outcome attempt(const std::string& server_cert, const std::string& host, tls::Context client) {
    return run_real([&]() -> simul::Task<Outcome> {
        Outcome o;
        auto sctx = server_context(server_cert);
        simul::Loop::current()->set_exception_handler([](const simul::ExceptionContext&) {});  // the server's side of it
        simul::ServerOptions so;
        so.tls = sctx;
        auto server = co_await simul::start_server(hello, "127.0.0.1", 0, so);
        simul::ConnectOptions co;
        co.tls = client;
        try {
            auto s = co_await simul::open_connection(host, server.port(), co);
            o.got = co_await s.read_exactly(5);
        } catch (const tls::VerificationError& e) {
            o.error = e.what();
            o.code = e.code();
        } catch (const std::exception& e) {
            o.error = std::string("not a VerificationError: ") + e.what();
        }
        co_await server.wait_closed(2s);
        co_return o;
    });
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST(TlsVerify, AValidCertificateForTheHostPasses) {
    auto o = attempt("server", "localhost", client_context());
    EXPECT_EQ(o.error, "");
    EXPECT_EQ(o.got, "hello");
}

TEST(TlsVerify, AnIpAddressIsCheckedAgainstTheIpSubjectAltName) {
    auto o = attempt("server", "127.0.0.1", client_context());
    EXPECT_EQ(o.error, "");
    auto w = attempt("wronghost", "127.0.0.1", client_context());
    EXPECT_EQ(w.code, X509_V_ERR_IP_ADDRESS_MISMATCH) << w.error;
    EXPECT_TRUE(has(w.error, "not for '127.0.0.1'")) << w.error;
}

TEST(TlsVerify, AnExpiredCertificateSaysExpiredAndWhen) {
    auto o = attempt("expired", "localhost", client_context());
    EXPECT_EQ(o.code, X509_V_ERR_CERT_HAS_EXPIRED);
    EXPECT_TRUE(has(o.error, "expired on")) << o.error;
    EXPECT_TRUE(has(o.error, "2021")) << o.error;
    EXPECT_TRUE(has(o.error, "certificate has expired")) << o.error;  // OpenSSL's own words too
    EXPECT_TRUE(has(o.error, "localhost")) << o.error;
}

TEST(TlsVerify, ASelfSignedCertificateSaysSelfSigned) {
    auto o = attempt("selfsigned", "localhost", client_context());
    EXPECT_EQ(o.code, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT);
    EXPECT_TRUE(has(o.error, "is self-signed")) << o.error;
}

TEST(TlsVerify, TheWrongHostNamesTheExpectedHostAndWhatTheCertificateNames) {
    auto o = attempt("wronghost", "localhost", client_context());
    EXPECT_EQ(o.code, X509_V_ERR_HOSTNAME_MISMATCH);
    EXPECT_TRUE(has(o.error, "is not for 'localhost'")) << o.error;
    EXPECT_TRUE(has(o.error, "DNS:wrong.example")) << o.error;
}

TEST(TlsVerify, AnUnknownCaSaysUnknownCaAndNamesTheIssuer) {
    auto o = attempt("unknownca", "localhost", client_context());
    EXPECT_EQ(o.code, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
    EXPECT_TRUE(has(o.error, "unknown CA")) << o.error;
    EXPECT_TRUE(has(o.error, "simul other CA")) << o.error;
}

TEST(TlsVerify, TheSystemStoreIsTheDefaultAndDoesNotTrustTheTestCa) {
    auto o = attempt("server", "localhost", tls::Context::client());
    EXPECT_EQ(o.code, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY) << o.error;
}

TEST(TlsVerify, ACaDirectoryWorksAsTrust) {
    // capath wants files named by subject hash: make one next to the fixture's files.
    const std::string dir = cert_dir() + "/capath";
    const std::string cmd = "mkdir -p " + dir + " && cp " + cert("ca.pem") + " " + dir + "/$(openssl x509 -hash -noout -in " +
                            cert("ca.pem") + ").0";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
    auto o = attempt("server", "localhost", tls::Context::client({.capath = dir}));
    EXPECT_EQ(o.error, "");
    EXPECT_EQ(o.got, "hello");
}

TEST(TlsVerify, InsecureSkipVerifyAcceptsAnythingAndSaysSo) {
    testing::internal::CaptureStderr();
    auto ctx = tls::Context::client({.insecure_skip_verify = true});
    auto ctx2 = tls::Context::client({.insecure_skip_verify = true});
    const std::string warned = testing::internal::GetCapturedStderr();
    EXPECT_TRUE(has(warned, "WARNING: insecure_skip_verify")) << warned;
    EXPECT_EQ(warned.find("WARNING"), warned.rfind("WARNING")) << "warns once: " << warned;
    auto o = attempt("selfsigned", "localhost", ctx);
    EXPECT_EQ(o.error, "");
    auto w = attempt("wronghost", "localhost", ctx2);
    EXPECT_EQ(w.error, "");
}

TEST(TlsVerify, TheServerRejectsAClientCertificateFromAnUnknownCa) {
    std::string server_error, client_error;
    run_real([&]() -> simul::Task<> {
        simul::Loop::current()->set_exception_handler(
            [&](const simul::ExceptionContext& c) { server_error = c.message; });
        auto sctx = server_context("server", {.require_client_certificate = true, .cafile = cert("ca.pem")});
        simul::ServerOptions so;
        so.tls = sctx;
        auto server = co_await simul::start_server(hello, "127.0.0.1", 0, so);
        // A certificate signed by the other CA (a server cert, but the server must refuse it on trust first).
        auto ctx = client_context({.certfile = cert("unknownca.pem"), .keyfile = cert("unknownca.key")});
        simul::ConnectOptions co;
        co.tls = ctx;
        try {
            auto s = co_await simul::open_connection("localhost", server.port(), co);
            std::string got = co_await s.read();
        } catch (const tls::Error& e) {
            client_error = e.what();
        }
        for (int i = 0; i < 100 && server_error.empty(); ++i) co_await simul::sleep(10ms);
        co_await server.wait_closed(2s);
    });
    EXPECT_TRUE(has(server_error, "cannot verify the client")) << server_error;
    EXPECT_TRUE(has(server_error, "unknown CA")) << server_error;
    EXPECT_TRUE(has(client_error, "alert")) << client_error;
}
