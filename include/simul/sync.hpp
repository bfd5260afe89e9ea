// simul/sync.hpp: the sync layer: primitives for tasks on one loop, and structured concurrency.
//
// Event (sync/event.hpp) is a flag to wait for; Lock (sync/lock.hpp) and
// Semaphore / BoundedSemaphore (sync/semaphore.hpp) limit how many tasks run
// a section, with RAII guards; Condition (sync/condition.hpp) waits for a
// change announced under a Lock; Queue / LifoQueue / PriorityQueue
// (sync/queue.hpp) pass items, bounded or not, and close() ends the stream.
// TaskGroup and with_task_group (sync/task_group.hpp) run children that end
// together, and report their errors together. move_on_after / fail_after /
// timeout (sync/cancel_scope.hpp) put a deadline on a block of awaits; race
// and wait_any (sync/race.hpp) keep the first task to finish and cancel the
// rest; as_completed (sync/as_completed.hpp) gives results as tasks finish.
// Barrier (sync/barrier.hpp) lets n tasks meet; shield (sync/shield.hpp)
// keeps the caller's cancellation off a task; wait (sync/wait.hpp) is
// asyncio.wait (first completed, first exception, all); Watch (sync/watch.hpp)
// broadcasts the latest value to many readers.
//
// Rules every primitive keeps (see sync/wait_list.hpp for how):
//   - waiters are served FIFO, in the order they began to wait;
//   - a waiter is woken by being put on the ready queue, never resumed inline;
//   - a release/put hands the permit, the lock or the item directly to the
//     first waiter, so a cancelled waiter never swallows it: one cancelled
//     before the hand-off throws simul::Cancelled and the next waiter gets it;
//     one cancelled after returns it, and sees the cancel at its next await;
//   - waiting allocates nothing (the node lives in the awaiting frame);
//   - they are loop-thread objects: use them only from their loop's thread;
//   - each has statistics() (how many wait, and its state);
//   - an await that does not need to wait (a free lock, a non-empty queue) is
//     not a suspension point: a pending cancel is delivered at the next one
//     that waits, as in asyncio.
#pragma once

#include <simul/sync/as_completed.hpp>
#include <simul/sync/barrier.hpp>
#include <simul/sync/cancel_scope.hpp>
#include <simul/sync/condition.hpp>
#include <simul/sync/event.hpp>
#include <simul/sync/lock.hpp>
#include <simul/sync/queue.hpp>
#include <simul/sync/race.hpp>
#include <simul/sync/semaphore.hpp>
#include <simul/sync/shield.hpp>
#include <simul/sync/task_group.hpp>
#include <simul/sync/wait.hpp>
#include <simul/sync/watch.hpp>
