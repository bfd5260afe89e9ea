// simul/sync/as_completed.hpp: as_completed(), the results of several tasks in the order they finish.
//
// `auto results = simul::as_completed(std::move(tasks));` spawns every task of
// the vector at once; each `co_await results.next()` then returns the value
// of the next task to finish (or rethrows its exception), in completion order,
// until `remaining()` is 0 (asyncio.as_completed). When a task finishes, its
// completion hook hands its index directly to the first waiting next() (the
// node lives in the awaiting frame) and puts that task on the ready queue;
// with nobody waiting, the index waits in a FIFO for the next call.
//
//     std::vector<simul::Task<Page>> fetches;
//     for (auto& url : urls) fetches.push_back(fetch(url));
//     auto pages = simul::as_completed(std::move(fetches));
//     while (pages.remaining() > 0) show(co_await pages.next());
//
// Cancellation: a next() cancelled before a result reached it throws
// simul::Cancelled and takes nothing (the result goes to the next call); one
// cancelled after a result was handed to it returns that result and sees the
// cancel at its next suspension point. The tasks themselves are not cancelled
// by that. Destroying the AsCompleted object cancels the tasks still running;
// they end on their own (their errors go to the loop's exception handler), so
// drain it, or wrap it in a TaskGroup, when the caller must not go on first.
// Loop-thread object; not movable.
#pragma once

#include <cstddef>
#include <deque>
#include <vector>

#include <simul/core/error.hpp>
#include <simul/core/source_location.hpp>
#include <simul/coro/spawn.hpp>
#include <simul/coro/task.hpp>
#include <simul/sync/wait_list.hpp>

namespace simul {

template <class T>
class AsCompleted {
    struct Child : detail::Completion {
        AsCompleted* owner;
        std::size_t index;
        Child(AsCompleted* o, std::size_t i) noexcept : Completion{&on_child_done}, owner(o), index(i) {}
    };

public:
    explicit AsCompleted(std::vector<Task<T>> tasks, SourceLocation site = SourceLocation::current())
        : tasks_(std::move(tasks)) {
        Loop& loop = detail::require_loop("simul::as_completed");
        children_.reserve(tasks_.size());
        for (std::size_t i = 0; i < tasks_.size(); ++i) {
            if (!tasks_[i].valid()) throw InvalidStateError("simul::as_completed: an empty Task (moved from, or already spawned)");
            children_.emplace_back(this, i);
        }
        for (std::size_t i = 0; i < tasks_.size(); ++i) {
            detail::TaskHeader* t = &tasks_[i].handle().promise();
            detail::start_root(loop, t, detail::frame_of(t), 1, {}, site);
            t->completion_ = &children_[i];
            ++running_;
        }
        remaining_ = tasks_.size();
    }
    AsCompleted(const AsCompleted&) = delete;
    AsCompleted& operator=(const AsCompleted&) = delete;
    ~AsCompleted() {
        if (!detail::loop_running()) return;  // the loop's teardown: leave the frames to it
        Loop& loop = *Loop::current();
        for (auto& task : tasks_) {
            detail::TaskHeader* t = &task.handle().promise();
            if (t->done()) {
                // Finished, never taken by next(): an error must not vanish.
                if ((t->flags_ & detail::kHasError) && !(t->flags_ & (detail::kObserved | detail::kEndedCancelled)))
                    loop.report_unobserved(t);
                continue;
            }
            t->completion_ = nullptr;  // it ends on its own; an error goes to the loop's handler
            t->cancel();
        }
    }

    // Results not yet returned by next().
    std::size_t remaining() const noexcept { return remaining_; }

    struct NextAwaiter : detail::SyncWaiter {
        AsCompleted* ac;
        std::size_t index = 0;
        NextAwaiter(AsCompleted* a, SourceLocation s) noexcept : SyncWaiter(&kOps, s), ac(a) {}
        NextAwaiter(NextAwaiter&&) = default;
        ~NextAwaiter() {
            if (list) list->remove(this);
            if (state == State::granted && detail::loop_running()) ac->give_back(index);  // its frame died before it resumed
        }
        bool await_ready() {
            if (ac->remaining_ == 0)
                throw InvalidStateError("simul::AsCompleted::next: every result was already taken (check remaining())");
            if (ac->done_.empty()) return false;
            index = ac->done_.front();
            ac->done_.pop_front();
            state = State::granted;
            return true;
        }
        bool await_suspend(std::coroutine_handle<> h) {
            return detail::suspend_on(ac->waiters_, this, h, "simul::AsCompleted::next");
        }
        T await_resume() {
            if (state == State::cancelled) detail::finish_cancelled(task);
            state = State::consumed;
            --ac->remaining_;
            return ac->tasks_[index].handle().promise().take();
        }
        static constexpr detail::WaitOps kOps{&detail::cancel_waiting, "as_completed"};
    };
    // The next result, in the order the tasks finish.
    [[nodiscard]] NextAwaiter next(SourceLocation site = SourceLocation::current()) noexcept {
        return NextAwaiter(this, site);
    }

    struct Statistics {
        std::size_t running;  // tasks not yet finished
        std::size_t ready;    // finished, waiting for a next()
        std::size_t waiters;  // next() calls waiting
    };
    Statistics statistics() const noexcept { return {running_, done_.size(), waiters_.size}; }

private:
    void give_back(std::size_t index) {
        if (detail::SyncWaiter* w = waiters_.head) {
            static_cast<NextAwaiter*>(w)->index = index;
            detail::grant(w);
        } else {
            done_.push_front(index);
        }
    }
    static void on_child_done(detail::Completion* c, detail::TaskHeader* t) noexcept {
        auto* child = static_cast<Child*>(c);
        AsCompleted* ac = child->owner;
        --ac->running_;
        (void)t;  // next() takes its result (and rethrows an error, marking it observed)
        if (detail::SyncWaiter* w = ac->waiters_.head) {
            static_cast<NextAwaiter*>(w)->index = child->index;
            detail::grant(w);
        } else {
            try {
                ac->done_.push_back(child->index);
            } catch (...) {
            }
        }
    }

    std::vector<Task<T>> tasks_;
    std::vector<Child> children_;
    std::deque<std::size_t> done_;
    detail::WaitList waiters_;
    std::size_t running_ = 0;
    std::size_t remaining_ = 0;
};

// Spawns the tasks; `co_await next()` on the result gives their results in
// the order they finish. See the top of this file.
template <class T>
AsCompleted<T> as_completed(std::vector<Task<T>> tasks, SourceLocation site = SourceLocation::current()) {
    return AsCompleted<T>(std::move(tasks), site);
}

}  // namespace simul
