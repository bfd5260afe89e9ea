// simul/net/tls.hpp: tls::Context and TLS Streams, encryption on OpenSSL 3.
//
// A tls::Context holds the settings of one side (client or server):
// protocol versions, certificates, trust, ALPN, session caches. It is a cheap
// copyable handle over one shared SSL_CTX; make one per program (or per
// configuration) and share it between connections. tls::wrap_client() and
// tls::wrap_server() run the handshake on a connected Stream and return a
// Stream with exactly the same calls (read_some, read_until, read_exactly,
// write, drain, shutdown_write, close), so code written for a plain Stream
// works over TLS unchanged. open_connection() and start_server() do it for
// you with one option:
//
//     auto ctx = simul::tls::Context::client();       // system trust store
//     simul::Stream s = co_await simul::open_connection("example.org", 443, {.tls = ctx});
//     co_await s.write("GET / HTTP/1.0\r\nHost: example.org\r\n\r\n");
//     std::string status = co_await s.read_line();
//
//     auto sctx = simul::tls::Context::server({.certfile = "cert.pem", .keyfile = "key.pem"});
//     auto server = co_await simul::start_server(echo, "0.0.0.0", 8443, {.tls = sctx});
//
// Verification is on by default: a client checks the server's chain against
// its trust (cafile, capath, ca_pem, else the system store) and that the
// certificate names the host it dialled (DNS name or IP address). A failure
// throws tls::VerificationError saying why (expired, self-signed, the wrong
// host, an unknown CA). Only `.insecure_skip_verify = true` turns the checks
// off, and it says so on stderr once per process.
//
// Who resumes a waiter: the loop. OpenSSL reads straight from the
// non-blocking socket through a BIO of ours (src/net/tls_impl.hpp says how);
// when it needs bytes that have not arrived, the task waits readable. Its
// output is queued in the session and sent as the kernel takes it, the writer
// waiting writable (that is the backpressure). Nothing blocks, nothing spins.
//
// ConnectOptions::tls and ServerOptions::tls are tls::ContextRef, a
// reference: name the Context first (a temporary is refused at compile time).
//
// Errors: tls::Error (a simul::Error) for a failed handshake or a protocol
// error, with OpenSSL's reason and the peer's alert; tls::VerificationError
// for a certificate that does not pass; tls::TruncatedError when the peer
// closes the connection without close_notify (an attacker, or a crash, may
// have cut the data short: this is not a clean end of stream); a handshake
// that outlasts `handshake_timeout` throws simul::TimeoutError ("TLS
// handshake with HOST timed out"). Renegotiation is refused.
//
// Cancellation: a cancelled handshake closes nothing but leaves the stream
// unusable (it is consumed by wrap_*). A cancelled read loses no decrypted
// byte. A cancelled write either took none of its bytes or marks the stream
// broken. shutdown_write() sends close_notify (if the socket cannot take it at
// once, a small task finishes it, bounded to 10 s); close() sends
// close_notify too when it can without waiting, unless a write broke.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <simul/core/clock.hpp>
#include <simul/core/error.hpp>
#include <simul/coro/task.hpp>
#include <simul/io/stream.hpp>

namespace simul::tls {

// A handshake or a session failed; the message has OpenSSL's reason.
class Error : public simul::Error {
public:
    using simul::Error::Error;
};

// The peer's certificate did not pass verification. code() is OpenSSL's
// X509_V_ERR_* value (X509_V_ERR_CERT_HAS_EXPIRED, _HOSTNAME_MISMATCH...).
class VerificationError : public Error {
public:
    VerificationError(std::string message, long code) : Error(std::move(message)), code_(code) {}
    long code() const noexcept { return code_; }

private:
    long code_;
};

// The peer closed the connection without close_notify: the data may be cut.
class TruncatedError : public Error {
public:
    using Error::Error;
};

enum class Version { tls1_2, tls1_3 };

// A certificate (with its chain) and its private key, PEM files or PEM text.
struct Identity {
    std::string certfile = {}, keyfile = {};  // PEM files (the cert file may hold the chain)
    std::string cert_pem = {}, key_pem = {};  // or PEM text in memory
    bool empty() const noexcept { return certfile.empty() && cert_pem.empty(); }
};

// A server's certificate for one name asked by SNI ("example.org" or "*.example.org").
struct NamedIdentity {
    std::string name = {};
    Identity identity = {};
};

struct ClientConfig {
    // Trust: any of these; none given means the system's store.
    std::string cafile = {}, capath = {}, ca_pem = {};
    // A client certificate, for servers that ask (mutual TLS).
    std::string certfile = {}, keyfile = {}, cert_pem = {}, key_pem = {};
    std::vector<std::string> alpn = {};  // protocols offered, in order ("h2", "http/1.1")
    Version min_version = Version::tls1_2;
    Version max_version = Version::tls1_3;
    bool session_cache = true;  // resume sessions with a host:port seen before
    Duration handshake_timeout = std::chrono::seconds(10);
    // Accept any certificate from anyone: for tests against throwaway certs only.
    bool insecure_skip_verify = false;
};

struct ServerConfig {
    std::string certfile = {}, keyfile = {}, cert_pem = {}, key_pem = {};  // the default certificate
    std::vector<NamedIdentity> sni = {};  // others, chosen by the name the client asks
    std::vector<std::string> alpn = {};   // protocols accepted, in preference order
    Version min_version = Version::tls1_2;
    Version max_version = Version::tls1_3;
    // Mutual TLS: ask clients for a certificate, check it against this trust,
    // and refuse a client without one when `require_client_certificate`.
    bool verify_client = false;
    bool require_client_certificate = false;
    std::string cafile = {}, capath = {}, ca_pem = {};
    bool session_tickets = true;  // resumption (server cache and tickets)
    Duration handshake_timeout = std::chrono::seconds(10);
};

namespace detail {
struct ContextImpl;
}

class Context {
public:
    Context() noexcept = default;  // empty: no TLS
    static Context client();  // the defaults: the system's trust store, TLS 1.2 and 1.3
    static Context client(ClientConfig config);
    static Context server(ServerConfig config);

    explicit operator bool() const noexcept { return impl_ != nullptr; }
    bool is_server() const noexcept;
    Duration handshake_timeout() const noexcept;
    // Client: sessions kept for resumption (one per host:port).
    std::size_t cached_sessions() const noexcept;

    const std::shared_ptr<detail::ContextImpl>& impl() const noexcept { return impl_; }

    explicit Context(std::shared_ptr<detail::ContextImpl> impl) noexcept : impl_(std::move(impl)) {}

private:
    std::shared_ptr<detail::ContextImpl> impl_;
};

// A non-owning reference to a Context, for ConnectOptions and ServerOptions.
// Those stay trivially destructible on purpose: g++ 12 miscompiles a
// temporary with a destructor inside a co_await expression, and
// `co_await open_connection(host, port, {.tls = ctx})` must be safe. The
// call takes its own reference when it starts, so `ctx` need only live
// until then. A temporary Context is refused at compile time (it would be
// gone before the call): name it first.
class ContextRef {
public:
    ContextRef() noexcept = default;
    ContextRef(const Context& c) noexcept : impl_(c.impl().get()) {}  // NOLINT: implicit on purpose
    ContextRef(Context&&) = delete;
    explicit operator bool() const noexcept { return impl_ != nullptr; }
    Context lock() const;  // the Context itself (a new reference)

private:
    detail::ContextImpl* impl_ = nullptr;
};

// Runs the client handshake on `stream` (bytes it already buffered are the
// first the session reads) and returns the TLS stream. `server_name` is sent
// as SNI (unless it is an IP address) and is what the certificate must name.
Task<Stream> wrap_client(Stream stream, Context context, std::string server_name);
// Runs the server handshake; the timeout is the context's.
Task<Stream> wrap_server(Stream stream, Context context);

// What a TLS stream negotiated.
struct SessionInfo {
    std::string version;      // "TLSv1.3"
    std::string cipher;       // "TLS_AES_256_GCM_SHA384"
    std::string alpn;         // the protocol chosen, "" if none
    std::string server_name;  // SNI: what the client asked for
    std::string peer_subject; // the peer certificate's subject, "" if none
    bool resumed = false;     // the handshake resumed an earlier session
};
// Throws simul::Error if `stream` is not a TLS stream.
SessionInfo info(const Stream& stream);
bool is_tls(const Stream& stream) noexcept;

}  // namespace simul::tls
