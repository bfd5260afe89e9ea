#include <simul/adapters/mongo/pool.hpp>

#include <simul/coro/wait_for.hpp>

namespace simul::mongo {

Pool::Pool(std::string host, std::uint16_t port, Options options)
    : host_(std::move(host)), port_(port), options_(std::move(options)), slots_(options_.pool_size ? options_.pool_size : 1) {}

Task<std::unique_ptr<Connection>> Pool::take() {
    while (!idle_.empty()) {
        std::unique_ptr<Connection> c = std::move(idle_.back());
        idle_.pop_back();
        if (c->alive()) co_return c;
        c->close();
        ++discarded_;
    }
    Connection fresh = co_await Connection::open(host_, port_, options_.connect_timeout, options_.app_name);
    ++opened_;
    info_ = fresh.server();
    co_return std::make_unique<Connection>(std::move(fresh));
}

void Pool::give_back(std::unique_ptr<Connection> c) noexcept {
    if (!c) return;
    if (c->usable() && !closed_) {
        idle_.push_back(std::move(c));
    } else {
        c->close();
        ++discarded_;
    }
}

Task<Document> Pool::command(std::string db, Document cmd, std::vector<Sequence> sequences) {
    SemaphoreGuard slot = co_await slots_.acquire();
    std::unique_ptr<Connection> conn = co_await take();
    // Given back (or discarded, if its exchange did not finish) on every way out.
    struct Lend {
        Pool* pool;
        std::unique_ptr<Connection>* conn;
        ~Lend() {
            --pool->in_use_;
            pool->give_back(std::move(*conn));
        }
    } lend{this, &conn};
    ++in_use_;
    const std::string name(cmd.first_key());  // for the timeout's message (cmd is moved away)
    if (options_.request_timeout == Duration::zero()) co_return co_await conn->command(std::move(db), std::move(cmd), std::move(sequences));
    bool timed_out = false;
    Document reply;
    try {
        reply = co_await wait_for(conn->command(std::move(db), std::move(cmd), std::move(sequences)), options_.request_timeout);
    } catch (const TimeoutError&) {
        timed_out = true;
    }
    if (timed_out)
        throw TimeoutError("simul::mongo: no reply to \"" + name + "\" from " + conn->peer() + " within " +
                           simul::detail::format_duration(options_.request_timeout) +
                           " (Options::request_timeout); that connection was closed");
    co_return reply;
}

void Pool::close() noexcept {
    closed_ = true;
    for (auto& c : idle_) c->close();
    idle_.clear();
}

Pool::Statistics Pool::statistics() const noexcept {
    return Statistics{idle_.size(), in_use_, slots_.statistics().waiters, opened_, discarded_};
}

}  // namespace simul::mongo
