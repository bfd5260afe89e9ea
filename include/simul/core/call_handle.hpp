// simul/core/call_handle.hpp: a scheduled callback, and the handle that cancels it.
//
// loop.call_soon(fn), call_later(d, fn) and call_at(t, fn) return a CallHandle.
// Dropping the handle leaves the callback scheduled (it is the loop's); calling
// cancel() before it runs means it never runs, and a cancelled call_later
// leaves the timer queue at once. The callback and its captures live in one
// node from the frame pool.
//
//     simul::CallHandle h = loop.call_later(2s, [] { std::puts("late"); });
//     h.cancel();   // never printed
#pragma once

#include <cstdint>
#include <new>
#include <utility>

#include <simul/core/timer_queue.hpp>
#include <simul/detail/frame_pool.hpp>
#include <simul/detail/task_header.hpp>

namespace simul {

namespace detail {

// A scheduled callback: a ready-queue node, and a timer node for call_later.
struct CallbackNode : Runnable, TimerNode {
    static const WaitOps kTimerOps;  // fire: queue the callback (defined in loop.cpp)

    void (*invoke_)(CallbackNode*) = nullptr;
    void (*destroy_)(CallbackNode*) noexcept = nullptr;

    void release() noexcept {
        if (--refs_ == 0) destroy_(this);
    }
};

template <class F>
struct CallbackImpl final : CallbackNode {
    F fn_;
    explicit CallbackImpl(F&& f) : fn_(std::move(f)) {
        invoke_ = [](CallbackNode* n) { static_cast<CallbackImpl*>(n)->fn_(); };
        destroy_ = [](CallbackNode* n) noexcept {
            auto* self = static_cast<CallbackImpl*>(n);
            self->~CallbackImpl();
            frame_free(self, sizeof(CallbackImpl));
        };
    }
};

template <class F>
CallbackNode* make_callback(F&& f) {
    using Fn = std::decay_t<F>;
    void* mem = frame_alloc(sizeof(CallbackImpl<Fn>));
    try {
        return ::new (mem) CallbackImpl<Fn>(Fn(std::forward<F>(f)));
    } catch (...) {
        frame_free(mem, sizeof(CallbackImpl<Fn>));
        throw;
    }
}

}  // namespace detail

class CallHandle {
public:
    CallHandle() noexcept = default;
    explicit CallHandle(detail::CallbackNode* n) noexcept : node_(n) {}
    CallHandle(CallHandle&& o) noexcept : node_(std::exchange(o.node_, nullptr)) {}
    CallHandle& operator=(CallHandle&& o) noexcept {
        if (this != &o) {
            reset();
            node_ = std::exchange(o.node_, nullptr);
        }
        return *this;
    }
    ~CallHandle() { reset(); }

    // Stops the callback from running, if it has not run yet.
    void cancel() noexcept;
    bool cancelled() const noexcept { return node_ && (node_->flags_ & detail::kCallbackCancelled); }
    explicit operator bool() const noexcept { return node_ != nullptr; }

private:
    void reset() noexcept {
        if (node_) std::exchange(node_, nullptr)->release();
    }
    detail::CallbackNode* node_ = nullptr;
};

}  // namespace simul
