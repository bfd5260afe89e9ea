// simul::run(): run main, then cancel and drain what it left behind.
#include <simul/coro/run.hpp>

namespace simul::detail {

void run_main(Loop& loop, TaskHeader* main) {
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
