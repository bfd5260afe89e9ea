// simul/net/tcp.hpp: open_connection() and start_server(), TCP with Streams.
//
// `co_await simul::open_connection(host, port)` resolves the name, connects
// and returns a Stream. It races addresses by Happy Eyeballs v2 (RFC 8305):
// the AAAA and A lookups run in parallel (c-ares, see net/address.hpp) and
// connecting starts with the first usable answer (if A comes first, AAAA gets
// 50 ms more: the resolution delay); IPv6 first, families interleaved, a new
// attempt every 250 ms or as soon as the previous one fails; the first to
// connect wins and the others are closed. `.resolve` points the lookups at
// other servers or a dns::Resolver; a name that cannot be resolved throws
// simul::ResolveError naming it and why (NXDOMAIN, SERVFAIL, timeout).
//
// `co_await simul::start_server(handler, host, port)` listens (every address of
// host; "" for all interfaces; port 0 picks a free port) and runs
// `handler(Stream)` as a task of its own for each connection. Server::close()
// stops accepting; `co_await server.wait_closed(deadline)` waits for the
// handlers, and cancels those still running at the deadline.
//
//     simul::Task<> echo(simul::Stream s) {
//         for (;;) {
//             std::string line = co_await s.read_line();
//             if (line.empty()) co_return;
//             co_await s.write(line);
//         }
//     }
//     auto server = co_await simul::start_server(echo, "127.0.0.1", 8888);
//     co_await server.serve_forever();
//
// Accepted and connected sockets have TCP_NODELAY set (a runtime's messages
// are small; Nagle's delays would show as latency). SO_REUSEADDR is on for
// listeners, SO_REUSEPORT on request. When the process runs out of
// descriptors (EMFILE), the accept loop says so once, backs off (up to 1 s)
// and keeps serving the connections it has; it never spins.
//
// TLS is one option away: `open_connection(host, port, {.tls = ctx})` runs the
// client handshake after connecting (SNI and verification against `host`, or
// `tls_server_name`), and `start_server(handler, host, port, {.tls = ctx})`
// runs the server handshake in each connection's own task before the handler
// sees the Stream; a failed handshake is logged and closes that connection
// only. The handshake has the context's handshake_timeout (see net/tls.hpp).
//
// Cancellation: a cancelled open_connection() closes every socket it opened.
// A handler that throws is reported to the loop's exception handler; the
// server goes on.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <simul/coro/task.hpp>
#include <simul/io/stream.hpp>
#include <simul/net/address.hpp>
#include <simul/net/tls.hpp>

namespace simul {

struct ConnectOptions {
    Duration timeout = Duration::zero();  // for the whole connect, resolution included; 0: none
    Duration happy_eyeballs_delay = std::chrono::milliseconds(250);
    bool nodelay = true;
    // How long to wait for AAAA once A has answered (RFC 8305 section 3).
    Duration resolution_delay = std::chrono::milliseconds(50);
    // The lookups: servers, timeouts, a dns::Resolver, getaddrinfo instead, a family.
    ResolveOptions resolve = {};
    // TLS: a client handshake after connecting (see net/tls.hpp; a reference:
    // these options stay trivially destructible, see tls::ContextRef).
    tls::ContextRef tls = {};
    std::string_view tls_server_name = {};  // SNI and the name to verify; default: the host given
};

Task<Stream> open_connection(std::string host, std::uint16_t port, ConnectOptions options = {});
// Races these addresses by Happy Eyeballs (in the order given; resolve() and
// the host form order them IPv6 first, families interleaved).
Task<Stream> open_connection(std::vector<Address> addresses, ConnectOptions options = {});
// One attempt to one address (TCP or Unix).
Task<Stream> connect(Address address, bool nodelay = true);

using ConnectionHandler = std::function<Task<>(Stream)>;

struct ServerOptions {
    int backlog = 511;
    bool reuse_address = true;
    bool reuse_port = false;
    tls::ContextRef tls = {};  // TLS: each connection's handshake runs before the handler
};

namespace detail {
struct ServerState;
}

class Server {
public:
    Server() = default;
    explicit Server(std::shared_ptr<detail::ServerState> s) noexcept : s_(std::move(s)) {}
    Server(Server&&) noexcept = default;
    Server& operator=(Server&&) noexcept = default;
    ~Server();  // closes the listeners (running handlers go on)

    // The addresses it listens on (with the real port when 0 was asked).
    std::vector<Address> addresses() const;
    std::uint16_t port() const;
    std::size_t connections() const;  // handlers running now

    void close();  // stop accepting; idempotent
    // Waits for the handlers to end; at `deadline` (from now) cancels the rest.
    Task<> wait_closed(Duration deadline = Duration::max());
    // Until close() is called (from another task or a signal handler).
    Task<> serve_forever();

private:
    std::shared_ptr<detail::ServerState> s_;
};

Task<Server> start_server(ConnectionHandler handler, std::string host, std::uint16_t port, ServerOptions options = {});

// Used by the Unix-socket server too: serve on descriptors already listening.
Server serve_listeners(ConnectionHandler handler, std::vector<Fd> listeners);

}  // namespace simul
