// A c-ares channel driven by the loop (private; see src/net/dns_channel.cpp).
#pragma once

#include <ares.h>
#include <sys/uio.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <simul/core/call_handle.hpp>
#include <simul/core/loop.hpp>
#include <simul/coro/future.hpp>
#include <simul/coro/task.hpp>
#include <simul/net/address.hpp>
#include <simul/net/dns/config.hpp>

namespace simul::dns::detail {

class Channel;

// One c-ares operation (a getaddrinfo or a search) awaited by one frame.
// Shared by that frame and c-ares's callback argument, so whichever ends
// last frees it: the callback never points into a frame.
struct Request {
    Channel* channel = nullptr;
    Future<> done;
    int status = ARES_SUCCESS;
    bool finished = false;   // c-ares has called back
    bool abandoned = false;  // the frame stopped waiting (cancelled)
    int bad_rcode = 0;       // with ARES_ECONNREFUSED: the SERVFAIL/REFUSED seen (see dns_channel.cpp)
    std::uint16_t port = 0;
    std::vector<Address> addresses;     // getaddrinfo
    std::vector<unsigned char> answer;  // search: the raw reply
};

class Channel {
public:
    explicit Channel(const Config& config);  // throws simul::Error
    ~Channel();
    Channel(const Channel&) = delete;
    Channel& operator=(const Channel&) = delete;

    // The channel for these options: the resolver's, the thread's default
    // one (for a default config), or a new one for this call.
    static std::shared_ptr<Channel> pick(const Config* config, const Resolver* resolver);

    const Config& config() const noexcept { return config_; }
    std::string servers() const;

    // Start an operation; the request may already be finished on return
    // (/etc/hosts, numeric names, bad names).
    std::shared_ptr<Request> getaddrinfo(const std::string& host, std::uint16_t port, int family, int socktype);
    std::shared_ptr<Request> query(const std::string& name, int type, bool search);
    // /etc/hosts only, at once: the addresses of both families (empty if the
    // name is not there), for callers that query the families one by one.
    std::vector<Address> hosts_file(const std::string& host, std::uint16_t port) const;

    // Waits for `r`; if the waiting frame ends first (cancelled), the request
    // is abandoned: its reply will be dropped and its queries cancelled.
    static Task<> wait(std::shared_ptr<Request> r);
    // The error for a failed request.
    ResolveError error(const char* context, const std::string& name, const Request& r) const;
    // The frame waiting for `r` is gone (see the top of dns_channel.cpp).
    void abandon(Request& r) noexcept;

private:
    static void on_sock_state(void* data, ares_socket_t fd, int readable, int writable);
    static ares_socket_t sock_open(int family, int type, int protocol, void* self);
    static int sock_close(ares_socket_t fd, void* self);
    static int sock_connect(ares_socket_t fd, const sockaddr* to, ares_socklen_t len, void* self);
    static ares_ssize_t sock_recvfrom(ares_socket_t fd, void* buf, std::size_t len, int flags, sockaddr* from,
                                      ares_socklen_t* fromlen, void* self);
    static ares_ssize_t sock_sendv(ares_socket_t fd, const iovec* iov, int count, void* self);
    static void on_addrinfo(void* arg, int status, int timeouts, ares_addrinfo* res);
    static void on_answer(void* arg, int status, int timeouts, unsigned char* abuf, int alen);
    void begin(Request& r);
    Request& end(void* arg, int status);
    void process(ares_socket_t read_fd, ares_socket_t write_fd);
    void after_ares() noexcept;
    void update_timer() noexcept;
    void disarm_timer() noexcept;
    void on_timerfd();

    Config config_;
    ares_channel ch_ = nullptr;
    Loop* loop_ = nullptr;        // the loop whose poller watches our sockets (null when idle)
    std::vector<int> sockets_;    // c-ares's open sockets
    int pending_ = 0;             // requests c-ares has not called back yet
    int live_ = 0;                // of those, the ones a frame still waits for
    int processing_ = 0;          // inside a c-ares call (its callbacks may run)
    int last_bad_rcode_ = 0;      // the last SERVFAIL (2) or REFUSED (5) a server sent
    bool cancel_wanted_ = false;  // every pending request is abandoned: ares_cancel when we can
    // Timeouts: a loop timer on the real clock; a timerfd on the virtual one.
    CallHandle timer_;
    bool timer_armed_ = false;
    std::int64_t timer_due_ns_ = 0;
    int timerfd_ = -1;
    bool timerfd_watched_ = false;
};

}  // namespace simul::dns::detail

namespace simul::dns::detail {

// The addresses of `host` through `channel` (a c-ares getaddrinfo); throws
// ResolveError, whose message starts with `context`.
Task<std::vector<Address>> lookup(std::shared_ptr<Channel> channel, std::string host, std::uint16_t port, int family,
                                  int socktype, const char* context);

}  // namespace simul::dns::detail
