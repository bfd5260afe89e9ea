#include "play_processes.hpp"

#include <cerrno>
#include <csignal>
#include <pthread.h>
#include <string>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <system_error>
#include <thread>
#include <unistd.h>
#include <vector>

#include "resources.hpp"
#include "spin.hpp"

namespace chess {
namespace {

// The child's whole life: play one board, then _exit (no destructors, no
// stdio flush: the parent's buffers are not ours).
[[noreturn]] void play_one_board(const Exhibition& ex, pthread_mutex_t* master, pid_t parent) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(1);  // the parent died before prctl
    for (std::int64_t move = 1; move <= ex.moves; ++move) {
        if (pthread_mutex_lock(master) == EOWNERDEAD) pthread_mutex_consistent(master);
        spin_for(ex.master);
        pthread_mutex_unlock(master);
        std::this_thread::sleep_for(ex.opponent);
    }
    _exit(0);
}

}  // namespace

std::int64_t play_processes(const Exhibition& ex, Duration sample_after) {
    void* page = mmap(nullptr, sizeof(pthread_mutex_t), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED) throw std::system_error(errno, std::generic_category(), "mmap");
    auto* master = static_cast<pthread_mutex_t*>(page);
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
    pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init(master, &attr);
    pthread_mutexattr_destroy(&attr);

    auto started = std::chrono::steady_clock::now();
    pid_t self = getpid();
    std::vector<pid_t> children;
    children.reserve(static_cast<std::size_t>(ex.boards));
    int error = 0;
    for (std::int64_t b = 0; b < ex.boards; ++b) {
        pid_t pid = fork();
        if (pid < 0) {
            error = errno;
            break;
        }
        if (pid == 0) play_one_board(ex, master, self);
        children.push_back(pid);
    }
    if (error != 0)
        for (pid_t pid : children) kill(pid, SIGKILL);

    std::int64_t memory = 0;
    if (error == 0) {
        std::this_thread::sleep_until(started + sample_after);
        memory = pss(self);
        for (pid_t pid : children) memory += pss(pid);
    }
    bool all_fine = true;
    for (pid_t pid : children) {
        int status = 0;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        all_fine = all_fine && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }
    pthread_mutex_destroy(master);
    munmap(page, sizeof(pthread_mutex_t));
    if (error != 0)
        throw std::system_error(error, std::generic_category(),
                                "could start only " + std::to_string(children.size()) + " processes");
    if (!all_fine) throw std::runtime_error("a board's process failed");
    return memory;
}

}  // namespace chess
