// libsimul_blocking_detector.so: catches blocking calls made on a loop
// thread inside a task step (debug mode). See
// include/simul/debug/blocking_detector.hpp for how to use it.
//
// How: symbol interposition. This shared library defines sleep, read, recv,
// poll, getaddrinfo, pthread_mutex_lock, ... When a program links it or
// LD_PRELOADs it, the dynamic linker binds every call to those names, from
// the program and from every shared library it loads (third-party clients
// included), to these definitions, which forward to the next definition
// (libc's, or a sanitizer's) found with dlsym(RTLD_NEXT). Before forwarding,
// each asks simul (through two function pointers that simul installs when a
// debug loop starts) whether this thread is inside a task step, and only
// then looks closer (is the descriptor blocking? is the timeout non-zero? is
// the mutex held by another thread?) and has simul report the call. Off a
// loop thread, or with debug off, a call costs one load and one test.
//
// Not caught: calls inside libc to its own functions (glibc calls them
// directly, not through the PLT), and programs linked statically.
#include <arpa/inet.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>

namespace {

using InStepFn = int (*)();
using ReportFn = void (*)(const char* call, const char* detail, const char* advice);

std::atomic<InStepFn> in_step{nullptr};
std::atomic<ReportFn> report{nullptr};

inline bool stepping() {
    InStepFn f = in_step.load(std::memory_order_acquire);
    return f && f();
}

inline void say(const char* call, const char* detail, const char* advice) {
    if (ReportFn f = report.load(std::memory_order_acquire)) f(call, detail, advice);
}

// A descriptor whose operations can block: a socket, pipe or FIFO without
// O_NONBLOCK. Regular files (and the terminal on 0, 1, 2) are left alone.
bool blocking_fd(int fd) {
    if (fd <= 2) return false;
    const int saved = errno;
    struct stat st;
    bool result = false;
    if (::fstat(fd, &st) == 0 && (S_ISSOCK(st.st_mode) || S_ISFIFO(st.st_mode))) {
        const int flags = ::fcntl(fd, F_GETFL);
        result = flags >= 0 && !(flags & O_NONBLOCK);
    }
    errno = saved;
    return result;
}

// getaddrinfo() of a numeric address (or of none: a passive socket) looks
// nothing up: libpq, for one, calls it so for every hostaddr.
bool numeric_host(const char* node, const struct addrinfo* hints) {
    if (!node || (hints && (hints->ai_flags & AI_NUMERICHOST))) return true;
    unsigned char buf[sizeof(struct in6_addr)];
    return ::inet_pton(AF_INET, node, buf) == 1 || ::inet_pton(AF_INET6, node, buf) == 1;
}

template <class F>
F next(const char* name) {
    return reinterpret_cast<F>(::dlsym(RTLD_NEXT, name));
}

// The next definitions (libc's), resolved once when the library is loaded,
// before any thread can call in: no function-local statics, whose guard
// could itself take a lock (and so come back here).
#define SIMUL_REAL_PTR(name) decltype(&::name) real_##name = nullptr;
SIMUL_REAL_PTR(accept)
SIMUL_REAL_PTR(accept4)
SIMUL_REAL_PTR(clock_nanosleep)
SIMUL_REAL_PTR(connect)
SIMUL_REAL_PTR(epoll_wait)
SIMUL_REAL_PTR(fdatasync)
SIMUL_REAL_PTR(fsync)
SIMUL_REAL_PTR(getaddrinfo)
SIMUL_REAL_PTR(gethostbyname)
SIMUL_REAL_PTR(nanosleep)
SIMUL_REAL_PTR(poll)
SIMUL_REAL_PTR(ppoll)
SIMUL_REAL_PTR(read)
SIMUL_REAL_PTR(readv)
SIMUL_REAL_PTR(recv)
SIMUL_REAL_PTR(recvfrom)
SIMUL_REAL_PTR(recvmsg)
SIMUL_REAL_PTR(select)
SIMUL_REAL_PTR(send)
SIMUL_REAL_PTR(sendmsg)
SIMUL_REAL_PTR(sendto)
SIMUL_REAL_PTR(sleep)
SIMUL_REAL_PTR(system)
SIMUL_REAL_PTR(usleep)
SIMUL_REAL_PTR(wait)
SIMUL_REAL_PTR(waitpid)
SIMUL_REAL_PTR(write)
SIMUL_REAL_PTR(writev)
int (*real_pthread_mutex_lock)(pthread_mutex_t*) = nullptr;
int (*real_pthread_mutex_trylock)(pthread_mutex_t*) = nullptr;
int (*real_pthread_mutex_timedlock)(pthread_mutex_t*, const struct timespec*) = nullptr;

__attribute__((constructor(101))) void resolve_all() {
    real_accept = next<decltype(&::accept)>("accept");
    real_accept4 = next<decltype(&::accept4)>("accept4");
    real_clock_nanosleep = next<decltype(&::clock_nanosleep)>("clock_nanosleep");
    real_connect = next<decltype(&::connect)>("connect");
    real_epoll_wait = next<decltype(&::epoll_wait)>("epoll_wait");
    real_fdatasync = next<decltype(&::fdatasync)>("fdatasync");
    real_fsync = next<decltype(&::fsync)>("fsync");
    real_getaddrinfo = next<decltype(&::getaddrinfo)>("getaddrinfo");
    real_gethostbyname = next<decltype(&::gethostbyname)>("gethostbyname");
    real_nanosleep = next<decltype(&::nanosleep)>("nanosleep");
    real_poll = next<decltype(&::poll)>("poll");
    real_ppoll = next<decltype(&::ppoll)>("ppoll");
    real_read = next<decltype(&::read)>("read");
    real_readv = next<decltype(&::readv)>("readv");
    real_recv = next<decltype(&::recv)>("recv");
    real_recvfrom = next<decltype(&::recvfrom)>("recvfrom");
    real_recvmsg = next<decltype(&::recvmsg)>("recvmsg");
    real_select = next<decltype(&::select)>("select");
    real_send = next<decltype(&::send)>("send");
    real_sendmsg = next<decltype(&::sendmsg)>("sendmsg");
    real_sendto = next<decltype(&::sendto)>("sendto");
    real_sleep = next<decltype(&::sleep)>("sleep");
    real_system = next<decltype(&::system)>("system");
    real_usleep = next<decltype(&::usleep)>("usleep");
    real_wait = next<decltype(&::wait)>("wait");
    real_waitpid = next<decltype(&::waitpid)>("waitpid");
    real_write = next<decltype(&::write)>("write");
    real_writev = next<decltype(&::writev)>("writev");
    real_pthread_mutex_lock = next<int (*)(pthread_mutex_t*)>("pthread_mutex_lock");
    real_pthread_mutex_trylock = next<int (*)(pthread_mutex_t*)>("pthread_mutex_trylock");
    real_pthread_mutex_timedlock = next<int (*)(pthread_mutex_t*, const struct timespec*)>("pthread_mutex_timedlock");
}

// A call that arrives before the constructor ran (another library's
// constructor) resolves its own pointer on the spot.
#define SIMUL_REAL(name) \
    if (!real_##name) real_##name = next<decltype(&::name)>(#name)

constexpr const char* kStreamAdvice =
    "use a simul::Stream (co_await stream.read_some/read/write) or co_await simul::wait_readable/wait_writable(fd) "
    "on a non-blocking descriptor";

void check_fd(const char* call, int fd, const char* advice = kStreamAdvice) {
    if (stepping() && blocking_fd(fd)) say(call, "on a blocking descriptor", advice);
}

}  // namespace

extern "C" {

// simul calls this (found with dlsym) when a debug loop starts.
__attribute__((visibility("default"))) void simul_blocking_detector_install(InStepFn step, ReportFn rep) {
    report.store(rep, std::memory_order_release);
    in_step.store(step, std::memory_order_release);
}

__attribute__((visibility("default"))) unsigned int sleep(unsigned int seconds) {
    SIMUL_REAL(sleep);
    if (stepping()) say("sleep()", "", "use co_await simul::sleep(d)");
    return real_sleep(seconds);
}

__attribute__((visibility("default"))) int usleep(useconds_t usec) {
    SIMUL_REAL(usleep);
    if (stepping()) say("usleep()", "", "use co_await simul::sleep(d)");
    return real_usleep(usec);
}

__attribute__((visibility("default"))) int nanosleep(const struct timespec* req, struct timespec* rem) {
    SIMUL_REAL(nanosleep);
    if (stepping())
        say("nanosleep()", "(std::this_thread::sleep_for calls it)", "use co_await simul::sleep(d)");
    return real_nanosleep(req, rem);
}

__attribute__((visibility("default"))) int clock_nanosleep(clockid_t clock, int flags, const struct timespec* req,
                                                           struct timespec* rem) {
    SIMUL_REAL(clock_nanosleep);
    if (stepping()) say("clock_nanosleep()", "(std::this_thread::sleep_for calls it)", "use co_await simul::sleep(d)");
    return real_clock_nanosleep(clock, flags, req, rem);
}

__attribute__((visibility("default"))) ssize_t read(int fd, void* buf, size_t n) {
    SIMUL_REAL(read);
    check_fd("read()", fd);
    return real_read(fd, buf, n);
}

__attribute__((visibility("default"))) ssize_t write(int fd, const void* buf, size_t n) {
    SIMUL_REAL(write);
    check_fd("write()", fd);
    return real_write(fd, buf, n);
}

__attribute__((visibility("default"))) ssize_t readv(int fd, const struct iovec* iov, int n) {
    SIMUL_REAL(readv);
    check_fd("readv()", fd);
    return real_readv(fd, iov, n);
}

__attribute__((visibility("default"))) ssize_t writev(int fd, const struct iovec* iov, int n) {
    SIMUL_REAL(writev);
    check_fd("writev()", fd);
    return real_writev(fd, iov, n);
}

__attribute__((visibility("default"))) ssize_t recv(int fd, void* buf, size_t n, int flags) {
    SIMUL_REAL(recv);
    if (!(flags & MSG_DONTWAIT)) check_fd("recv()", fd);
    return real_recv(fd, buf, n, flags);
}

__attribute__((visibility("default"))) ssize_t recvfrom(int fd, void* buf, size_t n, int flags, struct sockaddr* a,
                                                        socklen_t* len) {
    SIMUL_REAL(recvfrom);
    if (!(flags & MSG_DONTWAIT)) check_fd("recvfrom()", fd, "use simul::UdpSocket (co_await socket.recv_from())");
    return real_recvfrom(fd, buf, n, flags, a, len);
}

__attribute__((visibility("default"))) ssize_t recvmsg(int fd, struct msghdr* msg, int flags) {
    SIMUL_REAL(recvmsg);
    if (!(flags & MSG_DONTWAIT)) check_fd("recvmsg()", fd);
    return real_recvmsg(fd, msg, flags);
}

__attribute__((visibility("default"))) ssize_t send(int fd, const void* buf, size_t n, int flags) {
    SIMUL_REAL(send);
    if (!(flags & MSG_DONTWAIT)) check_fd("send()", fd);
    return real_send(fd, buf, n, flags);
}

__attribute__((visibility("default"))) ssize_t sendto(int fd, const void* buf, size_t n, int flags,
                                                      const struct sockaddr* a, socklen_t len) {
    SIMUL_REAL(sendto);
    if (!(flags & MSG_DONTWAIT)) check_fd("sendto()", fd, "use simul::UdpSocket (co_await socket.send_to())");
    return real_sendto(fd, buf, n, flags, a, len);
}

__attribute__((visibility("default"))) ssize_t sendmsg(int fd, const struct msghdr* msg, int flags) {
    SIMUL_REAL(sendmsg);
    if (!(flags & MSG_DONTWAIT)) check_fd("sendmsg()", fd);
    return real_sendmsg(fd, msg, flags);
}

__attribute__((visibility("default"))) int accept(int fd, struct sockaddr* a, socklen_t* len) {
    SIMUL_REAL(accept);
    check_fd("accept()", fd, "use co_await simul::start_server(handler, host, port)");
    return real_accept(fd, a, len);
}

__attribute__((visibility("default"))) int accept4(int fd, struct sockaddr* a, socklen_t* len, int flags) {
    SIMUL_REAL(accept4);
    check_fd("accept4()", fd, "use co_await simul::start_server(handler, host, port)");
    return real_accept4(fd, a, len, flags);
}

__attribute__((visibility("default"))) int connect(int fd, const struct sockaddr* a, socklen_t len) {
    SIMUL_REAL(connect);
    check_fd("connect()", fd, "use co_await simul::open_connection(host, port)");
    return real_connect(fd, a, len);
}

__attribute__((visibility("default"))) int poll(struct pollfd* fds, nfds_t n, int timeout) {
    SIMUL_REAL(poll);
    if (timeout != 0 && stepping())
        say("poll()", "with a timeout", "use co_await simul::wait_readable/wait_writable(fd), with simul::wait_for for a timeout");
    return real_poll(fds, n, timeout);
}

__attribute__((visibility("default"))) int ppoll(struct pollfd* fds, nfds_t n, const struct timespec* t,
                                                 const sigset_t* mask) {
    SIMUL_REAL(ppoll);
    if ((!t || t->tv_sec || t->tv_nsec) && stepping())
        say("ppoll()", "with a timeout", "use co_await simul::wait_readable/wait_writable(fd), with simul::wait_for for a timeout");
    return real_ppoll(fds, n, t, mask);
}

__attribute__((visibility("default"))) int select(int n, fd_set* r, fd_set* w, fd_set* e, struct timeval* t) {
    SIMUL_REAL(select);
    if ((!t || t->tv_sec || t->tv_usec) && stepping())
        say("select()", "with a timeout", "use co_await simul::wait_readable/wait_writable(fd), with simul::wait_for for a timeout");
    return real_select(n, r, w, e, t);
}

__attribute__((visibility("default"))) int epoll_wait(int epfd, struct epoll_event* ev, int n, int timeout) {
    SIMUL_REAL(epoll_wait);
    if (timeout != 0 && stepping())
        say("epoll_wait()", "with a timeout", "let simul's loop do the waiting: co_await simul::wait_readable(fd)");
    return real_epoll_wait(epfd, ev, n, timeout);
}

__attribute__((visibility("default"))) int getaddrinfo(const char* node, const char* service, const struct addrinfo* hints,
                                                       struct addrinfo** res) {
    SIMUL_REAL(getaddrinfo);
    if (stepping() && !numeric_host(node, hints))
        say("getaddrinfo()", "(a name lookup)", "use co_await simul::resolve(host, port)");
    return real_getaddrinfo(node, service, hints, res);
}

__attribute__((visibility("default"))) struct hostent* gethostbyname(const char* name) {
    SIMUL_REAL(gethostbyname);
    if (stepping()) say("gethostbyname()", "(a name lookup)", "use co_await simul::resolve(host, port)");
    return real_gethostbyname(name);
}

__attribute__((visibility("default"))) int fsync(int fd) {
    SIMUL_REAL(fsync);
    if (stepping()) say("fsync()", "", "use co_await simul::to_thread([fd] { ::fsync(fd); })");
    return real_fsync(fd);
}

__attribute__((visibility("default"))) int fdatasync(int fd) {
    SIMUL_REAL(fdatasync);
    if (stepping()) say("fdatasync()", "", "use co_await simul::to_thread([fd] { ::fdatasync(fd); })");
    return real_fdatasync(fd);
}

__attribute__((visibility("default"))) int system(const char* command) {
    SIMUL_REAL(system);
    if (stepping())
        say("system()", "", "use simul::subprocess::shell(command) and co_await its wait()");
    return real_system(command);
}

__attribute__((visibility("default"))) pid_t waitpid(pid_t pid, int* status, int options) {
    SIMUL_REAL(waitpid);
    if (!(options & WNOHANG) && stepping())
        say("waitpid()", "without WNOHANG", "start children with simul::subprocess::exec and co_await process.wait()");
    return real_waitpid(pid, status, options);
}

__attribute__((visibility("default"))) pid_t wait(int* status) {
    SIMUL_REAL(wait);
    if (stepping()) say("wait()", "", "start children with simul::subprocess::exec and co_await process.wait()");
    return real_wait(status);
}

// A mutex is reported only when another thread holds it for over a
// millisecond: brief contention (handing a job to the thread pool) is normal.
// Not under ThreadSanitizer, which intercepts the mutex functions itself: a
// second interposer there hides the locks from it.
#if !defined(__SANITIZE_THREAD__)
__attribute__((visibility("default"))) int pthread_mutex_lock(pthread_mutex_t* m) {
    if (!real_pthread_mutex_lock) real_pthread_mutex_lock = next<int (*)(pthread_mutex_t*)>("pthread_mutex_lock");
    if (!stepping() || !real_pthread_mutex_trylock || !real_pthread_mutex_timedlock) return real_pthread_mutex_lock(m);
    int rc = real_pthread_mutex_trylock(m);
    if (rc != EBUSY) return rc;
    struct timespec deadline;
    ::clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_nsec += 1'000'000;
    if (deadline.tv_nsec >= 1'000'000'000) {
        deadline.tv_sec += 1;
        deadline.tv_nsec -= 1'000'000'000;
    }
    rc = real_pthread_mutex_timedlock(m, &deadline);
    if (rc != ETIMEDOUT) return rc;
    say("pthread_mutex_lock()", "on a mutex another thread holds (std::mutex::lock calls it)",
        "use simul::Lock between tasks, or move the code that needs the mutex to simul::to_thread");
    return real_pthread_mutex_lock(m);
}
#endif

}  // extern "C"
