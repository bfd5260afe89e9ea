#include "format.hpp"

#include <gtest/gtest.h>

namespace chess {
namespace {

using namespace std::chrono_literals;

TEST(Format, HmsShowsHoursMinutesSeconds) {
    EXPECT_EQ(hms(12h), "12:00:00");
    EXPECT_EQ(hms(1h + 55s), "1:00:55");
    EXPECT_EQ(hms(0s), "0:00:00");
    EXPECT_EQ(hms(100h + 1s), "100:00:01");
}

TEST(Format, HmsAddsMillisecondsOnlyWhenThereAreAny) {
    EXPECT_EQ(hms(5500ms), "0:00:05.5");
    EXPECT_EQ(hms(1ms), "0:00:00.001");
}

TEST(Format, CountSeparatesThousands) {
    EXPECT_EQ(count(0), "0");
    EXPECT_EQ(count(999), "999");
    EXPECT_EQ(count(1000), "1,000");
    EXPECT_EQ(count(1000000), "1,000,000");
}

TEST(Format, BytesPicksAUnit) {
    EXPECT_EQ(bytes(2048), "2.0 KiB");
    EXPECT_EQ(bytes(3 << 20), "3.0 MiB");
}

}  // namespace
}  // namespace chess
