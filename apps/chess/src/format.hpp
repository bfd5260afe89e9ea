// apps/chess/src/format.hpp: durations, sizes and counts as people read them.
//
//     chess::hms(std::chrono::seconds(3655))         // "1:00:55"
//     chess::hms(std::chrono::milliseconds(5500))    // "0:00:05.5"
//     chess::wall(std::chrono::milliseconds(1015))   // "1.015 s"
//     chess::bytes(3 << 20)                           // "3.0 MiB"
//     chess::count(1000000)                           // "1,000,000"
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace chess {

// h:mm:ss, hours unbounded; milliseconds are added only when not zero.
std::string hms(std::chrono::nanoseconds d);

// A short real-time duration: "12 ms", "1.015 s", "75.2 s".
std::string wall(std::chrono::nanoseconds d);

// A size in bytes as KiB, MiB or GiB with one decimal.
std::string bytes(std::int64_t n);

// An integer with thousands separators.
std::string count(std::int64_t n);

}  // namespace chess
