// Wrapping a C library's callback API into an awaitable, step by step.
//
// slowdb.h (a made-up library, shaped like real ones) reports each result
// through a C callback with a `void* user`, from its own thread. To await it:
//
//   1. Make a simul::Future for the result, and a small heap object (the
//      "context") that the callback will receive as `user`: it holds the
//      Future and the loop to come back to.
//   2. In the C callback (a plain function, on the library's thread), copy
//      what the library lent you (`result` is only valid during the call),
//      then hop onto the loop with call_soon_threadsafe and complete the
//      Future there: Futures are loop-thread objects.
//   3. co_await the Future. A task (or a fiber, with fiber::await) that is
//      cancelled stops waiting at once; the late callback still finds the
//      context and completes a Future nobody waits for (no dangling pointer).
//   4. Tell the loop that work is in flight outside it
//      (external_work_begin/end), so that on the virtual clock it does not
//      jump time or declare a deadlock while the library's thread works, and
//      close the library (joining its thread) before the loop ends.
#include <simul/coro/fiber.hpp>
#include <simul/simul.hpp>

#include <cstdio>
#include <memory>
#include <string>
#include <system_error>

#include "slowdb.h"

using namespace std::chrono_literals;

namespace {

struct GetContext {
    simul::Loop* loop;
    simul::Future<std::string> result;
};

// Step 2: runs on slowdb's thread.
extern "C" void on_get(void* user, int status, const char* value) {
    std::unique_ptr<GetContext> ctx(static_cast<GetContext*>(user));  // ours again, exactly once
    std::string copy = status == 0 ? std::string(value) : std::string();
    simul::Loop* loop = ctx->loop;
    try {
        loop->call_soon_threadsafe([ctx = std::shared_ptr<GetContext>(std::move(ctx)), status, copy]() mutable {
            ctx->loop->external_work_end();
            if (status == 0)
                ctx->result.set_result(std::move(copy));
            else
                ctx->result.set_exception(std::make_exception_ptr(
                    std::system_error(status, std::generic_category(), "slowdb_get")));
        });
    } catch (const simul::Error&) {
        // The loop has closed: nobody is waiting any more.
    }
}

// Steps 1 and 3: the awaitable wrapper. Usable as `co_await get(db, key)`.
simul::Task<std::string> get(slowdb* db, std::string key) {
    simul::Loop& loop = *simul::Loop::current();
    auto ctx = std::make_unique<GetContext>(GetContext{&loop, {}});
    simul::Future<std::string> result = ctx->result;
    loop.external_work_begin();  // step 4
    if (int err = slowdb_get(db, key.c_str(), &on_get, ctx.get()); err != 0) {
        loop.external_work_end();
        throw std::system_error(err, std::generic_category(), "slowdb_get");
    }
    ctx.release();  // the callback owns it now
    co_return co_await result;
}

simul::Task<> amain() {
    slowdb* db = slowdb_open(200);

    // From a task: two queries at once take one latency, not two.
    const auto t0 = simul::now();
    auto [a, b] = co_await simul::gather(get(db, "a"), get(db, "b"));
    std::printf("%s, %s (both in %lld ms)\n", a.c_str(), b.c_str(),
                (long long)std::chrono::duration_cast<std::chrono::milliseconds>(simul::now() - t0).count());

    // An error from the library becomes an exception at the co_await.
    try {
        co_await get(db, "missing");
    } catch (const std::system_error& e) {
        std::printf("error: %s\n", e.what());
    }

    // A timeout cancels the wait; the late callback is harmless.
    try {
        co_await simul::wait_for(get(db, "slow"), 50ms);
    } catch (const simul::TimeoutError&) {
        std::puts("timed out after 50 ms (the late answer will be dropped)");
    }

    // From a fiber: the same wrapper, waited on with a blocking-looking call.
    auto f = simul::fiber::spawn([db] { return simul::fiber::await(get(db, "c")); });
    std::printf("%s (from a fiber)\n", (co_await f).c_str());

    co_await simul::sleep(300ms);  // let the "slow" answer arrive before closing
    slowdb_close(db);              // joins the library's threads: nothing calls back any more
}

}  // namespace

int main() { simul::run(amain()); }
