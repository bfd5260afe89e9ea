// simul/core/error.hpp: the exceptions simul itself throws.
//
// Errors from the operating system are std::system_error with the errno.
// simul's own errors derive from simul::Error (a std::runtime_error), and each
// message says what went wrong and what to do about it:
//
//     try {
//         co_await simul::wait_for(fetch(), 2s);
//     } catch (const simul::TimeoutError& e) {   // also a simul::Error
//         std::cerr << e.what() << '\n';
//     }
//
// simul::Cancelled is deliberately *not* a std::exception: a `catch
// (const std::exception&)` written for ordinary errors must not swallow a
// cancellation (Python made the same change in 3.8). Catch it by name, clean
// up, and rethrow.
#pragma once

#include <stdexcept>
#include <string>

namespace simul {

// Base of every error simul raises on its own account.
class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// A deadline passed: wait_for(), and later timeout() and fail_after().
class TimeoutError : public Error {
public:
    using Error::Error;
};

// An operation was asked of an object in the wrong state (a Future's result
// before it is done, a task awaited twice).
class InvalidStateError : public Error {
public:
    using Error::Error;
};

// Thrown at a task's suspension point when the task is cancelled. The task may
// clean up (and may co_await while doing so), then should let it propagate.
class Cancelled {
public:
    const char* what() const noexcept { return "simul::Cancelled: the task was cancelled"; }
};

}  // namespace simul
