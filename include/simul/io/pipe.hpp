// simul/io/pipe.hpp: make_pipe(), a one-way byte channel as two Streams.
//
// `auto [r, w] = simul::make_pipe();` makes an anonymous pipe (pipe2 with
// O_CLOEXEC | O_NONBLOCK): what is written to `w` is read from `r`, in order.
// Both ends are ordinary simul::Stream objects, so reads and writes suspend
// the task and the loop resumes it when the pipe is readable (writable). The
// kernel buffers up to the pipe's capacity (64 KiB by default on Linux); a
// writer past it waits for the reader (backpressure), never grows a buffer.
//
//     auto [r, w] = simul::make_pipe();
//     simul::spawn(producer(std::move(w)));        // writes, then w.close()
//     while (auto line = co_await r.read_line(); !line.empty()) use(line);
//
// End of stream: the reader sees it once every write end is closed
// (`w.close()`, or the Stream destroyed). Stream::shutdown_write() only stops
// further writes on a pipe; close the write end to signal the end. Writing
// after the reader has gone throws std::system_error(EPIPE), never SIGPIPE.
//
// Cancellation: as for any Stream: a cancelled read loses no bytes, a
// cancelled write either took none of its bytes or marks the stream broken.
//
// See also: Stream (io/stream.hpp), stream_pair() for a two-way channel,
// subprocess (io/subprocess.hpp), whose stdin/stdout/stderr are pipes.
#pragma once

#include <simul/io/stream.hpp>

namespace simul {

struct Pipe {
    Stream read_end;   // read what the write end wrote
    Stream write_end;  // close it to give the reader end of stream
};

// A new pipe; throws std::system_error (EMFILE, ENFILE) when none can be made.
Pipe make_pipe();

}  // namespace simul
