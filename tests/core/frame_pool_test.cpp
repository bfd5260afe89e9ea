// The frame pool: 8-byte size classes, and every block aligned for what its
// size can hold (a size that is a multiple of 16 may be a 16-aligned object).
#include <simul/detail/frame_pool.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include <simul/coro/sleep.hpp>
#include <simul/coro/spawn.hpp>
#include <simul/testing/simul_test.hpp>

namespace {

using simul::detail::frame_alloc;
using simul::detail::frame_free;

TEST(FramePool, BlocksOfMixedSizesAreAlignedForWhatTheirSizeCanHold) {
    std::vector<std::pair<void*, std::size_t>> blocks;
    // Interleave odd and even multiples of 8, so that a carve of one class
    // follows a carve of another at every possible offset.
    for (int round = 0; round < 200; ++round) {
        for (std::size_t n : {88u, 96u, 24u, 160u, 40u, 1024u, 8u, 136u, 48u, 1000u}) {
            void* p = frame_alloc(n);
            const auto addr = reinterpret_cast<std::uintptr_t>(p);
            EXPECT_EQ(addr % 8, 0u) << "size " << n;
            if (n % 16 == 0) {
                EXPECT_EQ(addr % 16, 0u) << "size " << n << " may hold a 16-aligned object";
            }
            std::memset(p, 0xab, n);  // the whole block is ours (ASan checks it in sanitizer builds)
            blocks.emplace_back(p, n);
        }
        if (round % 3 == 2) {  // give some back, so that reused blocks are checked too
            for (int i = 0; i < 5; ++i) {
                frame_free(blocks.back().first, blocks.back().second);
                blocks.pop_back();
            }
        }
    }
    for (auto& [p, n] : blocks) frame_free(p, n);
}

struct alignas(16) Wide {
    double lo, hi;
};

simul::Task<> holds_a_wide_local(int* misaligned) {
    Wide w{1.0, 2.0};
    if (reinterpret_cast<std::uintptr_t>(&w) % alignof(Wide) != 0) ++*misaligned;
    co_await simul::yield();
    if (w.lo + w.hi != 3.0) ++*misaligned;
}

simul::Task<> small_frame(int id, long* sum) {
    *sum += id;
    co_return;
}

SIMUL_TEST(FramePool, FramesWithSixteenAlignedLocalsStayAlignedAmongOddSizedFrames) {
    int misaligned = 0;
    long sum = 0;
    std::vector<simul::TaskHandle<>> hs;
    for (int i = 0; i < 500; ++i) {
        hs.push_back(simul::spawn(small_frame(i, &sum)));  // an 88-byte class: odd multiple of 8
        hs.push_back(simul::spawn(holds_a_wide_local(&misaligned)));
    }
    for (auto& h : hs) co_await h;
    EXPECT_EQ(misaligned, 0);
    EXPECT_EQ(sum, 499L * 500 / 2);
}

}  // namespace
