// simul/sync/queue.hpp: Queue<T>, LifoQueue<T>, PriorityQueue<T>: passing items between tasks.
//
// `co_await q.get()` returns the next item at once if there is one; otherwise
// the task queues (FIFO among getters) and suspends until a put() hands it an
// item directly (the item is stored in the getter's node, so nobody can take
// it in between) and puts it on the ready queue. A bounded queue (maxsize > 0)
// makes `co_await q.put(x)` wait while it is full; a get() then moves the
// first waiting putter's item in and wakes it. try_put()/try_get() never wait.
// task_done() and `co_await q.join()` count items fully processed (asyncio).
// close() ends the stream: waiting and later putters get simul::QueueClosed at
// once (their item is not put); getters drain what is left and then get
// QueueClosed, the clear end for a consumer loop. No allocation per wait: the
// nodes live in the awaiting frames (the item storage is a std::deque, or a
// std::vector heap for PriorityQueue).
//
// Order: Queue is FIFO, LifoQueue returns the newest item first, PriorityQueue
// the smallest by Compare first (asyncio's PriorityQueue). Waiting getters and
// putters are served in the order they began to wait, whatever the variant.
//
// Cancellation: a getter cancelled before an item reached it unlinks itself
// and throws simul::Cancelled; the next put() goes to the next getter. A getter
// that was handed an item and is cancelled before it resumes returns the item
// (the cancel is delivered at its next suspension point): an item is never
// lost or duplicated. A putter cancelled while it waits has not put its item
// (Cancelled is thrown, the item is dropped with the awaiter); one whose item
// was taken in before the cancel returns normally.
//
//     simul::Queue<int> q(10);
//     simul::Task<> producer() {
//         for (int i = 0; i < 100; ++i) co_await q.put(i);   // waits while full
//         q.close();
//     }
//     simul::Task<> consumer() {
//         try {
//             for (;;) use(co_await q.get());
//         } catch (const simul::QueueClosed&) {}           // drained: the end
//     }
//
// Loop-thread objects. See also: Semaphore (sync/semaphore.hpp), Event (sync/event.hpp).
#pragma once

#include <algorithm>
#include <coroutine>
#include <cstddef>
#include <deque>
#include <functional>
#include <optional>
#include <simul/core/source_location.hpp>
#include <string>
#include <utility>
#include <vector>

#include <simul/core/error.hpp>
#include <simul/sync/wait_list.hpp>

namespace simul {

// The queue was closed: raised by put() at once, by get() once drained.
class QueueClosed : public Error {
public:
    using Error::Error;
};

namespace detail {

template <class T>
struct FifoStore {
    std::deque<T> items;
    std::size_t size() const noexcept { return items.size(); }
    void push(T&& x) { items.push_back(std::move(x)); }
    void push_next(T&& x) { items.push_front(std::move(x)); }  // an item handed out and returned
    T pop() {
        T x = std::move(items.front());
        items.pop_front();
        return x;
    }
};

template <class T>
struct LifoStore {
    std::vector<T> items;
    std::size_t size() const noexcept { return items.size(); }
    void push(T&& x) { items.push_back(std::move(x)); }
    void push_next(T&& x) { items.push_back(std::move(x)); }
    T pop() {
        T x = std::move(items.back());
        items.pop_back();
        return x;
    }
};

template <class T, class Compare>
struct PriorityStore {
    std::vector<T> items;
    Compare less;
    // std heaps put the greatest on top: invert, so the smallest comes out first.
    bool after(const T& a, const T& b) const { return less(b, a); }
    std::size_t size() const noexcept { return items.size(); }
    void push(T&& x) {
        items.push_back(std::move(x));
        std::push_heap(items.begin(), items.end(), [this](const T& a, const T& b) { return after(a, b); });
    }
    void push_next(T&& x) { push(std::move(x)); }
    T pop() {
        std::pop_heap(items.begin(), items.end(), [this](const T& a, const T& b) { return after(a, b); });
        T x = std::move(items.back());
        items.pop_back();
        return x;
    }
};

inline void wake_closed(SyncWaiter* w) noexcept {
    if (w->list) w->list->remove(w);
    w->state = SyncWaiter::State::closed;
    wake(*Loop::current(), w->task);
}

}  // namespace detail

template <class T, class Store = detail::FifoStore<T>>
class BasicQueue {
public:
    // maxsize 0: unbounded.
    explicit BasicQueue(std::size_t maxsize = 0) : maxsize_(maxsize) {}
    BasicQueue(const BasicQueue&) = delete;
    BasicQueue& operator=(const BasicQueue&) = delete;

    std::size_t size() const noexcept { return store_.size(); }
    bool empty() const noexcept { return store_.size() == 0; }
    bool full() const noexcept { return maxsize_ > 0 && store_.size() >= maxsize_; }
    std::size_t maxsize() const noexcept { return maxsize_; }
    bool closed() const noexcept { return closed_; }

    // Puts without waiting; false if full (then `x` is left untouched).
    // Throws QueueClosed once closed.
    bool try_put(T&& x) {
        check_open("try_put");
        if (!can_put_now()) return false;
        put_now(std::move(x));
        return true;
    }
    bool try_put(const T& x) {
        check_open("try_put");
        if (!can_put_now()) return false;
        put_now(T(x));
        return true;
    }
    // The next item, or nullopt if empty; QueueClosed once closed and drained.
    std::optional<T> try_get() {
        if (store_.size() > 0) return take_now();
        if (closed_) throw_closed_get();
        return std::nullopt;
    }

    struct GetAwaiter : detail::SyncWaiter {
        BasicQueue* q;
        std::optional<T> item;
        GetAwaiter(BasicQueue* queue, simul::SourceLocation s) noexcept : SyncWaiter(&kOps, s), q(queue) {}
        GetAwaiter(GetAwaiter&&) = default;
        ~GetAwaiter() {
            if (list) list->remove(this);
            if (state == State::granted && item && detail::loop_running())
                q->give_back(std::move(*item));  // its frame died before it resumed
        }
        bool await_ready() {
            if (q->store_.size() > 0) {
                item.emplace(q->take_now());
                state = State::granted;
                return budget_allows();  // else: yield with the item in hand
            }
            if (q->closed_) {
                state = State::closed;
                return true;
            }
            return false;
        }
        bool await_suspend(std::coroutine_handle<> h) {
            if (state == State::granted) return yield_with_result(h);
            return detail::suspend_on(q->getters_, this, h, "simul::Queue::get");
        }
        T await_resume() {
            if (state == State::cancelled) detail::finish_cancelled(task);
            if (state == State::closed) {
                state = State::consumed;
                throw_closed_get();
            }
            state = State::consumed;
            return std::move(*item);
        }
        static constexpr detail::WaitOps kOps{&detail::cancel_waiting, "queue get"};
    };
    // Waits for the next item.
    [[nodiscard]] GetAwaiter get(simul::SourceLocation site = simul::SourceLocation::current()) noexcept {
        return GetAwaiter(this, site);
    }

    struct PutAwaiter : detail::SyncWaiter {
        BasicQueue* q;
        T item;
        PutAwaiter(BasicQueue* queue, T&& x, simul::SourceLocation s) : SyncWaiter(&kOps, s), q(queue), item(std::move(x)) {}
        PutAwaiter(PutAwaiter&&) = default;
        ~PutAwaiter() {
            if (list) list->remove(this);
        }
        bool await_ready() {
            if (q->closed_) {
                state = State::closed;
                return true;
            }
            if (!q->can_put_now()) return false;
            q->put_now(std::move(item));
            state = State::granted;
            return budget_allows();
        }
        bool await_suspend(std::coroutine_handle<> h) {
            if (state == State::granted) return yield_with_result(h);
            return detail::suspend_on(q->putters_, this, h, "simul::Queue::put");
        }
        void await_resume() {
            if (state == State::cancelled) detail::finish_cancelled(task);
            if (state == State::closed) {
                state = State::consumed;
                throw QueueClosed("simul::Queue::put: the queue is closed; the item was not put");
            }
            state = State::consumed;
        }
        static constexpr detail::WaitOps kOps{&detail::cancel_waiting, "queue put"};
    };
    // Puts `x`, waiting while the queue is full. The item is moved (or copied)
    // into the awaiter at once. g++ 12 caveat: do not build the item as a
    // braced aggregate inside the co_await (`co_await q.put(Page{1, s})`): g++
    // 12 destroys such a temporary twice (a compiler bug, not the queue's;
    // clang is fine). Name it first: `Page p{1, s}; co_await q.put(std::move(p));`.
    [[nodiscard]] PutAwaiter put(T&& x, simul::SourceLocation site = simul::SourceLocation::current()) {
        return PutAwaiter(this, std::move(x), site);
    }
    [[nodiscard]] PutAwaiter put(const T& x, simul::SourceLocation site = simul::SourceLocation::current()) {
        return PutAwaiter(this, T(x), site);
    }

    // One item taken by get() is fully processed. simul::Error if called
    // more often than items were put.
    void task_done() {
        if (unfinished_ == 0) throw Error("simul::Queue::task_done: called more times than there were items put");
        if (--unfinished_ == 0)
            while (detail::SyncWaiter* w = joiners_.head) detail::grant(w);
    }

    struct JoinAwaiter : detail::SyncWaiter {
        BasicQueue* q;
        JoinAwaiter(BasicQueue* queue, simul::SourceLocation s) noexcept : SyncWaiter(&kOps, s), q(queue) {}
        JoinAwaiter(JoinAwaiter&&) = default;
        ~JoinAwaiter() {
            if (list) list->remove(this);
        }
        bool await_ready() const noexcept { return q->unfinished_ == 0; }
        bool await_suspend(std::coroutine_handle<> h) {
            return detail::suspend_on(q->joiners_, this, h, "simul::Queue::join");
        }
        void await_resume() {
            if (state == State::cancelled) detail::finish_cancelled(task);
            state = State::consumed;
        }
        static constexpr detail::WaitOps kOps{&detail::cancel_waiting, "queue join"};
    };
    // Waits until every item put has been marked task_done().
    [[nodiscard]] JoinAwaiter join(simul::SourceLocation site = simul::SourceLocation::current()) noexcept {
        return JoinAwaiter(this, site);
    }

    // Ends the stream (idempotent): waiting putters and getters get
    // QueueClosed; items already in the queue can still be got.
    void close() noexcept {
        closed_ = true;
        while (detail::SyncWaiter* w = putters_.head) detail::wake_closed(w);
        while (detail::SyncWaiter* w = getters_.head) detail::wake_closed(w);
    }

    struct Statistics {
        std::size_t size, maxsize;
        std::size_t getters, putters, joiners;  // tasks waiting in get(), put(), join()
        std::size_t unfinished;                 // items put and not yet task_done()
        bool closed;
    };
    Statistics statistics() const noexcept {
        return {store_.size(), maxsize_, getters_.size, putters_.size, joiners_.size, unfinished_, closed_};
    }

private:
    bool can_put_now() const noexcept {
        return !getters_.empty() || maxsize_ == 0 || store_.size() < maxsize_;
    }
    // Precondition: can_put_now(). A waiting getter implies an empty store:
    // hand the item to it directly.
    void put_now(T&& x) {
        if (detail::SyncWaiter* w = getters_.head) {
            auto* g = static_cast<GetAwaiter*>(w);
            g->item.emplace(std::move(x));
            detail::grant(g);
        } else {
            store_.push(std::move(x));
        }
        ++unfinished_;
    }
    // Precondition: the store is not empty. Admits the first waiting putter.
    T take_now() {
        T x = store_.pop();
        if (detail::SyncWaiter* w = putters_.head) {
            auto* p = static_cast<PutAwaiter*>(w);
            store_.push(std::move(p->item));
            ++unfinished_;
            detail::grant(p);
        }
        return x;
    }
    // An item handed to a getter whose frame ended before it resumed.
    void give_back(T&& x) {
        if (detail::SyncWaiter* w = getters_.head) {
            auto* g = static_cast<GetAwaiter*>(w);
            g->item.emplace(std::move(x));
            detail::grant(g);
        } else {
            store_.push_next(std::move(x));
        }
    }
    void check_open(const char* what) const {
        if (closed_) throw QueueClosed(std::string("simul::Queue::") + what + ": the queue is closed");
    }
    [[noreturn]] static void throw_closed_get() {
        throw QueueClosed("simul::Queue::get: the queue is closed and drained; nothing more will come");
    }

    Store store_;
    std::size_t maxsize_;
    std::size_t unfinished_ = 0;
    bool closed_ = false;
    detail::WaitList getters_, putters_, joiners_;
};

template <class T>
using Queue = BasicQueue<T, detail::FifoStore<T>>;
template <class T>
using LifoQueue = BasicQueue<T, detail::LifoStore<T>>;
// Smallest (by Compare) first, as asyncio.PriorityQueue.
template <class T, class Compare = std::less<T>>
using PriorityQueue = BasicQueue<T, detail::PriorityStore<T, Compare>>;

}  // namespace simul
