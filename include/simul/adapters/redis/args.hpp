// simul/adapters/redis/args.hpp: Arg, ArgList and Command: the words of one Redis command.
//
// A command is a list of binary-safe arguments: `command("SET", key, value,
// "EX", 60)`. Each argument becomes an Arg: a string_view, a std::string, a
// C string, or a number (integers and doubles are formatted in place, no
// allocation). An Arg only views its string; the Command made from the
// ArgList encodes the whole command at once (RESP2's array of bulk strings,
// `*3\r\n$3\r\nSET\r\n...`, so any byte, NUL and "\r\n" included, goes through
// untouched) and owns the bytes. That happens when command() is *called*, so
// the arguments may die before the lazy Task is awaited:
//
//     std::vector<simul::Task<redis::Reply>> sets;
//     for (int i = 0; i < 1000; ++i)
//         sets.push_back(pool.command("SET", "k" + std::to_string(i), i));   // temporaries: fine
//     co_await simul::gather(std::move(sets));
//
// A Command up to 200 bytes is kept inline (no allocation); longer ones take
// one heap block. A bool or a char argument does not compile (which bytes
// would it be?): pass "1", 1 or std::string(1, c).
//
// Plain values: nothing here waits or can be cancelled.
#pragma once

#include <charconv>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace simul::redis {

class Arg {
public:
    Arg(std::string_view s) noexcept : p_(s.data()), n_(s.size()) {}
    Arg(const std::string& s) noexcept : p_(s.data()), n_(s.size()) {}
    Arg(const char* s) noexcept : p_(s), n_(std::strlen(s)) {}
    template <class I>
        requires(std::integral<I> && !std::same_as<I, bool> && !std::same_as<I, char>)
    Arg(I v) noexcept : own_(true) {
        n_ = std::size_t(std::to_chars(buf_, buf_ + sizeof buf_, v).ptr - buf_);
    }
    Arg(double v) noexcept : own_(true) {
        n_ = std::size_t(std::to_chars(buf_, buf_ + sizeof buf_, v).ptr - buf_);
    }
    // A bool or a single char is almost always a mistake (which bytes?): say so.
    Arg(bool) = delete;
    Arg(char) = delete;

    Arg() noexcept = default;  // the empty string

    std::string_view view() const noexcept { return own_ ? std::string_view(buf_, n_) : std::string_view(p_, n_); }

private:
    const char* p_ = "";
    std::size_t n_ = 0;
    bool own_ = false;
    char buf_[32];
};

class ArgList {
public:
    static constexpr std::size_t kInline = 8;

    ArgList() noexcept = default;
    ArgList(std::initializer_list<Arg> args) {
        for (const Arg& a : args) push_back(a);
    }
    ArgList(const ArgList& o) {
        for (std::size_t i = 0; i < o.size(); ++i) push_back(o[i]);
    }
    ArgList& operator=(const ArgList&) = delete;

    void push_back(const Arg& a) {
        if (n_ < kInline) {
            inline_[n_] = a;
        } else {
            if (heap_.empty()) heap_.reserve(2 * kInline);
            heap_.push_back(a);
        }
        ++n_;
    }
    std::size_t size() const noexcept { return n_; }
    bool empty() const noexcept { return n_ == 0; }
    const Arg& operator[](std::size_t i) const noexcept { return i < kInline ? inline_[i] : heap_[i - kInline]; }

private:
    Arg inline_[kInline];
    std::vector<Arg> heap_;
    std::size_t n_ = 0;
};

// One command, encoded (RESP) when it is made: a Task that holds it no
// longer depends on the arguments' lifetimes (Tasks are lazy: `auto t =
// conn.command("GET", std::to_string(i));` awaited later is safe). Commands up
// to 200 bytes stay inline, with no allocation.
class Command {
public:
    static constexpr std::size_t kInline = 200;

    explicit Command(const ArgList& args);
    explicit Command(const std::vector<std::string>& argv);
    Command(const Command& o) : n_(o.n_), heap_(o.heap_) {
        if (heap_.empty()) std::memcpy(inline_, o.inline_, n_);
    }
    Command(Command&& o) noexcept : n_(o.n_), heap_(std::move(o.heap_)) {
        if (heap_.empty()) std::memcpy(inline_, o.inline_, n_);
    }
    Command& operator=(const Command&) = delete;

    std::string_view bytes() const noexcept { return heap_.empty() ? std::string_view(inline_, n_) : std::string_view(heap_); }
    // The command's name (its first argument), for messages.
    std::string_view name() const noexcept;

private:
    std::size_t n_ = 0;
    std::string heap_;
    char inline_[kInline];
};

namespace detail {

// Appends the RESP encoding of `args` to `out`.
void encode(std::string& out, const ArgList& args);
void encode(std::string& out, const std::vector<std::string>& args);
void encode(std::string& out, const std::vector<std::string_view>& args);

}  // namespace detail

}  // namespace simul::redis
