// simul/io/fiber_stream.hpp: blocking-looking Stream calls for fibers.
//
// Inside a fiber (coro/fiber.hpp), code that reads like classic blocking
// socket code suspends only the fiber: each call here is
// `fiber::await(stream.<call>(...))`, so the loop serves everything else
// while the fiber waits. Outside a fiber they throw simul::Error saying to
// co_await the Stream call instead.
//
//     simul::fiber::spawn([&] {
//         simul::Stream s = simul::fiber::await(simul::open_connection("localhost", 8080));
//         simul::fiber::write(s, "PING\n");
//         std::string reply = simul::fiber::read_line(s);
//     });
//
// Cancellation: as the Stream calls (io/stream.hpp); simul::Cancelled comes
// out of the call the fiber is blocked in.
#pragma once

#ifdef SIMUL_HAVE_FIBERS

#include <cstddef>
#include <string>
#include <string_view>

#include <simul/coro/fiber.hpp>
#include <simul/io/stream.hpp>

namespace simul::fiber {

inline std::size_t read_some(Stream& s, char* data, std::size_t size) { return await(s.read_some(data, size)); }
inline std::string read(Stream& s, std::size_t n = std::string::npos) { return await(s.read(n)); }
inline std::string read_exactly(Stream& s, std::size_t n) { return await(s.read_exactly(n)); }
inline std::string read_until(Stream& s, std::string_view delimiter, std::size_t limit = Stream::kDefaultLimit) {
    return await(s.read_until(delimiter, limit));
}
inline std::string read_line(Stream& s, std::size_t limit = Stream::kDefaultLimit) { return await(s.read_line(limit)); }
inline void write(Stream& s, std::string_view data) { await(s.write(data)); }

}  // namespace simul::fiber

#endif  // SIMUL_HAVE_FIBERS
