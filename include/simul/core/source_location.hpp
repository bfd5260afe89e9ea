// simul/core/source_location.hpp: SourceLocation, the line of a co_await or a spawn.
//
// Awaitables take `SourceLocation site = SourceLocation::current()` as a
// default argument, so debug reports and task dumps can name the line where a
// task waits, with no debugger. It is std::source_location where the standard
// library provides it (one pointer); clang 14 with libstdc++ 12 lacks the
// builtin that needs, so there a three-field stand-in with the same interface
// is used.
#pragma once

#include <version>

#if defined(__cpp_lib_source_location)
#include <source_location>
namespace simul {
using SourceLocation = std::source_location;
}  // namespace simul
#else
namespace simul {
struct SourceLocation {
    static constexpr SourceLocation current(const char* file = __builtin_FILE(), unsigned line = __builtin_LINE(),
                                            const char* function = __builtin_FUNCTION()) noexcept {
        SourceLocation s;
        s.file_ = file;
        s.line_ = line;
        s.function_ = function;
        return s;
    }
    constexpr const char* file_name() const noexcept { return file_; }
    constexpr unsigned line() const noexcept { return line_; }
    constexpr unsigned column() const noexcept { return 0; }
    constexpr const char* function_name() const noexcept { return function_; }

    const char* file_ = "";
    unsigned line_ = 0;
    const char* function_ = "";
};
}  // namespace simul
#endif

#include <string>

namespace simul {

// SiteArg: how an awaitable takes the line of its co_await, as a defaulted
// last parameter `SiteArg site = SIMUL_SITE_HERE`. With g++ it is the one
// pointer that std::source_location wraps, a scalar: g++ 12 keeps every
// class-type temporary of a full-expression that contains co_await in the
// coroutine frame for the whole wait, so a std::source_location argument
// would cost 8 bytes in each waiting frame, and a pointer costs none.
#if defined(__cpp_lib_source_location) && defined(__has_builtin)
#if __has_builtin(__builtin_source_location)
#define SIMUL_SITE_IS_POINTER 1
#endif
#endif
#ifdef SIMUL_SITE_IS_POINTER
using SiteArg = decltype(__builtin_source_location());
#define SIMUL_SITE_HERE __builtin_source_location()
static_assert(sizeof(SourceLocation) == sizeof(SiteArg));
inline SourceLocation to_location(SiteArg p) noexcept { return __builtin_bit_cast(SourceLocation, p); }
#else
using SiteArg = SourceLocation;
#define SIMUL_SITE_HERE ::simul::SourceLocation::current()
inline SourceLocation to_location(SiteArg s) noexcept { return s; }
#endif

}  // namespace simul

namespace simul::detail {

// A function's qualified name without its parameters and return type, for
// reports: g++ spells a coroutine "void ns::f(ns::f()::_Z...Frame*)" and a
// stack frame "(anonymous namespace)::f(int) [clone .actor]".
inline std::string short_function_name(std::string name) {
    for (std::size_t at; (at = name.find("(anonymous namespace)")) != std::string::npos;)
        name.replace(at, 21, "{anonymous}");
    int depth = 0;  // cut at the first '(' outside template brackets
    for (std::size_t i = 0; i < name.size(); ++i) {
        if (name[i] == '<') ++depth;
        else if (name[i] == '>') --depth;
        else if (name[i] == '(' && depth == 0) {
            name.resize(i);
            break;
        }
    }
    depth = 0;  // drop the return type: the text before the last top-level space
    for (std::size_t i = name.size(); i-- > 0;) {
        if (name[i] == '>') ++depth;
        else if (name[i] == '<') --depth;
        else if (name[i] == ' ' && depth == 0) {
            name.erase(0, i + 1);
            break;
        }
    }
    return name + "()";
}

// "file:line in function()" for reports, or "an unknown line".
inline std::string describe_site(const SourceLocation& s) {
    if (!s.file_name() || !*s.file_name()) return "an unknown line";
    std::string out = std::string(s.file_name()) + ":" + std::to_string(s.line());
    const char* fn = s.function_name();
    if (!fn || !*fn) return out;
    return out + " in " + short_function_name(fn);
}

}  // namespace simul::detail
