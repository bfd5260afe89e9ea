// Boost.Asio peer of bench/sync_peers/simul_sync.cpp: the same three
// workloads, sizes and timing, on an io_context run by one thread, C++20
// coroutines (awaitable / use_awaitable), experimental::channel (the
// single-threaded one: its mutex is a null mutex).
//   lock            Asio has no async mutex. The usual stand-in is a channel
//                   of capacity 1: acquire = put a token in (try_send first,
//                   co_await async_send only when the channel is full, i.e.
//                   the lock is held), release = take it out (try_receive).
//                   N acquire + release on a free "lock"; ns per acquire.
//   event_pingpong  two coroutines, two channel<void(error_code)>(1): set =
//                   try_send (never waits), wait + clear = co_await
//                   async_receive; N round trips; ns per round trip.
//   queue_spsc      channel<void(error_code, int)>(128): one producer
//                   co_awaits async_send N times, one consumer co_awaits
//                   async_receive; ns per item.
// A channel posts every asynchronous completion through the io_context, even
// one that could complete at once.
// Usage: sync lock|event_pingpong|queue_spsc [N]
#include <boost/asio.hpp>
#include <boost/asio/experimental/channel.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <stdexcept>

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using boost::system::error_code;
using signal_channel = asio::experimental::channel<void(error_code)>;
using int_channel = asio::experimental::channel<void(error_code, int)>;

namespace {

double now_ns() {
    return std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

template <class T>
void keep(T const& v) {
    asm volatile("" : : "r,m"(v) : "memory");
}

// A lock made of a channel with room for one token.
class ChannelLock {
public:
    explicit ChannelLock(const asio::any_io_executor& ex) : ch_(ex, 1) {}
    bool try_lock() { return ch_.try_send(error_code{}); }
    awaitable<void> lock_slow() { co_await ch_.async_send(error_code{}, use_awaitable); }
    void unlock() { ch_.try_receive([](error_code) {}); }
    bool held() const { return ch_.ready(); }  // a token is in

private:
    signal_channel ch_;
};

awaitable<void> lock_main(long n, double* ns) {
    ChannelLock lock(co_await asio::this_coro::executor);
    const double t0 = now_ns();
    for (long i = 0; i < n; ++i) {
        if (!lock.try_lock()) co_await lock.lock_slow();
        keep(i);
        lock.unlock();
    }
    *ns = now_ns() - t0;
    if (lock.held()) throw std::runtime_error("lock still held");
}

awaitable<void> pong_side(signal_channel& ping, signal_channel& pong, long n, bool* done) {
    for (long i = 0; i < n; ++i) {
        co_await ping.async_receive(use_awaitable);
        pong.try_send(error_code{});
    }
    *done = true;
}

awaitable<void> ping_pong_main(long n, double* ns) {
    auto ex = co_await asio::this_coro::executor;
    signal_channel ping(ex, 1), pong(ex, 1);
    bool done = false;
    asio::co_spawn(ex, pong_side(ping, pong, n, &done), asio::detached);
    co_await asio::post(ex, use_awaitable);  // let it reach its first wait
    const double t0 = now_ns();
    for (long i = 0; i < n; ++i) {
        ping.try_send(error_code{});
        co_await pong.async_receive(use_awaitable);
    }
    *ns = now_ns() - t0;
    if (!done) co_await asio::post(ex, use_awaitable);
    if (!done) throw std::runtime_error("pong side did not finish");
}

awaitable<void> producer(int_channel& q, long n) {
    for (long i = 0; i < n; ++i) co_await q.async_send(error_code{}, int(i), use_awaitable);
}

awaitable<void> queue_main(long n, double* ns) {
    auto ex = co_await asio::this_coro::executor;
    int_channel q(ex, 128);
    const double t0 = now_ns();
    asio::co_spawn(ex, producer(q, n), asio::detached);
    long sum = 0;
    for (long i = 0; i < n; ++i) sum += co_await q.async_receive(use_awaitable);
    *ns = now_ns() - t0;
    keep(sum);
    if (sum != n * (n - 1) / 2) throw std::runtime_error("queue_spsc: wrong sum");
}

}  // namespace

int main(int argc, char** argv) {
    const char* w = argc > 1 ? argv[1] : "";
    awaitable<void> (*body)(long, double*) = nullptr;
    long n = 0;
    const char* per = "";
    if (std::strcmp(w, "lock") == 0) {
        body = &lock_main, n = 1'000'000, per = "acquire";
    } else if (std::strcmp(w, "event_pingpong") == 0) {
        body = &ping_pong_main, n = 200'000, per = "round_trip";
    } else if (std::strcmp(w, "queue_spsc") == 0) {
        body = &queue_main, n = 1'000'000, per = "item";
    } else {
        std::fprintf(stderr, "usage: %s lock|event_pingpong|queue_spsc [N]\n", argv[0]);
        return 2;
    }
    if (argc > 2) n = std::atol(argv[2]);
    asio::io_context ctx(1);  // concurrency hint 1: single-threaded use
    double ns = -1;
    std::exception_ptr failure;
    asio::co_spawn(ctx, body(n, &ns), [&](std::exception_ptr e) { failure = e; });
    ctx.run();
    if (failure) std::rethrow_exception(failure);
    if (ns < 0) {
        std::fprintf(stderr, "%s: did not finish\n", w);
        return 1;
    }
    std::printf("RESULT workload=%s peer=asio value=%.2f unit=ns/op per=%s n=%ld total_ms=%.1f\n", w, ns / double(n),
                per, n, ns / 1e6);
}
