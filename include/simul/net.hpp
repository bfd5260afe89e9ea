// simul/net.hpp: the network layer: addresses, TCP, Unix sockets, UDP.
//
// Address and resolve() (net/address.hpp); open_connection, start_server and
// Server (net/tcp.hpp), with Happy Eyeballs and an accept loop that survives
// running out of descriptors; the same for Unix paths (net/unix_socket.hpp);
// DatagramSocket (net/udp.hpp). Connections are simul::Streams (io/stream.hpp).
#pragma once

#include <simul/net/address.hpp>
#include <simul/net/tcp.hpp>
#include <simul/net/udp.hpp>
#include <simul/net/unix_socket.hpp>
