// TCP connections and servers (see simul/net/tcp.hpp).
#include <simul/net/tcp.hpp>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <optional>
#include <system_error>
#include <type_traits>
#include <unordered_map>

#include <simul/coro/future.hpp>
#include <simul/coro/sleep.hpp>
#include <simul/coro/spawn.hpp>
#include <simul/coro/wait_fd.hpp>
#include <simul/coro/wait_for.hpp>

#if SIMUL_HAVE_DNS
#include "net/dns_connect.hpp"
#endif

namespace simul {

namespace {

void set_nodelay(int fd) {
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // not for Unix sockets: ignore failure
}

std::string describe_errno(int err) { return std::system_category().message(err); }

// RFC 8305 section 4: IPv6 first, then alternate the families.
std::vector<Address> interleave(const std::vector<Address>& in) {
    std::vector<Address> v6, v4, out;
    for (const auto& a : in) (a.family() == AF_INET6 ? v6 : v4).push_back(a);
    std::size_t i = 0, j = 0;
    bool six = !v6.empty();
    while (i < v6.size() || j < v4.size()) {
        if (six && i < v6.size())
            out.push_back(v6[i++]);
        else if (!six && j < v4.size())
            out.push_back(v4[j++]);
        six = !six;
        if (i == v6.size()) six = false;
        if (j == v4.size()) six = true;
    }
    return out;
}

}  // namespace

Task<Stream> connect(Address address, bool nodelay) {
    Fd fd(::socket(address.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd) throw std::system_error(errno, std::generic_category(), "simul::connect: socket");
    int rc;
    do {
        rc = ::connect(fd.get(), address.data(), address.size());
    } while (rc < 0 && errno == EINTR);
    if (rc < 0) {
        if (errno != EINPROGRESS && errno != EAGAIN)
            throw std::system_error(errno, std::generic_category(), "simul::connect: cannot connect to " + address.to_string());
        co_await wait_writable(fd.get());
        int err = 0;
        socklen_t len = sizeof err;
        ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0)
            throw std::system_error(err, std::generic_category(), "simul::connect: cannot connect to " + address.to_string());
    }
    if (nodelay && address.family() != AF_UNIX) set_nodelay(fd.get());
    co_return Stream(std::move(fd));
}

namespace {

// The race of Happy Eyeballs: attempts report here.
struct Race {
    std::optional<Stream> winner;
    std::vector<std::string> errors;
    int running = 0;
    Future<> changed;
    void poke() {
        if (!changed.done()) changed.set_result();
    }
};

Task<> attempt(std::shared_ptr<Race> race, Address address, bool nodelay) {
    try {
        Stream s = co_await connect(address, nodelay);
        if (!race->winner) race->winner.emplace(std::move(s));
    } catch (const std::system_error& e) {
        race->errors.push_back(e.what());
    }
    --race->running;
    race->poke();
}

Task<Stream> happy_eyeballs(std::vector<Address> addresses, std::string host, ConnectOptions options) {
    if (addresses.empty()) throw Error("simul::open_connection: '" + host + "' has no address");
    if (addresses.size() == 1) co_return co_await connect(addresses[0], options.nodelay);

    auto race = std::make_shared<Race>();
    std::vector<TaskHandle<>> attempts;
    bool cancelled = false;
    try {
        for (std::size_t i = 0; i < addresses.size() && !race->winner; ++i) {
            race->changed = Future<>();
            ++race->running;
            attempts.push_back(spawn(attempt(race, addresses[i], options.nodelay)));
            if (i + 1 == addresses.size()) break;
            // Wait for this attempt to settle, or the stagger delay to pass.
            try {
                co_await wait_for(race->changed, options.happy_eyeballs_delay);
            } catch (const TimeoutError&) {
            }
        }
        while (!race->winner && race->running > 0) {
            race->changed = Future<>();
            co_await race->changed;
        }
    } catch (const Cancelled&) {
        cancelled = true;
    }
    for (auto& a : attempts) a.cancel();  // the losers close their sockets
    for (auto& a : attempts) {
        try {
            co_await a;
        } catch (const Cancelled&) {
        }
    }
    if (cancelled) throw Cancelled{};
    if (!race->winner) {
        std::string why;
        for (const auto& e : race->errors) why += (why.empty() ? "" : "; ") + e;
        throw std::system_error(ECONNREFUSED, std::generic_category(),
                                "simul::open_connection: every address of '" + host + "' failed (" + why + ")");
    }
    co_return std::move(*race->winner);
}

Task<Stream> resolve_and_race(std::string host, std::uint16_t port, ConnectOptions options) {
#if SIMUL_HAVE_DNS
    // Happy Eyeballs v2 on c-ares: src/net/dns_connect.cpp.
    if (!options.resolve.use_getaddrinfo) co_return co_await detail::connect_by_name(std::move(host), port, options);
#endif
    std::vector<Address> addresses = interleave(co_await resolve(host, port, options.resolve));
    co_return co_await happy_eyeballs(std::move(addresses), std::move(host), options);
}

// g++ 12 miscompiles a temporary with a destructor in a co_await
// expression; callers write `co_await open_connection(h, p, {.timeout = 5s})`.
static_assert(std::is_trivially_destructible_v<ConnectOptions> && std::is_trivially_destructible_v<ServerOptions>,
              "ConnectOptions and ServerOptions must stay trivially destructible (see tls::ContextRef)");

// TLS (net/tls.hpp): connect as usual, then the client handshake.
Task<Stream> with_tls_client(std::string host, std::uint16_t port, tls::Context ctx, ConnectOptions options) {
    options.tls = {};
    std::string name = options.tls_server_name.empty() ? host : std::string(options.tls_server_name);
    Stream plain = co_await open_connection(std::move(host), port, std::move(options));
    co_return co_await tls::wrap_client(std::move(plain), std::move(ctx), std::move(name));
}

Task<Stream> with_tls_client(std::vector<Address> addresses, tls::Context ctx, ConnectOptions options) {
    options.tls = {};
    std::string name(options.tls_server_name);
    if (name.empty() && !addresses.empty()) name = addresses[0].host();
    Stream plain = co_await open_connection(std::move(addresses), std::move(options));
    co_return co_await tls::wrap_client(std::move(plain), std::move(ctx), std::move(name));
}

}  // namespace

Task<Stream> open_connection(std::string host, std::uint16_t port, ConnectOptions options) {
    if (options.tls) co_return co_await with_tls_client(host, port, options.tls.lock(), options);
    if (options.timeout > Duration::zero())
        co_return co_await wait_for(resolve_and_race(std::move(host), port, options), options.timeout);
    co_return co_await resolve_and_race(std::move(host), port, options);
}

Task<Stream> open_connection(std::vector<Address> addresses, ConnectOptions options) {
    if (options.tls) co_return co_await with_tls_client(std::move(addresses), options.tls.lock(), options);
    std::string what = addresses.empty() ? std::string("(no address)") : addresses[0].to_string();
    if (options.timeout > Duration::zero())
        co_return co_await wait_for(happy_eyeballs(std::move(addresses), what, options), options.timeout);
    co_return co_await happy_eyeballs(std::move(addresses), what, options);
}

// ---- servers ----------------------------------------------------------------

namespace detail {

struct ServerState {
    ConnectionHandler handler;
    std::vector<Fd> listeners;
    std::vector<Address> addresses;
    std::vector<TaskHandle<>> accepters;
    std::unordered_map<std::uint64_t, TaskHandle<>> handlers;
    std::uint64_t next_id = 0;
    bool closed = false;
    Future<> all_done;  // set when closed and no handler is left
    Future<> closing;   // set by close()

    void check_done() {
        if (closed && handlers.empty() && !all_done.done()) all_done.set_result();
    }
};

}  // namespace detail

namespace {

Task<> run_handler(std::shared_ptr<detail::ServerState> s, std::uint64_t id, Stream stream, std::string peer) {
    try {
        co_await s->handler(std::move(stream));
    } catch (const Cancelled&) {
        s->handlers.erase(id);
        s->check_done();
        throw;
    } catch (...) {
        Loop::current()->call_exception_handler(
            {"simul: the connection handler for " + peer + " failed; the server goes on", std::current_exception(), peer});
    }
    s->handlers.erase(id);
    s->check_done();
}

Task<> accept_loop(std::shared_ptr<detail::ServerState> s, int lfd, std::string where) {
    auto backoff = std::chrono::milliseconds(10);
    bool reported = false;
    for (;;) {
        sockaddr_storage ss{};
        socklen_t len = sizeof ss;
        const int fd = ::accept4(lfd, reinterpret_cast<sockaddr*>(&ss), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            backoff = std::chrono::milliseconds(10);
            reported = false;
            Fd owned(fd);
            if (ss.ss_family != AF_UNIX) set_nodelay(fd);
            const std::uint64_t id = s->next_id++;
            std::string peer = ss.ss_family == AF_UNIX ? where : Address(reinterpret_cast<sockaddr*>(&ss), len).to_string();
            Stream stream(std::move(owned));
            s->handlers.emplace(id, spawn(run_handler(s, id, std::move(stream), peer), "connection from " + peer));
            continue;
        }
        const int err = errno;
        if (err == EAGAIN || err == EWOULDBLOCK) {
            co_await wait_readable(lfd);
            continue;
        }
        if (err == EINTR || err == ECONNABORTED || err == EPROTO || err == EPERM) continue;
        if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) {
            // Out of descriptors: say so once, back off, keep serving what we have.
            if (!reported) {
                reported = true;
                Loop::current()->call_exception_handler(
                    {"simul: accepting on " + where + " failed (" + describe_errno(err) +
                         "); backing off, new connections wait in the kernel's queue",
                     {}, {}});
            }
            co_await sleep(backoff);
            backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
            continue;
        }
        throw std::system_error(err, std::generic_category(), "simul: accept on " + where);
    }
}

Fd listen_on(const Address& a, const ServerOptions& o) {
    Fd fd(::socket(a.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd) throw std::system_error(errno, std::generic_category(), "simul::start_server: socket");
    int one = 1;
    if (o.reuse_address && a.family() != AF_UNIX) ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (o.reuse_port) ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    if (a.family() == AF_INET6) ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    if (::bind(fd.get(), a.data(), a.size()) < 0)
        throw std::system_error(errno, std::generic_category(), "simul::start_server: cannot bind " + a.to_string());
    if (::listen(fd.get(), o.backlog) < 0)
        throw std::system_error(errno, std::generic_category(), "simul::start_server: cannot listen on " + a.to_string());
    return fd;
}

}  // namespace

Server serve_listeners(ConnectionHandler handler, std::vector<Fd> listeners) {
    if (!handler) throw Error("simul::start_server: the handler is empty");
    auto s = std::make_shared<detail::ServerState>();
    s->handler = std::move(handler);
    s->listeners = std::move(listeners);
    for (const auto& l : s->listeners) {
        s->addresses.push_back(local_address(l.get()));
        s->accepters.push_back(spawn(accept_loop(s, l.get(), s->addresses.back().to_string()), "accept on " + s->addresses.back().to_string()));
    }
    return Server(std::move(s));
}

namespace {

// TLS (net/tls.hpp): the server handshake, in the connection's own task, then
// the handler. A failed handshake is reported and ends this connection only.
Task<> serve_tls(std::shared_ptr<ConnectionHandler> handler, tls::Context ctx, Stream stream) {
    std::optional<Stream> secure;
    try {
        secure.emplace(co_await tls::wrap_server(std::move(stream), std::move(ctx)));
    } catch (const std::exception& e) {
        Loop::current()->call_exception_handler(
            {std::string("simul: a TLS handshake failed; that connection is closed, the server goes on: ") + e.what(),
             std::current_exception(), {}});
        co_return;
    }
    co_await (*handler)(std::move(*secure));
}

}  // namespace

Task<Server> start_server(ConnectionHandler handler, std::string host, std::uint16_t port, ServerOptions options) {
    if (options.tls) {
        auto shared = std::make_shared<ConnectionHandler>(std::move(handler));
        handler = [shared, ctx = options.tls.lock()](Stream s) { return serve_tls(shared, ctx, std::move(s)); };
    }
    std::vector<Address> where = co_await resolve(host, port, {.family = AF_UNSPEC, .socktype = SOCK_STREAM, .passive = true});
    std::vector<Fd> listeners;
    for (const auto& a : where) {
        Address bind_to = a;
        // Port 0 on several addresses: bind them all to the port the first one got.
        if (port == 0 && !listeners.empty()) bind_to = Address::ip(a.host(), local_address(listeners[0].get()).port());
        listeners.push_back(listen_on(bind_to, options));
    }
    co_return serve_listeners(std::move(handler), std::move(listeners));
}

Server::~Server() {
    if (s_) close();
}

std::vector<Address> Server::addresses() const { return s_ ? s_->addresses : std::vector<Address>{}; }
std::uint16_t Server::port() const { return s_ && !s_->addresses.empty() ? s_->addresses[0].port() : 0; }
std::size_t Server::connections() const { return s_ ? s_->handlers.size() : 0; }

void Server::close() {
    if (!s_ || s_->closed) return;
    s_->closed = true;
    for (auto& a : s_->accepters) a.cancel();
    s_->accepters.clear();  // they end at their next step; dropping the handles is fine
    for (auto& l : s_->listeners) {
        // Unix sockets: remove the path, so the next server can bind it.
        Address a = local_address(l.get());
        if (a.family() == AF_UNIX && !a.host().empty()) ::unlink(a.host().c_str());
        l.close();
    }
    if (!s_->closing.done()) s_->closing.set_result();
    s_->check_done();
}

Task<> Server::wait_closed(Duration deadline) {
    if (!s_) co_return;
    auto s = s_;
    if (!s->closed) close();
    bool timed_out = false;
    try {
        if (deadline == Duration::max())
            co_await s->all_done;
        else
            co_await wait_for(s->all_done, deadline);
    } catch (const TimeoutError&) {
        timed_out = true;
    }
    if (timed_out) {
        for (auto& [id, h] : s->handlers) h.cancel();
        co_await s->all_done;
    }
}

Task<> Server::serve_forever() {
    if (!s_) co_return;
    auto s = s_;
    co_await s->closing;
}

}  // namespace simul
