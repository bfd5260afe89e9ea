// simul::fiber: stacks, context switches and the guard-page report, on Boost.Context.
//
// How a fiber runs (include/simul/coro/fiber.hpp has the picture from above):
// the driving task calls switch_in(), which jumps onto the fiber's stack
// (Boost.Context's jump_fcontext, inline in the header); the fiber runs until
// fiber::await calls wait_on(), which jumps back; switch_in() returns and the
// task co_awaits on the fiber's behalf. Each jump saves a handful of
// registers: no syscall, no allocation. This file makes the stack and the
// first context (make_fcontext), runs the body (trampoline), and holds the
// slow paths.
//
// Stacks are mmap'd with MAP_NORESERVE (pages are committed when first
// touched, so an idle fiber costs what it used) with a PROT_NONE guard page
// below. A SIGSEGV on a guard page is reported, on an alternate signal stack,
// with the fiber's name and stack size; then the default action ends the
// process. Stacks of the default size are recycled through a small per-thread
// cache, so spawning does not cost an mmap and an mprotect.
//
// Sanitizers: every jump is annotated for AddressSanitizer
// (__sanitizer_start/finish_switch_fiber) and ThreadSanitizer
// (__tsan_switch_to_fiber), so they follow the stack switches; Debian's
// Boost.Context is the fcontext flavour, whose own annotations exist only for
// ucontext builds, hence ours.
#include <simul/coro/fiber.hpp>

#include <sys/mman.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <system_error>

#include <boost/context/stack_context.hpp>

#if defined(__SANITIZE_ADDRESS__)
#define SIMUL_FIBER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SIMUL_FIBER_ASAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define SIMUL_FIBER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SIMUL_FIBER_TSAN 1
#endif
#endif
#ifdef SIMUL_FIBER_ASAN
#include <sanitizer/common_interface_defs.h>
#endif
#ifdef SIMUL_FIBER_TSAN
#include <sanitizer/tsan_interface.h>
#endif

namespace ctx = boost::context;

namespace simul::detail {

namespace {

std::size_t page_size() noexcept {
    static const std::size_t size = std::size_t(::sysconf(_SC_PAGESIZE));
    return size;
}

// ---- stacks --------------------------------------------------------------

// A stack is [base, base + page) guard, then `usable` bytes; sp is the top.
struct StackCache {
    static constexpr int kMax = 64;
    ctx::stack_context stacks[kMax];
    int count = 0;
    ~StackCache() {
        for (int i = 0; i < count; ++i) {
            char* top = static_cast<char*>(stacks[i].sp);
            ::munmap(top - stacks[i].size, stacks[i].size);
        }
    }
};
thread_local StackCache tls_stack_cache;

struct GuardedStack {
    std::size_t usable;  // rounded to pages, without the guard

    ctx::stack_context allocate() {
        const std::size_t total = usable + page_size();
        if (usable == round_up(fiber::kDefaultStackSize) && tls_stack_cache.count > 0)
            return tls_stack_cache.stacks[--tls_stack_cache.count];
        void* base = ::mmap(nullptr, total, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
        if (base == MAP_FAILED) throw std::system_error(errno, std::generic_category(), "simul::fiber: mmap of a fiber stack");
        if (::mprotect(base, page_size(), PROT_NONE) != 0) {
            const int e = errno;
            ::munmap(base, total);
            throw std::system_error(e, std::generic_category(), "simul::fiber: mprotect of a guard page");
        }
        ctx::stack_context sc;
        sc.size = total;
        sc.sp = static_cast<char*>(base) + total;
        return sc;
    }
    void deallocate(ctx::stack_context& sc) noexcept {
        if (sc.size == round_up(fiber::kDefaultStackSize) + page_size() && tls_stack_cache.count < StackCache::kMax) {
            tls_stack_cache.stacks[tls_stack_cache.count++] = sc;
            return;
        }
        ::munmap(static_cast<char*>(sc.sp) - sc.size, sc.size);
    }
    static std::size_t round_up(std::size_t n) noexcept {
        const std::size_t p = page_size();
        if (n < 4 * p) n = 4 * p;  // room for Boost's record and a few frames
        return (n + p - 1) / p * p;
    }
};

// ---- the guard-page report ------------------------------------------------

struct SignalSetup {
    struct sigaction previous {};
    bool installed = false;
};
SignalSetup g_signals;
std::once_flag g_signals_once;

void write_all(const char* s, std::size_t n) noexcept {
    while (n > 0) {
        ssize_t w = ::write(2, s, n);
        if (w <= 0) return;
        s += w;
        n -= std::size_t(w);
    }
}

// Formats an unsigned number into buf (no allocation: this runs in a signal handler).
std::size_t format_number(char* buf, std::uint64_t v) noexcept {
    char tmp[24];
    std::size_t n = 0;
    do {
        tmp[n++] = char('0' + v % 10);
        v /= 10;
    } while (v);
    for (std::size_t i = 0; i < n; ++i) buf[i] = tmp[n - 1 - i];
    return n;
}

void on_segv(int sig, siginfo_t* info, void* uctx);

// Each thread that runs fibers gets an alternate signal stack, so the report
// can run when the fiber's own stack is exhausted.
struct AltStack {
    void* mem = nullptr;
    std::size_t size = 0;
    AltStack() {
        size = 64 * 1024;
        mem = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (mem == MAP_FAILED) {
            mem = nullptr;
            return;
        }
        stack_t ss{};
        ss.ss_sp = mem;
        ss.ss_size = size;
        stack_t old{};
        if (::sigaltstack(nullptr, &old) == 0 && !(old.ss_flags & SS_DISABLE) && old.ss_size >= size) {
            ::munmap(mem, size);  // someone (a sanitizer) already gave this thread one
            mem = nullptr;
            return;
        }
        ::sigaltstack(&ss, nullptr);
    }
    ~AltStack() {
        if (!mem) return;
        stack_t ss{};
        ss.ss_flags = SS_DISABLE;
        ::sigaltstack(&ss, nullptr);
        ::munmap(mem, size);
    }
};
thread_local std::unique_ptr<AltStack> tls_alt_stack;

void prepare_overflow_report() {
    if (!tls_alt_stack) tls_alt_stack = std::make_unique<AltStack>();
    std::call_once(g_signals_once, [] {
        struct sigaction sa {};
        sa.sa_sigaction = &on_segv;
        sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
        sigemptyset(&sa.sa_mask);
        if (::sigaction(SIGSEGV, &sa, &g_signals.previous) == 0) g_signals.installed = true;
    });
}

}  // namespace

// ---- the fiber ---------------------------------------------------------------

namespace {
// Thrown at every wait of a fiber destroyed before it ended, to unwind it.
struct FiberUnwind {};

struct SanitizerState {
#ifdef SIMUL_FIBER_ASAN
    void* caller_fake = nullptr;
    void* fiber_fake = nullptr;
    const void* caller_bottom = nullptr;
    std::size_t caller_size = 0;
#endif
#ifdef SIMUL_FIBER_TSAN
    void* tsan_fiber = nullptr;
    void* tsan_caller = nullptr;
#endif
};
}  // namespace

struct FiberAccess {
    static SanitizerState* san(FiberBase* f) noexcept { return static_cast<SanitizerState*>(f->sanitizer_); }
};

namespace {

void on_segv(int sig, siginfo_t* info, void* uctx) {
    FiberBase* f = tls_current_fiber;
    const char* addr = static_cast<const char*>(info->si_addr);
    // The guard page, or just below it (a frame larger than a page can skip it).
    if (f && f->stack_base && addr < f->stack_base + page_size() && addr + 256 * 1024 >= f->stack_base) {
        char buf[512];
        std::size_t n = 0;
        auto put = [&](const char* s) {
            std::size_t l = std::strlen(s);
            if (n + l > sizeof buf) l = sizeof buf - n;
            std::memcpy(buf + n, s, l);
            n += l;
        };
        put("simul: fiber stack overflow: fiber '");
        put(f->name ? f->name : "(unnamed)");
        put("' ran past its stack of ");
        n += format_number(buf + n, f->stack_usable / 1024);
        put(" KiB and hit the guard page; give it a bigger one with "
            "simul::fiber::spawn(fn, {.stack_size = ...}) or recurse less\n");
        write_all(buf, n);
        ::signal(SIGSEGV, SIG_DFL);  // the faulting access runs again and ends the process
        return;
    }
    const struct sigaction& prev = g_signals.previous;
    if ((prev.sa_flags & SA_SIGINFO) && prev.sa_sigaction) {
        prev.sa_sigaction(sig, info, uctx);
    } else if (prev.sa_handler != SIG_DFL && prev.sa_handler != SIG_IGN) {
        prev.sa_handler(sig);
    } else {
        ::signal(SIGSEGV, SIG_DFL);
    }
}

}  // namespace

void FiberBase::start() {
    prepare_overflow_report();
    GuardedStack alloc{GuardedStack::round_up(stack_size_ ? stack_size_ : fiber::kDefaultStackSize)};
    ctx::stack_context sc = alloc.allocate();
    stack_base = static_cast<char*>(sc.sp) - sc.size;
    stack_usable = alloc.usable;
    // Stack colouring: stack tops are page-aligned, so without an offset the
    // hot top lines of every fiber would fall in the same cache sets.
    static thread_local unsigned colour = 0;
    const std::size_t offset = (colour++ % 64) * 64;
    ctx_ = ctx::detail::make_fcontext(static_cast<char*>(sc.sp) - offset, alloc.usable - offset, &FiberBase::trampoline);
#if defined(SIMUL_FIBER_ASAN) || defined(SIMUL_FIBER_TSAN)
    auto* san = new SanitizerState;
    sanitizer_ = san;
#endif
#ifdef SIMUL_FIBER_TSAN
    san->tsan_fiber = __tsan_create_fiber(0);
#endif
}

void FiberBase::release() noexcept {
    if (!stack_base) return;
    ctx::stack_context sc;
    sc.size = stack_usable + page_size();
    sc.sp = stack_base + sc.size;
    GuardedStack{stack_usable}.deallocate(sc);
    stack_base = nullptr;
#ifdef SIMUL_FIBER_TSAN
    if (auto* san = FiberAccess::san(this); san && san->tsan_fiber) {
        __tsan_destroy_fiber(san->tsan_fiber);
        san->tsan_fiber = nullptr;
    }
#endif
}

// The first code on a new stack: runs the body, then jumps back for good
// (the driver frees the stack once switch_in() sees finished_).
void FiberBase::trampoline(ctx::detail::transfer_t from) noexcept {
    FiberBase* self = tls_current_fiber;
    self->caller_ = from.fctx;
#ifdef SIMUL_FIBER_ASAN
    SanitizerState* san = FiberAccess::san(self);
    __sanitizer_finish_switch_fiber(nullptr, &san->caller_bottom, &san->caller_size);
#endif
    try {
        self->body();
    } catch (const FiberUnwind&) {
        // destroyed unfinished: the stack is unwound, nothing to report
    } catch (...) {
        self->error = std::current_exception();
    }
    self->finished_ = true;
#ifdef SIMUL_FIBER_ASAN
    __sanitizer_start_switch_fiber(nullptr, san->caller_bottom, san->caller_size);  // this stack is done
#endif
#ifdef SIMUL_FIBER_TSAN
    __tsan_switch_to_fiber(FiberAccess::san(self)->tsan_caller, 0);
#endif
    ctx::detail::jump_fcontext(self->caller_, nullptr);
    __builtin_unreachable();  // nobody jumps back into a finished fiber
}

void FiberBase::switch_in_annotated() {
    FiberBase* prev = tls_current_fiber;
    tls_current_fiber = this;
    [[maybe_unused]] SanitizerState* san = FiberAccess::san(this);
#ifdef SIMUL_FIBER_ASAN
    __sanitizer_start_switch_fiber(&san->caller_fake, stack_base + page_size(), stack_usable);
#endif
#ifdef SIMUL_FIBER_TSAN
    san->tsan_caller = __tsan_get_current_fiber();
    __tsan_switch_to_fiber(san->tsan_fiber, 0);
#endif
    ctx_ = ctx::detail::jump_fcontext(ctx_, nullptr).fctx;
#ifdef SIMUL_FIBER_ASAN
    __sanitizer_finish_switch_fiber(san->caller_fake, nullptr, nullptr);
#endif
    tls_current_fiber = prev;
}

void FiberBase::switch_out_annotated() {
    [[maybe_unused]] SanitizerState* san = FiberAccess::san(this);
#ifdef SIMUL_FIBER_ASAN
    __sanitizer_start_switch_fiber(&san->fiber_fake, san->caller_bottom, san->caller_size);
#endif
#ifdef SIMUL_FIBER_TSAN
    __tsan_switch_to_fiber(san->tsan_caller, 0);
#endif
    caller_ = ctx::detail::jump_fcontext(caller_, nullptr).fctx;
#ifdef SIMUL_FIBER_ASAN
    __sanitizer_finish_switch_fiber(san->fiber_fake, &san->caller_bottom, &san->caller_size);
#endif
}

void FiberBase::throw_unwind() { throw FiberUnwind{}; }

void FiberBase::unwind_if_unfinished() noexcept {
    if (!ctx_ || finished_) return;
    unwinding_ = true;  // every wait throws FiberUnwind from now on
    try {
        switch_in();
    } catch (...) {
    }
    if (!finished_) {
        // It caught FiberUnwind and waited again: its stack is abandoned.
        std::fputs("simul: a fiber destroyed before it ended swallowed its unwinding "
                   "(a catch (...) that does not rethrow?); its stack is freed as it is\n",
                   stderr);
        finished_ = true;
        release();
    }
}

FiberBase::~FiberBase() {
    unwind_if_unfinished();
    delete FiberAccess::san(this);
}

[[noreturn]] void throw_not_in_fiber(const char* what, const char* instead) {
    throw Error(std::string(what) + " can only be called inside a fiber (started with simul::fiber::spawn); " +
                instead + ", and in a callback complete a simul::Future instead of waiting");
}

}  // namespace simul::detail
