// simul/coro/task_local.hpp: TaskLocal<T>, a value per task (asyncio's contextvars).
//
// A TaskLocal is declared once, usually at namespace scope, and each task sees
// its own value: `set()` in a task changes what that task (and every
// coroutine it awaits inline, which is part of it) sees from then on; a task
// it spawns afterwards starts with a copy of its values, taken at the spawn,
// so later changes on either side stay on that side; sibling tasks never see
// each other's. Outside any task (in a callback, before run()) get() gives
// the default.
//
//     simul::TaskLocal<std::string> request_id{"-"};
//
//     simul::Task<> log(std::string_view what) {
//         std::printf("[%s] %.*s\n", request_id.get().c_str(), int(what.size()), what.data());
//         co_return;
//     }
//     simul::Task<> handle(simul::Stream s, int n) {
//         request_id.set("req-" + std::to_string(n));   // this task and what it spawns
//         co_await log("start");                         // [req-7] start
//         co_await simul::spawn(log("in a child"));      // [req-7] in a child
//     }
//
// `auto restore = request_id.scoped(v)` sets a value until `restore` goes out
// of scope (a Token, as contextvars' reset()).
//
// Costs: nothing for tasks that never set a value (one flag tested at spawn
// and at the end). A task with values keeps them in the loop's side table;
// a spawn shares its parent's (immutable) table, and the first set() on
// either side copies it (copy on write), so a spawn costs one reference, not
// a copy of every value. to_thread() workers do not see task-local values.
//
// Cancellation: none; values are plain data.
#pragma once

#include <memory>
#include <utility>
#include <vector>

#include <simul/core/error.hpp>
#include <simul/core/loop.hpp>
#include <simul/detail/task_header.hpp>

namespace simul {

namespace detail {
// A task's task-local values: immutable once shared; keyed by the TaskLocal's
// address. Few per task, so a vector beats a map.
struct TaskContext {
    std::vector<std::pair<const void*, std::shared_ptr<const void>>> values;
    const void* find(const void* key) const noexcept {
        for (const auto& [k, v] : values)
            if (k == key) return v.get();
        return nullptr;
    }
};
}  // namespace detail

template <class T>
class TaskLocal {
public:
    TaskLocal() = default;
    explicit TaskLocal(T default_value) : default_(std::move(default_value)) {}
    TaskLocal(const TaskLocal&) = delete;
    TaskLocal& operator=(const TaskLocal&) = delete;

    // The running task's value, or the default.
    const T& get() const noexcept {
        if (const T* v = find()) return *v;
        return default_;
    }
    // True if the running task (or the task it was spawned from) set one.
    bool is_set() const noexcept { return find() != nullptr; }

    // Sets the running task's value. simul::Error outside a task.
    void set(T value) {
        Loop* loop = Loop::current();
        detail::TaskHeader* t = loop ? loop->current_task() : nullptr;
        if (!t)
            throw Error("simul::TaskLocal::set must be called inside a task (a coroutine run by simul::run or "
                        "simul::spawn); outside one there is no task to hold the value");
        auto next = std::make_shared<detail::TaskContext>();
        if (const detail::TaskContext* now = loop->context_of(t)) next->values = now->values;
        auto boxed = std::make_shared<const T>(std::move(value));
        bool replaced = false;
        for (auto& [k, v] : next->values)
            if (k == this) {
                v = boxed;
                replaced = true;
            }
        if (!replaced) next->values.emplace_back(this, std::move(boxed));
        loop->set_context(t, std::move(next));
    }

    // Restores the previous value (or none) when it goes out of scope.
    class [[nodiscard]] Token {
    public:
        Token(TaskLocal& local, std::shared_ptr<const T> previous, bool had)
            : local_(&local), previous_(std::move(previous)), had_(had) {}
        Token(Token&& o) noexcept : local_(std::exchange(o.local_, nullptr)), previous_(std::move(o.previous_)), had_(o.had_) {}
        Token(const Token&) = delete;
        ~Token() {
            if (!local_) return;
            try {
                local_->restore(previous_, had_);
            } catch (...) {
            }
        }

    private:
        TaskLocal* local_;
        std::shared_ptr<const T> previous_;
        bool had_;
    };
    Token scoped(T value) {
        const T* now = find();
        std::shared_ptr<const T> previous = now ? std::make_shared<const T>(*now) : nullptr;
        set(std::move(value));
        return Token(*this, std::move(previous), now != nullptr);
    }

private:
    const T* find() const noexcept {
        Loop* loop = Loop::current();
        if (!loop) return nullptr;
        const detail::TaskContext* c = loop->context_of(loop->current_task());
        return c ? static_cast<const T*>(c->find(this)) : nullptr;
    }
    void restore(const std::shared_ptr<const T>& previous, bool had) {
        if (had) {
            set(*previous);
            return;
        }
        Loop* loop = Loop::current();
        detail::TaskHeader* t = loop ? loop->current_task() : nullptr;
        const detail::TaskContext* now = t ? loop->context_of(t) : nullptr;
        if (!now) return;
        auto next = std::make_shared<detail::TaskContext>();
        for (const auto& kv : now->values)
            if (kv.first != this) next->values.push_back(kv);
        loop->set_context(t, std::move(next));
    }

    T default_{};
};

}  // namespace simul
