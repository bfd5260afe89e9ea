// Signals through one signalfd per loop (see simul/io/signal.hpp).
//
// The hub is thread-local (one loop per thread) and lives while any listener
// does: the first listener makes the signalfd and watches it with
// add_reader(); the last one closes it. Per signal, a list of listeners; a
// delivery walks the list with a cursor that unlinking moves on, so a
// listener may unlink itself or another one while being called, and skips
// listeners linked during this delivery (they wait for the next one).
#include <simul/io/signal.hpp>

#include <pthread.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include <simul/core/error.hpp>

namespace simul {

namespace detail {

struct SignalHandlerNode : SignalListener {
    std::function<void(const SignalInfo&)> fn;
};

namespace {

constexpr int kMaxSignal = 65;  // _NSIG on Linux

struct Hub {
    Loop* loop = nullptr;
    int fd = -1;
    sigset_t mask;        // what the signalfd reads
    sigset_t blocked_by_us;  // blocked by the hub (unblocked when unused)
    SignalListener* head[kMaxSignal] = {};
    SignalListener* tail[kMaxSignal] = {};
    std::size_t count[kMaxSignal] = {};
    std::size_t total = 0;
    std::uint64_t epoch = 0;
    SignalListener* cursor = nullptr;  // next listener of the delivery under way
    int delivering = 0;
    std::vector<std::unique_ptr<SignalHandlerNode>> graveyard;  // handlers dropped while delivering

    void on_readable();
    void deliver(const SignalInfo& info);
};

thread_local Hub* tls_hub = nullptr;

void update_fd(Hub& h) {
    if (::signalfd(h.fd, &h.mask, 0) < 0) {
        // Only EINVAL/ENOMEM are possible here; nothing sensible to do but report.
        h.loop->call_exception_handler({std::string("simul: signalfd update failed: ") + std::strerror(errno), {}, {}});
    }
}

Hub& hub_for_listen() {
    Loop& loop = require_loop("simul signals");
    if (tls_hub) {
        if (tls_hub->loop != &loop)
            throw Error("simul: signal registrations of an earlier loop are still alive on this thread; drop them "
                        "before their loop ends");
        return *tls_hub;
    }
    auto h = std::make_unique<Hub>();
    h->loop = &loop;
    sigemptyset(&h->mask);
    sigemptyset(&h->blocked_by_us);
    h->fd = ::signalfd(-1, &h->mask, SFD_NONBLOCK | SFD_CLOEXEC);
    if (h->fd < 0) throw std::system_error(errno, std::generic_category(), "simul: signalfd");
    Hub* raw = h.get();
    loop.add_reader(raw->fd, [raw] { raw->on_readable(); });
    tls_hub = h.release();
    return *raw;
}

void destroy_hub_if_unused() noexcept {
    Hub* h = tls_hub;
    if (!h || h->total > 0 || h->delivering > 0) return;
    tls_hub = nullptr;
    if (Loop::current() == h->loop) {
        h->loop->remove_reader(h->fd);
        h->loop->forget_fd(h->fd);
    }
    ::close(h->fd);
    delete h;
}

void Hub::on_readable() {
    signalfd_siginfo buf[16];
    ++delivering;
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            break;  // EAGAIN: all read
        }
        const std::size_t k = std::size_t(n) / sizeof(signalfd_siginfo);
        for (std::size_t i = 0; i < k; ++i)
            deliver(SignalInfo{int(buf[i].ssi_signo), pid_t(buf[i].ssi_pid), uid_t(buf[i].ssi_uid)});
        if (k < std::size(buf)) break;
    }
    --delivering;
    graveyard.clear();
    destroy_hub_if_unused();
}

void Hub::deliver(const SignalInfo& info) {
    if (info.signo <= 0 || info.signo >= kMaxSignal) return;
    const std::uint64_t now = ++epoch;
    SignalListener* saved = cursor;  // deliveries do not nest, but keep it correct if they ever do
    cursor = head[info.signo];
    while (SignalListener* l = cursor) {
        cursor = l->next;
        if (l->epoch >= now) continue;  // linked during this delivery: it waits for the next one
        l->deliver(l, info);
    }
    cursor = saved;
}

}  // namespace

void check_signal(int sig, const char* what) {
    if (sig <= 0 || sig >= kMaxSignal || sig == SIGKILL || sig == SIGSTOP || sig == SIGSEGV || sig == SIGBUS ||
        sig == SIGFPE || sig == SIGILL)
        throw Error(std::string(what) + ": signal " + std::to_string(sig) +
                    " cannot be listened for (SIGKILL, SIGSTOP and fault signals cannot be caught this way)");
}

void signal_listen(SignalListener* l, int sig) {
    check_signal(sig, "simul signals");
    Hub& h = hub_for_listen();
    if (h.count[sig] == 0) {
        sigset_t one, old;
        sigemptyset(&one);
        sigaddset(&one, sig);
        if (const int err = ::pthread_sigmask(SIG_BLOCK, &one, &old); err != 0) {
            destroy_hub_if_unused();
            throw std::system_error(err, std::generic_category(), "simul: pthread_sigmask");
        }
        if (!sigismember(&old, sig)) sigaddset(&h.blocked_by_us, sig);
        sigaddset(&h.mask, sig);
        update_fd(h);
    }
    ++h.count[sig];
    ++h.total;
    l->signo = sig;
    l->epoch = h.epoch;
    l->next = nullptr;
    l->prev = h.tail[sig];
    (h.tail[sig] ? h.tail[sig]->next : h.head[sig]) = l;
    h.tail[sig] = l;
    l->linked = true;
}

void signal_unlisten(SignalListener* l) noexcept {
    Hub* h = tls_hub;
    if (!l->linked || !h) return;
    const int sig = l->signo;
    if (h->cursor == l) h->cursor = l->next;
    (l->prev ? l->prev->next : h->head[sig]) = l->next;
    (l->next ? l->next->prev : h->tail[sig]) = l->prev;
    l->prev = l->next = nullptr;
    l->linked = false;
    --h->total;
    if (--h->count[sig] == 0) {
        sigdelset(&h->mask, sig);
        update_fd(*h);
        if (sigismember(&h->blocked_by_us, sig)) {
            sigdelset(&h->blocked_by_us, sig);
            // Discard what is pending, so unblocking does not run the
            // default action for a delivery that was meant for us.
            sigset_t one;
            sigemptyset(&one);
            sigaddset(&one, sig);
            const timespec zero{0, 0};
            for (;;) {
                sigset_t pending;
                if (::sigpending(&pending) != 0 || !sigismember(&pending, sig)) break;
                if (::sigtimedwait(&one, nullptr, &zero) < 0 && errno != EINTR) break;
            }
            ::pthread_sigmask(SIG_UNBLOCK, &one, nullptr);
        }
    }
    destroy_hub_if_unused();
}

std::size_t signal_listeners(int sig) noexcept {
    if (!tls_hub || sig <= 0 || sig >= kMaxSignal) return 0;
    return tls_hub->count[sig];
}

namespace {
void run_handler(SignalListener* l, const SignalInfo& info) noexcept {
    auto* n = static_cast<SignalHandlerNode*>(l);
    try {
        n->fn(info);
    } catch (...) {
        if (Loop* loop = Loop::current())
            loop->call_exception_handler(
                {"simul: a signal handler for signal " + std::to_string(info.signo) + " threw", std::current_exception(), {}});
    }
}
}  // namespace

}  // namespace detail

// ---- on_signal -------------------------------------------------------------

SignalHandler on_signal(int sig, std::function<void(const SignalInfo&)> fn) {
    if (!fn) throw Error("simul::on_signal: the handler is empty");
    auto n = std::make_unique<detail::SignalHandlerNode>();
    n->deliver = &detail::run_handler;
    n->fn = std::move(fn);
    detail::signal_listen(n.get(), sig);
    return SignalHandler(n.release());
}

void SignalHandler::reset() noexcept {
    detail::SignalHandlerNode* n = std::exchange(node_, nullptr);
    if (!n) return;
    detail::Hub* h = detail::tls_hub;
    if (h && h->delivering > 0) {
        // It may be the handler running right now: keep its function alive
        // until the delivery ends. Unlink first: that may destroy nothing yet.
        h->graveyard.emplace_back(n);
        detail::signal_unlisten(n);
        return;
    }
    detail::signal_unlisten(n);
    delete n;
}

// ---- SignalStream ----------------------------------------------------------

SignalStream::SignalStream(int sig) {
    detail::check_signal(sig, "simul::SignalStream");
    deliver = &on_deliver;
    detail::signal_listen(this, sig);
}

SignalStream::~SignalStream() {
    if (linked) detail::signal_unlisten(this);
}

void SignalStream::on_deliver(detail::SignalListener* l, const SignalInfo& i) noexcept {
    auto* s = static_cast<SignalStream*>(l);
    ++s->pending_;
    s->last_ = i;
    if (Awaiter* w = std::exchange(s->waiting_, nullptr)) detail::wake(*Loop::current(), w->task);
}

bool SignalStream::Awaiter::await_suspend(std::coroutine_handle<> h) {
    Loop& loop = detail::require_loop("simul::SignalStream::next");
    if (s->waiting_) throw InvalidStateError("simul::SignalStream::next: another task is already waiting on this stream");
    task = loop.current_task();
    if (!detail::park(task, h, this)) return false;
    s->waiting_ = this;
    return true;
}

SignalInfo SignalStream::Awaiter::await_resume() {
    if (s->pending_ == 0) {
        if (task) detail::deliver_cancel(task);
        throw InvalidStateError("simul::SignalStream::next: woken without a delivery");
    }
    --s->pending_;
    SignalInfo i = s->last_;
    i.signo = s->signo;
    return i;
}

void SignalStream::Awaiter::cancel_op(detail::Waiter* w) noexcept {
    auto* a = static_cast<Awaiter*>(w);
    if (a->s->waiting_ == a) a->s->waiting_ = nullptr;
    detail::wake(*Loop::current(), a->task);
}

// ---- run()'s default: SIGINT and SIGTERM cancel main -----------------------

namespace detail {

InterruptGuard install_default_interrupts(Loop& loop, TaskHeader* main) {
    InterruptGuard g;
    if (loop.virtual_time()) return g;  // a signalfd would hide the virtual clock's deadlock check
    if (::getpid() != pid_t(::syscall(SYS_gettid))) return g;  // asyncio: only on the main thread
    sigset_t blocked;
    ::pthread_sigmask(SIG_BLOCK, nullptr, &blocked);
    int k = 0;
    for (int sig : {SIGINT, SIGTERM}) {
        struct sigaction old {};
        if (::sigaction(sig, nullptr, &old) != 0 || old.sa_handler != SIG_DFL || sigismember(&blocked, sig)) continue;
        auto fired = std::make_shared<int>(0);
        g.handlers_[k++] = on_signal(sig, [&loop, main, fired, sig](const SignalInfo&) {
            // The program listens for this signal itself: it decides.
            if (signal_listeners(sig) > 1) return;
            if (++*fired == 1) {
                if (!main->done())
                    main->cancel();
                else
                    loop.cancel_all();  // run() is finishing the leftovers: hurry them
                return;
            }
            // A second one while main is still ending: the default action,
            // as if we had never been there.
            sigset_t one;
            sigemptyset(&one);
            sigaddset(&one, sig);
            ::pthread_sigmask(SIG_UNBLOCK, &one, nullptr);
            ::raise(sig);
        });
    }
    return g;
}

}  // namespace detail

}  // namespace simul
