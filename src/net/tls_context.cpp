// tls::Context: the SSL_CTX of one side, built from a ClientConfig or a
// ServerConfig (see simul/net/tls.hpp). Everything here runs once per
// Context; the per-connection work is in tls_transport.cpp.
#include <simul/net/tls.hpp>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <mutex>

#include "net/tls_impl.hpp"

namespace simul::tls {

namespace detail {

int ctx_index() {
    static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
}

int ssl_index() {
    static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
}

std::string openssl_errors() {
    std::string out;
    while (unsigned long e = ERR_get_error()) {
        char buf[256];
        const char* reason = ERR_reason_error_string(e);
        if (reason)
            std::snprintf(buf, sizeof buf, "%s", reason);
        else
            ERR_error_string_n(e, buf, sizeof buf);
        if (out.find(buf) != std::string::npos) continue;
        if (!out.empty()) out += "; ";
        out += buf;
    }
    return out;
}

ContextImpl::~ContextImpl() {
    for (auto& [key, s] : sessions) SSL_SESSION_free(s);
    SSL_CTX_free(ctx);
}

SSL_SESSION* ContextImpl::find_session(const std::string& key) {
    std::lock_guard<std::mutex> g(sessions_lock);
    auto it = sessions.find(key);
    if (it == sessions.end()) return nullptr;
    SSL_SESSION_up_ref(it->second);
    return it->second;
}

void ContextImpl::store_session(const std::string& key, SSL_SESSION* s) {
    std::lock_guard<std::mutex> g(sessions_lock);
    auto [it, fresh] = sessions.emplace(key, s);
    if (!fresh) {
        SSL_SESSION_free(it->second);
        it->second = s;
    }
}

}  // namespace detail

namespace {

using detail::ContextImpl;
using detail::openssl_errors;

[[noreturn]] void fail(const std::string& what) {
    std::string why = openssl_errors();
    throw Error("simul::tls::Context: " + what + (why.empty() ? "" : " (" + why + ")"));
}

int version_of(Version v) { return v == Version::tls1_3 ? TLS1_3_VERSION : TLS1_2_VERSION; }

void set_versions(SSL_CTX* c, Version lo, Version hi) {
    if (version_of(lo) > version_of(hi)) throw Error("simul::tls::Context: min_version is above max_version");
    SSL_CTX_set_min_proto_version(c, version_of(lo));
    SSL_CTX_set_max_proto_version(c, version_of(hi));
}

std::vector<unsigned char> alpn_wire(const std::vector<std::string>& names) {
    std::vector<unsigned char> out;
    for (const auto& n : names) {
        if (n.empty() || n.size() > 255)
            throw Error("simul::tls::Context: an ALPN protocol name must be 1 to 255 bytes ('" + n + "')");
        out.push_back(static_cast<unsigned char>(n.size()));
        out.insert(out.end(), n.begin(), n.end());
    }
    return out;
}

struct BioPtr {
    BIO* b;
    explicit BioPtr(const std::string& text) : b(BIO_new_mem_buf(text.data(), int(text.size()))) {}
    ~BioPtr() { BIO_free(b); }
};

// Reads a certificate chain and a key, from files or PEM text.
detail::LoadedIdentity load_identity(const std::string& certfile, const std::string& keyfile,
                                     const std::string& cert_pem, const std::string& key_pem) {
    detail::LoadedIdentity id;
    std::string cert_text = cert_pem, key_text = key_pem;
    auto slurp = [](const std::string& path, const char* what) {
        std::FILE* f = std::fopen(path.c_str(), "rb");
        if (!f) throw Error(std::string("simul::tls::Context: cannot open the ") + what + " file '" + path + "': " + std::strerror(errno));
        std::string s;
        char buf[4096];
        std::size_t n;
        while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) s.append(buf, n);
        std::fclose(f);
        return s;
    };
    const std::string cert_where = certfile.empty() ? std::string("cert_pem") : "'" + certfile + "'";
    if (!certfile.empty()) cert_text = slurp(certfile, "certificate");
    const std::string key_source = keyfile.empty() && key_pem.empty() ? certfile : keyfile;
    if (!key_source.empty()) key_text = slurp(key_source, "key");
    const std::string key_where = key_source.empty() ? std::string("key_pem") : "'" + key_source + "'";
    if (key_text.empty()) throw Error("simul::tls::Context: a certificate needs its private key (keyfile or key_pem)");

    BioPtr cb(cert_text);
    id.cert = PEM_read_bio_X509(cb.b, nullptr, nullptr, nullptr);
    if (!id.cert) fail("no PEM certificate in " + cert_where);
    id.chain = sk_X509_new_null();
    while (X509* extra = PEM_read_bio_X509(cb.b, nullptr, nullptr, nullptr)) sk_X509_push(id.chain, extra);
    ERR_clear_error();  // the end of the PEM text
    BioPtr kb(key_text);
    id.key = PEM_read_bio_PrivateKey(kb.b, nullptr, nullptr, nullptr);
    if (!id.key) fail("no PEM private key in " + key_where + " (encrypted keys are not supported)");
    if (X509_check_private_key(id.cert, id.key) != 1)
        fail("the private key in " + key_where + " does not match the certificate in " + cert_where);
    return id;
}

void use_identity(SSL_CTX* c, detail::LoadedIdentity& id) {
    if (SSL_CTX_use_certificate(c, id.cert) != 1) fail("cannot use the certificate");
    if (SSL_CTX_use_PrivateKey(c, id.key) != 1) fail("cannot use the private key");
    for (int i = 0; i < sk_X509_num(id.chain); ++i)
        if (SSL_CTX_add1_chain_cert(c, sk_X509_value(id.chain, i)) != 1) fail("cannot use the certificate chain");
}

void load_trust(SSL_CTX* c, const std::string& cafile, const std::string& capath, const std::string& ca_pem) {
    if (cafile.empty() && capath.empty() && ca_pem.empty()) {
        if (SSL_CTX_set_default_verify_paths(c) != 1) fail("cannot load the system's trust store");
        return;
    }
    if (!cafile.empty() || !capath.empty()) {
        if (SSL_CTX_load_verify_locations(c, cafile.empty() ? nullptr : cafile.c_str(),
                                          capath.empty() ? nullptr : capath.c_str()) != 1)
            fail("cannot load the trusted CAs from " + (cafile.empty() ? "capath '" + capath + "'" : "cafile '" + cafile + "'"));
    }
    if (!ca_pem.empty()) {
        BioPtr b(ca_pem);
        X509_STORE* store = SSL_CTX_get_cert_store(c);
        int n = 0;
        while (X509* x = PEM_read_bio_X509(b.b, nullptr, nullptr, nullptr)) {
            X509_STORE_add_cert(store, x);
            X509_free(x);
            ++n;
        }
        ERR_clear_error();
        if (n == 0) throw Error("simul::tls::Context: ca_pem holds no PEM certificate");
    }
}

// OpenSSL keeps a client's new session here (TLS 1.3 sends it after the
// handshake, inside the first read).
int on_new_session(SSL* ssl, SSL_SESSION* session) {
    auto* impl = static_cast<ContextImpl*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), detail::ctx_index()));
    const char* key = static_cast<const char*>(SSL_get_ex_data(ssl, detail::ssl_index()));
    if (!impl || !key || !SSL_SESSION_is_resumable(session)) return 0;
    impl->store_session(key, session);
    return 1;  // we keep the reference
}

bool name_matches(const std::string& pattern, const std::string& name) {
    if (pattern == name) return true;
    if (pattern.size() > 2 && pattern[0] == '*' && pattern[1] == '.') {
        const std::size_t dot = name.find('.');
        return dot != std::string::npos && dot > 0 && name.compare(dot, std::string::npos, pattern, 1) == 0;
    }
    return false;
}

// Server: switch to the certificate configured for the name the client asked.
int on_server_name(SSL* ssl, int*, void*) {
    auto* impl = static_cast<ContextImpl*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), detail::ctx_index()));
    const char* asked = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    if (!impl || !asked) return SSL_TLSEXT_ERR_OK;
    std::string name(asked);
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    for (auto& id : impl->sni) {
        if (!name_matches(id.name, name)) continue;
        if (SSL_use_certificate(ssl, id.cert) != 1 || SSL_use_PrivateKey(ssl, id.key) != 1)
            return SSL_TLSEXT_ERR_ALERT_FATAL;
        SSL_set1_chain(ssl, id.chain);
        break;
    }
    return SSL_TLSEXT_ERR_OK;
}

// Server: the first of our protocols that the client offers.
int on_alpn(SSL* ssl, const unsigned char** out, unsigned char* outlen, const unsigned char* in, unsigned int inlen, void*) {
    auto* impl = static_cast<ContextImpl*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), detail::ctx_index()));
    if (!impl || impl->alpn.empty()) return SSL_TLSEXT_ERR_NOACK;
    unsigned char* chosen = nullptr;
    if (SSL_select_next_proto(&chosen, outlen, impl->alpn.data(), unsigned(impl->alpn.size()), in, inlen) !=
        OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_NOACK;  // no common protocol: go on without ALPN
    *out = chosen;
    return SSL_TLSEXT_ERR_OK;
}

void warn_insecure() {
    static std::once_flag once;
    std::call_once(once, [] {
        std::fprintf(stderr,
                     "simul::tls: WARNING: insecure_skip_verify is on: server certificates are NOT checked, "
                     "so anyone on the path can read and change this traffic. Use it for tests only.\n");
    });
}

std::shared_ptr<ContextImpl> make(bool server) {
    auto impl = std::make_shared<ContextImpl>();
    impl->server = server;
    impl->ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
    if (!impl->ctx) fail("cannot create an SSL_CTX");
    SSL_CTX_set_ex_data(impl->ctx, detail::ctx_index(), impl.get());
    // Renegotiation is a source of attacks and of surprises for a stream API.
    SSL_CTX_set_options(impl->ctx, SSL_OP_NO_RENEGOTIATION);
    SSL_CTX_set_read_ahead(impl->ctx, 1);
    return impl;
}

}  // namespace

Context Context::client() { return client(ClientConfig()); }

Context ContextRef::lock() const { return impl_ ? Context(impl_->shared_from_this()) : Context(); }

Context Context::client(ClientConfig config) {
    auto impl = make(false);
    SSL_CTX* c = impl->ctx;
    impl->handshake_timeout = config.handshake_timeout;
    set_versions(c, config.min_version, config.max_version);
    impl->skip_verify = config.insecure_skip_verify;
    if (config.insecure_skip_verify) {
        warn_insecure();
        SSL_CTX_set_verify(c, SSL_VERIFY_NONE, nullptr);
    } else {
        load_trust(c, config.cafile, config.capath, config.ca_pem);
        SSL_CTX_set_verify(c, SSL_VERIFY_PEER, nullptr);  // the per-connection callback is set in wrap_client
    }
    if (!config.certfile.empty() || !config.cert_pem.empty()) {
        auto id = load_identity(config.certfile, config.keyfile, config.cert_pem, config.key_pem);
        use_identity(c, id);
        impl->sni.push_back(std::move(id));  // freed with the context
    }
    if (!config.alpn.empty()) {
        impl->alpn = alpn_wire(config.alpn);
        if (SSL_CTX_set_alpn_protos(c, impl->alpn.data(), unsigned(impl->alpn.size())) != 0) fail("cannot set ALPN");
    }
    impl->session_cache = config.session_cache;
    if (config.session_cache) {
        SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
        SSL_CTX_sess_set_new_cb(c, on_new_session);
    } else {
        SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_OFF);
    }
    return Context(std::move(impl));
}

Context Context::server(ServerConfig config) {
    if (config.certfile.empty() && config.cert_pem.empty())
        throw Error("simul::tls::Context::server: a server needs a certificate (certfile and keyfile, or cert_pem and key_pem)");
    auto impl = make(true);
    SSL_CTX* c = impl->ctx;
    impl->handshake_timeout = config.handshake_timeout;
    set_versions(c, config.min_version, config.max_version);
    auto main_id = load_identity(config.certfile, config.keyfile, config.cert_pem, config.key_pem);
    use_identity(c, main_id);
    impl->sni.push_back(std::move(main_id));
    impl->sni.back().name.clear();  // the default: never matched by name
    for (const auto& named : config.sni) {
        if (named.name.empty()) throw Error("simul::tls::Context::server: an sni entry needs a name");
        auto id = load_identity(named.identity.certfile, named.identity.keyfile, named.identity.cert_pem,
                                named.identity.key_pem);
        id.name = named.name;
        std::transform(id.name.begin(), id.name.end(), id.name.begin(), [](unsigned char ch) { return char(std::tolower(ch)); });
        impl->sni.push_back(std::move(id));
    }
    SSL_CTX_set_tlsext_servername_callback(c, on_server_name);
    if (!config.alpn.empty()) {
        impl->alpn = alpn_wire(config.alpn);
        SSL_CTX_set_alpn_select_cb(c, on_alpn, nullptr);
    }
    if (config.verify_client || config.require_client_certificate) {
        load_trust(c, config.cafile, config.capath, config.ca_pem);
        if (!config.cafile.empty()) {
            if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(config.cafile.c_str()))
                SSL_CTX_set_client_CA_list(c, names);
            ERR_clear_error();
        }
        int mode = SSL_VERIFY_PEER | SSL_VERIFY_CLIENT_ONCE;
        if (config.require_client_certificate) mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
        SSL_CTX_set_verify(c, mode, nullptr);
    }
    static const unsigned char kSessionContext[] = "simul";
    SSL_CTX_set_session_id_context(c, kSessionContext, sizeof kSessionContext - 1);
    if (config.session_tickets) {
        SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_SERVER);
    } else {
        SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_OFF);
        SSL_CTX_set_options(c, SSL_OP_NO_TICKET);
        SSL_CTX_set_num_tickets(c, 0);
    }
    return Context(std::move(impl));
}

bool Context::is_server() const noexcept { return impl_ && impl_->server; }
Duration Context::handshake_timeout() const noexcept { return impl_ ? impl_->handshake_timeout : Duration::zero(); }
std::size_t Context::cached_sessions() const noexcept {
    if (!impl_) return 0;
    std::lock_guard<std::mutex> g(impl_->sessions_lock);
    return impl_->sessions.size();
}

}  // namespace simul::tls
