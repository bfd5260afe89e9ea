// simul/detail/frame_pool.hpp: the per-thread pool that coroutine frames and
// callback nodes come from.
//
// A task is one allocation, its coroutine frame. Frames of the same size are
// recycled through free lists with 8-byte size classes (up to 1 KiB; larger
// ones go to operator new), carved from 2 MiB chunks (src/core/frame_pool.cpp
// says how they are mapped), so spawning a task costs a pop from a list and
// a finished task a push. Blocks freed on another thread join that thread's
// lists; chunks are kept for the life of the process (they stay reachable
// from a global registry).
//
// Alignment: compilers assume a frame is aligned for its most aligned
// member, which can be 16 (clang -O2 stores into frames with aligned SSE
// moves). Every object's size is a multiple of its alignment, so a size that
// is an odd multiple of 8 (88, 104, ...) never needs more than 8: those
// classes are carved at 8-byte boundaries, the even ones at 16-byte ones.
//
// Sanitizer builds bypass the pool so that AddressSanitizer sees every frame
// as its own allocation (use-after-free and leaks stay visible). So does
// -DSIMUL_NO_FRAME_POOL.
#pragma once

#include <cstddef>
#include <new>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SIMUL_NO_FRAME_POOL 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SIMUL_NO_FRAME_POOL 1
#endif
#endif

namespace simul::detail {

struct FramePool {
    static constexpr std::size_t kGranule = 8;
    static constexpr std::size_t kMaxPooled = 1024;
    static constexpr std::size_t kClasses = kMaxPooled / kGranule + 1;

    struct FreeBlock {
        FreeBlock* next;
    };

    FreeBlock* free_[kClasses] = {};
    char* bump_ = nullptr;
    char* bump_end_ = nullptr;

    void* allocate(std::size_t n) {
        const std::size_t c = (n + kGranule - 1) / kGranule;
        if (c >= kClasses) return ::operator new(n);
        if (FreeBlock* b = free_[c]) {
            free_[c] = b->next;
            return b;
        }
        return refill(c);
    }

    void deallocate(void* p, std::size_t n) noexcept {
        const std::size_t c = (n + kGranule - 1) / kGranule;
        if (c >= kClasses) {
            ::operator delete(p);
            return;
        }
        auto* b = static_cast<FreeBlock*>(p);
        b->next = free_[c];
        free_[c] = b;
    }

    void* refill(std::size_t size_class);  // out of line: carve from the current chunk
};

// Trivially constructible and destructible: no TLS guard on the hot path.
inline thread_local constinit FramePool tls_frame_pool{};

inline void* frame_alloc(std::size_t n) {
#ifdef SIMUL_NO_FRAME_POOL
    return ::operator new(n);
#else
    return tls_frame_pool.allocate(n);
#endif
}

inline void frame_free(void* p, std::size_t n) noexcept {
#ifdef SIMUL_NO_FRAME_POOL
    (void)n;
    ::operator delete(p);
#else
    tls_frame_pool.deallocate(p, n);
#endif
}

}  // namespace simul::detail
