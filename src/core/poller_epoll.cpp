// The epoll backend of the poller (see simul/core/poller.hpp).
//
// Level-triggered. The loop keeps an interest registered while a direction
// has a waiter and drops it lazily (the first event nobody waits for), so a
// task that reads until EAGAIN and waits again costs no epoll_ctl at all.
#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <system_error>

#include <simul/core/poller.hpp>

namespace simul::detail {

namespace {

std::uint32_t to_epoll(std::uint32_t events) {
    std::uint32_t e = 0;
    if (events & kPollIn) e |= EPOLLIN | EPOLLRDHUP;
    if (events & kPollOut) e |= EPOLLOUT;
    return e;
}

class EpollPoller final : public Poller {
public:
    EpollPoller() : fd_(::epoll_create1(EPOLL_CLOEXEC)) {
        if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "simul: epoll_create1");
    }
    ~EpollPoller() override { ::close(fd_); }

    void add(int fd, std::uint32_t events, std::uint64_t token) override {
        ctl(EPOLL_CTL_ADD, fd, events, token);
    }
    void modify(int fd, std::uint32_t events, std::uint64_t token) override {
        ctl(EPOLL_CTL_MOD, fd, events, token);
    }
    void remove(int fd) noexcept override {
        epoll_event ev{};
        ::epoll_ctl(fd_, EPOLL_CTL_DEL, fd, &ev);  // ENOENT/EBADF: already gone, fine
    }

    int wait(PollEvent* out, int max, int timeout_ms) override {
        if (max > kBatch) max = kBatch;
        int n;
        do {
            n = ::epoll_wait(fd_, events_, max, timeout_ms);
        } while (n < 0 && errno == EINTR);  // a signal is no event: wait again
        if (n < 0) throw std::system_error(errno, std::generic_category(), "simul: epoll_wait");
        for (int i = 0; i < n; ++i) {
            const std::uint32_t e = events_[i].events;
            std::uint32_t bits = 0;
            if (e & (EPOLLIN | EPOLLRDHUP | EPOLLPRI)) bits |= kPollIn;
            if (e & EPOLLOUT) bits |= kPollOut;
            if (e & EPOLLERR) bits |= kPollErr;
            if (e & EPOLLHUP) bits |= kPollHup;
            out[i] = PollEvent{events_[i].data.u64, bits};
        }
        return n;
    }
    const char* name() const noexcept override { return "epoll"; }

private:
    void ctl(int op, int fd, std::uint32_t events, std::uint64_t token) {
        epoll_event ev{};
        ev.events = to_epoll(events);
        ev.data.u64 = token;
        if (::epoll_ctl(fd_, op, fd, &ev) == 0) return;
        // The descriptor was closed behind the loop's back and its number
        // reused (epoll forgot it), or is registered already: repair.
        if (op == EPOLL_CTL_MOD && errno == ENOENT && ::epoll_ctl(fd_, EPOLL_CTL_ADD, fd, &ev) == 0) return;
        if (op == EPOLL_CTL_ADD && errno == EEXIST && ::epoll_ctl(fd_, EPOLL_CTL_MOD, fd, &ev) == 0) return;
        throw std::system_error(errno, std::generic_category(),
                                "simul: cannot watch fd " + std::to_string(fd) +
                                    (errno == EPERM ? " (regular files are always ready; read them with simul's file API)" : ""));
    }

    static constexpr int kBatch = 256;
    int fd_;
    epoll_event events_[kBatch];
};

}  // namespace

std::unique_ptr<Poller> make_epoll_poller() { return std::make_unique<EpollPoller>(); }

}  // namespace simul::detail
