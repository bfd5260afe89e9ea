// Pool: picking a connection for each request, leases, replacement of
// broken connections (see simul/adapters/redis/pool.hpp).
#include <simul/adapters/redis/pool.hpp>

#include "conn_state.hpp"

namespace simul::redis {

namespace detail {

struct PoolAccess {
    // One command on a connection picked when the task starts (not when the
    // Task is made), so that in_flight() counts are current: a gather of a
    // thousand commands spreads over the connections.
    static Task<Reply> exec_picked(Pool& pool, Command command) {
        if (pool.free_.locked()) {
            // Every connection is leased: wait (FIFO) for one to come back.
            SemaphoreGuard permit = co_await pool.free_.acquire();
        }
        std::shared_ptr<ConnState> s = pool.pick();
        co_return co_await exec_one(std::move(s), std::move(command));
    }
};

namespace {

bool is_blocking(const ArgList& args) {
    static constexpr std::string_view kBlocking[] = {"BLPOP",   "BRPOP",    "BRPOPLPUSH", "BLMOVE", "BLMPOP",
                                                     "BZPOPMIN", "BZPOPMAX", "BZMPOP",     "WAIT",   "WAITAOF"};
    const std::string_view name = args[0].view();
    for (std::string_view b : kBlocking)
        if (equals_nocase(name, b)) return true;
    if (equals_nocase(name, "XREAD") || equals_nocase(name, "XREADGROUP")) {
        for (std::size_t i = 1; i < args.size(); ++i)
            if (equals_nocase(args[i].view(), "BLOCK")) return true;
    }
    return false;
}

void refuse_stateful(const ArgList& args) {
    static constexpr std::string_view kTransaction[] = {"MULTI", "EXEC", "DISCARD", "WATCH", "UNWATCH"};
    static constexpr std::string_view kPubSub[] = {"SUBSCRIBE",   "PSUBSCRIBE",   "SSUBSCRIBE",
                                                   "UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE"};
    static constexpr std::string_view kState[] = {"SELECT", "AUTH", "HELLO", "QUIT", "RESET", "MONITOR"};
    const std::string_view name = args[0].view();
    for (std::string_view c : kTransaction)
        if (equals_nocase(name, c))
            throw simul::Error("simul::redis::Pool::command: " + std::string(name) +
                               " would change a shared connection's state; lease one with co_await pool.acquire() "
                               "for WATCH/MULTI/EXEC, or send MULTI ... EXEC in one Pipeline");
    for (std::string_view c : kPubSub)
        if (equals_nocase(name, c))
            throw simul::Error("simul::redis::Pool::command: " + std::string(name) +
                               " needs a dedicated connection; use pool.subscribe() or redis::Subscriber");
    for (std::string_view c : kState)
        if (equals_nocase(name, c))
            throw simul::Error("simul::redis::Pool::command: " + std::string(name) +
                               " would change a shared connection's state; set PoolOptions (password, db) "
                               "or lease a connection with co_await pool.acquire()");
}

AsyncGenerator<Message> owning_messages(Subscriber sub) {
    for (;;) {
        Message m = co_await sub.next();
        co_yield std::move(m);
    }
}

}  // namespace
}  // namespace detail

Pool::Pool(std::string host, std::uint16_t port, PoolOptions options)
    : host_(std::move(host)), port_(port), options_(std::move(options)), free_(options_.size) {
    if (options_.size == 0) throw simul::Error("simul::redis::Pool: size must be at least 1");
    slots_.resize(options_.size);
}

Pool::~Pool() { close(); }

void Pool::close() noexcept {
    closed_ = true;
    for (Slot& s : slots_) {
        if (s.conn) s.conn->close();
        s.conn.reset();
    }
}

std::shared_ptr<detail::ConnState> Pool::open_slot(std::size_t i) {
    auto s = detail::ConnState::start(host_, port_, options_.connection());
    s->pooled = true;
    slots_[i].conn = s;
    return s;
}

std::shared_ptr<detail::ConnState> Pool::pick() {
    if (closed_) throw ConnectionError("simul::redis::Pool: the pool is closed");
    std::size_t best = slots_.size(), empty = slots_.size();
    for (std::size_t i = 0; i < slots_.size(); ++i) {
        Slot& sl = slots_[i];
        if (sl.leased) continue;
        if (sl.conn && !sl.conn->usable()) {  // broken, or retiring after a timeout: let it go
            sl.conn.reset();
            ++replaced_;
        }
        if (!sl.conn) {
            if (empty == slots_.size()) empty = i;
            continue;
        }
        const std::size_t f = sl.conn->in_flight();
        if (f == 0) return sl.conn;
        if (best == slots_.size() || f < slots_[best].conn->in_flight()) best = i;
    }
    if (empty != slots_.size()) return open_slot(empty);
    if (best != slots_.size()) return slots_[best].conn;
    throw InvalidStateError("simul::redis::Pool: every connection is leased (internal error: a permit was free)");
}

std::size_t Pool::pick_for_lease() {
    std::size_t best = slots_.size(), empty = slots_.size();
    for (std::size_t i = 0; i < slots_.size(); ++i) {
        Slot& sl = slots_[i];
        if (sl.leased) continue;
        if (sl.conn && !sl.conn->usable()) {
            sl.conn.reset();
            ++replaced_;
        }
        if (!sl.conn) {
            if (empty == slots_.size()) empty = i;
            continue;
        }
        if (sl.conn->in_flight() == 0) return i;
        if (best == slots_.size() || sl.conn->in_flight() < slots_[best].conn->in_flight()) best = i;
    }
    if (empty != slots_.size()) {
        open_slot(empty);
        return empty;
    }
    return best;
}

void Pool::give_back(std::size_t slot) noexcept {
    Slot& sl = slots_[slot];
    sl.leased = false;
    // A request abandoned on it (a cancelled BLPOP) would hold up the next
    // user until the server answers it: discard the connection instead.
    if (sl.conn && (sl.conn->abandoned > 0 || !sl.conn->usable())) {
        sl.conn->close();
        sl.conn.reset();
        ++replaced_;
    }
}

Task<Reply> Pool::command(const std::vector<std::string>& argv) {
    ArgList args;
    for (const std::string& a : argv) args.push_back(Arg(a));
    return command_args(args);
}

Task<Reply> Pool::command_args(const ArgList& args) {
    if (args.empty()) throw simul::Error("simul::redis: a command needs at least its name");
    detail::refuse_stateful(args);
    Command command(args);
    if (detail::is_blocking(args)) return blocking(std::move(command));
    if (closed_) throw ConnectionError("simul::redis::Pool: the pool is closed");
    return detail::PoolAccess::exec_picked(*this, std::move(command));
}

Task<Reply> Pool::blocking(Command command) {
    Lease lease = co_await acquire();
    co_return co_await lease->execute(std::move(command));
}

Task<std::vector<Reply>> Pool::execute(const Pipeline& p) {
    if (free_.locked()) {
        SemaphoreGuard permit = co_await free_.acquire();
    }
    std::shared_ptr<detail::ConnState> s = pick();
    co_return co_await detail::exec_many(std::move(s), p.bytes(), p.size());
}

Pipeline Pool::pipeline() {
    Pipeline p;
    p.pool_ = this;
    return p;
}

Task<Pool::Lease> Pool::acquire() {
    if (closed_) throw ConnectionError("simul::redis::Pool: the pool is closed");
    SemaphoreGuard permit = co_await free_.acquire();
    if (closed_) throw ConnectionError("simul::redis::Pool: the pool is closed");
    const std::size_t i = pick_for_lease();
    slots_[i].leased = true;
    co_return Lease(this, i, Connection(slots_[i].conn, false), std::move(permit));
}

Pool::Lease::Lease(Pool* p, std::size_t slot, Connection c, SemaphoreGuard g) noexcept
    : pool_(p), slot_(slot), conn_(std::move(c)), permit_(std::move(g)) {}

Pool::Lease::Lease(Lease&& o) noexcept
    : pool_(std::exchange(o.pool_, nullptr)), slot_(o.slot_), conn_(std::move(o.conn_)), permit_(std::move(o.permit_)) {}

Pool::Lease& Pool::Lease::operator=(Lease&& o) noexcept {
    if (this != &o) {
        release();
        pool_ = std::exchange(o.pool_, nullptr);
        slot_ = o.slot_;
        conn_ = std::move(o.conn_);
        permit_ = std::move(o.permit_);
    }
    return *this;
}

Pool::Lease::~Lease() { release(); }

void Pool::Lease::release() noexcept {
    if (!pool_) return;
    Pool* p = std::exchange(pool_, nullptr);
    conn_ = Connection();
    p->give_back(slot_);
    permit_.release();
}

Task<AsyncGenerator<Message>> Pool::subscribe(std::vector<std::string> channels, std::vector<std::string> patterns) {
    Subscriber sub = co_await Subscriber::open(host_, port_, options_.connection());
    if (!channels.empty()) co_await sub.subscribe(std::move(channels));
    if (!patterns.empty()) co_await sub.psubscribe(std::move(patterns));
    co_return detail::owning_messages(std::move(sub));
}

Pool::Statistics Pool::statistics() const {
    Statistics st{};
    st.size = slots_.size();
    for (const Slot& s : slots_) {
        if (s.conn && s.conn->usable()) ++st.open;
        if (s.leased) ++st.leased;
        if (s.conn) st.in_flight += s.conn->in_flight();
    }
    st.waiting = free_.statistics().waiters;
    st.replaced = replaced_;
    return st;
}

}  // namespace simul::redis
