// c-ares on the loop: how a channel's sockets, timeouts and callbacks meet simul.
//
// - Sockets: c-ares tells us through its socket-state callback which of its
//   sockets want reading or writing; we register them with the loop
//   (add_reader/add_writer), and the loop's callback runs ares_process_fd()
//   for that socket. When c-ares reports a socket as wanting nothing, it is
//   about to close it: we drop the watches and forget_fd() it, so no stale
//   event reaches a later descriptor with the same number.
// - Timeouts: after every call into c-ares, ares_timeout() says when it next
//   needs to run; a loop timer (call_later) calls ares_process_fd() with no
//   socket then. c-ares measures time with the real monotonic clock itself,
//   so on a virtual-clock loop a loop timer would fire "early" (the virtual
//   clock jumps), find nothing expired and re-arm forever: there a timerfd,
//   watched like a socket, waits in real time instead.
// - Callbacks: c-ares calls back from inside ares_process_fd(); the callback
//   fills the Request and sets its Future, which only schedules the waiting
//   task (never resumes it inline), so nothing re-enters c-ares from there.
// - Cancellation: ares_cancel() cancels every query of a channel, and a
//   channel is shared by many lookups (the thread's default channel, a
//   Resolver), so one cancelled lookup cannot call it alone. A cancelled
//   lookup marks its Request abandoned instead (a tombstone: the Request is
//   heap-allocated and shared with c-ares's callback argument, so a late
//   callback finds it and drops the reply; it never points into the dead
//   frame). When every pending request of the channel is abandoned, nobody
//   is left to lose anything, and we call ares_cancel(), which ends the
//   queries at once and closes their sockets. A channel per lookup would
//   allow exact cancellation but costs an ares_init (reading resolv.conf)
//   per lookup; a channel made for one call (inline options) gets exactly
//   that anyway, since it is destroyed with the call.
// - Errors: c-ares 1.18 skips a server that answers SERVFAIL or REFUSED and
//   tries the next, but when none is left it reports ARES_ECONNREFUSED, as if
//   no server could be reached. To say what really happened, c-ares's
//   sockets go through our socket functions, whose recvfrom() reads the
//   response code of each UDP reply: the last SERVFAIL or REFUSED seen turns
//   that ECONNREFUSED into server_failure or refused. (Per channel, not per
//   query: with concurrent lookups on one channel, a lookup may report the
//   other's code; both are failures of the same servers.)
// - Idle channels hold nothing of the loop: with no query pending, c-ares has
//   closed its sockets (no ARES_FLAG_STAYOPEN) and the timer is off, so the
//   thread's default channel survives from one simul::run() to the next.
#include "net/dns_channel.hpp"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <system_error>

#include <simul/net/dns.hpp>

namespace simul::dns::detail {

namespace {

void init_library() {
    static std::once_flag once;
    std::call_once(once, [] {
        const int rc = ::ares_library_init(ARES_LIB_INIT_ALL);
        if (rc != ARES_SUCCESS) throw simul::Error(std::string("simul::dns: ares_library_init: ") + ::ares_strerror(rc));
    });
}

// "ip", "ip:port", "[ipv6]:port" or a bare IPv6 address.
ares_addr_port_node parse_server(const std::string& s) {
    auto bad = [&](const char* why) {
        return simul::Error("simul::dns: the server '" + s + "' " + why +
                     "; write \"ip\", \"ip:port\", \"ipv6\" or \"[ipv6]:port\" (e.g. \"127.0.0.1:5353\")");
    };
    std::string host = s, port;
    if (!s.empty() && s.front() == '[') {
        const auto close = s.find(']');
        if (close == std::string::npos) throw bad("has no closing ']'");
        host = s.substr(1, close - 1);
        const std::string rest = s.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') throw bad("has something after ']' that is not ':port'");
            port = rest.substr(1);
        }
    } else if (std::count(s.begin(), s.end(), ':') == 1) {
        const auto colon = s.find(':');
        host = s.substr(0, colon);
        port = s.substr(colon + 1);
    }
    ares_addr_port_node n{};
    if (::inet_pton(AF_INET, host.c_str(), &n.addr.addr4) == 1)
        n.family = AF_INET;
    else if (::inet_pton(AF_INET6, host.c_str(), &n.addr.addr6) == 1)
        n.family = AF_INET6;
    else
        throw bad("is not a numeric IP address (a DNS server cannot be a name)");
    int p = 53;
    if (!port.empty()) {
        p = 0;
        for (char c : port) {
            if (c < '0' || c > '9' || p > 65535) throw bad("has a bad port");
            p = p * 10 + (c - '0');
        }
        if (p < 1 || p > 65535) throw bad("has a port out of 1..65535");
    }
    n.udp_port = n.tcp_port = p;
    return n;
}

Status status_of(int code) noexcept {
    switch (code) {
    case ARES_ENOTFOUND:
    case ARES_ENONAME: return Status::no_such_name;
    case ARES_ENODATA: return Status::no_data;
    case ARES_ESERVFAIL: return Status::server_failure;
    case ARES_EREFUSED: return Status::refused;
    case ARES_ETIMEOUT: return Status::timeout;
    case ARES_ECONNREFUSED: return Status::connection_refused;
    case ARES_EBADNAME: return Status::bad_name;
    case ARES_EBADRESP:
    case ARES_EFORMERR:
    case ARES_ENOTIMP: return Status::bad_response;
    case ARES_ECANCELLED:
    case ARES_EDESTRUCTION: return Status::cancelled;
    default: return Status::other;
    }
}

thread_local std::shared_ptr<Channel> tls_default;

}  // namespace

Channel::Channel(const Config& config) : config_(config) {
    init_library();
    ares_options o{};
    int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_LOOKUPS;
    o.sock_state_cb = &Channel::on_sock_state;
    o.sock_state_cb_data = this;
    std::string lookups = config.hosts_file ? "fb" : "b";
    o.lookups = lookups.data();
    if (config.timeout > Duration::zero()) {
        mask |= ARES_OPT_TIMEOUTMS;
        o.timeout = int(std::max<std::int64_t>(1, std::chrono::duration_cast<std::chrono::milliseconds>(config.timeout).count()));
    }
    if (config.tries > 0) {
        mask |= ARES_OPT_TRIES;
        o.tries = config.tries;
    }
    if (config.ndots >= 0) {
        mask |= ARES_OPT_NDOTS;
        o.ndots = config.ndots;
    }
    std::vector<char*> domains;
    if (config.search) {
        mask |= ARES_OPT_DOMAINS;
        for (const auto& d : *config.search) domains.push_back(const_cast<char*>(d.c_str()));
        o.domains = domains.data();
        o.ndomains = int(domains.size());
    }
    if (config.rotate) mask |= ARES_OPT_ROTATE;
    std::string resolv_conf = config.resolv_conf;
    if (!resolv_conf.empty()) {
        mask |= ARES_OPT_RESOLVCONF;
        o.resolvconf_path = resolv_conf.data();
    }
    // Parse the servers first, so a bad one is reported before c-ares runs.
    std::vector<ares_addr_port_node> servers;
    for (const auto& s : config.servers) servers.push_back(parse_server(s));
    const int rc = ::ares_init_options(&ch_, &o, mask);
    if (rc != ARES_SUCCESS) {
        ch_ = nullptr;
        throw simul::Error(std::string("simul::dns: cannot set up the resolver: ") + ::ares_strerror(rc) +
                    (resolv_conf.empty() ? "" : " (resolv_conf '" + resolv_conf + "')"));
    }
    static const ares_socket_functions functions{&sock_open, &sock_close, &sock_connect, &sock_recvfrom, &sock_sendv};
    ::ares_set_socket_functions(ch_, &functions, this);
    if (!servers.empty()) {
        for (std::size_t i = 0; i + 1 < servers.size(); ++i) servers[i].next = &servers[i + 1];
        const int src = ::ares_set_servers_ports(ch_, servers.data());
        if (src != ARES_SUCCESS) {
            ::ares_destroy(ch_);
            ch_ = nullptr;
            throw simul::Error(std::string("simul::dns: cannot set the servers: ") + ::ares_strerror(src));
        }
    }
}

Channel::~Channel() {
    if (ch_) {
        ++processing_;
        ::ares_destroy(ch_);  // pending callbacks get ARES_EDESTRUCTION; open sockets are reported closed
        ch_ = nullptr;
    }
    disarm_timer();
    if (timerfd_ >= 0) {
        if (loop_ && timerfd_watched_) {
            loop_->remove_reader(timerfd_);
            loop_->forget_fd(timerfd_);
        }
        ::close(timerfd_);
    }
}

std::shared_ptr<Channel> Channel::pick(const Config* config, const Resolver* resolver) {
    if (resolver) return resolver->channel();
    if (config && !config->is_default()) return std::make_shared<Channel>(*config);
    // The thread's default channel; a second loop on this thread while it is
    // busy on the first (nested loops) gets a channel of its own.
    if (!tls_default) tls_default = std::make_shared<Channel>(Config{});
    if (tls_default->loop_ && tls_default->loop_ != Loop::current()) return std::make_shared<Channel>(Config{});
    return tls_default;
}

std::string Channel::servers() const {
    ares_addr_port_node* list = nullptr;
    if (::ares_get_servers_ports(ch_, &list) != ARES_SUCCESS) return "(unknown)";
    std::string out;
    for (auto* n = list; n; n = n->next) {
        char buf[INET6_ADDRSTRLEN] = {};
        ::inet_ntop(n->family, &n->addr, buf, sizeof buf);
        if (!out.empty()) out += ", ";
        out += n->family == AF_INET6 ? "[" + std::string(buf) + "]" : std::string(buf);
        out += ":" + std::to_string(n->udp_port ? n->udp_port : 53);
    }
    ::ares_free_data(list);
    return out.empty() ? "(none)" : out;
}

ResolveError Channel::error(const char* context, const std::string& name, const Request& r) const {
    std::string detail;
    Status st = status_of(r.status);
    if (r.status == ARES_ECONNREFUSED && r.bad_rcode == ns_r_servfail) st = Status::server_failure;
    if (r.status == ARES_ECONNREFUSED && r.bad_rcode == ns_r_refused) st = Status::refused;
    if (st == Status::timeout || st == Status::connection_refused || st == Status::server_failure ||
        st == Status::refused)
        detail = "servers: " + servers();
    if (st == Status::other) detail = ::ares_strerror(r.status);
    return ResolveError(context, name, st, r.status, detail);
}

// ---- operations ---------------------------------------------------------

void Channel::begin(Request& r) {
    Loop* loop = Loop::current();
    if (!loop) throw simul::Error("simul::dns: a lookup needs a running loop (call it from a task under simul::run)");
    if (loop_ && loop_ != loop)
        throw simul::Error("simul::dns: this resolver is busy on another loop; use one dns::Resolver per loop");
    loop_ = loop;
    r.channel = this;
    ++pending_;
    ++live_;
}

Request& Channel::end(void* arg, int status) {
    auto* holder = static_cast<std::shared_ptr<Request>*>(arg);
    Request& r = **holder;
    r.finished = true;
    r.status = status;
    if (status == ARES_ECONNREFUSED) r.bad_rcode = last_bad_rcode_;
    if (--pending_ == 0) last_bad_rcode_ = 0;
    if (!r.abandoned) --live_;
    // The last live request is done and only abandoned ones are left: cancel
    // them (after_ares() does, once c-ares has returned to us).
    if (live_ == 0 && pending_ > 0) cancel_wanted_ = true;
    return r;
}

std::shared_ptr<Request> Channel::getaddrinfo(const std::string& host, std::uint16_t port, int family, int socktype) {
    auto r = std::make_shared<Request>();
    r->port = port;
    begin(*r);
    ares_addrinfo_hints hints{};
    hints.ai_family = family;
    hints.ai_socktype = socktype;
    hints.ai_flags = ARES_AI_NUMERICSERV;
    // c-ares 1.18 rejects the service "0" (ARES_ESERVICE); no service gives port 0.
    const std::string service = std::to_string(port);
    ++processing_;
    ::ares_getaddrinfo(ch_, host.c_str(), port ? service.c_str() : nullptr, &hints, &Channel::on_addrinfo, new std::shared_ptr<Request>(r));
    --processing_;
    after_ares();
    return r;
}

std::shared_ptr<Request> Channel::query(const std::string& name, int type, bool search) {
    auto r = std::make_shared<Request>();
    begin(*r);
    ++processing_;
    if (search)
        ::ares_search(ch_, name.c_str(), ns_c_in, type, &Channel::on_answer, new std::shared_ptr<Request>(r));
    else
        ::ares_query(ch_, name.c_str(), ns_c_in, type, &Channel::on_answer, new std::shared_ptr<Request>(r));
    --processing_;
    after_ares();
    return r;
}

void Channel::on_addrinfo(void* arg, int status, int, ares_addrinfo* res) {
    std::unique_ptr<std::shared_ptr<Request>> holder(static_cast<std::shared_ptr<Request>*>(arg));
    std::unique_ptr<ares_addrinfo, void (*)(ares_addrinfo*)> guard(res, ::ares_freeaddrinfo);
    Request& r = (*holder)->channel->end(arg, status);
    if (r.abandoned) return;  // the tombstone: nobody waits any more
    try {
        if (status == ARES_SUCCESS && res) {
            for (ares_addrinfo_node* n = res->nodes; n; n = n->ai_next) {
                Address a(n->ai_addr, socklen_t(n->ai_addrlen));
                if (std::find(r.addresses.begin(), r.addresses.end(), a) == r.addresses.end()) r.addresses.push_back(a);
            }
            if (r.addresses.empty()) r.status = ARES_ENODATA;
        }
    } catch (...) {
        r.status = ARES_ENOMEM;
    }
    r.done.set_result();
}

void Channel::on_answer(void* arg, int status, int, unsigned char* abuf, int alen) {
    std::unique_ptr<std::shared_ptr<Request>> holder(static_cast<std::shared_ptr<Request>*>(arg));
    Request& r = (*holder)->channel->end(arg, status);
    if (r.abandoned) return;
    try {
        if (status == ARES_SUCCESS && abuf && alen > 0) r.answer.assign(abuf, abuf + alen);
    } catch (...) {
        r.status = ARES_ENOMEM;
    }
    r.done.set_result();
}

std::vector<Address> Channel::hosts_file(const std::string& host, std::uint16_t port) const {
    std::vector<Address> out;
    if (!config_.hosts_file) return out;
    for (int family : {AF_INET6, AF_INET}) {
        hostent* h = nullptr;
        if (::ares_gethostbyname_file(ch_, host.c_str(), family, &h) != ARES_SUCCESS || !h) continue;
        for (char** p = h->h_addr_list; *p; ++p) {
            char buf[INET6_ADDRSTRLEN] = {};
            ::inet_ntop(h->h_addrtype, *p, buf, sizeof buf);
            Address a = Address::ip(buf, port);
            if (std::find(out.begin(), out.end(), a) == out.end()) out.push_back(a);
        }
        ::ares_free_hostent(h);
    }
    return out;
}

Task<> Channel::wait(std::shared_ptr<Request> r) {
    if (r->finished) co_return;
    struct Guard {
        Request* r;
        ~Guard() {
            if (!r->finished && !r->abandoned) r->channel->abandon(*r);
        }
    } guard{r.get()};
    co_await r->done;
}

void Channel::abandon(Request& r) noexcept {
    r.abandoned = true;
    --live_;
    if (live_ == 0 && pending_ > 0) {
        cancel_wanted_ = true;
        if (processing_ == 0) after_ares();
    }
}

// ---- the loop's side ------------------------------------------------------

// c-ares's socket calls. With these set, c-ares sets no socket option itself:
// non-blocking and close-on-exec come from socket(), TCP_NODELAY from here.
ares_socket_t Channel::sock_open(int family, int type, int protocol, void*) {
    const int fd = ::socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
    if (fd < 0) return ARES_SOCKET_BAD;
    if (type == SOCK_STREAM) {
        int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    return fd;
}

int Channel::sock_close(ares_socket_t fd, void*) { return ::close(fd); }

int Channel::sock_connect(ares_socket_t fd, const sockaddr* to, ares_socklen_t len, void*) {
    return ::connect(fd, to, len);
}

ares_ssize_t Channel::sock_recvfrom(ares_socket_t fd, void* buf, std::size_t len, int flags, sockaddr* from,
                                    ares_socklen_t* fromlen, void* self) {
    const ssize_t n = ::recvfrom(fd, buf, len, flags, from, fromlen);
    // A UDP reply (c-ares reads TCP without `from`): note a SERVFAIL or REFUSED.
    if (from && n >= 4) {
        const int rcode = static_cast<const unsigned char*>(buf)[3] & 0x0f;
        if (rcode == ns_r_servfail || rcode == ns_r_refused) static_cast<Channel*>(self)->last_bad_rcode_ = rcode;
    }
    return n;
}

ares_ssize_t Channel::sock_sendv(ares_socket_t fd, const iovec* iov, int count, void*) { return ::writev(fd, iov, count); }

void Channel::on_sock_state(void* data, ares_socket_t fd, int readable, int writable) {
    auto* c = static_cast<Channel*>(data);
    Loop* loop = c->loop_;
    if (!loop) return;  // cannot happen: sockets open only while a request runs on a loop
    try {
        if (readable)
            loop->add_reader(fd, [c, fd] { c->process(fd, ARES_SOCKET_BAD); });
        else
            loop->remove_reader(fd);
        if (writable)
            loop->add_writer(fd, [c, fd] { c->process(ARES_SOCKET_BAD, fd); });
        else
            loop->remove_writer(fd);
    } catch (...) {
        // Registering failed (out of memory): c-ares will time the query out.
    }
    auto it = std::find(c->sockets_.begin(), c->sockets_.end(), fd);
    if (!readable && !writable) {
        loop->forget_fd(fd);  // c-ares closes it right after this callback
        if (it != c->sockets_.end()) c->sockets_.erase(it);
    } else if (it == c->sockets_.end()) {
        c->sockets_.push_back(fd);
    }
}

void Channel::process(ares_socket_t read_fd, ares_socket_t write_fd) {
    ++processing_;
    ::ares_process_fd(ch_, read_fd, write_fd);
    --processing_;
    after_ares();
}

void Channel::after_ares() noexcept {
    if (processing_ > 0) return;
    if (cancel_wanted_) {
        cancel_wanted_ = false;
        if (live_ == 0 && pending_ > 0) {
            ++processing_;
            ::ares_cancel(ch_);  // every pending request is abandoned: end them all now
            --processing_;
        }
    }
    update_timer();
    if (pending_ == 0 && sockets_.empty() && !timerfd_watched_) loop_ = nullptr;  // idle: nothing of the loop held
}

void Channel::update_timer() noexcept {
    if (pending_ == 0 || !loop_) {
        disarm_timer();
        return;
    }
    timeval tv{};
    if (!::ares_timeout(ch_, nullptr, &tv)) {
        disarm_timer();
        return;
    }
    const std::int64_t ns = std::int64_t(tv.tv_sec) * 1'000'000'000 + std::int64_t(tv.tv_usec) * 1'000;
    try {
        if (loop_->virtual_time()) {
            if (timerfd_ < 0) {
                timerfd_ = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
                if (timerfd_ < 0) return;  // c-ares still times out at the next socket event
            }
            itimerspec its{};
            const std::int64_t at = std::max<std::int64_t>(ns, 1);  // 0 would disarm it
            its.it_value.tv_sec = at / 1'000'000'000;
            its.it_value.tv_nsec = at % 1'000'000'000;
            ::timerfd_settime(timerfd_, 0, &its, nullptr);
            if (!timerfd_watched_) {
                loop_->add_reader(timerfd_, [this] { on_timerfd(); });
                timerfd_watched_ = true;
            }
            return;
        }
        const std::int64_t due = loop_->now_ns() + ns;
        // Re-arm only when the deadline moved by a tick or more: most socket
        // events leave it where it was.
        if (timer_armed_ && due >= timer_due_ns_ - 1'000'000 && due <= timer_due_ns_ + 1'000'000) return;
        timer_.cancel();
        timer_ = loop_->call_later(Duration(ns), [this] {
            timer_armed_ = false;
            process(ARES_SOCKET_BAD, ARES_SOCKET_BAD);
        });
        timer_armed_ = true;
        timer_due_ns_ = due;
    } catch (...) {
        // Out of memory for a timer node: c-ares times out at the next socket event.
    }
}

void Channel::on_timerfd() {
    std::uint64_t expirations;
    [[maybe_unused]] auto n = ::read(timerfd_, &expirations, sizeof expirations);
    process(ARES_SOCKET_BAD, ARES_SOCKET_BAD);
}

void Channel::disarm_timer() noexcept {
    if (timer_armed_) {
        timer_.cancel();
        timer_armed_ = false;
    }
    if (timerfd_watched_ && loop_) {
        itimerspec off{};
        ::timerfd_settime(timerfd_, 0, &off, nullptr);
        loop_->remove_reader(timerfd_);
        loop_->forget_fd(timerfd_);  // so the next add_reader starts clean
        timerfd_watched_ = false;
    }
}

}  // namespace simul::dns::detail
