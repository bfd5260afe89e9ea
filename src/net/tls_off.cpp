// tls::Context and friends when simul is built without OpenSSL
// (src/net/tls.cmake): everything that would need it says so.
#include <simul/net/tls.hpp>

namespace simul::tls {

namespace {
[[noreturn]] void off() {
    throw Error("simul::tls: simul was built without OpenSSL 3, so TLS is off (apt-get install libssl-dev, then rebuild)");
}
}  // namespace

Context Context::client() { off(); }
Context Context::client(ClientConfig) { off(); }
Context Context::server(ServerConfig) { off(); }
bool Context::is_server() const noexcept { return false; }
Duration Context::handshake_timeout() const noexcept { return Duration::zero(); }
std::size_t Context::cached_sessions() const noexcept { return 0; }
Context ContextRef::lock() const { return Context(); }
Task<Stream> wrap_client(Stream, Context, std::string) { off(); }
Task<Stream> wrap_server(Stream, Context) { off(); }
SessionInfo info(const Stream&) { off(); }
bool is_tls(const Stream&) noexcept { return false; }

}  // namespace simul::tls
