// simul::run(): run main, then cancel and drain what it left behind.
#include <simul/coro/run.hpp>

// The one upward include of the coro layer: run() installs the default
// Ctrl-C/SIGTERM handling, which lives with the signals in io. (Both are in
// the one library target; a hook in core would be the cleaner shape.)
#include <simul/io/signal.hpp>

namespace simul::detail {

void run_main(Loop& loop, TaskHeader* main) {
    const InterruptGuard interrupts = install_default_interrupts(loop, main);
    loop.run_until([main] { return main->done(); });
    if (loop.live_tasks() == 0) return;
    // asyncio.run cancels the leftovers and lets them finish their cleanup.
    loop.cancel_all();
    try {
        loop.run_until([&loop] { return loop.live_tasks() == 0; });
    } catch (const Error&) {
        // A leftover waits on something nothing will complete (virtual
        // clock): give up on it; the loop destroys it when it closes.
    }
}

}  // namespace simul::detail
