// simul/core/timer_queue.hpp: the loop's timers, a hierarchical timing wheel.
//
// Six levels of 64 slots; a slot of level L covers 64^L milliseconds, so the
// wheel spans 2^36 ms (about two years; later deadlines are parked in the top
// level and re-filed as time approaches). A timer is an intrusive node that
// lives inside whoever waits (a coroutine frame, a callback node): inserting
// and cancelling are O(1) and allocate nothing, which is what lets a million
// sleeping tasks cost only their frames. Finding the next deadline is a
// bit-scan per level; entries of a higher level are cascaded to lower levels
// when their slot comes due. This is the structure of Varghese and Lauck,
// "Hashed and Hierarchical Timing Wheels" (SOSP 1987), as Tokio and the Linux
// kernel use it.
//
// Resolution is one millisecond tick. A deadline is rounded *up* to its tick,
// and a tick fires only once the clock has reached it, so a timer never fires
// early. Timers due at the same tick fire together (their order among
// themselves is not specified).
//
// Cancellation: unlinking a node removes it at once; a cancelled timer never
// fires and holds nothing until its deadline.
//
// The wheel is a template over its node type. The loop keeps two: one of
// TimerNodes (call_later, wait_for's deadlines, ...), and one of sleeping
// tasks, linked through the task header's own live-list links (a sleeping
// task leaves the live list for the time of its sleep), whose deadline is in
// the TaskSleep the task waits on. So `co_await sleep(d)` costs 16 bytes of
// frame, not 48: no links, no task pointer and no ops of its own.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>

#include <simul/detail/task_header.hpp>

namespace simul::detail {

// A timer's links, a base of their own so that the wheel's 385 sentinels are
// two words each, not whole nodes.
struct TimerLinks {
    TimerLinks* prev_ = nullptr;  // null while not in the queue
    TimerLinks* next_ = nullptr;
};

// A timer is a Waiter (its ops->fire is called when it is due) with links;
// 40 bytes, inside whoever waits.
struct TimerNode : Waiter, TimerLinks {
    std::uint64_t tick_ = 0;  // deadline, in ms ticks since the loop's epoch

    TimerNode() noexcept : Waiter{nullptr, {}} {}
    TimerNode(const WaitOps* o, SourceLocation s) noexcept : Waiter{o, s} {}
    bool linked() const noexcept { return prev_ != nullptr; }
    void fire() noexcept { ops->fire(this); }
};

// What a task sleeping in the loop's sleep wheel waits on (SleepAwaiter,
// coro/sleep.hpp, derives from it): 16 bytes, the line of the co_await and
// the deadline, which takes the word of the ops (Waiter::sleep_tick): the
// task's kSleeping flag tells cancellation (TaskHeader::cancel) and dumps
// that this is a sleep. The links are the task header's.
struct TaskSleep : Waiter {
    // The deadline: in ns on the loop's clock until it is filed, then in ms ticks.
    TaskSleep(std::uint64_t deadline, SourceLocation s) noexcept : Waiter{nullptr, s} { sleep_tick = deadline; }
};

// The sleep wheel's nodes are task headers: links prev_all_/next_all_ (the
// live list's, unused while the task sleeps), deadline in the TaskSleep its
// wait_ points to. Firing relinks the task into the live list and wakes it
// (Loop::wake_sleeper, src/core/loop.cpp).
struct TaskSleepTraits {
    using Node = TaskHeader;
    using Link = LiveLinks;
    static Link* link(Node* n) noexcept { return n; }
    static Node* node(Link* l) noexcept { return TaskHeader::of(l); }
    static const Node* node(const Link* l) noexcept { return TaskHeader::of(l); }
    static Link*& prev(Link* l) noexcept { return l->prev_all_; }
    static Link*& next(Link* l) noexcept { return l->next_all_; }
    static Link* next(const Link* l) noexcept { return l->next_all_; }
    static std::uint64_t tick(const Node* n) noexcept { return n->wait_->sleep_tick; }
    static void set_tick(Node* n, std::uint64_t t) noexcept { n->wait_->sleep_tick = t; }
    static void fire(Node* n) noexcept;
};

// How the wheel reaches into a node: links, deadline, and what firing does.
struct TimerNodeTraits {
    using Node = TimerNode;
    using Link = TimerLinks;
    static Link* link(Node* n) noexcept { return n; }
    static Node* node(Link* l) noexcept { return static_cast<TimerNode*>(l); }
    static const Node* node(const Link* l) noexcept { return static_cast<const TimerNode*>(l); }
    static Link*& prev(Link* l) noexcept { return l->prev_; }
    static Link*& next(Link* l) noexcept { return l->next_; }
    static Link* next(const Link* l) noexcept { return l->next_; }
    static std::uint64_t tick(const Node* n) noexcept { return n->tick_; }
    static void set_tick(Node* n, std::uint64_t t) noexcept { n->tick_ = t; }
    static void fire(Node* n) noexcept { n->fire(); }
};

template <class Traits>
class TimerWheel {
    using Node = typename Traits::Node;
    using Link = typename Traits::Link;  // slots and the due list are sentinels of links only
    using T = Traits;

public:
    static constexpr int kLevels = 6;
    static constexpr int kSlots = 64;
    static constexpr std::uint64_t kSpan = (std::uint64_t(1) << (6 * kLevels)) - 1;

    TimerWheel() noexcept {
        for (auto& level : slots_)
            for (auto& s : level) T::prev(&s) = T::next(&s) = &s;
        T::prev(&due_) = T::next(&due_) = &due_;
    }
    TimerWheel(const TimerWheel&) = delete;
    TimerWheel& operator=(const TimerWheel&) = delete;

    // Ticks processed so far: every timer at or before this tick has fired.
    std::uint64_t elapsed() const noexcept { return elapsed_; }
    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }

    void insert(Node* n, std::uint64_t tick) noexcept {
        T::set_tick(n, tick);
        ++size_;
        if (tick <= elapsed_) {
            link_before(&due_, T::link(n));  // already due: fires at the next advance
            return;
        }
        file(n);
    }

    // Only for a node in this wheel (the sleep wheel's nodes have links in
    // another list when they are not here).
    void remove(Node* n) noexcept {
        if (T::prev(T::link(n)) == nullptr) return;
        --size_;
        unlink(T::link(n));
    }

    // The earliest tick at which something is due (elapsed() if overdue);
    // false if the queue is empty.
    bool next_tick(std::uint64_t& out) const noexcept {
        if (size_ == 0) return false;
        if (T::next(&due_) != &due_) {
            out = elapsed_;
            return true;
        }
        int level;
        std::size_t slot;
        if (!next_slot(level, slot, out)) return false;
        return true;
    }

    // Fires every timer due at or before `now_tick`, in tick order, and moves
    // elapsed() to now_tick. Returns how many fired.
    std::size_t advance(std::uint64_t now_tick) noexcept {
        std::size_t fired = fire_list(due_);
        for (;;) {
            int level;
            std::size_t slot;
            std::uint64_t deadline;
            if (size_ == 0 || !next_slot(level, slot, deadline) || deadline > now_tick) break;
            elapsed_ = deadline;
            occupied_[level] &= ~(std::uint64_t(1) << slot);
            // Take the slot's entries out, then fire or re-file each one.
            Link& local = scratch_;  // a member, not a local: nothing may point into the stack
            T::prev(&local) = T::next(&local) = &local;
            Link& head = slots_[level][slot];
            if (T::next(&head) != &head) {
                T::next(&local) = T::next(&head);
                T::prev(&local) = T::prev(&head);
                T::prev(T::next(&local)) = &local;
                T::next(T::prev(&local)) = &local;
                T::prev(&head) = T::next(&head) = &head;
            }
            while (T::next(&local) != &local) {
                Link* l = T::next(&local);
                unlink_plain(l);
                Node* n = T::node(l);
                if (T::tick(n) <= elapsed_) {
                    --size_;
                    T::prev(l) = T::next(l) = nullptr;
                    T::fire(n);
                    ++fired;
                } else {
                    file(n);
                }
            }
        }
        if (now_tick > elapsed_) elapsed_ = now_tick;
        return fired;
    }

    // Unlinks every timer without firing it; on_node(n) is told of each.
    template <class F>
    void clear(F&& on_node) noexcept {
        auto drain = [&](Link& head) {
            while (T::next(&head) != &head) {
                Link* l = T::next(&head);
                unlink_plain(l);
                T::prev(l) = T::next(l) = nullptr;
                on_node(T::node(l));
            }
        };
        for (auto& level : slots_)
            for (auto& s : level) drain(s);
        drain(due_);
        for (auto& o : occupied_) o = 0;
        size_ = 0;
    }

    // Visits every node (in no particular order); fn must not change the wheel.
    template <class F>
    void for_each(F&& fn) const {
        auto walk = [&](const Link& head) {
            for (const Link* l = T::next(&head); l != &head; l = T::next(l)) fn(T::node(l));
        };
        for (auto& level : slots_)
            for (auto& s : level) walk(s);
        walk(due_);
    }

private:
    void file(Node* n) noexcept {
        std::uint64_t when = T::tick(n);
        if (when - elapsed_ > kSpan) when = elapsed_ + kSpan;  // park far deadlines
        const int level = level_for(elapsed_, when);
        const std::size_t slot = (when >> (6 * level)) & (kSlots - 1);
        link_before(&slots_[level][slot], T::link(n));
        occupied_[level] |= std::uint64_t(1) << slot;
    }

    static int level_for(std::uint64_t elapsed, std::uint64_t when) noexcept {
        const std::uint64_t masked = (elapsed ^ when) | (kSlots - 1);
        const int significant = 63 - std::countl_zero(masked);
        const int level = significant / 6;
        return level < kLevels ? level : kLevels - 1;
    }

    bool next_slot(int& level_out, std::size_t& slot_out, std::uint64_t& deadline_out) const noexcept {
        for (int level = 0; level < kLevels; ++level) {
            const std::uint64_t occ = occupied_[level];
            if (occ == 0) continue;
            const std::uint64_t slot_range = std::uint64_t(1) << (6 * level);
            const std::uint64_t level_range = slot_range << 6;
            const std::size_t now_slot = (elapsed_ / slot_range) & (kSlots - 1);
            const std::size_t zeros = std::countr_zero(std::rotr(occ, int(now_slot)));
            const std::size_t slot = (zeros + now_slot) & (kSlots - 1);
            const std::uint64_t level_start = elapsed_ & ~(level_range - 1);
            std::uint64_t deadline = level_start + slot * slot_range;
            if (deadline < elapsed_ && level > 0) deadline += level_range;
            if (deadline < elapsed_) deadline = elapsed_;
            level_out = level;
            slot_out = slot;
            deadline_out = deadline;
            return true;
        }
        return false;
    }

    std::size_t fire_list(Link& head) noexcept {
        std::size_t fired = 0;
        while (T::next(&head) != &head) {
            Link* l = T::next(&head);
            unlink_plain(l);
            T::prev(l) = T::next(l) = nullptr;
            --size_;
            T::fire(T::node(l));
            ++fired;
        }
        return fired;
    }

    static void link_before(Link* pos, Link* l) noexcept {
        T::next(l) = pos;
        T::prev(l) = T::prev(pos);
        T::next(T::prev(pos)) = l;
        T::prev(pos) = l;
    }
    static void unlink_plain(Link* l) noexcept {
        T::next(T::prev(l)) = T::next(l);
        T::prev(T::next(l)) = T::prev(l);
    }
    void unlink(Link* l) noexcept {
        Link* prev = T::prev(l);
        unlink_plain(l);
        T::prev(l) = T::next(l) = nullptr;
        // Emptied a wheel slot? Its sentinel is then alone: clear its bit.
        if (T::next(prev) == prev) {
            const Link* first = &slots_[0][0];
            if (prev >= first && prev < first + kLevels * kSlots) {
                const std::size_t i = std::size_t(prev - first);
                occupied_[i / kSlots] &= ~(std::uint64_t(1) << (i % kSlots));
            }
        }
    }

    Link slots_[kLevels][kSlots];
    Link due_;
    Link scratch_;  // advance(): the entries of the slot being processed
    std::uint64_t occupied_[kLevels] = {};
    std::uint64_t elapsed_ = 0;
    std::size_t size_ = 0;
};

using TimerQueue = TimerWheel<TimerNodeTraits>;

}  // namespace simul::detail
