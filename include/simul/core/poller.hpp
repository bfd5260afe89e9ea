// simul/core/poller.hpp: the loop's view of the kernel's readiness API.
//
// The loop asks a Poller to watch descriptors and to wait for events; it never
// calls epoll itself. Backends are files (src/core/poller_epoll.cpp; an
// io_uring backend slots in beside it) chosen when the loop is made. Callers
// of wait_readable()/wait_writable() never see which one runs.
//
// Each registration carries a 64-bit token chosen by the loop (the fd and a
// generation number), so an event for a descriptor that was closed and
// reused within one batch is recognised as stale and dropped.
#pragma once

#include <cstdint>
#include <memory>

namespace simul::detail {

struct PollEvent {
    std::uint64_t token;
    std::uint32_t events;  // kPollIn | kPollOut | kPollErr | kPollHup
};

enum PollBits : std::uint32_t {
    kPollIn = 1u << 0,
    kPollOut = 1u << 1,
    kPollErr = 1u << 2,
    kPollHup = 1u << 3,
};

class Poller {
public:
    virtual ~Poller() = default;
    // `events` is a set of kPollIn/kPollOut. add/modify/remove throw
    // std::system_error on failure (EBADF, EPERM for regular files, ...).
    virtual void add(int fd, std::uint32_t events, std::uint64_t token) = 0;
    virtual void modify(int fd, std::uint32_t events, std::uint64_t token) = 0;
    virtual void remove(int fd) noexcept = 0;
    // Waits up to timeout_ms (-1: forever, 0: poll) and fills `out`; EINTR is
    // retried inside. Returns the number of events.
    virtual int wait(PollEvent* out, int max, int timeout_ms) = 0;
    virtual const char* name() const noexcept = 0;
};

std::unique_ptr<Poller> make_epoll_poller();

}  // namespace simul::detail
