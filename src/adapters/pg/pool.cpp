// Pool: a Semaphore of `size` permits bounds the connections lent; idle ones
// wait in a list (most recently used first, so the warm ones are reused) and
// are checked before they are lent.
#include <simul/adapters/pg/pool.hpp>

#include <deque>

#include <simul/sync/semaphore.hpp>

#include "conn_state.hpp"

namespace simul::pg {

namespace detail {

struct PoolState {
    std::string conninfo;
    PoolOptions options;
    Semaphore slots;
    std::deque<Connection> idle;
    std::size_t open = 0, opened = 0, discarded = 0;
    bool closed = false;

    PoolState(std::string c, PoolOptions o) : conninfo(std::move(c)), options(o), slots(o.size) {}
};

}  // namespace detail

Pool::Pool(std::string conninfo, PoolOptions options) {
    if (options.size == 0) throw Error("simul::pg::Pool: size must be at least 1");
    s_ = std::make_shared<detail::PoolState>(std::move(conninfo), options);
}

Pool::~Pool() { close(); }

void Pool::close() noexcept {
    if (!s_) return;
    s_->closed = true;
    s_->open -= s_->idle.size();
    s_->idle.clear();  // each Connection closes itself
}

PoolStatistics Pool::statistics() const noexcept {
    if (!s_) return {};
    return {s_->options.size, s_->open, s_->idle.size(), s_->slots.statistics().waiters, s_->opened, s_->discarded};
}

Task<PooledConnection> Pool::acquire() {
    std::shared_ptr<detail::PoolState> s = s_;
    if (!s || s->closed) throw InvalidStateError("simul::pg::Pool: the pool is closed");
    SemaphoreGuard permit = co_await s->slots.acquire();
    if (s->closed) throw InvalidStateError("simul::pg::Pool: the pool was closed while this task waited for a connection");
    while (!s->idle.empty()) {
        Connection c = std::move(s->idle.back());
        s->idle.pop_back();
        if (c.state()->healthy_idle()) {
            permit.dismiss();
            co_return PooledConnection(s, std::move(c));
        }
        c.close();
        --s->open;
        ++s->discarded;
    }
    Connection c = co_await Connection::connect(s->conninfo, s->options.connect);
    ++s->open;
    ++s->opened;
    permit.dismiss();
    co_return PooledConnection(s, std::move(c));
}

Task<Result> Pool::query_params(std::string sql, Params params) {
    PooledConnection c = co_await acquire();
    co_return co_await c->query_params(std::move(sql), std::move(params));
}

Task<std::int64_t> Pool::execute_params(std::string sql, Params params) {
    PooledConnection c = co_await acquire();
    co_return co_await c->execute_params(std::move(sql), std::move(params));
}

Task<std::vector<Result>> Pool::pipeline(Pipeline batch) {
    PooledConnection c = co_await acquire();
    co_return co_await c->pipeline(batch);
}

// ---- PooledConnection ----------------------------------------------------------

PooledConnection::PooledConnection(std::shared_ptr<detail::PoolState> pool, Connection conn) noexcept
    : pool_(std::move(pool)), conn_(std::move(conn)) {}

PooledConnection::PooledConnection(PooledConnection&& o) noexcept : pool_(std::move(o.pool_)), conn_(std::move(o.conn_)) {}

PooledConnection& PooledConnection::operator=(PooledConnection&& o) noexcept {
    if (this != &o) {
        give_back();
        pool_ = std::move(o.pool_);
        conn_ = std::move(o.conn_);
    }
    return *this;
}

PooledConnection::~PooledConnection() { give_back(); }

void PooledConnection::discard() noexcept {
    if (!pool_) return;
    conn_.close();
    --pool_->open;
    ++pool_->discarded;
    pool_->slots.release();
    pool_.reset();
}

void PooledConnection::give_back() noexcept {
    if (!pool_) return;
    detail::ConnState* st = conn_.state();
    const bool keep = !pool_->closed && st && st->pg && !st->broken && !st->busy && !st->needs_rollback &&
                      PQstatus(st->pg) == CONNECTION_OK && PQtransactionStatus(st->pg) == PQTRANS_IDLE;
    if (keep) {
        pool_->idle.push_back(std::move(conn_));
        pool_->slots.release();
        pool_.reset();
    } else {
        discard();
    }
}

}  // namespace simul::pg
