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
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>

#include <simul/detail/task_header.hpp>

namespace simul::detail {

// A timer is a Waiter (its ops->fire is called when it is due) with links;
// 40 bytes, inside whoever waits.
struct TimerNode : Waiter {
    TimerNode* prev_ = nullptr;  // null while not in the queue
    TimerNode* next_ = nullptr;
    std::uint64_t tick_ = 0;  // deadline, in ms ticks since the loop's epoch

    TimerNode() noexcept : Waiter{nullptr, {}} {}
    TimerNode(const WaitOps* o, SourceLocation s) noexcept : Waiter{o, s} {}
    bool linked() const noexcept { return prev_ != nullptr; }
    void fire() noexcept { ops->fire(this); }
};

class TimerQueue {
public:
    static constexpr int kLevels = 6;
    static constexpr int kSlots = 64;
    static constexpr std::uint64_t kSpan = (std::uint64_t(1) << (6 * kLevels)) - 1;

    TimerQueue() noexcept {
        for (auto& level : slots_)
            for (auto& s : level) s.prev_ = s.next_ = &s;
        due_.prev_ = due_.next_ = &due_;
    }
    TimerQueue(const TimerQueue&) = delete;
    TimerQueue& operator=(const TimerQueue&) = delete;

    // Ticks processed so far: every timer at or before this tick has fired.
    std::uint64_t elapsed() const noexcept { return elapsed_; }
    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }

    void insert(TimerNode* n, std::uint64_t tick) noexcept {
        n->tick_ = tick;
        ++size_;
        if (tick <= elapsed_) {
            link_before(&due_, n);  // already due: fires at the next advance
            return;
        }
        file(n);
    }

    void remove(TimerNode* n) noexcept {
        if (!n->linked()) return;
        --size_;
        unlink(n);
    }

    // The earliest tick at which something is due (elapsed() if overdue);
    // false if the queue is empty.
    bool next_tick(std::uint64_t& out) const noexcept {
        if (size_ == 0) return false;
        if (due_.next_ != &due_) {
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
            TimerNode local;
            local.prev_ = local.next_ = &local;
            TimerNode& head = slots_[level][slot];
            if (head.next_ != &head) {
                local.next_ = head.next_;
                local.prev_ = head.prev_;
                local.next_->prev_ = &local;
                local.prev_->next_ = &local;
                head.prev_ = head.next_ = &head;
            }
            while (local.next_ != &local) {
                TimerNode* n = local.next_;
                unlink_plain(n);
                if (n->tick_ <= elapsed_) {
                    --size_;
                    n->prev_ = n->next_ = nullptr;
                    n->fire();
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
        auto drain = [&](TimerNode& head) {
            while (head.next_ != &head) {
                TimerNode* n = head.next_;
                unlink_plain(n);
                n->prev_ = n->next_ = nullptr;
                on_node(n);
            }
        };
        for (auto& level : slots_)
            for (auto& s : level) drain(s);
        drain(due_);
        for (auto& o : occupied_) o = 0;
        size_ = 0;
    }

private:
    void file(TimerNode* n) noexcept {
        std::uint64_t when = n->tick_;
        if (when - elapsed_ > kSpan) when = elapsed_ + kSpan;  // park far deadlines
        const int level = level_for(elapsed_, when);
        const std::size_t slot = (when >> (6 * level)) & (kSlots - 1);
        link_before(&slots_[level][slot], n);
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

    std::size_t fire_list(TimerNode& head) noexcept {
        std::size_t fired = 0;
        while (head.next_ != &head) {
            TimerNode* n = head.next_;
            unlink_plain(n);
            n->prev_ = n->next_ = nullptr;
            --size_;
            n->fire();
            ++fired;
        }
        return fired;
    }

    static void link_before(TimerNode* pos, TimerNode* n) noexcept {
        n->next_ = pos;
        n->prev_ = pos->prev_;
        pos->prev_->next_ = n;
        pos->prev_ = n;
    }
    static void unlink_plain(TimerNode* n) noexcept {
        n->prev_->next_ = n->next_;
        n->next_->prev_ = n->prev_;
    }
    void unlink(TimerNode* n) noexcept {
        TimerNode* prev = n->prev_;
        unlink_plain(n);
        n->prev_ = n->next_ = nullptr;
        // Emptied a wheel slot? Its sentinel is then alone: clear its bit.
        if (prev->next_ == prev) {
            const TimerNode* first = &slots_[0][0];
            if (prev >= first && prev < first + kLevels * kSlots) {
                const std::size_t i = std::size_t(prev - first);
                occupied_[i / kSlots] &= ~(std::uint64_t(1) << (i % kSlots));
            }
        }
    }

    TimerNode slots_[kLevels][kSlots];
    TimerNode due_;
    std::uint64_t occupied_[kLevels] = {};
    std::uint64_t elapsed_ = 0;
    std::size_t size_ = 0;
};

}  // namespace simul::detail
