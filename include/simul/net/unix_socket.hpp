// simul/net/unix_socket.hpp: Unix domain sockets: connections and servers by path.
//
// The same Streams and Servers as TCP, on a path in the file system:
//
//     auto server = co_await simul::start_unix_server(handler, "/tmp/app.sock");
//     simul::Stream s = co_await simul::open_unix_connection("/tmp/app.sock");
//
// start_unix_server() removes a stale socket file left at the path by a dead
// server (and refuses to touch anything else there). Datagram Unix sockets
// are DatagramSocket::bind(Address::unix_path(p)) (net/udp.hpp); a connected
// pair of Streams is simul::stream_pair() (io/stream.hpp).
//
// Cancellation: as TCP (net/tcp.hpp).
#pragma once

#include <string>

#include <simul/net/tcp.hpp>

namespace simul {

Task<Stream> open_unix_connection(std::string path);
Task<Server> start_unix_server(ConnectionHandler handler, std::string path, ServerOptions options = {});

}  // namespace simul
