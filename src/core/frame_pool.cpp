// Chunks for the frame pool (see simul/detail/frame_pool.hpp).
#include <simul/detail/frame_pool.hpp>

#include <sys/mman.h>

#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <vector>

namespace simul::detail {

namespace {
// Chunks are 2 MiB mappings. A thread's first one is faulted in page by
// page as frames are carved from it, so a program with few tasks costs a
// few pages; the next ones are mapped with MAP_POPULATE: one system call
// instead of 512 page faults, which were a third of the cost of spawning a
// task in a program that spawns many (the kernel's fault path, not
// simul's). The price: the thread that needs a new chunk clears 2 MiB at
// once (about 0.2 ms), once per ~20,000 small frames. (Transparent huge
// pages would cut faults further, but their compaction stalls were measured
// at over 100 ms on this machine.)
constexpr std::size_t kChunk = 2 * 1024 * 1024;

void* new_chunk(bool populate) {
    const int flags = MAP_PRIVATE | MAP_ANONYMOUS | (populate ? MAP_POPULATE : 0);
    void* chunk = ::mmap(nullptr, kChunk, PROT_READ | PROT_WRITE, flags, -1, 0);
    if (chunk == MAP_FAILED) throw std::bad_alloc();
    return chunk;
}

// Every chunk ever carved stays listed here, so the memory is reachable (for
// leak checkers) even after the thread that carved it has exited.
struct ChunkRegistry {
    std::mutex mutex;
    std::vector<void*> chunks;
};
ChunkRegistry& registry() {
    static ChunkRegistry* r = new ChunkRegistry;  // never destroyed: frames may outlive statics
    return *r;
}
}  // namespace

void* FramePool::refill(std::size_t size_class) {
    const std::size_t bytes = size_class * kGranule;
    // Blocks whose size is a multiple of 16 may hold 16-aligned objects.
    const std::size_t align = (bytes % 16 == 0) ? 16 : 8;
    std::size_t skip = std::uintptr_t(bump_) % align;
    if (bump_ == nullptr || std::size_t(bump_end_ - bump_) < bytes + skip) {
        // The tail of the old chunk is too small for this class: give it to a
        // smaller class rather than waste it. Chunk ends are 16-aligned, so
        // the tail is a multiple of 16 exactly when it starts 16-aligned, as
        // its class requires.
        if (bump_ != nullptr) {
            const std::size_t rest = std::size_t(bump_end_ - bump_);
            if (rest >= kGranule) deallocate(bump_, rest);
        }
        void* chunk = new_chunk(bump_ != nullptr);
        {
            auto& r = registry();
            std::lock_guard lock(r.mutex);
            r.chunks.push_back(chunk);
        }
        bump_ = static_cast<char*>(chunk);
        bump_end_ = bump_ + kChunk;
        skip = 0;  // mmap returns page-aligned memory
    }
    if (skip != 0) {
        deallocate(bump_, kGranule);  // 8 bytes: its own class, unused by frames
        bump_ += skip;
    }
    void* p = bump_;
    bump_ += bytes;
    return p;
}

}  // namespace simul::detail
