#include <simul/core/timer_queue.hpp>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include <gtest/gtest.h>

namespace {

using simul::detail::TimerNode;
using simul::detail::TimerQueue;

struct Probe : TimerNode {
    std::vector<std::uint64_t>* log;
    std::uint64_t want;
    bool fired = false;
    static void on_fire(TimerNode* n) noexcept {
        auto* p = static_cast<Probe*>(n);
        p->fired = true;
        p->log->push_back(p->want);
    }
    static constexpr simul::detail::WaitOps kOps{nullptr, "probe", &on_fire};
    Probe() : TimerNode(&kOps, {}) {}
};

TEST(TimerQueue, FiresInTickOrderAndNeverEarly) {
    TimerQueue q;
    std::vector<std::uint64_t> log;
    std::mt19937_64 rng(7);
    std::vector<Probe> probes(20000);
    for (auto& p : probes) {
        p.log = &log;
        p.want = rng() % 5'000'000;  // up to ~83 minutes: several wheel levels
        q.insert(&p, p.want);
    }
    std::uint64_t now = 0;
    while (!q.empty()) {
        std::uint64_t next;
        ASSERT_TRUE(q.next_tick(next));
        ASSERT_GE(next, now);
        const std::size_t before = log.size();
        q.advance(next);
        for (std::size_t i = before; i < log.size(); ++i) EXPECT_EQ(log[i], next);  // due exactly then
        now = next;
    }
    EXPECT_TRUE(std::is_sorted(log.begin(), log.end()));
    EXPECT_EQ(log.size(), probes.size());
}

TEST(TimerQueue, RemovedTimersNeverFireAndFreeTheirSlot) {
    TimerQueue q;
    std::vector<std::uint64_t> log;
    Probe a, b;
    a.log = b.log = &log;
    a.want = 100;
    b.want = 100;
    q.insert(&a, 100);
    q.insert(&b, 100);
    q.remove(&a);
    EXPECT_FALSE(a.linked());
    EXPECT_EQ(q.size(), 1u);
    q.remove(&b);
    std::uint64_t next;
    EXPECT_FALSE(q.next_tick(next));  // the slot's bit was cleared
    q.advance(1000);
    EXPECT_TRUE(log.empty());
}

TEST(TimerQueue, FarDeadlinesAreRefiledNotFiredEarly) {
    TimerQueue q;
    std::vector<std::uint64_t> log;
    Probe p;
    p.log = &log;
    p.want = (std::uint64_t(1) << 40) + 5;  // beyond the wheel's span
    q.insert(&p, p.want);
    std::uint64_t now = 0, next;
    int steps = 0;
    while (q.next_tick(next) && steps++ < 1000) {
        q.advance(next);
        now = next;
        if (p.fired) break;
    }
    EXPECT_TRUE(p.fired);
    EXPECT_EQ(now, p.want);
}

TEST(TimerQueue, OverdueInsertFiresAtTheNextAdvance) {
    TimerQueue q;
    std::vector<std::uint64_t> log;
    q.advance(500);
    Probe p;
    p.log = &log;
    p.want = 10;
    q.insert(&p, 10);
    std::uint64_t next;
    ASSERT_TRUE(q.next_tick(next));
    EXPECT_EQ(next, 500u);
    q.advance(500);
    EXPECT_TRUE(p.fired);
}

}  // namespace
