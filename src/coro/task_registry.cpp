// Out-of-line parts of tasks and futures: cancellation, leaving the loop's
// registry, completing a future.
#include <cstdio>
#include <string>

#include <simul/coro/future.hpp>
#include <simul/coro/task.hpp>
#include <simul/coro/task_local.hpp>
#include <simul/detail/park.hpp>
#include <simul/detail/task_header.hpp>

namespace simul::detail {

bool TaskHeader::cancel() noexcept {
    if (flags_ & (kFinishing | kDone)) return false;
    if (cancels_ < 0xffff) ++cancels_;
    flags_ |= kCancelRequested;
    // Suspended (not queued, not running): make its wait give up now.
    if (!scheduled_) {
        if (flags_ & kSleeping) {
            if (Loop* loop = Loop::current()) loop->cancel_sleep(this);
        } else if (Waiter* w = wait_) {
            w->ops->cancel(w);
        }
    }
    return true;
}

void TaskHeader::forget() noexcept {
    Loop* loop = Loop::current();
    if ((flags_ & kSleeping) && loop) {  // destroyed while asleep: only a loop's teardown does that
        loop->sleeps_.remove(this);
        flags_ &= ~(kSleeping | kSleepRelink);
        --loop->live_tasks_;
    }
    if (flags_ & kInAllList) {
        prev_all_->next_all_ = next_all_;
        next_all_->prev_all_ = prev_all_;
        flags_ &= ~kInAllList;
        if (loop) --loop->live_tasks_;
    }
    if ((flags_ & kHasInfo) && loop) loop->forget_task_info(this);
    if ((flags_ & kHasContext) && loop) loop->forget_context(this);
}

Loop& require_loop(const char* what) {
    Loop* loop = Loop::current();
    if (!loop)
        throw Error(std::string(what) + " needs a running loop: call it from a task run by simul::run(main())");
    return *loop;
}

TaskHeader& current_task_or_throw(const char* what) {
    Loop& loop = require_loop(what);
    if (!loop.current_task())
        throw Error(std::string(what) +
                    " must be awaited inside a simul task (a coroutine run by simul::run or simul::spawn), "
                    "not from a callback or plain function");
    return *loop.current_task();
}

FutureStateBase::~FutureStateBase() {
    if (status == Status::error && !retrieved && !cancelled) {
        std::string what = "an exception";
        try {
            std::rethrow_exception(error);
        } catch (const std::exception& e) {
            what = e.what();
        } catch (...) {
        }
        const std::string msg = "simul: a Future was set to an exception that nobody retrieved: " + what;
        if (Loop* loop = Loop::current())
            loop->call_exception_handler({msg, error, {}});
        else
            std::fprintf(stderr, "%s\n", msg.c_str());
    }
}

void FutureStateBase::check_pending(const char* what) const {
    if (status != Status::pending)
        throw InvalidStateError(std::string("simul::Future::") + what + ": the future is already done (set it once)");
}

void FutureStateBase::complete() {
    if (!head && callbacks.empty()) return;
    Loop* loop = Loop::current();
    if (!loop)
        throw Error("simul::Future was set outside its loop's thread; use loop.call_soon_threadsafe to set it from another thread");
    while (head) {
        FutureWaiter* w = head;
        unlink(w);
        wake(*loop, w->task);
    }
    for (auto& cb : callbacks) loop->call_soon(std::move(cb));
    callbacks.clear();
}

}  // namespace simul::detail

namespace simul {

const detail::TaskContext* Loop::context_of(const detail::TaskHeader* t) const noexcept {
    if (!t || !(t->flags_ & detail::kHasContext)) return nullptr;
    auto it = contexts_.find(t);
    return it == contexts_.end() ? nullptr : it->second.get();
}

void Loop::set_context(detail::TaskHeader* t, std::shared_ptr<const detail::TaskContext> c) {
    contexts_[t] = std::move(c);
    t->flags_ |= detail::kHasContext;
}

void Loop::inherit_context(const detail::TaskHeader* parent, detail::TaskHeader* child) {
    auto it = contexts_.find(parent);
    if (it == contexts_.end()) return;
    contexts_[child] = it->second;  // shared: the first set() on either side copies
    child->flags_ |= detail::kHasContext;
}

void Loop::forget_context(const detail::TaskHeader* t) noexcept {
    contexts_.erase(t);
    const_cast<detail::TaskHeader*>(t)->flags_ &= ~detail::kHasContext;
}

}  // namespace simul
