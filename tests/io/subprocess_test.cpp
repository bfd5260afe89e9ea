#include <simul/io/subprocess.hpp>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <set>
#include <sstream>
#include <string>

#include <simul/io/pipe.hpp>
#include <simul/io/signal.hpp>
#include <simul/testing/simul_test.hpp>

using namespace std::chrono_literals;
namespace sp = simul::subprocess;

namespace {

const sp::Options kPipes{.std_in = sp::Stdio::pipe(), .std_out = sp::Stdio::pipe(), .std_err = sp::Stdio::pipe()};

bool proc_entry_exists(pid_t pid) { return ::access(("/proc/" + std::to_string(pid)).c_str(), F_OK) == 0; }

SIMUL_TEST_REAL_CLOCK(Subprocess, CatEchoesWhatItsStdinGets) {
    auto p = sp::exec({"cat"}, kPipes);
    co_await p.stdin_stream().write("hello, cat\n");
    p.close_stdin();
    EXPECT_EQ(co_await simul::wait_for(p.stdout_stream().read(), 5s), "hello, cat\n");
    const sp::ExitStatus st = co_await simul::wait_for(p.wait(), 5s);
    EXPECT_TRUE(st.success()) << st.to_string();
}

SIMUL_TEST_REAL_CLOCK(Subprocess, ExitCodesAreReported) {
    auto p = sp::shell("exit 3");
    const sp::ExitStatus st = co_await simul::wait_for(p.wait(), 5s);
    EXPECT_TRUE(st.exited());
    EXPECT_FALSE(st.success());
    EXPECT_EQ(st.code(), 3);
    EXPECT_EQ(st.to_string(), "exited with code 3");
    EXPECT_EQ(p.try_wait(), st);  // the status stays
}

SIMUL_TEST_REAL_CLOCK(Subprocess, AKilledChildIsReportedAsSignalled) {
    auto p = sp::exec({"sleep", "30"});
    EXPECT_FALSE(p.try_wait().has_value());
    EXPECT_TRUE(p.kill(SIGKILL));
    const sp::ExitStatus st = co_await simul::wait_for(p.wait(), 5s);
    EXPECT_TRUE(st.signalled());
    EXPECT_EQ(st.signal(), SIGKILL);
    EXPECT_EQ(st.code(), -1);
    EXPECT_EQ(st.to_string(), "killed by signal 9 (SIGKILL)");
    EXPECT_FALSE(p.kill(SIGKILL));  // reaped: never signals a recycled pid
}

SIMUL_TEST_REAL_CLOCK(Subprocess, ATimedOutChildIsKilled) {
    auto p = sp::exec({"sleep", "30"});
    const auto t0 = simul::now();
    EXPECT_THROW((void)co_await simul::wait_for(p.wait(), 100ms), simul::TimeoutError);
    EXPECT_LT(simul::now() - t0, 2s);
    EXPECT_FALSE(p.try_wait().has_value());  // the timeout left the child alone
    p.terminate();
    const sp::ExitStatus st = co_await simul::wait_for(p.wait(), 5s);
    EXPECT_EQ(st.signal(), SIGTERM);
}

SIMUL_TEST_REAL_CLOCK(Subprocess, SeveralTasksMayWaitForOneChild) {
    auto p = sp::shell("sleep 0.05; exit 4");
    auto a = simul::spawn(p.wait());
    auto b = simul::spawn(p.wait());
    EXPECT_EQ((co_await simul::wait_for(std::move(a), 5s)).code(), 4);
    EXPECT_EQ((co_await simul::wait_for(std::move(b), 5s)).code(), 4);
}

SIMUL_TEST_REAL_CLOCK(Subprocess, AChildThatFloodsStdoutIsReadToTheEnd) {
    auto p = sp::exec({"head", "-c", "50000000", "/dev/zero"}, {.std_out = sp::Stdio::pipe()});
    std::size_t total = 0;
    std::string buf(1 << 16, '\0');
    for (;;) {
        const std::size_t n = co_await simul::wait_for(p.stdout_stream().read_some(buf.data(), buf.size()), 10s);
        if (n == 0) break;
        total += n;
    }
    EXPECT_EQ(total, 50'000'000u);
    EXPECT_TRUE((co_await simul::wait_for(p.wait(), 5s)).success());
}

SIMUL_TEST_REAL_CLOCK(Subprocess, CommunicateMovesLargeDataBothWaysWithoutDeadlock) {
    std::string input(8 << 20, '\0');
    for (std::size_t i = 0; i < input.size(); ++i) input[i] = char('a' + i % 26);
    // cat writes as it reads: a writer that waited for the end before reading would deadlock.
    auto p = sp::shell("cat; echo done >&2", kPipes);
    const sp::Output r = co_await simul::wait_for(p.communicate(input), 20s);
    EXPECT_TRUE(r.status.success());
    EXPECT_EQ(r.out.size(), input.size());
    EXPECT_TRUE(r.out == input);
    EXPECT_EQ(r.err, "done\n");
}

SIMUL_TEST_REAL_CLOCK(Subprocess, CommunicateSurvivesAChildThatReadsNothing) {
    auto p = sp::shell("exit 0", kPipes);
    const sp::Output r = co_await simul::wait_for(p.communicate(std::string(1 << 20, 'x')), 10s);
    EXPECT_TRUE(r.status.success());
    EXPECT_EQ(r.out, "");
}

SIMUL_TEST_REAL_CLOCK(Subprocess, CommunicateCapsTheOutput) {
    auto p = sp::exec({"head", "-c", "1000000", "/dev/zero"}, {.std_out = sp::Stdio::pipe(), .kill_on_destroy = true});
    EXPECT_THROW((void)co_await simul::wait_for(p.communicate({}, 100'000), 10s), simul::Error);
}

// The descriptor names in `ls -l /proc/self/fd` output.
std::set<std::string> fd_names(const std::string& listing) {
    std::set<std::string> names;
    std::istringstream in(listing);
    std::string line;
    while (std::getline(in, line)) {
        const auto arrow = line.find(" -> ");
        if (arrow == std::string::npos) continue;
        const auto sp = line.rfind(' ', arrow - 1);
        names.insert(line.substr(sp + 1, arrow - sp - 1));
    }
    return names;
}

SIMUL_TEST_REAL_CLOCK(Subprocess, TheChildSeesOnlyDescriptors0To2) {
    // A descriptor without close-on-exec, as careless code (or a library) makes.
    const int leaky = ::open("/dev/null", O_RDONLY);
    CO_ASSERT_TRUE(leaky >= 0);
    auto p = sp::exec({"ls", "-l", "/proc/self/fd"}, kPipes);
    for (int fd : {p.stdin_stream().fd(), p.stdout_stream().fd(), p.stderr_stream().fd()}) {
        EXPECT_TRUE(::fcntl(fd, F_GETFD) & FD_CLOEXEC);
        EXPECT_TRUE(::fcntl(fd, F_GETFL) & O_NONBLOCK);
    }
    const sp::Output r = co_await simul::wait_for(p.communicate(), 5s);
    ::close(leaky);
    std::string listing = r.out;
    const auto names = fd_names(listing);
    // 0-2, and the descriptor ls itself opened to read the directory.
    EXPECT_TRUE(names.count("0") && names.count("1") && names.count("2")) << listing;
    EXPECT_EQ(names.size(), 4u) << listing;
    for (const auto& n : names) {
        if (n != "0" && n != "1" && n != "2") {
            EXPECT_NE(listing.find(n + " -> /proc/"), std::string::npos) << listing;
        }
    }
}

SIMUL_TEST_REAL_CLOCK(Subprocess, TheChildGetsAnEmptySignalMaskAndDefaultSigpipe) {
    auto usr1 = simul::on_signal(SIGUSR1, [](const simul::SignalInfo&) {});  // blocks SIGUSR1 here
    auto p = sp::shell("grep SigBlk /proc/self/status; yes | head -c 3 >/dev/null", kPipes);
    const sp::Output r = co_await simul::wait_for(p.communicate(), 5s);
    EXPECT_EQ(r.out, "SigBlk:\t0000000000000000\n");
    EXPECT_EQ(r.err, "");  // `yes` died of SIGPIPE quietly instead of reporting EPIPE
}

SIMUL_TEST_REAL_CLOCK(Subprocess, NoShellUnlessAskedFor) {
    try {
        auto p = sp::exec({"echo hi | tr a-z A-Z"});
        ADD_FAILURE() << "a command line was run as a program name";
    } catch (const std::system_error& e) {
        EXPECT_EQ(e.code().value(), ENOENT);
        EXPECT_NE(std::string(e.what()).find("echo hi"), std::string::npos);
    }
    auto p = sp::shell("echo hi | tr a-z A-Z", {.std_out = sp::Stdio::pipe()});
    EXPECT_EQ((co_await simul::wait_for(p.communicate(), 5s)).out, "HI\n");
}

SIMUL_TEST_REAL_CLOCK(Subprocess, CwdAndEnvironmentAreTheChildsOwn) {
    auto p = sp::exec({"/bin/sh", "-c", "pwd; echo \"$FOO\"; echo \"${HOME-unset}\""},
                      {.std_out = sp::Stdio::pipe(), .cwd = "/tmp", .env = std::vector<std::string>{"FOO=bar"}});
    EXPECT_EQ((co_await simul::wait_for(p.communicate(), 5s)).out, "/tmp\nbar\nunset\n");
}

SIMUL_TEST_REAL_CLOCK(Subprocess, StdioNullFdAndToStdout) {
    auto p = sp::exec({"cat"}, {.std_in = sp::Stdio::null(), .std_out = sp::Stdio::pipe()});
    EXPECT_EQ((co_await simul::wait_for(p.communicate(), 5s)).out, "");

    auto q = sp::shell("echo out; echo err >&2", {.std_out = sp::Stdio::pipe(), .std_err = sp::Stdio::to_stdout()});
    EXPECT_EQ((co_await simul::wait_for(q.communicate(), 5s)).out, "out\nerr\n");

    auto [r, w] = simul::make_pipe();
    auto c = sp::exec({"echo", "through my pipe"}, {.std_out = sp::Stdio::fd(w.fd())});
    w.close();  // the child holds its own copy
    EXPECT_EQ(co_await simul::wait_for(r.read(), 5s), "through my pipe\n");
    EXPECT_TRUE((co_await simul::wait_for(c.wait(), 5s)).success());
    EXPECT_THROW(c.stdout_stream(), simul::Error);
}

SIMUL_TEST_REAL_CLOCK(Subprocess, ADestroyedProcessLeavesTheChildRunningAndSaysSo) {
    std::vector<std::string> reported;
    simul::Loop::current()->set_exception_handler([&](const simul::ExceptionContext& c) { reported.push_back(c.message); });
    pid_t pid;
    {
        auto p = sp::exec({"sleep", "30"});
        pid = p.pid();
    }
    CO_ASSERT_EQ(reported.size(), 1u);
    EXPECT_NE(reported[0].find("left running"), std::string::npos);
    co_await simul::sleep(20ms);
    EXPECT_EQ(::kill(pid, 0), 0);  // still running
    ::kill(pid, SIGKILL);
    // The loop reaps it: no zombie stays behind.
    for (int i = 0; i < 200 && proc_entry_exists(pid); ++i) co_await simul::sleep(10ms);
    EXPECT_FALSE(proc_entry_exists(pid));
}

SIMUL_TEST_REAL_CLOCK(Subprocess, KillOnDestroyKillsAndReapsTheChild) {
    std::vector<std::string> reported;
    simul::Loop::current()->set_exception_handler([&](const simul::ExceptionContext& c) { reported.push_back(c.message); });
    pid_t pid;
    {
        auto p = sp::exec({"sleep", "30"}, {.kill_on_destroy = true});
        pid = p.pid();
    }
    for (int i = 0; i < 200 && proc_entry_exists(pid); ++i) co_await simul::sleep(10ms);
    EXPECT_FALSE(proc_entry_exists(pid));
    EXPECT_TRUE(reported.empty());
}

SIMUL_TEST_REAL_CLOCK(Subprocess, WaitersOfADestroyedProcessGetCancelled) {
    auto waiter = simul::spawn([]() -> simul::Task<sp::ExitStatus> {
        auto p = sp::exec({"sleep", "30"}, {.kill_on_destroy = true});
        auto inner = simul::spawn(p.wait());
        co_await simul::yield();
        { sp::Process gone = std::move(p); }  // destroyed while `inner` waits
        co_return co_await inner;
    }());
    EXPECT_THROW((void)co_await simul::wait_for(std::move(waiter), 5s), simul::Cancelled);
}

SIMUL_TEST_REAL_CLOCK(Subprocess, AProcessMayMoveWhileATaskWaits) {
    auto p = sp::shell("sleep 0.05; exit 5");
    auto waiter = simul::spawn(p.wait());
    co_await simul::yield();
    sp::Process moved = std::move(p);
    EXPECT_EQ((co_await simul::wait_for(std::move(waiter), 5s)).code(), 5);
    EXPECT_EQ(moved.try_wait()->code(), 5);
}

}  // namespace
