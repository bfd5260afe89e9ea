// simul/adapters/mongo/error.hpp: the errors the MongoDB adapter raises.
//
// mongo::Error is the server's own refusal: a reply with ok:0, a write error
// (writeErrors) or a write-concern error. It carries the server's numeric
// code and its codeName (11000 "DuplicateKey", 43 "CursorNotFound", 59
// "CommandNotFound"...) and the reply it came in, and the connection stays in
// use: the exchange itself went well.
//
// The exchange going wrong is a different kind of error, and the connection
// is closed and dropped from the pool:
//   - mongo::ConnectionError: could not connect, or the server closed or
//     reset the connection before the whole reply came;
//   - mongo::ProtocolError: a reply that is not one (a length out of range,
//     an opCode other than OP_MSG, a responseTo for another request, BSON
//     that does not validate);
//   - simul::TimeoutError: no reply within Options::request_timeout (or no
//     connection within connect_timeout).
// All of them are simul::Error, so `catch (const simul::Error&)` takes every
// failure of a request; simul::Cancelled passes through untouched.
//
//     try {
//         co_await users.insert_one(mongo::doc("_id", id, "name", "ada"));
//     } catch (const mongo::Error& e) {
//         if (e.code() == 11000) { /* already there */ }
//     }
#pragma once

#include <string>
#include <vector>

#include <simul/adapters/mongo/document.hpp>
#include <simul/core/error.hpp>

namespace simul::mongo {

// One failed document of a write (insert/update/delete), as the server reports it.
struct WriteError {
    int index = 0;  // position in the request's list
    int code = 0;
    std::string code_name;
    std::string message;
};

class Error : public simul::Error {
public:
    Error(std::string what, int code, std::string code_name, Document reply = {},
          std::vector<WriteError> write_errors = {})
        : simul::Error(std::move(what)),
          code_(code),
          code_name_(std::move(code_name)),
          reply_(std::move(reply)),
          write_errors_(std::move(write_errors)) {}

    int code() const noexcept { return code_; }
    const std::string& code_name() const noexcept { return code_name_; }
    const Document& reply() const noexcept { return reply_; }
    // Every failed document when the error came from writeErrors (the first one
    // gives code() and code_name()); empty for a command error.
    const std::vector<WriteError>& write_errors() const noexcept { return write_errors_; }

private:
    int code_;
    std::string code_name_;
    Document reply_;
    std::vector<WriteError> write_errors_;
};

class ConnectionError : public simul::Error {
public:
    using simul::Error::Error;
};

class ProtocolError : public simul::Error {
public:
    using simul::Error::Error;
};

}  // namespace simul::mongo
