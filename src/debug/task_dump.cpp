// Loop::dump_tasks (simul::dump_tasks, debug/task_dump.hpp): every live task,
// its state, what it waits on and where, and who awaits it.
#include <simul/core/loop.hpp>
#include <simul/coro/spawn.hpp>

#include <cstdio>
#include <string>
#include <vector>

#include "debug/stall_watchdog.hpp"  // describe_site

#if SIMUL_HAVE_STACKTRACE
#include <boost/stacktrace/frame.hpp>
#endif

namespace simul {

namespace {

// The line of a `co_await handle`: the awaiter kept the address its
// await_suspend returns to, inside the awaiting coroutine. One byte back is
// the call itself, whose line the debug info gives.
std::string describe_join_site(const detail::JoinAwaiterBase* j) {
    if (j->site.file_name() && *j->site.file_name()) return detail::describe_site(j->site);
#if SIMUL_HAVE_STACKTRACE
    if (j->caller) {
        const boost::stacktrace::frame f(static_cast<const char*>(j->caller) - 1);
        const std::string file = f.source_file();
        std::string out = file.empty() ? std::string("an unknown line") : file + ":" + std::to_string(f.source_line());
        const std::string fn = f.name();
        if (!fn.empty()) out += " in " + detail::short_function_name(fn);
        return out;
    }
#endif
    return "an unknown line";
}

std::string seconds(std::int64_t ns) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "%.3f s", double(ns) / 1e9);
    return buf;
}

}  // namespace

void Loop::dump_tasks(std::string& out) const {
    out += "simul: " + std::to_string(live_tasks_) + " task" + (live_tasks_ == 1 ? "" : "s") +
           " alive at t=" + seconds(now_ns() - epoch_ns_) + (virtual_ ? " (virtual clock)" : "") + "\n";
    // Sleeping tasks are in the sleep wheel, not in the live list: list them
    // after the others (copied first: the wheel is walked, not changed).
    std::vector<const detail::TaskHeader*> tasks;
    for (const detail::LiveLinks* l = all_.next_all_; l != &all_; l = l->next_all_) tasks.push_back(detail::TaskHeader::of(l));
    sleeps_.for_each([&](const detail::TaskHeader* t) { tasks.push_back(t); });
    for (const detail::TaskHeader* t : tasks) {
        out += "  task '" + task_name(t) + "'";
        auto it = info_.find(t);
        if (it != info_.end() && !it->second.name.empty())
            out += " (spawned at " + detail::describe_site(it->second.spawned_at) + ")";
        out += ": ";
        if (t == current_) {
            out += "running (it is the one asking for this dump)";
        } else if (t->scheduled_) {
            out += "ready to run";
            if (it != info_.end() && it->second.has_woken)
                out += " (woke from the wait at " + detail::describe_site(it->second.woke_at) + ")";
        } else if (!(t->flags_ & detail::kStarted) && !t->wait_) {
            out += "not started";
        } else if (const detail::Waiter* w = t->wait_) {
            const bool sleeping = t->flags_ & detail::kSleeping;
            const detail::WaitOps* ops = sleeping ? nullptr : w->ops;  // a sleep's word is its deadline
            out += "waiting on ";
            out += sleeping ? "sleep" : ops && ops->what ? ops->what : "something";
            if (ops && ops->describe) {
                out += " (";
                ops->describe(w, out);
                out += ")";
            }
            if (sleeping || (ops && ops->fire)) {  // a timer: say when it is due
                const std::uint64_t tick =
                    sleeping ? sleep_tick(t) : static_cast<const detail::TimerNode*>(w)->tick_;
                const std::int64_t due = epoch_ns_ + std::int64_t(tick) * 1'000'000;
                out += " until t=" + seconds(due - epoch_ns_) + " (in " + seconds(due - now_ns()) + ")";
            }
            if (ops == &detail::JoinAwaiterBase::kOps) {
                const auto* j = static_cast<const detail::JoinAwaiterBase*>(w);
                if (j->child) out += " '" + task_name(j->child) + "'";
                out += ", at " + describe_join_site(j);
            } else {
                out += ", at " + detail::describe_site(w->site);
            }
        } else {
            out += "suspended (no wait recorded)";
        }
        out += "\n";
        // The async backtrace: who awaits this task, and who awaits that one.
        const detail::TaskHeader* child = t;
        for (int depth = 0; depth < 64 && (child->flags_ & detail::kSpawned) && child->completion_; ++depth) {
            const detail::Completion* c = child->completion_;
            if (c->on_done != &detail::JoinAwaiterBase::on_child_done) {
                out += "      awaited by a gather, group or wait\n";
                break;
            }
            const auto* j = static_cast<const detail::JoinAwaiterBase*>(c);
            if (!j->self) break;
            out += "      awaited by task '" + task_name(j->self) + "' at " + describe_join_site(j) + "\n";
            child = j->self;
        }
    }
}

}  // namespace simul
