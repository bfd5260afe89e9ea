// The thread pool behind to_thread() (see simul/io/to_thread.hpp).
#include <simul/io/to_thread.hpp>

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <cstdlib>
#include <string>

#include <simul/debug/blocking_detector.hpp>

namespace simul {

namespace {
thread_local bool tls_worker = false;

std::mutex g_default_mutex;
ThreadPool* g_default = nullptr;
std::size_t g_default_size = 0;

std::size_t default_size() {
    if (g_default_size) return g_default_size;
    if (const char* v = std::getenv("SIMUL_THREADS")) {
        const long n = std::strtol(v, nullptr, 10);
        if (n > 0) return std::size_t(n);
    }
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    return std::min<std::size_t>(32, cores + 4);  // asyncio's default executor
}
}  // namespace

bool detail::on_worker_thread() noexcept { return tls_worker; }

ThreadPool::ThreadPool(std::size_t threads) {
    if (threads == 0) throw Error("simul::ThreadPool: needs at least one thread");
    workers_.reserve(threads);
    // Workers block the asynchronous signals, so a Ctrl-C reaches the loop's
    // thread (where run() turns it into a cancellation) and never a worker.
    sigset_t all, old;
    sigfillset(&all);
    for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT, SIGSYS}) sigdelset(&all, sig);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    struct Restore {
        sigset_t* old;
        ~Restore() { pthread_sigmask(SIG_SETMASK, old, nullptr); }
    } restore{&old};
    for (std::size_t i = 0; i < threads; ++i) workers_.emplace_back([this] { work(); });
}

ThreadPool::~ThreadPool() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    for (auto& t : workers_) t.join();
}

void ThreadPool::submit(std::function<void()> job) {
    {
        // The queue's lock is held only to move a job in or out; a worker
        // preempted while it holds it (a busy host) can make the loop wait
        // over the blocking-call detector's millisecond, which would be a
        // report about simul's own pool, not the caller's code.
        AllowBlocking handing_over("simul::ThreadPool::submit: the queue's lock, held only to hand a job over");
        std::lock_guard lock(mutex_);
        if (stopping_) throw Error("simul::ThreadPool: the pool is shutting down");
        jobs_.push_back(std::move(job));
    }
    wake_.notify_one();
}

std::size_t ThreadPool::queued() const {
    std::lock_guard lock(mutex_);
    return jobs_.size();
}

void ThreadPool::work() {
    tls_worker = true;
    for (;;) {
        std::function<void()> job;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
            if (jobs_.empty()) return;  // stopping, and nothing left
            job = std::move(jobs_.front());
            jobs_.pop_front();
        }
        job();  // to_thread's jobs catch their own exceptions
    }
}

ThreadPool& ThreadPool::default_pool() {
    std::lock_guard lock(g_default_mutex);
    if (!g_default) {
        // Never destroyed: workers may still hold jobs when static
        // destructors run, and joining them there could hang at exit.
        g_default = new ThreadPool(default_size());
    }
    return *g_default;
}

void ThreadPool::set_default_size(std::size_t threads) {
    std::lock_guard lock(g_default_mutex);
    if (g_default) throw Error("simul::ThreadPool::set_default_size: the default pool already exists; call it first");
    if (threads == 0) throw Error("simul::ThreadPool::set_default_size: needs at least one thread");
    g_default_size = threads;
}

}  // namespace simul
