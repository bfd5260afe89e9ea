// Connection: one request at a time on one socket.
//
// in_flight_ is set before the first byte of a request is written and
// cleared only after its whole reply is read and parsed. Any exit in between
// (Cancelled, a timeout, a reset, a malformed reply) leaves it set, and the
// stream is closed: that is the whole of the cancellation-safety argument.
#include <simul/adapters/mongo/connection.hpp>

#include <poll.h>

#include <simul/coro/wait_for.hpp>
#include <simul/net/tcp.hpp>

#include "wire.hpp"

namespace simul::mongo {

namespace {
// ok: 1 (servers send a double; some an int32, or true).
bool reply_ok(const Document& reply) {
    auto ok = reply.find("ok");
    if (!ok) return false;
    if (ok->type() == Value::Type::boolean) return ok->as_bool();
    return ok->is_number() && ok->as_double() == 1.0;
}
}  // namespace

void check_ok(const Document& reply, std::string_view what) {
    if (reply_ok(reply)) return;
    int code = 0;
    std::string code_name, errmsg;
    if (auto c = reply.find("code"); c && c->is_number()) code = int(c->as_int64());
    if (auto c = reply.find("codeName"); c && c->type() == Value::Type::string) code_name = c->as_string();
    if (auto c = reply.find("errmsg"); c && c->type() == Value::Type::string) errmsg = c->as_string();
    throw Error("simul::mongo: the server refused \"" + std::string(what) + "\": " +
                    (errmsg.empty() ? std::string("(no message)") : errmsg) + " (code " + std::to_string(code) +
                    (code_name.empty() ? "" : " " + code_name) + ")",
                code, code_name, reply);
}

namespace {

Document hello_command(const std::string& app_name) {
    Document driver{{"name", "simul"}, {"version", "0.1"}};
    Document os{{"type", "Linux"}};
    Document client{{"driver", driver}, {"os", os}, {"platform", "C++20 (simul)"}};
    if (!app_name.empty()) client.append("application", Document{{"name", app_name}});
    return Document{{"hello", 1}, {"client", client}};
}

}  // namespace

namespace {

Task<Connection> connect_and_greet(std::string host, std::uint16_t port, std::string app_name) {
    std::string peer = host + ":" + std::to_string(port);
    Stream s;
    ConnectOptions options;  // named, not a braced default argument (g++ 12)
    try {
        s = co_await open_connection(host, port, options);
    } catch (const std::system_error& e) {
        throw ConnectionError("simul::mongo: could not connect to " + peer + ": " + e.what() + "; is the server running?");
    } catch (const TimeoutError&) {
        throw;
    } catch (const simul::Error& e) {
        throw ConnectionError("simul::mongo: could not connect to " + peer + ": " + e.what());
    }
    co_return co_await Connection::handshake(std::move(s), std::move(peer), std::move(app_name));
}

}  // namespace

Task<Connection> Connection::open(std::string host, std::uint16_t port, Duration connect_timeout, std::string app_name) {
    if (connect_timeout <= Duration::zero()) co_return co_await connect_and_greet(std::move(host), port, std::move(app_name));
    // One deadline for the TCP connect and the hello together: a server that
    // accepts but never answers must not hang the pool.
    std::string peer = host + ":" + std::to_string(port);
    bool timed_out = false;
    try {
        co_return co_await wait_for(connect_and_greet(std::move(host), port, std::move(app_name)), connect_timeout);
    } catch (const TimeoutError&) {
        timed_out = true;
    }
    if (timed_out)
        throw TimeoutError("simul::mongo: could not connect to " + peer + " and complete the hello within " +
                           simul::detail::format_duration(connect_timeout) + " (Options::connect_timeout)");
    throw InvalidStateError("simul::mongo: unreachable");
}

Task<Connection> Connection::handshake(Stream stream, std::string peer, std::string app_name) {
    Connection c;
    c.stream_ = std::move(stream);
    c.peer_ = std::move(peer);
    Document hello_cmd = hello_command(app_name);
    Document hello = co_await c.round_trip("admin", std::move(hello_cmd), std::vector<Sequence>());
    if (!reply_ok(hello)) {
        // A server older than 4.4.2 knows only the old name of the handshake.
        Document legacy = hello_command(app_name);
        Document cmd{{"isMaster", 1}};
        cmd.append("client", legacy.at("client"));
        hello = co_await c.command("admin", std::move(cmd));
    }
    ServerInfo& info = c.info_;
    if (auto v = hello.find("maxWireVersion"); v && v->is_number()) info.max_wire_version = int(v->as_int64());
    if (info.max_wire_version < 6) {
        c.close();
        throw ConnectionError("simul::mongo: " + c.peer_ + " speaks wire version " + std::to_string(info.max_wire_version) +
                              "; this client needs OP_MSG (wire version 6, MongoDB 3.6) or later");
    }
    if (auto v = hello.find("maxBsonObjectSize"); v && v->is_number()) info.max_bson_object_size = v->as_int64();
    if (auto v = hello.find("maxMessageSizeBytes"); v && v->is_number()) info.max_message_size_bytes = v->as_int64();
    if (auto v = hello.find("maxWriteBatchSize"); v && v->is_number()) info.max_write_batch_size = v->as_int64();
    info.hello = std::move(hello);
    co_return c;
}

Task<Document> Connection::command(std::string db, Document cmd, std::vector<Sequence> sequences) {
    const std::string name(cmd.first_key());
    Document reply = co_await round_trip(std::move(db), std::move(cmd), std::move(sequences));
    check_ok(reply, name);
    co_return reply;
}

Task<Document> Connection::round_trip(std::string db, Document cmd, std::vector<Sequence> sequences) {
    if (stream_.is_closed())
        throw ConnectionError("simul::mongo: the connection to " + peer_ + " is closed; open a new one (a Client's pool does)");
    if (in_flight_)
        throw InvalidStateError("simul::mongo::Connection: another command is still waiting for its reply; a Connection runs "
                                "one command at a time (use a Client for concurrency)");
    cmd.append("$db", db);
    const std::int32_t id = next_id_;
    next_id_ = next_id_ == INT32_MAX ? 1 : next_id_ + 1;
    std::string msg = wire::encode_msg(id, cmd, sequences);
    if (std::int64_t(msg.size()) > info_.max_message_size_bytes && info_.max_wire_version != 0)
        throw ProtocolError("simul::mongo: the request is " + std::to_string(msg.size()) + " bytes; " + peer_ +
                            " accepts at most " + std::to_string(info_.max_message_size_bytes) + " (maxMessageSizeBytes)");

    in_flight_ = true;
    struct CloseUnlessDone {
        Connection* c;
        ~CloseUnlessDone() {
            if (c->in_flight_) c->stream_.close();
        }
    } guard{this};

    try {
        co_await stream_.write(msg);
    } catch (const std::system_error& e) {
        throw ConnectionError("simul::mongo: the connection to " + peer_ + " failed: " + e.what());
    }
    // The reply, read into this connection's own buffer (read_some reads
    // straight into it: no copy through the stream, no zero-filling).
    const std::int64_t limit = std::max<std::int64_t>(info_.max_message_size_bytes, 48'000'000);
    std::size_t need = wire::kHeaderSize, have = 0;
    wire::Header h{};
    if (rbuf_.size() < 16 * 1024) rbuf_.resize(16 * 1024);
    while (have < need) {
        if (rbuf_.size() < need) rbuf_.resize(need);
        std::size_t n = 0;
        try {
            n = co_await stream_.read_some(rbuf_.data() + have, rbuf_.size() - have);
        } catch (const std::system_error& e) {
            throw ConnectionError("simul::mongo: the connection to " + peer_ + " failed while reading a reply: " + e.what());
        }
        if (n == 0) {
            if (have == 0)
                throw ConnectionError("simul::mongo: " + peer_ + " closed the connection before replying");
            throw ConnectionError("simul::mongo: " + peer_ + " closed the connection in the middle of a reply (" +
                                  std::to_string(have) + " of " + (need > wire::kHeaderSize ? std::to_string(need) : std::string("?")) +
                                  " bytes came)");
        }
        have += n;
        if (need == wire::kHeaderSize && have >= wire::kHeaderSize) {
            h = wire::decode_header(std::string_view(rbuf_.data(), wire::kHeaderSize));
            if (h.length < std::int32_t(wire::kHeaderSize + 5) || h.length > limit)
                throw ProtocolError("simul::mongo: malformed reply from " + peer_ + ": message length " + std::to_string(h.length) +
                                    " is out of range [21, " + std::to_string(limit) + "]");
            if (h.op_code != wire::kOpMsg)
                throw ProtocolError("simul::mongo: malformed reply from " + peer_ + ": opCode " + std::to_string(h.op_code) +
                                    ", expected OP_MSG (2013)");
            if (h.response_to != id)
                throw ProtocolError("simul::mongo: reply from " + peer_ + " answers request " + std::to_string(h.response_to) +
                                    ", expected " + std::to_string(id) + "; the connection is out of step and is closed");
            need = std::size_t(h.length);
        }
    }
    std::string_view rest(rbuf_.data() + wire::kHeaderSize, need - wire::kHeaderSize);
    Document body = wire::decode_msg_body(h, rest);
    in_flight_ = false;
    // Bytes past the reply were never asked for: the server is out of step.
    if (have > need) stream_.close();
    if (rbuf_.size() > 1024 * 1024) std::vector<char>().swap(rbuf_);  // a big reply's buffer goes with it
    co_return body;
}

bool Connection::alive() const noexcept {
    if (!usable()) return false;
    pollfd p{stream_.fd(), POLLIN | POLLRDHUP, 0};
    if (stream_.buffered() > 0) return false;  // bytes nobody asked for: out of step
    int r = ::poll(&p, 1, 0);
    return r == 0;  // anything readable on an idle connection is an EOF, a reset or garbage
}

}  // namespace simul::mongo
