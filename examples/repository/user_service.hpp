// examples/repository/user_service.hpp: UserService, the program's rules on top of a UserRepository.
//
// The service checks what comes in (a name, an email that has an '@', a page
// size it caps) and otherwise leaves the work to the repository it was
// given; it is the same code on every backend. Each request is a task of
// its own: serve(service, options) sends `requests` of them at once, the way
// a server's connections would, each under a deadline, and checks every
// answer. What bounds the work is the database's connection pool: with
// 1,000 requests and a pool of 10, the other 990 tasks wait in the pool's
// queue, not in the server.
//
// Cancellation: cancelling serve() cancels every request in flight (they
// are the children of one TaskGroup) and waits for them to end.
#pragma once

#include <chrono>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

#include <simul/core/clock.hpp>

#include "user_repository.hpp"

namespace repo {

// A request the service refuses (a 400, in HTTP's words).
class InvalidRequest : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

class UserService {
public:
    static constexpr std::size_t kMaxPage = 100;

    explicit UserService(UserRepository& users) : users_(users) {}

    simul::Task<User> sign_up(std::string name, std::string email);
    simul::Task<std::optional<User>> profile(UserId id);
    simul::Task<std::vector<User>> search(std::string name);
    simul::Task<std::vector<User>> page(UserId after, std::size_t size);  // at most kMaxPage
    simul::Task<bool> change_email(UserId id, std::string email);        // false: no such user
    simul::Task<bool> close_account(UserId id);                           // false: no such user

private:
    UserRepository& users_;
};

struct ServeOptions {
    std::size_t requests = 1000;  // sent at once, each a task
    std::size_t seed_users = 100;  // added first, one by one, for the reads to find
    std::string tag = "run";       // names are tag-N, so runs that share a database do not meet
    simul::Duration deadline = std::chrono::seconds(10);  // for each request; past it, a failure
};

struct ServeReport {
    std::size_t requests = 0;
    std::size_t correct = 0;            // answered, and the answer was right
    std::vector<std::string> failures;  // what went wrong with the others
    simul::Duration elapsed{};          // from the first request to the last answer (seeding excluded)
};

// Seeds the users, then runs options.requests concurrent requests through
// `service` (a mix of reads and writes) and checks each answer.
simul::Task<ServeReport> serve(UserService& service, ServeOptions options);

}  // namespace repo
