// simul/io.hpp: the I/O layer: descriptors, byte streams, the thread pool.
//
// Fd (io/fd.hpp) owns a descriptor and tells the loop before closing it.
// Stream (io/stream.hpp) is a connected byte stream with asyncio's reader and
// writer calls and bounded memory. to_thread (io/to_thread.hpp) runs blocking
// code on a pool and awaits it. make_pipe (io/pipe.hpp); read_file,
// write_file and AsyncFile on the pool (io/file.hpp); subprocess::exec and
// shell, Process, ExitStatus (io/subprocess.hpp); signal(), on_signal(),
// SignalStream (io/signal.hpp); fiber::read_line and the other
// blocking-looking Stream calls for fibers (io/fiber_stream.hpp). Sockets
// are in the net layer (net.hpp).
#pragma once

#include <simul/io/fd.hpp>
#include <simul/io/fiber_stream.hpp>
#include <simul/io/file.hpp>
#include <simul/io/pipe.hpp>
#include <simul/io/signal.hpp>
#include <simul/io/stream.hpp>
#include <simul/io/subprocess.hpp>
#include <simul/io/to_thread.hpp>
