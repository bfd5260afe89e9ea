// simul/adapters/redis/subscriber.hpp: Subscriber, pub/sub on a dedicated connection; Message.
//
// `co_await redis::Subscriber::open(host, port)` opens a connection for
// pub/sub. `co_await sub.subscribe({"news"})` (or psubscribe() for
// patterns) returns once the server has confirmed every channel, so a message
// published after it is sure to arrive. Messages are read by the
// connection's reader task into a bounded queue (1,024 messages; when it is
// full the reader stops reading and TCP pushes back on the server); `co_await
// sub.next()` returns the next one, and messages() is the same as an
// AsyncGenerator. unsubscribe() may be called while another task waits in
// next(); the simplest way to unsubscribe from everything is to close the
// subscriber (or, for Pool::subscribe(), to leave the loop over its
// generator): the server drops the subscriptions with the connection.
//
//     auto sub = co_await redis::Subscriber::open("127.0.0.1", port);
//     co_await sub.subscribe({"chat"});
//     auto messages = sub.messages();
//     while (auto m = co_await messages.next()) {
//         std::cout << m->channel << ": " << m->payload << '\n';
//         if (m->payload == "bye") break;
//     }
//
// Cancellation: a task cancelled in next() takes no message (it stays in the
// queue for the next call). A cancelled subscribe() has still sent its
// command: the subscription may be in place, and its confirmations are read
// and dropped. A dropped connection ends next() with redis::ConnectionError.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <simul/coro/async_generator.hpp>
#include <simul/coro/task.hpp>
#include <simul/adapters/redis/connection.hpp>

namespace simul::redis {

struct Message {
    std::string channel;
    std::string payload;
    std::string pattern;  // the pattern that matched (PSUBSCRIBE), else empty
};

class Subscriber {
public:
    static Task<Subscriber> open(std::string host, std::uint16_t port, Options options);
    static Task<Subscriber> open(std::string host, std::uint16_t port) {
        return open(std::move(host), port, Options());
    }

    Subscriber() noexcept;
    Subscriber(Subscriber&&) noexcept;
    Subscriber& operator=(Subscriber&&) noexcept;
    ~Subscriber();  // close()

    // Each returns once the server confirmed every name.
    Task<> subscribe(std::vector<std::string> channels);
    Task<> psubscribe(std::vector<std::string> patterns);
    Task<> unsubscribe(std::vector<std::string> channels);
    Task<> punsubscribe(std::vector<std::string> patterns);
    // sub.subscribe("a", "b"): no braces, which g++ 12 mishandles next to co_await.
    template <class... S>
        requires(sizeof...(S) >= 1 && (std::is_convertible_v<const S&, std::string_view> && ...))
    Task<> subscribe(const S&... channels) {
        return subscribe(names(channels...));
    }
    template <class... S>
        requires(sizeof...(S) >= 1 && (std::is_convertible_v<const S&, std::string_view> && ...))
    Task<> psubscribe(const S&... patterns) {
        return psubscribe(names(patterns...));
    }
    template <class... S>
        requires(sizeof...(S) >= 1 && (std::is_convertible_v<const S&, std::string_view> && ...))
    Task<> unsubscribe(const S&... channels) {
        return unsubscribe(names(channels...));
    }
    template <class... S>
        requires(sizeof...(S) >= 1 && (std::is_convertible_v<const S&, std::string_view> && ...))
    Task<> punsubscribe(const S&... patterns) {
        return punsubscribe(names(patterns...));
    }

    // The next message (waits for it).
    Task<Message> next();
    // next() as a stream; ends only by error (ConnectionError) or by leaving the loop.
    AsyncGenerator<Message> messages();

    void close() noexcept;
    bool is_open() const noexcept;

private:
    template <class... S>
    static std::vector<std::string> names(const S&... s) {
        return std::vector<std::string>{std::string(std::string_view(s))...};
    }
    Task<> change(const char* verb, std::vector<std::string> names);
    std::shared_ptr<detail::ConnState> s_;
};

}  // namespace simul::redis
