// simul/io/subprocess.hpp: child processes: exec(), shell(), Process, ExitStatus.
//
// `simul::subprocess::exec({"sort", "-u"}, opts)` starts a program (no shell:
// argv goes to the program as it is, and a name without '/' is looked up in
// PATH) and returns a Process at once. Its stdin, stdout and stderr may each be
// inherited, a pipe to this program (then a simul::Stream), /dev/null, or a
// descriptor of yours. `co_await p.wait()` suspends the task until the child
// ends: the loop watches a pidfd (pidfd_open(2)), readable when the child
// exits, and the loop resumes every waiting task with its ExitStatus.
// `co_await p.communicate(input)` writes input to stdin while reading stdout
// and stderr concurrently (no deadlock however much the child writes), then
// waits for the end. `shell("ls | wc -l")` is the explicit form for a shell
// command line (/bin/sh -c): never pass untrusted text to it.
//
//     namespace sp = simul::subprocess;
//     auto p = sp::exec({"gzip", "-c"}, {.std_in = sp::Stdio::pipe(), .std_out = sp::Stdio::pipe()});
//     auto [status, out, err] = co_await p.communicate(text);
//     if (!status.success()) throw std::runtime_error("gzip: " + status.to_string());
//
//     auto q = sp::exec({"slow-tool"});
//     try { co_await simul::wait_for(q.wait(), 5s); }
//     catch (const simul::TimeoutError&) { q.kill(); co_await q.wait(); }
//
// The child: started with posix_spawn (vfork semantics, so a big parent is
// not copied), with every signal unblocked and SIGPIPE back to its default
// action (the loop ignores SIGPIPE; asyncio's restore_signals), and with
// only descriptors 0, 1 and 2 open: everything else is closed in the child
// (closefrom), whatever its close-on-exec flag. Our ends of the pipes are
// O_CLOEXEC and non-blocking.
//
// A Process destroyed while its child still runs leaves the child running
// (asyncio and tokio do the same) and reports it through the loop's
// exception handler (default: stderr); the loop still reaps the child if it
// ends while the loop runs, so it does not linger as a zombie. Set
// Options::kill_on_destroy to SIGKILL it instead. Tasks still waiting in
// wait() then get simul::Cancelled. A Process belongs to the loop that made
// it and must not outlive it.
//
// Cancellation: cancelling a task in wait() stops its wait and leaves the
// child alone (kill it yourself, as above); another waiter still gets the
// status. Cancelling communicate() cancels its reads and writes (the bytes
// read so far are dropped) and leaves the child running. Reads and writes on
// the streams are cancellable as for any Stream.
//
// See also: Stream (io/stream.hpp), make_pipe() (io/pipe.hpp), signals
// (io/signal.hpp).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <simul/coro/future.hpp>
#include <simul/coro/task.hpp>
#include <simul/io/stream.hpp>

namespace simul::subprocess {

// How a child ended: exited with a code, or killed by a signal.
class ExitStatus {
public:
    static ExitStatus from_code(int code) noexcept { return ExitStatus(false, code, false); }
    static ExitStatus from_signal(int sig, bool core_dumped = false) noexcept { return ExitStatus(true, sig, core_dumped); }

    bool exited() const noexcept { return !signalled_; }
    bool signalled() const noexcept { return signalled_; }
    // The exit code (0-255); -1 if the child was killed by a signal.
    int code() const noexcept { return signalled_ ? -1 : value_; }
    // The signal that killed it; 0 if it exited.
    int signal() const noexcept { return signalled_ ? value_ : 0; }
    bool core_dumped() const noexcept { return core_; }
    // Exited with code 0.
    bool success() const noexcept { return !signalled_ && value_ == 0; }
    // "exited with code 3", "killed by signal 9 (SIGKILL)".
    std::string to_string() const;
    bool operator==(const ExitStatus&) const = default;

private:
    ExitStatus(bool s, int v, bool c) noexcept : signalled_(s), value_(v), core_(c) {}
    bool signalled_;
    int value_;
    bool core_;
};

// Where one of the child's standard descriptors goes.
class Stdio {
public:
    enum class Kind { inherit, pipe, null, fd, to_stdout };
    static Stdio inherit() noexcept { return Stdio(Kind::inherit); }  // the same as ours
    static Stdio pipe() noexcept { return Stdio(Kind::pipe); }        // a Stream in the Process
    static Stdio null() noexcept { return Stdio(Kind::null); }        // /dev/null
    // A descriptor of yours (dup'ed into the child; yours stays open).
    static Stdio fd(int fd) noexcept { return Stdio(Kind::fd, fd); }
    // For std_err only: wherever std_out goes (2>&1).
    static Stdio to_stdout() noexcept { return Stdio(Kind::to_stdout); }
    Kind kind() const noexcept { return kind_; }
    int descriptor() const noexcept { return fd_; }

private:
    explicit Stdio(Kind k, int fd = -1) noexcept : kind_(k), fd_(fd) {}
    Kind kind_;
    int fd_;
};

struct Options {
    Stdio std_in = Stdio::inherit();
    Stdio std_out = Stdio::inherit();
    Stdio std_err = Stdio::inherit();
    // Working directory of the child; ours if empty.
    std::string cwd = {};
    // The child's whole environment ("NAME=value" each); ours if unset. PATH
    // lookup of the program uses our PATH either way.
    std::optional<std::vector<std::string>> env = {};
    // SIGKILL the child if the Process is destroyed while it runs (see above).
    bool kill_on_destroy = false;
};

// What communicate() gathered.
struct Output {
    ExitStatus status = ExitStatus::from_code(0);
    std::string out;  // stdout, if it was a pipe
    std::string err;  // stderr, if it was a pipe
};

namespace detail {
struct ProcessState;
}

class Process {
public:
    Process() noexcept;
    Process(Process&&) noexcept;
    Process& operator=(Process&&) noexcept;
    ~Process();

    pid_t pid() const noexcept;
    // Our ends of the pipes (simul::Error if that descriptor is not a pipe).
    Stream& stdin_stream();
    Stream& stdout_stream();
    Stream& stderr_stream();
    // Closes our end of stdin: the child reads end of file.
    void close_stdin() noexcept;

    // Waits until the child ends; any number of tasks may wait.
    Task<ExitStatus> wait();
    // The status if the child has ended (reaping it), else nothing. Never waits.
    std::optional<ExitStatus> try_wait();
    // Sends sig (through the pidfd, so never to a recycled pid); false if
    // the child was already reaped.
    bool kill(int sig = 9);
    bool terminate() { return kill(15); }

    // Writes input to stdin and closes it, reads stdout and stderr to their
    // end, concurrently, then waits for the child. Streams that are not pipes
    // are skipped. Each output is capped at max_output bytes (simul::Error
    // beyond it; the child is left running): the whole output is kept in memory.
    static constexpr std::size_t kDefaultMaxOutput = std::size_t(1) << 30;
    Task<Output> communicate(std::string input = {}, std::size_t max_output = kDefaultMaxOutput);

private:
    friend Process exec(const std::vector<std::string>& argv, Options options);
    std::unique_ptr<detail::ProcessState> s_;
};

// Starts argv[0] with arguments argv[1...]; see the top of this file. Throws
// std::system_error (ENOENT for a missing program, with its name) if it cannot.
Process exec(const std::vector<std::string>& argv, Options options = {});
// /bin/sh -c command: the explicit shell form.
Process shell(const std::string& command, Options options = {});

}  // namespace simul::subprocess
