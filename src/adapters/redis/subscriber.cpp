// Subscriber: pub/sub on a ConnState in pubsub mode, where the I/O task
// routes "message"/"pmessage" pushes to a bounded queue and everything else
// (the confirmations) to the in-flight queue as usual.
#include <simul/adapters/redis/subscriber.hpp>

#include "conn_state.hpp"

namespace simul::redis {

Subscriber::Subscriber() noexcept = default;
Subscriber::Subscriber(Subscriber&& o) noexcept = default;
Subscriber& Subscriber::operator=(Subscriber&& o) noexcept {
    if (this != &o) {
        close();
        s_ = std::move(o.s_);
    }
    return *this;
}
Subscriber::~Subscriber() { close(); }

Task<Subscriber> Subscriber::open(std::string host, std::uint16_t port, Options options) {
    Subscriber sub;
    sub.s_ = detail::ConnState::start(std::move(host), port, std::move(options), true);
    co_await sub.s_->ready.wait();
    if (sub.s_->error) std::rethrow_exception(sub.s_->error);
    co_return std::move(sub);
}

void Subscriber::close() noexcept {
    if (s_) s_->close();
    s_.reset();
}

bool Subscriber::is_open() const noexcept { return s_ && !s_->error; }

Task<> Subscriber::change(const char* verb, std::vector<std::string> names) {
    if (!s_) throw ConnectionError("simul::redis::Subscriber: not open (default-constructed, moved from or closed)");
    if (names.empty()) co_return;
    std::shared_ptr<detail::ConnState> s = s_;
    ArgList args;
    args.push_back(Arg(verb));
    for (const std::string& n : names) args.push_back(Arg(n));
    const Command command(args);
    std::vector<Reply> replies;
    replies.reserve(names.size());
    detail::Request req(s.get());
    req.bytes = command.bytes();
    req.count = std::uint32_t(names.size());
    req.many = &replies;
    co_await req;
    for (const Reply& r : replies)
        if (r.is_error()) throw Error(r.error_message());
}

Task<> Subscriber::subscribe(std::vector<std::string> channels) { return change("SUBSCRIBE", std::move(channels)); }
Task<> Subscriber::psubscribe(std::vector<std::string> patterns) { return change("PSUBSCRIBE", std::move(patterns)); }
Task<> Subscriber::unsubscribe(std::vector<std::string> channels) { return change("UNSUBSCRIBE", std::move(channels)); }
Task<> Subscriber::punsubscribe(std::vector<std::string> patterns) {
    return change("PUNSUBSCRIBE", std::move(patterns));
}

Task<Message> Subscriber::next() {
    if (!s_) throw ConnectionError("simul::redis::Subscriber: not open (default-constructed, moved from or closed)");
    std::shared_ptr<detail::ConnState> s = s_;
    try {
        co_return co_await s->messages->get();
    } catch (const QueueClosed&) {
    }
    std::rethrow_exception(s->error);
}

AsyncGenerator<Message> Subscriber::messages() {
    for (;;) {
        Message m = co_await next();
        co_yield std::move(m);
    }
}

}  // namespace simul::redis
