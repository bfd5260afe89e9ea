// Child processes: posix_spawn, pipes as Streams, a pidfd for the exit
// (see simul/io/subprocess.hpp).
#include <simul/io/subprocess.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>
#include <tuple>

#include <simul/core/error.hpp>
#include <simul/coro/gather.hpp>
#include <simul/detail/park.hpp>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

extern char** environ;

namespace simul::subprocess {

namespace detail {

struct ProcessState {
    Loop* loop = nullptr;
    pid_t pid = -1;
    int pidfd = -1;
    std::string program;  // argv[0], for messages
    Stream in, out, err;
    bool has_in = false, has_out = false, has_err = false;
    bool kill_on_destroy = false;
    bool watching = false;
    std::optional<ExitStatus> status;
    Future<ExitStatus> exited;

    // Reaps the child if it has ended; true once the status is known.
    bool poll() {
        if (status) return true;
        siginfo_t info;
        std::memset(&info, 0, sizeof info);
        for (;;) {
            if (::waitid(idtype_t(P_PIDFD), id_t(pidfd), &info, WEXITED | WNOHANG) == 0) break;
            if (errno == EINTR) continue;
            throw std::system_error(errno, std::generic_category(), "simul::subprocess: waitid for " + program);
        }
        if (info.si_pid == 0) return false;  // still running
        switch (info.si_code) {
            case CLD_EXITED: record(ExitStatus::from_code(info.si_status)); break;
            case CLD_DUMPED: record(ExitStatus::from_signal(info.si_status, true)); break;
            default: record(ExitStatus::from_signal(info.si_status)); break;
        }
        return true;
    }
    void record(ExitStatus st) {
        status = st;
        if (watching) {
            watching = false;
            loop->remove_reader(pidfd);
        }
        if (!exited.done()) exited.set_result(st);
    }
    void watch() {
        if (watching || status) return;
        loop->add_reader(pidfd, [this] {
            try {
                poll();
            } catch (...) {
                watching = false;
                loop->remove_reader(pidfd);
                if (!exited.done()) exited.set_exception(std::current_exception());
            }
        });
        watching = true;
    }
};

namespace {

int pidfd_open(pid_t pid) { return int(::syscall(SYS_pidfd_open, pid, 0)); }
int pidfd_send_signal(int pidfd, int sig) { return int(::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0)); }

// The pidfd of a child we no longer track, closed when its reaper goes.
struct OwnedFd {
    int fd;
    explicit OwnedFd(int f) noexcept : fd(f) {}
    OwnedFd(const OwnedFd&) = delete;
    ~OwnedFd() {
        if (fd >= 0) ::close(fd);  // the loop is closing: no need to tell it
    }
};

// The Process is going: keep reaping the child in the background (or kill it).
void release(std::unique_ptr<ProcessState> s) noexcept {
    s->in.close();
    s->out.close();
    s->err.close();
    // Tasks still in wait() get Cancelled rather than waiting forever.
    if (!s->exited.done()) s->exited.cancel();
    if (s->pidfd < 0) return;
    try {
        s->poll();
    } catch (...) {
    }
    Loop* loop = Loop::current();
    if (!s->status) {
        if (s->kill_on_destroy) {
            pidfd_send_signal(s->pidfd, SIGKILL);
        } else if (loop) {
            loop->call_exception_handler({"simul::subprocess: a Process was destroyed while its child (pid " +
                                              std::to_string(s->pid) + ", " + s->program +
                                              ") still runs; it is left running (set kill_on_destroy, or "
                                              "co_await wait() first)",
                                          {}, {}});
        }
        if (loop == s->loop && loop) {
            if (s->watching) loop->remove_reader(s->pidfd);
            s->watching = false;
            // The loop reaps it when it ends, so it never lingers as a zombie.
            auto fd = std::make_shared<OwnedFd>(std::exchange(s->pidfd, -1));
            try {
                loop->add_reader(fd->fd, [fd, loop] {
                    siginfo_t info;
                    std::memset(&info, 0, sizeof info);
                    if (fd->fd < 0) return;
                    if (::waitid(idtype_t(P_PIDFD), id_t(fd->fd), &info, WEXITED | WNOHANG) != 0 || info.si_pid != 0) {
                        loop->remove_reader(fd->fd);
                        loop->forget_fd(fd->fd);
                        ::close(std::exchange(fd->fd, -1));
                    }
                });
            } catch (...) {
            }
            return;
        }
    } else if (s->watching && loop == s->loop) {
        loop->remove_reader(s->pidfd);
    }
    if (loop == s->loop && loop) loop->forget_fd(s->pidfd);
    ::close(s->pidfd);
}

[[noreturn]] void not_a_pipe(const char* which) {
    throw Error(std::string("simul::subprocess::Process::") + which + "_stream: std_" + which +
                " is not a pipe (set Options::std_" + which + " = Stdio::pipe())");
}

struct SpawnActions {
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    SpawnActions() {
        posix_spawn_file_actions_init(&fa);
        posix_spawnattr_init(&attr);
    }
    ~SpawnActions() {
        posix_spawn_file_actions_destroy(&fa);
        posix_spawnattr_destroy(&attr);
    }
};

void check(int rc, const char* what) {
    if (rc != 0) throw std::system_error(rc, std::generic_category(), std::string("simul::subprocess::exec: ") + what);
}

Task<> write_input(ProcessState* s, std::string input) {
    if (!s->has_in) co_return;
    if (!input.empty()) {
        try {
            co_await s->in.write(input);
        } catch (const std::system_error& e) {
            // The child stopped reading (asyncio ignores this too): its
            // output and status still tell what happened.
            if (e.code().value() != EPIPE && e.code().value() != ECONNRESET) throw;
        }
    }
    s->in.close();
}

Task<std::string> read_all(Stream* st, bool piped, std::size_t max, const char* name) {
    std::string out;
    if (!piped) co_return out;
    constexpr std::size_t kChunk = 64 * 1024;
    for (;;) {
        const std::size_t old = out.size();
        out.resize(old + kChunk);
        const std::size_t n = co_await st->read_some(out.data() + old, kChunk);
        out.resize(old + n);
        if (n == 0) break;
        if (out.size() > max)
            throw Error(std::string("simul::subprocess::Process::communicate: the child's ") + name + " passed " +
                        std::to_string(max) + " bytes (the max_output argument); read the stream yourself for more");
    }
    co_return out;
}

}  // namespace
}  // namespace detail

// ---- ExitStatus ------------------------------------------------------------

std::string ExitStatus::to_string() const {
    if (!signalled_) return "exited with code " + std::to_string(value_);
    std::string s = "killed by signal " + std::to_string(value_);
    if (const char* abbrev = ::sigabbrev_np(value_)) s += std::string(" (SIG") + abbrev + ")";
    if (core_) s += ", core dumped";
    return s;
}

// ---- Process ---------------------------------------------------------------

Process::Process() noexcept = default;
Process::Process(Process&&) noexcept = default;
Process& Process::operator=(Process&& o) noexcept {
    if (this != &o) {
        if (s_) detail::release(std::move(s_));
        s_ = std::move(o.s_);
    }
    return *this;
}
Process::~Process() {
    if (s_) detail::release(std::move(s_));
}

pid_t Process::pid() const noexcept { return s_ ? s_->pid : -1; }

Stream& Process::stdin_stream() {
    if (!s_ || !s_->has_in) detail::not_a_pipe("in");
    return s_->in;
}
Stream& Process::stdout_stream() {
    if (!s_ || !s_->has_out) detail::not_a_pipe("out");
    return s_->out;
}
Stream& Process::stderr_stream() {
    if (!s_ || !s_->has_err) detail::not_a_pipe("err");
    return s_->err;
}
void Process::close_stdin() noexcept {
    if (s_) s_->in.close();
}

std::optional<ExitStatus> Process::try_wait() {
    if (!s_) throw Error("simul::subprocess::Process: empty (moved from)");
    s_->poll();
    return s_->status;
}

Task<ExitStatus> Process::wait() {
    if (!s_) throw Error("simul::subprocess::Process::wait: empty (moved from)");
    detail::ProcessState* s = s_.get();
    if (s->poll()) co_return *s->status;
    s->watch();
    Future<ExitStatus> done = s->exited;  // shared: the Process may move meanwhile
    co_return co_await done;
}

bool Process::kill(int sig) {
    if (!s_) throw Error("simul::subprocess::Process::kill: empty (moved from)");
    if (s_->status) return false;  // reaped: the pid may belong to someone else now
    if (detail::pidfd_send_signal(s_->pidfd, sig) == 0) return true;
    if (errno == ESRCH) return false;
    throw std::system_error(errno, std::generic_category(), "simul::subprocess::Process::kill: " + s_->program);
}

Task<Output> Process::communicate(std::string input, std::size_t max_output) {
    if (!s_) throw Error("simul::subprocess::Process::communicate: empty (moved from)");
    detail::ProcessState* s = s_.get();
    if (!input.empty() && !s->has_in)
        throw Error("simul::subprocess::Process::communicate: input given but std_in is not a pipe");
    auto [ignored, out, err] =
        co_await gather(detail::write_input(s, std::move(input)), detail::read_all(&s->out, s->has_out, max_output, "stdout"),
                        detail::read_all(&s->err, s->has_err, max_output, "stderr"));
    (void)ignored;
    ExitStatus st = co_await wait();
    co_return Output{st, std::move(out), std::move(err)};
}

// ---- exec ------------------------------------------------------------------

Process exec(const std::vector<std::string>& argv, Options options) {
    if (argv.empty() || argv[0].empty()) throw Error("simul::subprocess::exec: argv is empty; argv[0] names the program");
    Loop& loop = simul::detail::require_loop("simul::subprocess::exec");
    if (options.std_in.kind() == Stdio::Kind::to_stdout || options.std_out.kind() == Stdio::Kind::to_stdout)
        throw Error("simul::subprocess::exec: Stdio::to_stdout() is for std_err only");

    detail::SpawnActions sa;
    Fd ours[3], theirs[3];
    const Stdio* io[3] = {&options.std_in, &options.std_out, &options.std_err};
    for (int i = 0; i < 3; ++i) {
        switch (io[i]->kind()) {
            case Stdio::Kind::inherit: break;
            case Stdio::Kind::pipe: {
                int p[2];
                if (::pipe2(p, O_CLOEXEC) < 0)
                    throw std::system_error(errno, std::generic_category(), "simul::subprocess::exec: pipe2");
                ours[i] = Fd(i == 0 ? p[1] : p[0]);
                theirs[i] = Fd(i == 0 ? p[0] : p[1]);
                // dup2 clears close-on-exec on the copy (glibc clears it even when the numbers match).
                detail::check(posix_spawn_file_actions_adddup2(&sa.fa, theirs[i].get(), i), "adddup2");
                break;
            }
            case Stdio::Kind::null:
                detail::check(posix_spawn_file_actions_addopen(&sa.fa, i, "/dev/null", i == 0 ? O_RDONLY : O_WRONLY, 0),
                              "addopen");
                break;
            case Stdio::Kind::fd:
                if (io[i]->descriptor() < 0) throw Error("simul::subprocess::exec: Stdio::fd() needs an open descriptor");
                detail::check(posix_spawn_file_actions_adddup2(&sa.fa, io[i]->descriptor(), i), "adddup2");
                break;
            case Stdio::Kind::to_stdout: detail::check(posix_spawn_file_actions_adddup2(&sa.fa, 1, 2), "adddup2"); break;
        }
    }
    // Only 0, 1 and 2 reach the program, whatever flags the others carry.
    detail::check(posix_spawn_file_actions_addclosefrom_np(&sa.fa, 3), "addclosefrom_np");
    if (!options.cwd.empty())
        detail::check(posix_spawn_file_actions_addchdir_np(&sa.fa, options.cwd.c_str()), "addchdir_np");
    // An empty signal mask, and SIGPIPE/SIGXFSZ back to their default action
    // (the loop ignores SIGPIPE; ignored signals survive exec).
    sigset_t none, dflt;
    sigemptyset(&none);
    sigemptyset(&dflt);
    sigaddset(&dflt, SIGPIPE);
    sigaddset(&dflt, SIGXFSZ);
    detail::check(posix_spawnattr_setsigmask(&sa.attr, &none), "setsigmask");
    detail::check(posix_spawnattr_setsigdefault(&sa.attr, &dflt), "setsigdefault");
    detail::check(posix_spawnattr_setflags(&sa.attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF), "setflags");

    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    std::vector<char*> envs;
    if (options.env) {
        for (const auto& e : *options.env) envs.push_back(const_cast<char*>(e.c_str()));
        envs.push_back(nullptr);
    }
    char** envp = options.env ? envs.data() : environ;

    pid_t pid = -1;
    const bool has_path = argv[0].find('/') != std::string::npos;
    const int rc = has_path ? ::posix_spawn(&pid, args[0], &sa.fa, &sa.attr, args.data(), envp)
                            : ::posix_spawnp(&pid, args[0], &sa.fa, &sa.attr, args.data(), envp);
    if (rc != 0)
        throw std::system_error(rc, std::generic_category(), "simul::subprocess::exec: cannot start \"" + argv[0] + "\"");

    auto s = std::make_unique<detail::ProcessState>();
    s->loop = &loop;
    s->pid = pid;
    s->program = argv[0];
    s->kill_on_destroy = options.kill_on_destroy;
    s->pidfd = detail::pidfd_open(pid);
    if (s->pidfd < 0) {
        const int err = errno;
        ::kill(pid, SIGKILL);
        while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
        }
        throw std::system_error(err, std::generic_category(), "simul::subprocess::exec: pidfd_open (Linux 5.3 or later)");
    }
    for (auto& t : theirs) t.close();
    if (ours[0]) s->in = Stream(std::move(ours[0])), s->has_in = true;
    if (ours[1]) s->out = Stream(std::move(ours[1])), s->has_out = true;
    if (ours[2]) s->err = Stream(std::move(ours[2])), s->has_err = true;
    Process p;
    p.s_ = std::move(s);
    return p;
}

Process shell(const std::string& command, Options options) {
    return exec({"/bin/sh", "-c", command}, std::move(options));
}

}  // namespace simul::subprocess
