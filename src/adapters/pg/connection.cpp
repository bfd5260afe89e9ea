// Connection: connecting with PQconnectStartParams/PQconnectPoll on the loop,
// and the public requests, each a thin layer over ConnState::request.
#include <simul/adapters/pg/connection.hpp>

#include <arpa/inet.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include <simul/coro/wait_for.hpp>
#include <simul/net/address.hpp>

#include "conn_state.hpp"

namespace simul::pg {

using detail::ConnState;

namespace {

std::string trimmed(const char* s) {
    std::string m = s ? s : "";
    while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
    return m;
}

bool is_numeric_address(const std::string& h) {
    unsigned char buf[sizeof(in6_addr)];
    return ::inet_pton(AF_INET, h.c_str(), buf) == 1 || ::inet_pton(AF_INET6, h.c_str(), buf) == 1;
}

// A FATAL notice while idle means the server is ending this session; notices
// are otherwise dropped (libpq's default prints them on stderr).
void on_notice(void* arg, const PGresult* r) {
    const char* severity = PQresultErrorField(r, PG_DIAG_SEVERITY_NONLOCALIZED);
    if (severity && (std::strcmp(severity, "FATAL") == 0 || std::strcmp(severity, "PANIC") == 0))
        static_cast<ConnState*>(arg)->server_closing = true;
}

using KeyValues = std::vector<std::pair<std::string, std::string>>;

std::string value_of(const KeyValues& p, const char* key) {
    for (const auto& [k, v] : p)
        if (k == key) return v;
    return {};
}

// libpq looks names up with a blocking getaddrinfo; simul::resolve does it on
// the thread pool, and libpq gets the addresses as hostaddr.
Task<KeyValues> resolve_host(KeyValues params) {
    std::string host = value_of(params, "host");
    if (host.empty()) {
        // libpq would take PGHOST (and PGPORT) from the environment: look that up too.
        const char* env = std::getenv("PGHOST");
        if (!env || !*env) co_return params;
        host = env;
        params.emplace_back("host", host);
        if (value_of(params, "port").empty())
            if (const char* port = std::getenv("PGPORT"); port && *port) params.emplace_back("port", port);
    }
    if (host.empty() || host[0] == '/' || host[0] == '@' || host.find(',') != std::string::npos) co_return params;
    if (!value_of(params, "hostaddr").empty() || is_numeric_address(host)) co_return params;
    const std::string port_text = value_of(params, "port");
    const int port = port_text.empty() ? 5432 : std::atoi(port_text.c_str());
    std::vector<Address> addrs = co_await resolve(host, std::uint16_t(port));
    std::string hosts, hostaddrs;
    for (const Address& a : addrs) {
        hosts += (hosts.empty() ? "" : ",") + host;
        hostaddrs += (hostaddrs.empty() ? "" : ",") + a.host();
    }
    for (auto& [k, v] : params)
        if (k == "host") v = hosts;
    params.emplace_back("hostaddr", hostaddrs);
    co_return params;
}

Task<std::unique_ptr<ConnState>> connect_steps(KeyValues params, ConnectOptions options) {
    params = co_await resolve_host(std::move(params));
    std::vector<const char*> keys, values;
    for (const auto& [k, v] : params) {
        keys.push_back(k.c_str());
        values.push_back(v.c_str());
    }
    keys.push_back(nullptr);
    values.push_back(nullptr);

    auto st = std::make_unique<ConnState>();
    st->options = options;
    st->pg = PQconnectStartParams(keys.data(), values.data(), 0);
    if (!st->pg) throw std::bad_alloc();
    if (PQstatus(st->pg) == CONNECTION_BAD)
        throw ConnectionError("simul::pg: cannot connect: " + trimmed(PQerrorMessage(st->pg)), "08001");
    PQsetNoticeReceiver(st->pg, &on_notice, st.get());
    // As if PQconnectPoll had said "writing": the first step waits for the connect.
    PostgresPollingStatusType poll = PGRES_POLLING_WRITING;
    for (;;) {
        st->sync_socket();
        if (st->sock < 0) throw ConnectionError("simul::pg: cannot connect: " + trimmed(PQerrorMessage(st->pg)), "08001");
        co_await st->wait(poll == PGRES_POLLING_READING, poll != PGRES_POLLING_READING);
        poll = PQconnectPoll(st->pg);
        // libpq may have closed this socket and opened another (the next
        // address, a retry without SSL), possibly with the same number.
        st->forget_socket();
        if (poll == PGRES_POLLING_FAILED)
            throw ConnectionError("simul::pg: cannot connect: " + trimmed(PQerrorMessage(st->pg)), "08001");
        if (poll == PGRES_POLLING_OK) break;
    }
    if (PQsetnonblocking(st->pg, 1) != 0)
        throw ConnectionError("simul::pg: cannot switch the connection to non-blocking mode: " + trimmed(PQerrorMessage(st->pg)));
    st->sync_socket();
    co_return st;
}

std::string quote_identifier(PGconn* pg, const std::string& name) {
    char* q = PQescapeIdentifier(pg, name.c_str(), name.size());
    if (!q) throw Error("simul::pg: cannot quote the identifier \"" + name + "\": " + trimmed(PQerrorMessage(pg)));
    std::string out(q);
    PQfreemem(q);
    return out;
}

}  // namespace

Task<Connection> Connection::connect(std::vector<std::pair<std::string, std::string>> params, ConnectOptions options) {
    const Duration limit = options.connect_timeout;
    std::unique_ptr<ConnState> st;
    try {
        st = co_await wait_for(connect_steps(std::move(params), options), limit);
    } catch (const TimeoutError&) {
        throw TimeoutError("simul::pg: connecting took longer than the connect timeout (" +
                           std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(limit).count()) +
                           " ms); is the server up and reachable? (ConnectOptions::connect_timeout)");
    }
    co_return Connection(std::move(st));
}

Task<Connection> Connection::connect(std::string conninfo, ConnectOptions options) {
    char* err = nullptr;
    PQconninfoOption* opts = PQconninfoParse(conninfo.c_str(), &err);
    if (!opts) {
        std::string m = err ? trimmed(err) : "out of memory";
        if (err) PQfreemem(err);
        throw ConnectionError("simul::pg: bad connection string: " + m, "08001");
    }
    KeyValues params;
    for (PQconninfoOption* o = opts; o->keyword; ++o)
        if (o->val) params.emplace_back(o->keyword, o->val);
    PQconninfoFree(opts);
    co_return co_await connect(std::move(params), options);
}

Connection::Connection() noexcept = default;
Connection::Connection(std::unique_ptr<ConnState> s) noexcept : s_(std::move(s)) {}
Connection::Connection(Connection&&) noexcept = default;
Connection& Connection::operator=(Connection&&) noexcept = default;
Connection::~Connection() = default;

void Connection::close() noexcept {
    if (s_) s_->close();
}
bool Connection::is_open() const noexcept { return s_ && s_->pg && !s_->broken; }
bool Connection::is_broken() const noexcept { return s_ && s_->broken; }
bool Connection::in_transaction() const noexcept {
    if (!s_ || !s_->pg) return false;
    const auto t = PQtransactionStatus(s_->pg);
    return t == PQTRANS_INTRANS || t == PQTRANS_INERROR;
}
int Connection::backend_pid() const noexcept { return s_ && s_->pg ? PQbackendPID(s_->pg) : 0; }
pg_conn* Connection::native() const noexcept { return s_ ? s_->pg : nullptr; }

static ConnState& state_of(const std::unique_ptr<ConnState>& s) {
    if (!s) throw ConnectionError("simul::pg: the connection is closed (or was moved from); open a new one", "08003");
    return *s;
}

Task<Result> Connection::query_params(std::string sql, Params params) {
    ConnState& s = state_of(s_);
    co_return co_await s.request([&](PGconn* c) {
        const Params::View v = params.view();
        return PQsendQueryParams(c, sql.c_str(), v.n, v.types, v.values, v.lengths, v.formats, 0);
    });
}

Task<std::int64_t> Connection::execute_params(std::string sql, Params params) {
    Result r = co_await query_params(std::move(sql), std::move(params));
    co_return r.affected_rows();
}

Task<> Connection::prepare(std::string name, std::string sql) {
    ConnState& s = state_of(s_);
    co_await s.request([&](PGconn* c) { return PQsendPrepare(c, name.c_str(), sql.c_str(), 0, nullptr); });
}

Task<Result> Connection::query_prepared_params(std::string name, Params params) {
    ConnState& s = state_of(s_);
    co_return co_await s.request([&](PGconn* c) {
        const Params::View v = params.view();
        return PQsendQueryPrepared(c, name.c_str(), v.n, v.values, v.lengths, v.formats, 0);
    });
}

Task<std::int64_t> Connection::execute_prepared_params(std::string name, Params params) {
    Result r = co_await query_prepared_params(std::move(name), std::move(params));
    co_return r.affected_rows();
}

Task<Result> Connection::execute_script(std::string sql) {
    ConnState& s = state_of(s_);
    co_return co_await s.request([&](PGconn* c) { return PQsendQuery(c, sql.c_str()); });
}

Task<std::vector<Result>> Connection::pipeline(const Pipeline& batch) { return state_of(s_).run_pipeline(batch); }

Task<> Connection::listen(std::string channel) {
    ConnState& s = state_of(s_);
    s.check_usable();
    co_await execute_script("LISTEN " + quote_identifier(s.pg, channel));
}

Task<> Connection::unlisten(std::string channel) {
    ConnState& s = state_of(s_);
    s.check_usable();
    co_await execute_script("UNLISTEN " + quote_identifier(s.pg, channel));
}

Task<> Connection::notify(std::string channel, std::string payload) {
    co_await query("SELECT pg_notify($1, $2)", channel, payload);
}

AsyncGenerator<Notification> Connection::notifications() {
    ConnState* s = s_.get();
    if (!s) throw ConnectionError("simul::pg: the connection is closed (or was moved from)", "08003");
    for (;;) {
        s->check_usable();
        while (PGnotify* n = PQnotifies(s->pg)) {
            Notification note{n->relname ? n->relname : "", n->extra ? n->extra : "", n->be_pid};
            PQfreemem(n);
            co_yield note;
        }
        detail::UseGuard guard(*s);
        co_await s->wait(true, false);
        if (!PQconsumeInput(s->pg)) s->fail("the connection was lost while waiting for notifications");
        if (PQstatus(s->pg) == CONNECTION_BAD) s->fail("the server closed the connection");
    }
}

Task<> Connection::begin_transaction() {
    ConnState& s = state_of(s_);
    s.check_usable();
    if (in_transaction() && !s.needs_rollback)
        throw InvalidStateError(
            "simul::pg: transaction() inside a transaction: PostgreSQL has no nested transactions; use SAVEPOINT in the "
            "outer one");
    co_await execute("BEGIN");
}

Task<> Connection::commit_transaction() {
    Result r = co_await query_params("COMMIT", Params());
    // COMMIT of a transaction in which a statement failed (and fn caught the
    // error) is a ROLLBACK: tell the caller its changes are gone.
    if (r.command_status() == "ROLLBACK")
        throw Error("simul::pg: the transaction was rolled back at COMMIT because a statement in it had failed", "25P02");
}

Task<> Connection::rollback_transaction() {
    ConnState* s = s_.get();
    if (!s || !s->pg || s->broken) co_return;  // closing the connection rolls back
    if (PQtransactionStatus(s->pg) == PQTRANS_IDLE) co_return;
    bool cancelled = false;
    try {
        co_await execute("ROLLBACK");
    } catch (const Cancelled&) {
        cancelled = true;
    } catch (...) {
    }
    if (s->pg && !s->broken && PQtransactionStatus(s->pg) != PQTRANS_IDLE) s->needs_rollback = true;
    if (cancelled) throw Cancelled();
}

}  // namespace simul::pg
