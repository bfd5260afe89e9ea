// Happy Eyeballs v2 by name (private; see src/net/dns_connect.cpp).
#pragma once

#include <cstdint>
#include <string>

#include <simul/coro/task.hpp>
#include <simul/io/stream.hpp>
#include <simul/net/tcp.hpp>

namespace simul::detail {

// open_connection(host, ...) on c-ares: resolves A and AAAA in parallel and
// races the connections as they come (RFC 8305).
Task<Stream> connect_by_name(std::string host, std::uint16_t port, ConnectOptions options);

}  // namespace simul::detail
