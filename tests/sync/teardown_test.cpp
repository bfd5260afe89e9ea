// A loop destroyed while tasks wait on sync primitives, some of them already
// handed a lock, a permit, an item or a notification they have not resumed to
// take: the frames are freed without touching freed memory or waking tasks
// that are going away (run under ASan to see it), and the primitives, which
// outlive the loop here, are left consistent.
#include <simul/sync.hpp>

#include <string>

#include <gtest/gtest.h>

#include <simul/simul.hpp>

namespace {

simul::Task<> take_lock(simul::Lock& lock) { auto held = co_await lock.acquire(); }
simul::Task<> take_permit(simul::Semaphore& sem) { auto permit = co_await sem.acquire(); }
simul::Task<> take_item(simul::Queue<std::string>& q) { (void)co_await q.get(); }
simul::Task<> wait_cond(simul::Condition& cond) {
    auto held = co_await cond.acquire();
    co_await cond.wait();
}
simul::Task<> wait_event(simul::Event& ev) { co_await ev.wait(); }
simul::Task<> take_one(simul::Queue<int>& q) { (void)co_await q.get(); }
simul::Task<> group_of_waiters(simul::Event& ev) {
    co_await simul::with_task_group([&](simul::TaskGroup& g) -> simul::Task<> {
        g.spawn(wait_event(ev), "child 1");
        g.spawn(wait_event(ev), "child 2");
        co_return;
    });
}

TEST(Teardown, ALoopDestroyedWithGrantedWaitersFreesThemCleanly) {
    simul::Lock lock;
    simul::Semaphore sem(0);
    simul::Queue<std::string> q;
    simul::Condition cond;
    simul::Event ev, never;
    {
        simul::Loop loop({.virtual_time = true});
        auto held = lock.try_acquire();
        ASSERT_TRUE(held.has_value());
        for (int i = 0; i < 2; ++i) {
            simul::spawn(take_lock(lock));
            simul::spawn(take_permit(sem));
            simul::spawn(take_item(q));
            simul::spawn(wait_cond(cond));
            simul::spawn(wait_event(never));
        }
        simul::spawn(group_of_waiters(never));
        loop.call_soon([&] { loop.stop(); });
        loop.run_forever();
        ASSERT_EQ(lock.statistics().waiters, 2u);
        ASSERT_EQ(cond.statistics().waiters, 2u);

        // Hand things over; the receivers are queued but never resume.
        held.reset();
        sem.release();
        EXPECT_TRUE(q.try_put(std::string(100, 'x')));
        ASSERT_TRUE(cond.lock().try_lock());
        cond.notify();
        cond.lock().release();
        EXPECT_EQ(loop.live_tasks(), 13u);
    }  // the loop's teardown destroys every frame
    EXPECT_EQ(lock.statistics().waiters, 0u);
    EXPECT_EQ(sem.statistics().waiters, 0u);
    EXPECT_EQ(q.statistics().getters, 0u);
    EXPECT_EQ(cond.statistics().waiters, 0u);
    EXPECT_EQ(cond.statistics().lock_waiters, 0u);
    EXPECT_EQ(never.statistics().waiters, 0u);
}

TEST(Teardown, APrimitiveDestroyedBeforeItsWaitersDetachesThem) {
    simul::Loop loop({.virtual_time = true});
    {
        simul::Queue<int> q;
        simul::spawn(take_one(q));
        loop.call_soon([&] { loop.stop(); });
        loop.run_forever();
        EXPECT_EQ(q.statistics().getters, 1u);
    }  // the queue goes first; its waiter's node must not point at it
}  // then the loop, and the waiter's frame

}  // namespace
