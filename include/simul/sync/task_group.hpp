// simul/sync/task_group.hpp: TaskGroup, tasks that end together (Trio's nursery, asyncio.TaskGroup).
//
// `group.spawn(task, name)` starts a child on the loop; `co_await group.join()`
// returns only once every child has ended. The first child that fails (ends
// by an exception other than simul::Cancelled) cancels its siblings; join()
// then throws one simul::TaskGroupError listing every failure with the
// child's name and what(). The loop resumes the joining task when the last
// child ends (its completion hook puts the task on the ready queue).
//
// `co_await simul::with_task_group([&](simul::TaskGroup& g) -> simul::Task<> {...})`
// is the scope form, and the one to prefer: the body runs in the calling
// task, and whatever way it leaves (return, exception, cancellation) the
// children are joined before with_task_group returns; a child failure also
// cancels the body (asyncio.TaskGroup does the same), and an exception from
// the body cancels the children and is listed in the TaskGroupError as "body".
//
// Cancellation: cancelling the task that waits in join() (or in
// with_task_group) cancels every child and waits for them all to end; then it
// throws simul::Cancelled, or TaskGroupError if children failed (the cancel
// then stays pending for the next suspension point: neither is lost).
// Children that end by Cancelled are not failures. A child spawned into a
// group that is cancelling starts cancelled (its body never runs).
//
//     co_await simul::with_task_group([&](simul::TaskGroup& g) -> simul::Task<> {
//         g.spawn(fetch("a"), "fetch a");
//         g.spawn(fetch("b"), "fetch b");
//         co_return;
//     });   // both have ended here; if one failed, the other was cancelled
//
// A TaskGroup that is destroyed with children still running (never joined)
// cancels them and lets them end on their own; their errors go to the loop's
// exception handler. Loop-thread object; a group is not movable.
#pragma once

#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <simul/core/source_location.hpp>
#include <string>
#include <utility>
#include <vector>

#include <simul/core/error.hpp>
#include <simul/coro/spawn.hpp>
#include <simul/coro/task.hpp>
#include <simul/detail/park.hpp>
#include <simul/sync/wait_list.hpp>

namespace simul {

// Every failure of a task group, in the order they happened.
class TaskGroupError : public Error {
public:
    struct Failure {
        std::string name;  // the child's name ("body" for with_task_group's body)
        std::string what;  // its exception's what()
        std::exception_ptr error;
    };
    explicit TaskGroupError(std::vector<Failure> failures)
        : Error(describe(failures)), failures_(std::move(failures)) {}
    const std::vector<Failure>& failures() const noexcept { return failures_; }

private:
    static std::string describe(const std::vector<Failure>& fs) {
        std::string s = "simul::TaskGroup: " + std::to_string(fs.size()) + (fs.size() == 1 ? " task" : " tasks") + " failed";
        for (const Failure& f : fs) s += "; '" + f.name + "': " + f.what;
        return s;
    }
    std::vector<Failure> failures_;
};

namespace detail {
inline std::string describe_exception(const std::exception_ptr& e) {
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& x) {
        return x.what();
    } catch (const Cancelled& c) {
        return c.what();
    } catch (...) {
        return "an exception not derived from std::exception";
    }
}
template <class Body>
Task<> with_task_group_impl(Body body);
}  // namespace detail

class TaskGroup {
    // One per running child, in spawn order: the child's completion hook.
    struct Child : detail::Completion {
        TaskGroup* group;
        detail::TaskHeader* task;
        Child* prev = nullptr;
        Child* next = nullptr;
        Child(TaskGroup* g, detail::TaskHeader* t) noexcept : Completion{&on_child_done}, group(g), task(t) {}
    };

public:
    TaskGroup() noexcept = default;
    TaskGroup(const TaskGroup&) = delete;
    TaskGroup& operator=(const TaskGroup&) = delete;
    ~TaskGroup() {
        // During the loop's teardown the children may already be freed: leave them be.
        const bool running = detail::loop_running();
        while (Child* c = head_) {
            unlink(c);
            if (running) {
                c->task->completion_ = nullptr;  // it ends on its own; an error goes to the loop's handler
                c->task->cancel();
            }
            delete c;
        }
        if (!failures_.empty() && running)
            if (Loop* loop = Loop::current())
                for (const auto& f : failures_)
                    loop->call_exception_handler({"simul::TaskGroup: task '" + f.name + "' failed and the group was never joined: " + f.what,
                                                  f.error, f.name});
    }

    // Starts `task` as a child. Its result, if any, is dropped.
    template <class T>
    void spawn(Task<T> task, std::string name = {}, simul::SourceLocation where = simul::SourceLocation::current()) {
        Loop& loop = detail::require_loop("simul::TaskGroup::spawn");
        auto h = task.release();
        if (!h) throw InvalidStateError("simul::TaskGroup::spawn: the task is empty (moved from, or already spawned)");
        detail::TaskHeader* t = &h.promise();
        Child* c = nullptr;
        try {
            c = new Child(this, t);
            detail::start_root(loop, t, h, 0, std::move(name), where);
        } catch (...) {
            delete c;
            h.destroy();
            throw;
        }
        t->completion_ = c;
        link(c);
        if (cancelling_) t->cancel();
    }

    // Cancels every child (Trio's nursery.cancel_scope.cancel()); children
    // spawned afterwards, until the group is joined, start cancelled.
    void cancel() noexcept {
        cancelling_ = true;
        cancel_children();
    }
    bool cancelling() const noexcept { return cancelling_; }
    // Children still running.
    std::size_t size() const noexcept { return size_; }

    struct JoinAwaiter : detail::Waiter {
        TaskGroup* g;
        detail::TaskHeader* self = nullptr;
        bool quiet;  // with_task_group: report nothing, it decides
        JoinAwaiter(TaskGroup* group, simul::SourceLocation s, bool q) noexcept : Waiter{&kOps, s}, g(group), quiet(q) {}
        // Movable until it is awaited (for wait_for(group.join(), d)).
        JoinAwaiter(JoinAwaiter&& o) noexcept : Waiter(o), g(o.g), quiet(o.quiet) {}
        JoinAwaiter(const JoinAwaiter&) = delete;
        ~JoinAwaiter() {
            if (g->joiner_ == this) g->joiner_ = nullptr;
        }
        bool await_ready() const noexcept { return g->size_ == 0; }
        bool await_suspend(std::coroutine_handle<> h) {
            self = &detail::current_task_or_throw("simul::TaskGroup::join");
            if (g->joiner_) throw InvalidStateError("simul::TaskGroup::join: another task is already joining this group");
            g->joiner_ = this;
            // A pending cancel does not stop the wait: it cancels the children, which we wait for.
            if (self->flags_ & detail::kCancelRequested) g->cancel_children();
            detail::park_anyway(self, h, this);
            return true;
        }
        void await_resume() {
            g->joiner_ = nullptr;
            if (quiet) return;
            std::vector<TaskGroupError::Failure> failures = g->reset();
            if (!failures.empty()) throw TaskGroupError(std::move(failures));  // a pending cancel stays pending
            if (self) detail::deliver_cancel(self);
        }
        static void cancel_op(detail::Waiter* w) noexcept { static_cast<JoinAwaiter*>(w)->g->cancel_children(); }
        static constexpr detail::WaitOps kOps{&cancel_op, "task group"};
    };
    // Waits until every child has ended; throws TaskGroupError if any failed.
    // The group can be used again afterwards.
    [[nodiscard]] JoinAwaiter join(simul::SourceLocation site = simul::SourceLocation::current()) noexcept {
        return JoinAwaiter(this, site, false);
    }

    struct Statistics {
        std::size_t children;  // running
        std::size_t failures;  // recorded, not yet reported by join()
        bool cancelling;
        bool joining;
    };
    Statistics statistics() const noexcept { return {size_, failures_.size(), cancelling_, joiner_ != nullptr}; }

private:
    template <class Body>
    friend Task<> detail::with_task_group_impl(Body body);

    void cancel_children() noexcept {
        // cancel() never ends a child synchronously (it is woken, not run), so the list is stable.
        for (Child* c = head_; c; c = c->next) c->task->cancel();
    }
    std::vector<TaskGroupError::Failure> reset() noexcept {
        cancelling_ = false;
        return std::exchange(failures_, {});
    }
    void fail() noexcept {
        if (cancelling_) return;
        cancelling_ = true;
        cancel_children();
        if (body_task_ && !joiner_) {  // with_task_group: stop the body too
            cancelled_body_ = true;
            body_task_->cancel();
        }
    }
    void link(Child* c) noexcept {
        c->prev = tail_;
        (tail_ ? tail_->next : head_) = c;
        tail_ = c;
        ++size_;
    }
    void unlink(Child* c) noexcept {
        (c->prev ? c->prev->next : head_) = c->next;
        (c->next ? c->next->prev : tail_) = c->prev;
        --size_;
    }
    static void on_child_done(detail::Completion* done, detail::TaskHeader* t) noexcept {
        auto* c = static_cast<Child*>(done);
        TaskGroup* g = c->group;
        g->unlink(c);
        delete c;
        if (t->flags_ & detail::kHasError) {
            t->flags_ |= detail::kObserved;
            if (!(t->flags_ & detail::kEndedCancelled)) {
                try {
                    g->failures_.push_back({Loop::current()->task_name(t), detail::describe_exception(t->slot_.error), t->slot_.error});
                } catch (...) {
                }
                g->fail();
            }
        }
        if (g->size_ == 0 && g->joiner_) detail::wake(*Loop::current(), g->joiner_->self);
    }

    Child* head_ = nullptr;
    Child* tail_ = nullptr;
    std::size_t size_ = 0;
    std::vector<TaskGroupError::Failure> failures_;
    JoinAwaiter* joiner_ = nullptr;
    detail::TaskHeader* body_task_ = nullptr;  // with_task_group's caller while its body runs
    bool cancelling_ = false;
    bool cancelled_body_ = false;
};

namespace detail {

template <class Body>
Task<> with_task_group_impl(Body body) {
    TaskHeader* self = &current_task_or_throw("simul::with_task_group");
    const std::uint16_t cancels_before = self->cancels_;
    const bool pending_at_entry = self->flags_ & kCancelRequested;
    TaskGroup g;
    std::exception_ptr body_error;
    bool body_cancelled = false;
    g.body_task_ = self;
    try {
        co_await body(g);
    } catch (const Cancelled&) {
        body_cancelled = true;
    } catch (...) {
        body_error = std::current_exception();
    }
    g.body_task_ = nullptr;
    if (body_error || body_cancelled) g.cancel();
    co_await TaskGroup::JoinAwaiter(&g, {}, true);  // never throws; an outer cancel is forwarded to the children

    // Withdraw our own cancel of the body (asyncio's uncancel()); what remains is from outside.
    if (g.cancelled_body_) self->uncancel();
    bool outer_cancel = self->cancels_ > cancels_before;
    // A request of ours that was never delivered must not outlive the group
    // (uncancel() clears the flag only when no request at all remains).
    if (g.cancelled_body_ && !outer_cancel && !pending_at_entry) self->flags_ &= ~kCancelRequested;
    // One pending before we began and still undelivered is from outside too.
    if (pending_at_entry && (self->flags_ & kCancelRequested)) outer_cancel = true;
    std::vector<TaskGroupError::Failure> failures = g.reset();
    if (body_error) failures.insert(failures.begin(), {"body", describe_exception(body_error), body_error});
    if (!failures.empty()) {
        if (outer_cancel) self->flags_ |= kCancelRequested;  // keep it for the next suspension point
        throw TaskGroupError(std::move(failures));
    }
    if (outer_cancel) {
        self->flags_ &= ~kCancelRequested;
        throw_cancelled();
    }
    // The body ended by a Cancelled we did not ask for (pending at entry, or
    // thrown by hand): pass it on. (We cancel the body only on a failure.)
    if (body_cancelled && !g.cancelled_body_) throw_cancelled();
}

}  // namespace detail

// Runs `body(group)` in the calling task and joins the group's children
// whatever way the body ends. See the top of this file.
template <class Body>
Task<> with_task_group(Body body) {
    return detail::with_task_group_impl(std::move(body));
}

}  // namespace simul
