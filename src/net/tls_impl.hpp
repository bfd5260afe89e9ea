// Private to src/net/tls_*.cpp: what a tls::Context holds, and the TLS
// transport a Stream carries (see simul/net/tls.hpp).
//
// How a TLS stream moves bytes (the "BIO" is OpenSSL's I/O hook):
//   - reading: the session's BIO reads straight from the non-blocking socket
//     (read-ahead on, so one read() fetches every record that has arrived).
//     EAGAIN becomes OpenSSL's WANT_READ, and the task waits readable on the
//     loop; a decrypted byte only leaves OpenSSL inside SSL_read, which never
//     suspends, so a cancelled read loses nothing.
//   - writing: the BIO never refuses: it appends ciphertext to `out_`, and the
//     caller sends `out_` to the socket, waiting writable while the kernel is
//     full. So OpenSSL never sees WANT_WRITE, a reader and a writer can work
//     at once (records stay in order: one queue, filled in the order OpenSSL
//     makes them), and the writer is the only task that waits for
//     writability. A write encrypts at most kWriteChunk bytes at a time, so
//     the queue stays small and the kernel's buffer gives backpressure.
#pragma once

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <simul/net/tls.hpp>

namespace simul::tls::detail {

// A certificate, its chain and key, loaded for SNI.
struct LoadedIdentity {
    std::string name;  // lower case; may start with "*."
    X509* cert = nullptr;
    EVP_PKEY* key = nullptr;
    STACK_OF(X509)* chain = nullptr;

    LoadedIdentity() = default;
    LoadedIdentity(LoadedIdentity&& o) noexcept
        : name(std::move(o.name)), cert(std::exchange(o.cert, nullptr)), key(std::exchange(o.key, nullptr)),
          chain(std::exchange(o.chain, nullptr)) {}
    LoadedIdentity& operator=(LoadedIdentity&&) = delete;
    ~LoadedIdentity() {
        X509_free(cert);
        EVP_PKEY_free(key);
        sk_X509_pop_free(chain, X509_free);
    }
};

struct ContextImpl : std::enable_shared_from_this<ContextImpl> {
    SSL_CTX* ctx = nullptr;
    bool server = false;
    bool skip_verify = false;
    bool session_cache = false;
    Duration handshake_timeout{};
    std::vector<unsigned char> alpn;  // wire format: length-prefixed names
    std::vector<LoadedIdentity> sni;

    // Client session cache, host:port -> the newest resumable session.
    // A Context may be shared by loops on several threads: hence the lock.
    mutable std::mutex sessions_lock;
    std::unordered_map<std::string, SSL_SESSION*> sessions;

    ContextImpl() = default;
    ContextImpl(const ContextImpl&) = delete;
    ~ContextImpl();

    SSL_SESSION* find_session(const std::string& key);  // a reference the caller frees
    void store_session(const std::string& key, SSL_SESSION* s);
};

// The indexes of our pointers in OpenSSL's ex_data slots.
int ctx_index();
int ssl_index();

// OpenSSL's queued errors as one line (and the queue cleared).
std::string openssl_errors();

}  // namespace simul::tls::detail
