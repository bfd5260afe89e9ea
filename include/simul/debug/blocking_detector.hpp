// simul/debug/blocking_detector.hpp: catching blocking calls on the loop thread.
//
// A blocking call made inside a task step (sleep(), read() on a blocking
// socket, getaddrinfo(), a mutex another thread holds, ...) stops every task
// until it returns. In debug mode (SIMUL_DEBUG=1), with the detector library
// loaded, each such call is reported at the moment it is made: which call,
// which task, the line where the step began, the caller (function, file and
// line, and the library it lives in), and the non-blocking replacement:
//
//     simul: blocking call: usleep() on the loop thread, in task 'fetch' (the step
//     began at app.cpp:41 in fetch), called from poll_device at dev.c:12
//     (libdevice.so). Every other task waits until it returns: use co_await
//     simul::sleep(d) instead, or simul::to_thread() for code you cannot change.
//
// The detector is a shared library, libsimul_blocking_detector.so (CMake:
// simul::blocking_detector), that interposes the blocking functions of libc.
// Load it either way:
//
//     target_link_libraries(app PRIVATE simul::simul simul::blocking_detector)   # debug builds
//     LD_PRELOAD=build/rel/lib/libsimul_blocking_detector.so SIMUL_DEBUG=1 ./app  # any program
//
// Because the dynamic linker binds every call to those names to it, calls
// made from inside third-party shared libraries are caught as well as the
// program's own. Calls from other threads (simul::to_thread workers) and on
// non-blocking descriptors are not reported; neither are reads and writes of
// regular files or of descriptors 0-2. A mutex is reported only when another
// thread holds it for over a millisecond (except under ThreadSanitizer, which
// intercepts mutexes itself). Not caught: calls that glibc makes
// to itself internally, and statically linked programs. Reports share debug
// mode's rate limit (a few a second); each is counted in
// simul::stats().blocking_calls. With debug mode off, an intercepted call
// costs a load and a test before it goes on to libc.
//
// Calls watched: sleep, usleep, nanosleep, clock_nanosleep; read, write,
// readv, writev, recv, recvfrom, recvmsg, send, sendto, sendmsg, accept,
// accept4, connect (on blocking sockets, pipes and FIFOs); poll, ppoll,
// select, epoll_wait with a timeout; getaddrinfo, gethostbyname; fsync,
// fdatasync; system; waitpid without WNOHANG, wait; pthread_mutex_lock.
#pragma once

namespace simul {

// True if libsimul_blocking_detector.so is loaded in this process.
bool blocking_detector_loaded() noexcept;

// A scope in which blocking calls on this thread are known and accepted (a
// test's scaffolding that starts a server, start-up code that runs before
// anything else needs the loop): the detector says nothing about them. They
// still block the loop; prefer simul::to_thread where it fits.
//
//     {
//         simul::AllowBlocking ok("starting the test's server");
//         start_server_process();
//     }
class AllowBlocking {
public:
    explicit AllowBlocking(const char* why) noexcept;
    ~AllowBlocking();
    AllowBlocking(const AllowBlocking&) = delete;
    AllowBlocking& operator=(const AllowBlocking&) = delete;
};

}  // namespace simul
