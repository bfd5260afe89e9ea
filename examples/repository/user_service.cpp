#include "user_service.hpp"

#include <algorithm>

#include <simul/coro/wait_for.hpp>
#include <simul/sync/task_group.hpp>

namespace repo {

simul::Task<User> UserService::sign_up(std::string name, std::string email) {
    if (name.empty()) throw InvalidRequest("sign_up: the name is empty");
    if (email.find('@') == std::string::npos) throw InvalidRequest("sign_up: '" + email + "' is not an email address");
    co_return co_await users_.add(std::move(name), std::move(email));
}

simul::Task<std::optional<User>> UserService::profile(UserId id) {
    co_return co_await users_.get(std::move(id));
}

simul::Task<std::vector<User>> UserService::search(std::string name) {
    co_return co_await users_.find_by_name(std::move(name));
}

simul::Task<std::vector<User>> UserService::page(UserId after, std::size_t size) {
    co_return co_await users_.list(std::move(after), std::min(size, kMaxPage));
}

simul::Task<bool> UserService::change_email(UserId id, std::string email) {
    if (email.find('@') == std::string::npos) throw InvalidRequest("change_email: '" + email + "' is not an email address");
    std::optional<User> user = co_await users_.get(id);
    if (!user) co_return false;
    user->email = std::move(email);
    co_return co_await users_.update(std::move(*user));
}

simul::Task<bool> UserService::close_account(UserId id) {
    co_return co_await users_.remove(std::move(id));
}

// ---- serve(): the clients' side -------------------------------------------

namespace {

std::string show(const std::optional<User>& u) {
    return u ? "{" + u->id + ", " + u->name + ", " + u->email + "}" : "none";
}

std::string show(const std::vector<User>& users) {
    std::string s = "[";
    for (const User& u : users) s += (s.size() > 1 ? ", " : "") + show(u);
    return s + "]";
}

// One request of the mix, chosen by its number `i`; the answer is checked
// against what the seeded users (never changed) and its own writes imply.
// Returns "" when the answer is right, else what was wrong.
simul::Task<std::string> one_request(UserService& service, std::size_t i, const std::vector<User>& seeded, std::string tag) {
    const User& known = seeded[i % seeded.size()];
    switch (i % 10) {
    case 5: {  // search by name: exactly the one seeded user
        std::vector<User> found = co_await service.search(known.name);
        if (found != std::vector<User>{known}) co_return "search(" + known.name + ") gave " + show(found);
        co_return "";
    }
    case 6: {  // a page inside the seeded users: the next five, in order
        const std::size_t from = i % (seeded.size() - 5);
        std::vector<User> page = co_await service.page(seeded[from].id, 5);
        std::vector<User> expected(seeded.begin() + std::ptrdiff_t(from) + 1, seeded.begin() + std::ptrdiff_t(from) + 6);
        if (page != expected) co_return "page(" + seeded[from].id + ", 5) gave " + show(page);
        co_return "";
    }
    case 7: {  // sign up, then read back
        const std::string name = tag + "-new-" + std::to_string(i);
        User added = co_await service.sign_up(name, name + "@example.org");
        std::optional<User> read = co_await service.profile(added.id);
        if (read != added || added.name != name) co_return "profile of new " + show(added) + " gave " + show(read);
        co_return "";
    }
    case 8: {  // sign up, change the email, read back
        const std::string name = tag + "-moving-" + std::to_string(i);
        User added = co_await service.sign_up(name, name + "@old.example.org");
        const bool changed = co_await service.change_email(added.id, name + "@new.example.org");
        std::optional<User> read = co_await service.profile(added.id);
        if (!changed || !read || read->email != name + "@new.example.org")
            co_return "change_email of " + show(added) + " then profile gave " + show(read);
        co_return "";
    }
    case 9: {  // sign up, close, and it is gone
        const std::string name = tag + "-leaving-" + std::to_string(i);
        User added = co_await service.sign_up(name, name + "@example.org");
        const bool closed = co_await service.close_account(added.id);
        std::optional<User> read = co_await service.profile(added.id);
        const bool closed_again = co_await service.close_account(added.id);
        if (!closed || read || closed_again)
            co_return "close_account of " + show(added) + ": " + std::to_string(closed) + ", then " + show(read) + ", " +
                std::to_string(closed_again);
        co_return "";
    }
    default: {  // half of the requests: a profile by id
        std::optional<User> read = co_await service.profile(known.id);
        if (read != known) co_return "profile(" + known.id + ") gave " + show(read);
        co_return "";
    }
    }
}

simul::Task<> checked_request(UserService& service, std::size_t i, const std::vector<User>& seeded, std::string tag,
                              simul::Duration deadline, ServeReport& report) {
    std::string wrong;
    try {
        // Past the deadline the request is cancelled where it waits (in a
        // pool's queue, or for the database's answer) and TimeoutError comes out.
        wrong = co_await simul::wait_for(one_request(service, i, seeded, std::move(tag)), deadline);
    } catch (const std::exception& e) {  // TimeoutError is one; simul::Cancelled is not: a cancel goes through
        wrong = std::string("threw: ") + e.what();
    }
    if (wrong.empty())
        ++report.correct;
    else
        report.failures.push_back("request " + std::to_string(i) + ": " + wrong);
}

}  // namespace

simul::Task<ServeReport> serve(UserService& service, ServeOptions options) {
    if (options.seed_users < 6) throw InvalidRequest("serve: seed at least 6 users (a page is 5)");
    // One by one, so their ids are in the order of this vector.
    std::vector<User> seeded;
    for (std::size_t i = 0; i < options.seed_users; ++i) {
        const std::string name = options.tag + "-" + std::to_string(i);
        seeded.push_back(co_await service.sign_up(name, name + "@example.org"));
    }

    ServeReport report;
    report.requests = options.requests;
    const simul::TimePoint start = simul::now();
    simul::TaskGroup clients;  // every request at once; join() waits for the last
    for (std::size_t i = 0; i < options.requests; ++i)
        clients.spawn(checked_request(service, i, seeded, options.tag, options.deadline, report));
    co_await clients.join();
    report.elapsed = simul::now() - start;
    co_return report;
}

}  // namespace repo
