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
