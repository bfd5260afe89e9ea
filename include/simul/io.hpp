// simul/io.hpp: the I/O layer: descriptors, byte streams, the thread pool.
//
// Fd (io/fd.hpp) owns a descriptor and tells the loop before closing it.
// Stream (io/stream.hpp) is a connected byte stream with asyncio's reader and
// writer calls and bounded memory. to_thread (io/to_thread.hpp) runs blocking
// code on a pool and awaits it. Sockets are in the net layer (net.hpp).
#pragma once

#include <simul/io/fd.hpp>
#include <simul/io/stream.hpp>
#include <simul/io/to_thread.hpp>
