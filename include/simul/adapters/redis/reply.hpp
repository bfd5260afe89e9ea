// simul/adapters/redis/reply.hpp: Reply, one RESP2 reply as a typed variant; the Redis errors.
//
// A Reply is what the server answered: nil, an integer, a status (a simple
// string such as "OK" or "PONG"), a bulk string (binary-safe: any bytes,
// embedded NULs and "\r\n" included), an error, or an array of Replies. The
// helpers say what it is (`is_nil()`, `is_int()`, ...) and take it out
// (`as_string()`, `as_int()`, `as_array()`); taking out the wrong kind throws
// simul::redis::TypeError naming both kinds, never undefined behaviour.
// variant() gives the std::variant itself, for std::visit.
//
//     redis::Reply r = co_await pool.command("GET", "user:1");
//     if (r.is_nil()) { /* missing */ } else use(r.as_string());
//
// Errors: a server error reply to Connection::command() / Pool::command() is
// thrown as simul::redis::Error (what() is the server's message, code() its
// first word: "ERR", "WRONGTYPE", ...). Inside an array (EXEC) or a
// pipeline's results, errors stay Replies (is_error()), so one failed command
// does not hide the others. A connection that breaks (refused, reset, closed,
// a malformed reply) is simul::redis::ConnectionError.
//
// Replies are plain values: no cancellation or waiting here.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <simul/core/error.hpp>

namespace simul::redis {

// A server error reply ("-ERR ...", "-WRONGTYPE ..."), thrown by command().
class Error : public simul::Error {
public:
    explicit Error(std::string message);
    // The first word of the message ("ERR", "WRONGTYPE", "NOAUTH", ...).
    std::string code() const;
    // The server's message as it sent it.
    const std::string& message() const noexcept { return message_; }

private:
    std::string message_;
};

// The connection is unusable: refused, reset, closed, or the server sent
// bytes that are not RESP. Requests in flight on it fail with this error.
class ConnectionError : public simul::Error {
public:
    using simul::Error::Error;
};

// A Reply was asked for a kind it does not hold (as_int() on a bulk string
// that is not a number, as_array() on nil, ...).
class TypeError : public simul::Error {
public:
    using simul::Error::Error;
};

class Reply {
public:
    enum class Type : std::uint8_t { nil, integer, status, string, error, array };

    struct Nil {
        bool operator==(const Nil&) const noexcept = default;
    };
    struct Status {
        std::string text;
        bool operator==(const Status&) const = default;
    };
    struct ErrorText {
        std::string text;
        bool operator==(const ErrorText&) const = default;
    };
    // The alternatives, in the order of Type.
    using Variant = std::variant<Nil, long long, Status, std::string, ErrorText, std::vector<Reply>>;

    Reply() noexcept = default;  // nil
    static Reply nil() { return Reply(); }
    static Reply integer(long long v) {
        Reply r;  // emplaced, not moved from a temporary variant: g++ 12 with ASan warns of the move
        r.v_.emplace<1>(v);
        return r;
    }
    static Reply status(std::string s) { return Reply(Variant(std::in_place_index<2>, Status{std::move(s)})); }
    static Reply string(std::string s) { return Reply(Variant(std::in_place_index<3>, std::move(s))); }
    static Reply error(std::string s) { return Reply(Variant(std::in_place_index<4>, ErrorText{std::move(s)})); }
    static Reply array(std::vector<Reply> v) { return Reply(Variant(std::in_place_index<5>, std::move(v))); }

    Type type() const noexcept { return Type(v_.index()); }
    bool is_nil() const noexcept { return type() == Type::nil; }
    bool is_int() const noexcept { return type() == Type::integer; }
    bool is_status() const noexcept { return type() == Type::status; }
    bool is_string() const noexcept { return type() == Type::string; }
    bool is_error() const noexcept { return type() == Type::error; }
    bool is_array() const noexcept { return type() == Type::array; }

    // A bulk string or a status, as the bytes it holds.
    const std::string& as_string() const&;
    std::string as_string() &&;
    // An integer reply, or a bulk string/status that is a base-10 integer
    // (GET of a counter answers "42").
    long long as_int() const;
    const std::vector<Reply>& as_array() const&;
    std::vector<Reply> as_array() &&;
    // The text of an error reply.
    const std::string& error_message() const;

    const Variant& variant() const noexcept { return v_; }
    Variant& variant() noexcept { return v_; }

    // "nil", "integer", "status", "string", "error", "array".
    static const char* type_name(Type t) noexcept;
    // A readable form for messages and tests: (nil), (integer) 3, "bytes", ...
    std::string to_string() const;

    bool operator==(const Reply& o) const { return v_ == o.v_; }

private:
    explicit Reply(Variant v) noexcept : v_(std::move(v)) {}
    [[noreturn]] void wrong_type(const char* wanted) const;
    Variant v_;
};

}  // namespace simul::redis
