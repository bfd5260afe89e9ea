// simul/io/to_thread.hpp: to_thread(), running blocking code on a thread pool.
//
// Code that can only block (a library without an async API, a CPU-heavy
// computation, a file system call) runs on a worker thread; the task awaits
// its result or exception, and the loop runs other tasks meanwhile.
//
//     std::string text = co_await simul::to_thread(read_whole_file, path);
//     auto digest = co_await simul::to_thread([&] { return sha256(text); });
//
// The pool (ThreadPool::default_pool()) has SIMUL_THREADS workers, or
// min(32, cores + 4) as asyncio's default executor. Jobs beyond the workers
// wait in a FIFO queue; a full pool never blocks the loop, it only delays the
// jobs. A job that itself waits for a later job could deadlock the pool, as in
// any fixed-size pool: don't.
//
// Cancellation: cancelling the awaiting task stops the wait at once (it gets
// Cancelled); the job cannot be interrupted, so it runs to its end on the
// worker and its result is dropped. Arguments are copied (or moved) into the
// job; a lambda capturing by reference must keep what it refers to alive
// until the job ends, which the awaiting task does unless it is cancelled.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <simul/coro/future.hpp>
#include <simul/coro/task.hpp>
#include <simul/detail/park.hpp>

namespace simul {

class ThreadPool {
public:
    explicit ThreadPool(std::size_t threads);
    ~ThreadPool();  // runs the queued jobs to the end, then joins
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    void submit(std::function<void()> job);
    std::size_t size() const noexcept { return workers_.size(); }
    std::size_t queued() const;

    // The pool to_thread() uses, created on first use.
    static ThreadPool& default_pool();
    // Sets the default pool's size; only before its first use (else simul::Error).
    static void set_default_size(std::size_t threads);

private:
    void work();
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::function<void()>> jobs_;
    bool stopping_ = false;
    std::vector<std::thread> workers_;
};

namespace detail {

template <class R>
struct ThreadJob {
    Future<R> done;
    bool abandoned = false;  // the awaiting task was cancelled
};

// True on a thread that is running a to_thread job (debug checks use it).
bool on_worker_thread() noexcept;

}  // namespace detail

// Runs fn(args...) on the default pool; see the top of this file.
template <class F, class... Args>
Task<std::invoke_result_t<std::decay_t<F>, std::decay_t<Args>...>> to_thread(F fn, Args... args) {
    using R = std::invoke_result_t<std::decay_t<F>, std::decay_t<Args>...>;
    Loop& loop = detail::require_loop("simul::to_thread");
    auto job = std::make_shared<detail::ThreadJob<R>>();
    LoopHandle home = loop.handle();
    loop.external_work_begin();  // the virtual clock waits for us
    ThreadPool::default_pool().submit(
        [job, home, fn = std::move(fn), args = std::make_tuple(std::move(args)...)]() mutable {
            std::exception_ptr error;
            std::optional<std::conditional_t<std::is_void_v<R>, bool, R>> value;
            try {
                if constexpr (std::is_void_v<R>) {
                    std::apply(fn, std::move(args));
                    value.emplace(true);
                } else {
                    value.emplace(std::apply(fn, std::move(args)));
                }
            } catch (...) {
                error = std::current_exception();
            }
            // Everything moves into the posted call: the worker keeps no reference
            // (to the exception in particular) that it could drop after the loop.
            home.call_soon_threadsafe([job = std::move(job), value = std::move(value), error = std::move(error)]() mutable {
                Loop::current()->external_work_end();
                if (job->abandoned) return;
                if (error)
                    job->done.set_exception(error);
                else if constexpr (std::is_void_v<R>)
                    job->done.set_result();
                else
                    job->done.set_result(std::move(*value));
            });
        });
    try {
        if constexpr (std::is_void_v<R>) {
            co_await job->done;
        } else {
            co_return co_await job->done;
        }
    } catch (const Cancelled&) {
        job->abandoned = true;
        throw;
    }
}

}  // namespace simul
