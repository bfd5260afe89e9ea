// The TLS transport under a Stream: the handshake, reads, writes, close_notify
// (see simul/net/tls.hpp; how the bytes move is at the top of tls_impl.hpp).
#include <simul/net/tls.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

#include <simul/coro/sleep.hpp>
#include <simul/coro/spawn.hpp>
#include <simul/coro/wait_fd.hpp>
#include <simul/coro/wait_for.hpp>

#include "net/tls_impl.hpp"

namespace simul {

namespace detail {
// The TLS code's way into a Stream's private parts.
struct StreamAccess {
    static int fd(const Stream& s) { return s.fd_.get(); }
    static std::string take_buffered(Stream& s) {
        std::string rest(s.rbuf_.data() + s.rpos_, s.rend_ - s.rpos_);
        s.rpos_ = s.rend_ = 0;
        return rest;
    }
    static void set_transport(Stream& s, std::unique_ptr<StreamTransport> t) { s.transport_ = std::move(t); }
};
}  // namespace detail

namespace tls {

namespace {

using detail::ContextImpl;
using detail::openssl_errors;

// Plaintext bytes encrypted per round of a write: the ciphertext queue stays
// about this big, and the kernel's socket buffer is what pushes back.
constexpr std::size_t kWriteChunk = 64 * 1024;

std::string x509_name(const X509_NAME* n) {
    if (!n) return {};
    char buf[512];
    X509_NAME_oneline(n, buf, sizeof buf);
    return buf;
}

std::string asn1_time(const ASN1_TIME* t) {
    if (!t) return "?";
    BIO* b = BIO_new(BIO_s_mem());
    ASN1_TIME_print(b, t);
    char* data = nullptr;
    long n = BIO_get_mem_data(b, &data);
    std::string out(data, std::size_t(n));
    BIO_free(b);
    return out;
}

std::string alt_names(X509* cert) {
    std::string out;
    auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
    if (!names) return out;
    for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
        const GENERAL_NAME* g = sk_GENERAL_NAME_value(names, i);
        std::string one;
        if (g->type == GEN_DNS) {
            one = "DNS:" + std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(g->d.dNSName)),
                                       std::size_t(ASN1_STRING_length(g->d.dNSName)));
        } else if (g->type == GEN_IPADD) {
            char text[INET6_ADDRSTRLEN] = "?";
            const int len = ASN1_STRING_length(g->d.iPAddress);
            const unsigned char* p = ASN1_STRING_get0_data(g->d.iPAddress);
            if (len == 4) inet_ntop(AF_INET, p, text, sizeof text);
            if (len == 16) inet_ntop(AF_INET6, p, text, sizeof text);
            one = std::string("IP:") + text;
        } else {
            continue;
        }
        if (!out.empty()) out += ", ";
        out += one;
    }
    GENERAL_NAMES_free(names);
    return out;
}

bool is_ip_literal(const std::string& host) {
    unsigned char buf[16];
    return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

// What the verify callback saw first: enough to say why in plain words.
struct VerifyFailure {
    long code = X509_V_OK;
    int depth = 0;
    std::string subject, issuer, not_before, not_after, names;
};

class TlsTransport final : public simul::detail::StreamTransport {
public:
    TlsTransport(std::shared_ptr<ContextImpl> ctx, int fd, std::string peer, std::string early_input)
        : ctx_(std::move(ctx)), fd_(fd), peer_(std::move(peer)), in_(std::move(early_input)) {
        ssl_ = SSL_new(ctx_->ctx);
        if (!ssl_) throw Error("simul::tls: SSL_new failed (" + openssl_errors() + ")");
        BIO* bio = BIO_new(method());
        if (!bio) {
            SSL_free(ssl_);
            throw Error("simul::tls: BIO_new failed (" + openssl_errors() + ")");
        }
        BIO_set_data(bio, this);
        BIO_set_init(bio, 1);
        SSL_set_bio(ssl_, bio, bio);  // one BIO both ways; the SSL owns it
        if (SSL_get_verify_mode(ssl_) != SSL_VERIFY_NONE) SSL_set_verify(ssl_, SSL_get_verify_mode(ssl_), on_verify);
        SSL_set_ex_data(ssl_, tls::detail::ssl_index(), nullptr);
    }
    ~TlsTransport() override { SSL_free(ssl_); }

    SSL* ssl() const noexcept { return ssl_; }
    const std::string& peer() const noexcept { return peer_; }
    void set_session_key(std::string key) {
        session_key_ = std::move(key);
        SSL_set_ex_data(ssl_, tls::detail::ssl_index(), session_key_.data());
    }

    Task<> handshake();
    Task<std::size_t> read(int fd, char* data, std::size_t size) override;
    Task<> write(int fd, std::string_view data, bool& broken) override;
    void shutdown_write(int fd) override;
    void close(int fd) noexcept override;

private:
    static BIO_METHOD* method();
    static int bio_read(BIO* b, char* buf, int len);
    static int bio_write(BIO* b, const char* buf, int len);
    static long bio_ctrl(BIO* b, int cmd, long num, void* ptr);
    static int on_verify(int ok, X509_STORE_CTX* store);

    // Sends queued ciphertext without waiting; true when the queue is empty.
    bool flush_now();
    Task<> flush();
    [[noreturn]] void fail(const char* during, int ssl_error);
    std::string describe_verify_failure() const;

    std::shared_ptr<ContextImpl> ctx_;
    SSL* ssl_ = nullptr;
    int fd_;
    std::string peer_;          // "host" for messages
    std::string session_key_;   // client: host:port in the session cache
    std::string in_;            // bytes the plain Stream had read ahead, fed first
    std::size_t in_pos_ = 0;
    std::string out_;           // ciphertext not yet taken by the kernel
    std::size_t out_pos_ = 0;
    int read_errno_ = 0;        // what the last failed read() said
    bool peer_eof_ = false;
    bool likely_empty_ = false; // the last read() came back short: wait before the next
    bool handshaken_ = false;
    bool failed_ = false;       // OpenSSL forbids further calls after a fatal error
    bool broken_ = false;
    bool sent_shutdown_ = false;
    bool use_write_ = false;    // not a socket: write() instead of send()
    VerifyFailure verify_;
    std::string failure_;       // the first fatal error's message
};

BIO_METHOD* TlsTransport::method() {
    static BIO_METHOD* m = [] {
        BIO_METHOD* bm = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "simul stream");
        BIO_meth_set_read(bm, &TlsTransport::bio_read);
        BIO_meth_set_write(bm, &TlsTransport::bio_write);
        BIO_meth_set_ctrl(bm, &TlsTransport::bio_ctrl);
        return bm;
    }();
    return m;
}

int TlsTransport::bio_read(BIO* b, char* buf, int len) {
    auto* t = static_cast<TlsTransport*>(BIO_get_data(b));
    BIO_clear_retry_flags(b);
    if (len <= 0) return 0;
    if (t->in_pos_ < t->in_.size()) {
        const std::size_t n = std::min(std::size_t(len), t->in_.size() - t->in_pos_);
        std::memcpy(buf, t->in_.data() + t->in_pos_, n);
        t->in_pos_ += n;
        if (t->in_pos_ == t->in_.size()) {
            t->in_.clear();
            t->in_pos_ = 0;
        }
        return int(n);
    }
    for (;;) {
        const ssize_t n = ::read(t->fd_, buf, std::size_t(len));
        if (n > 0) {
            t->likely_empty_ = n < len;
            return int(n);
        }
        if (n == 0) {
            t->peer_eof_ = true;
            return 0;
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            BIO_set_retry_read(b);
            return -1;
        }
        t->read_errno_ = errno;
        return -1;
    }
}

int TlsTransport::bio_write(BIO* b, const char* buf, int len) {
    auto* t = static_cast<TlsTransport*>(BIO_get_data(b));
    BIO_clear_retry_flags(b);
    t->out_.append(buf, std::size_t(len));
    return len;
}

long TlsTransport::bio_ctrl(BIO*, int cmd, long, void*) {
    return cmd == BIO_CTRL_FLUSH ? 1 : 0;  // flushing is ours: see flush()
}

int TlsTransport::on_verify(int ok, X509_STORE_CTX* store) {
    if (ok) return ok;
    auto* ssl = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
    auto* t = ssl ? static_cast<TlsTransport*>(BIO_get_data(SSL_get_rbio(ssl))) : nullptr;
    if (t && t->verify_.code == X509_V_OK) {
        VerifyFailure& v = t->verify_;
        v.code = X509_STORE_CTX_get_error(store);
        v.depth = X509_STORE_CTX_get_error_depth(store);
        if (X509* cert = X509_STORE_CTX_get_current_cert(store)) {
            v.subject = x509_name(X509_get_subject_name(cert));
            v.issuer = x509_name(X509_get_issuer_name(cert));
            v.not_before = asn1_time(X509_get0_notBefore(cert));
            v.not_after = asn1_time(X509_get0_notAfter(cert));
            v.names = alt_names(cert);
        }
    }
    return ok;
}

bool TlsTransport::flush_now() {
    while (out_pos_ < out_.size()) {
        const char* p = out_.data() + out_pos_;
        const std::size_t left = out_.size() - out_pos_;
        const ssize_t n = use_write_ ? ::write(fd_, p, left) : ::send(fd_, p, left, MSG_NOSIGNAL);
        if (n >= 0) {
            out_pos_ += std::size_t(n);
            continue;
        }
        const int err = errno;
        if (err == EINTR) continue;
        if (err == ENOTSOCK && !use_write_) {
            use_write_ = true;
            continue;
        }
        if (err == EAGAIN || err == EWOULDBLOCK) return false;
        std::string msg = "simul::tls: sending to " + peer_;
        if (err == ECONNRESET) msg += ": the peer reset the connection";
        if (err == EPIPE) msg += ": the peer closed its end";
        throw std::system_error(err, std::generic_category(), msg);
    }
    out_.clear();
    out_pos_ = 0;
    return true;
}

Task<> TlsTransport::flush() {
    for (;;) {
        if (flush_now()) co_return;
        co_await wait_writable(fd_);
    }
}

std::string TlsTransport::describe_verify_failure() const {
    const VerifyFailure& v = verify_;
    const std::string who = ctx_->server ? "the client " + peer_ : peer_;
    const std::string what = X509_verify_cert_error_string(v.code);
    std::string whose = v.depth == 0 ? "the certificate of " + who : "a CA certificate in the chain of " + who;
    std::string why;
    switch (v.code) {
        case X509_V_ERR_CERT_HAS_EXPIRED:
            why = whose + " expired on " + v.not_after + " (subject " + v.subject + ")";
            break;
        case X509_V_ERR_CERT_NOT_YET_VALID:
            why = whose + " is not valid before " + v.not_before + " (subject " + v.subject + "); check the clocks";
            break;
        case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
            why = whose + " is self-signed (" + v.subject +
                  ") and not among the trusted certificates; to trust it, pass it as cafile";
            break;
        case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
            why = "the chain of " + who + " ends in a self-signed CA that is not trusted (" + v.subject + ")";
            break;
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
        case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
            why = whose + " (" + v.subject + ") was issued by an unknown CA (" + v.issuer +
                  "); add that CA to cafile/capath if it is yours";
            break;
        case X509_V_ERR_HOSTNAME_MISMATCH:
        case X509_V_ERR_IP_ADDRESS_MISMATCH:
            why = "the certificate of " + who + " is not for '" + peer_ + "': it names " +
                  (v.names.empty() ? "no subjectAltName (subject " + v.subject + ")" : v.names);
            break;
        default:
            why = whose + " did not pass (subject " + v.subject + ")";
    }
    return "simul::tls: cannot verify " + who + ": " + why + " [" + what + "]";
}

void TlsTransport::fail(const char* during, int ssl_error) {
    failed_ = true;
    try {
        flush_now();  // our alert, if OpenSSL made one, tells the peer why
    } catch (...) {
    }
    const std::string errors = openssl_errors();
    const std::string where = std::string("simul::tls: ") + during + " with " + peer_;
    if (verify_.code != X509_V_OK) {
        failure_ = describe_verify_failure();
        throw VerificationError(failure_, verify_.code);
    }
    if (peer_eof_ || errors.find("unexpected eof") != std::string::npos) {
        failure_ = handshaken_
                       ? where + ": the peer closed the connection without close_notify, so the data may be cut short "
                                 "(TLS truncation)"
                       : where + " failed: the peer closed the connection before the handshake completed";
        if (handshaken_) throw TruncatedError(failure_);
        throw Error(failure_);
    }
    if (ssl_error == SSL_ERROR_SYSCALL && read_errno_ != 0) {
        const int err = read_errno_;
        failure_ = where + ": " + std::system_category().message(err);
        throw std::system_error(err, std::generic_category(), where + (err == ECONNRESET ? ": the peer reset the connection" : ""));
    }
    std::string why = errors.empty() ? "error " + std::to_string(ssl_error) : errors;
    if (why.find("alert") != std::string::npos) why = "the peer sent an alert: " + why;
    if (why.find("peer did not return a certificate") != std::string::npos)
        why = "the client sent no certificate, and this server requires one (" + why + ")";
    if (why.find("no renegotiation") != std::string::npos || why.find("renegotiat") != std::string::npos)
        why += " (renegotiation is refused)";
    failure_ = where + " failed: " + why;
    throw Error(failure_);
}

Task<> TlsTransport::handshake() {
    for (;;) {
        ERR_clear_error();
        const int r = SSL_do_handshake(ssl_);
        if (r == 1) {
            co_await flush();
            handshaken_ = true;
            co_return;
        }
        const int e = SSL_get_error(ssl_, r);
        if (e != SSL_ERROR_WANT_READ) fail("the TLS handshake", e);
        // What we said must reach the peer before we wait for its answer.
        co_await flush();
        co_await wait_readable(fd_);
    }
}

Task<std::size_t> TlsTransport::read(int, char* data, std::size_t size) {
    if (failed_) throw Error(failure_ + " (earlier)");
    // A short read() last time means the socket is most likely empty: wait
    // first instead of spending a syscall on EAGAIN (level-triggered: a byte
    // that did arrive answers at once).
    if (likely_empty_ && !SSL_has_pending(ssl_) && in_pos_ == in_.size()) {
        likely_empty_ = false;
        co_await wait_readable(fd_);
    }
    for (;;) {
        ERR_clear_error();
        std::size_t got = 0;
        const int r = SSL_read_ex(ssl_, data, size, &got);
        // Reading may queue records of ours (an alert, a key update); send
        // what the socket takes now, the rest goes before the next write.
        if (out_pos_ < out_.size()) {
            try {
                flush_now();
            } catch (const std::system_error&) {
            }
        }
        if (r == 1) co_return got;
        const int e = SSL_get_error(ssl_, r);
        if (e == SSL_ERROR_ZERO_RETURN) co_return 0;  // close_notify: a clean end
        if (e != SSL_ERROR_WANT_READ) fail("reading", e);
        co_await wait_readable(fd_);
    }
}

Task<> TlsTransport::write(int, std::string_view data, bool& broken) {
    if (failed_) throw Error(failure_ + " (earlier)");
    if (broken_) broken = true;
    // Records a read queued go first; a cancel while they drain takes nothing of `data`.
    co_await flush();
    std::size_t done = 0;
    while (done < data.size()) {
        const std::size_t chunk = std::min(kWriteChunk, data.size() - done);
        ERR_clear_error();
        std::size_t took = 0;
        const int r = SSL_write_ex(ssl_, data.data() + done, chunk, &took);
        if (r != 1) {
            if (done > 0) broken = broken_ = true;
            fail("writing", SSL_get_error(ssl_, r));
        }
        done += took;
        try {
            const bool sent = flush_now();
            if (!sent) co_await flush();
            // A long write whose bytes the kernel keeps taking would never
            // suspend: the starvation budget lets the other tasks in.
            Loop* loop = Loop::current();
            if (done < data.size() && loop && !loop->consume_budget()) co_await simul::detail::forced_yield();
        } catch (const Cancelled&) {
            broken = broken_ = true;  // part of the message is encrypted, maybe sent
            throw;
        } catch (const std::system_error& e) {
            // EBADF: the Stream was closed, or destroyed, while we waited; then
            // `broken` and this transport may be gone, so touch neither.
            if (e.code().value() == EBADF) throw;
            broken = broken_ = true;
            throw;
        } catch (...) {
            broken = broken_ = true;
            throw;
        }
    }
}

// Finishes a close_notify the socket could not take at once (on a duplicate
// of the descriptor, so closing the stream meanwhile does not matter), then
// half-closes TCP. Bounded: a peer that never reads does not keep it forever.
Task<> finish_shutdown(Fd fd, std::string rest) {
    try {
        co_await wait_for(
            [](int f, std::string bytes) -> Task<> {
                std::size_t pos = 0;
                while (pos < bytes.size()) {
                    const ssize_t n = ::send(f, bytes.data() + pos, bytes.size() - pos, MSG_NOSIGNAL);
                    if (n >= 0) {
                        pos += std::size_t(n);
                        continue;
                    }
                    if (errno == EINTR) continue;
                    if (errno != EAGAIN && errno != EWOULDBLOCK) co_return;
                    co_await wait_writable(f);
                }
                ::shutdown(f, SHUT_WR);
            }(fd.get(), std::move(rest)),
            std::chrono::seconds(10));
    } catch (const std::exception&) {
    }
}

void TlsTransport::shutdown_write(int) {
    if (failed_ || sent_shutdown_) return;
    sent_shutdown_ = true;
    if (!broken_) {
        ERR_clear_error();
        SSL_shutdown(ssl_);  // queues close_notify; returns 0 (the peer's comes later, or never)
        ERR_clear_error();
    }
    bool sent = false;
    try {
        sent = flush_now();
    } catch (const std::system_error&) {
        return;  // the peer is gone: nothing to tell it
    }
    if (sent) {
        ::shutdown(fd_, SHUT_WR);
        return;
    }
    Fd dup(::fcntl(fd_, F_DUPFD_CLOEXEC, 0));
    if (!dup) return;
    std::string rest = out_.substr(out_pos_);
    out_.clear();
    out_pos_ = 0;
    spawn(finish_shutdown(std::move(dup), std::move(rest)), "TLS close_notify to " + peer_);
}

void TlsTransport::close(int) noexcept {
    // A clean close tells the peer that nothing was cut (close_notify), if
    // the socket takes it now; after a failed or broken write it must not.
    if (failed_ || broken_ || !handshaken_ || sent_shutdown_) return;
    sent_shutdown_ = true;
    ERR_clear_error();
    SSL_shutdown(ssl_);
    ERR_clear_error();
    try {
        flush_now();
    } catch (...) {
    }
}

std::string peer_port_key(int fd, const std::string& host) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    unsigned port = 0;
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) == 0) {
        if (ss.ss_family == AF_INET) port = ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
        if (ss.ss_family == AF_INET6) port = ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
    }
    return host + ":" + std::to_string(port);
}

std::string peer_text(int fd) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return "the peer";
    char host[INET6_ADDRSTRLEN] = "";
    unsigned port = 0;
    if (ss.ss_family == AF_INET) {
        auto* a = reinterpret_cast<sockaddr_in*>(&ss);
        inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
        port = ntohs(a->sin_port);
        return std::string(host) + ":" + std::to_string(port);
    }
    if (ss.ss_family == AF_INET6) {
        auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
        inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
        port = ntohs(a->sin6_port);
        return "[" + std::string(host) + "]:" + std::to_string(port);
    }
    return "the peer";
}

Task<Stream> run_handshake(Stream stream, std::unique_ptr<TlsTransport> t, Duration timeout) {
    TlsTransport* raw = t.get();
    const std::string peer = raw->peer();
    if (timeout > Duration::zero()) {
        try {
            co_await wait_for(raw->handshake(), timeout);
        } catch (const TimeoutError&) {
            const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count();
            throw TimeoutError("simul::tls: TLS handshake with " + peer + " timed out after " + std::to_string(ms) +
                               " ms (the peer accepted the connection but did not complete the handshake)");
        }
    } else {
        co_await raw->handshake();
    }
    simul::detail::StreamAccess::set_transport(stream, std::move(t));
    co_return std::move(stream);
}

}  // namespace

Task<Stream> wrap_client(Stream stream, Context context, std::string server_name) {
    if (!context) throw simul::Error("simul::tls::wrap_client: the Context is empty (make one with tls::Context::client())");
    if (context.is_server())
        throw simul::Error("simul::tls::wrap_client: this is a server Context; make one with tls::Context::client()");
    if (stream.is_closed()) throw simul::Error("simul::tls::wrap_client: the stream is closed");
    if (stream.transport()) throw simul::Error("simul::tls::wrap_client: the stream is already TLS");
    const auto& impl = context.impl();
    const int fd = simul::detail::StreamAccess::fd(stream);
    std::string host = server_name;
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    if (host.empty() && !impl->skip_verify)
        throw simul::Error("simul::tls::wrap_client: the server name is empty; it is what the certificate is checked against");
    auto t = std::make_unique<TlsTransport>(impl, fd, host.empty() ? peer_text(fd) : host,
                                            simul::detail::StreamAccess::take_buffered(stream));
    SSL* ssl = t->ssl();
    const bool ip = is_ip_literal(host);
    // SNI carries host names only (RFC 6066 section 3).
    if (!host.empty() && !ip && SSL_set_tlsext_host_name(ssl, host.c_str()) != 1)
        throw Error("simul::tls::wrap_client: cannot send the server name '" + host + "' (" + openssl_errors() + ")");
    if (!impl->skip_verify) {
        X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
        X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        const int ok = ip ? X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) : SSL_set1_host(ssl, host.c_str());
        if (ok != 1) throw Error("simul::tls::wrap_client: cannot check certificates against '" + host + "'");
    }
    if (impl->session_cache) {
        t->set_session_key(peer_port_key(fd, host));
        if (SSL_SESSION* cached = impl->find_session(peer_port_key(fd, host))) {
            SSL_set_session(ssl, cached);
            SSL_SESSION_free(cached);
        }
    }
    SSL_set_connect_state(ssl);
    const Duration timeout = impl->handshake_timeout;
    co_return co_await run_handshake(std::move(stream), std::move(t), timeout);
}

Task<Stream> wrap_server(Stream stream, Context context) {
    if (!context) throw simul::Error("simul::tls::wrap_server: the Context is empty (make one with tls::Context::server())");
    if (!context.is_server())
        throw simul::Error("simul::tls::wrap_server: this is a client Context; make one with tls::Context::server()");
    if (stream.is_closed()) throw simul::Error("simul::tls::wrap_server: the stream is closed");
    if (stream.transport()) throw simul::Error("simul::tls::wrap_server: the stream is already TLS");
    const auto& impl = context.impl();
    const int fd = simul::detail::StreamAccess::fd(stream);
    auto t = std::make_unique<TlsTransport>(impl, fd, peer_text(fd), simul::detail::StreamAccess::take_buffered(stream));
    SSL_set_accept_state(t->ssl());
    const Duration timeout = impl->handshake_timeout;
    co_return co_await run_handshake(std::move(stream), std::move(t), timeout);
}

bool is_tls(const Stream& stream) noexcept { return dynamic_cast<const TlsTransport*>(stream.transport()) != nullptr; }

SessionInfo info(const Stream& stream) {
    const auto* t = dynamic_cast<const TlsTransport*>(stream.transport());
    if (!t) throw simul::Error("simul::tls::info: this stream is not a TLS stream");
    SSL* ssl = t->ssl();
    SessionInfo i;
    i.version = SSL_get_version(ssl);
    if (const SSL_CIPHER* c = SSL_get_current_cipher(ssl)) i.cipher = SSL_CIPHER_get_name(c);
    const unsigned char* proto = nullptr;
    unsigned len = 0;
    SSL_get0_alpn_selected(ssl, &proto, &len);
    if (proto) i.alpn.assign(reinterpret_cast<const char*>(proto), len);
    if (const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name)) i.server_name = name;
    if (X509* peer = SSL_get0_peer_certificate(ssl)) i.peer_subject = x509_name(X509_get_subject_name(peer));
    i.resumed = SSL_session_reused(ssl) == 1;
    return i;
}

}  // namespace tls
}  // namespace simul
