// simul/coro/generator.hpp: Generator<T>, a lazy synchronous sequence written with co_yield.
//
// A function returning simul::Generator<T> is a coroutine that produces
// values one at a time: each `co_yield v` hands v to the consumer and
// suspends until the consumer asks for the next one. The consumer is an
// ordinary range-for; nothing runs until the first element is asked for.
// No loop is involved: the consumer resumes the generator directly.
//
//     simul::Generator<int> count_to(int n) {
//         for (int i = 1; i <= n; ++i) co_yield i;
//     }
//     for (int i : count_to(3)) std::printf("%d\n", i);
//
// `co_yield other_generator()` (or `co_yield simul::elements_of(g)`) yields
// every element of a nested generator of the same type. Nesting costs O(1) per
// element whatever the depth: the consumer resumes the innermost generator
// directly, and a finished one hands control back to its parent by symmetric
// transfer (cppcoro's recursive_generator, C++23's std::generator).
//
// An exception thrown in the generator (or in a nested one) comes out of the
// consumer's `++it` (or `begin()`), and the sequence ends there. Leaving the
// loop early (break, return, an exception in the loop body) destroys the
// generator's frame, and with it every nested generator: destructors of the
// locals run, as after a return.
//
// Cancellation: none of its own; a Generator never waits. For a producer that
// awaits between elements, use AsyncGenerator (coro/async_generator.hpp).
#pragma once

#include <coroutine>
#include <cstddef>
#include <exception>
#include <iterator>
#include <memory>
#include <ranges>
#include <type_traits>
#include <utility>

#include <simul/core/error.hpp>
#include <simul/detail/frame_pool.hpp>

namespace simul {

template <class T>
class Generator;

// `co_yield simul::elements_of(g)`: yield each element of the generator g.
template <class G>
struct ElementsOf {
    G generator;
};
template <class T>
ElementsOf<Generator<T>> elements_of(Generator<T>&& g) noexcept {
    return {std::move(g)};
}

namespace detail {

template <class T>
struct GeneratorPromise {
    using value_type = std::remove_cvref_t<T>;
    using reference = std::conditional_t<std::is_reference_v<T>, T, T&>;
    using pointer = std::add_pointer_t<reference>;
    using handle_type = std::coroutine_handle<GeneratorPromise>;

    // Whole 16-byte granules, so that frames stay aligned as operator new's are.
    static void* operator new(std::size_t n) { return frame_alloc((n + 15) & ~std::size_t(15)); }
    static void operator delete(void* p, std::size_t n) noexcept { frame_free(p, (n + 15) & ~std::size_t(15)); }

    // The root (outermost) generator knows the element being yielded and the
    // innermost generator running; a nested one knows its root and its parent.
    GeneratorPromise* root_ = this;
    GeneratorPromise* parent_ = nullptr;
    handle_type leaf_;  // in the root: which frame the consumer resumes
    pointer value_ = nullptr;
    std::exception_ptr error_;

    Generator<T> get_return_object() noexcept;
    std::suspend_always initial_suspend() const noexcept { return {}; }

    struct FinalAwaiter {
        bool await_ready() const noexcept { return false; }
        std::coroutine_handle<> await_suspend(handle_type h) noexcept {
            GeneratorPromise& p = h.promise();
            if (!p.parent_) return std::noop_coroutine();  // back to the consumer
            p.root_->leaf_ = handle_type::from_promise(*p.parent_);
            return p.root_->leaf_;  // the parent continues after its co_yield
        }
        void await_resume() const noexcept {}
    };
    FinalAwaiter final_suspend() const noexcept { return {}; }

    void unhandled_exception() noexcept { error_ = std::current_exception(); }
    void return_void() const noexcept {}

    std::suspend_always yield_value(std::remove_reference_t<reference>& v) noexcept {
        root_->value_ = std::addressof(v);
        return {};
    }
    std::suspend_always yield_value(std::remove_reference_t<reference>&& v) noexcept {
        root_->value_ = std::addressof(v);
        return {};
    }

    // A value of another type (or a const lvalue when the reference is not
    // const) is converted into a copy that lives in the frame until resumed.
    struct CopyAwaiter {
        value_type copy;
        GeneratorPromise* root;
        bool await_ready() const noexcept { return false; }
        void await_suspend(std::coroutine_handle<>) noexcept { root->value_ = std::addressof(copy); }
        void await_resume() const noexcept {}
    };
    template <class U>
        requires(!std::is_same_v<std::remove_cvref_t<U>, Generator<T>> &&
                 std::is_constructible_v<value_type, U &&> &&
                 std::is_convertible_v<value_type&, reference>)
    CopyAwaiter yield_value(U&& v) noexcept(std::is_nothrow_constructible_v<value_type, U&&>) {
        return CopyAwaiter{value_type(std::forward<U>(v)), root_};
    }

    // co_yield of a nested generator: enter it; it returns here when done.
    struct NestedAwaiter {
        Generator<T> child;
        bool await_ready() const noexcept { return !child.h_ || child.h_.done(); }
        std::coroutine_handle<> await_suspend(handle_type parent) noexcept {
            GeneratorPromise& c = child.h_.promise();
            GeneratorPromise& p = parent.promise();
            c.root_ = p.root_;
            c.parent_ = &p;
            p.root_->leaf_ = child.h_;
            return child.h_;
        }
        void await_resume() {
            if (child.h_ && child.h_.promise().error_) std::rethrow_exception(child.h_.promise().error_);
        }
    };
    NestedAwaiter yield_value(Generator<T>&& g) noexcept { return NestedAwaiter{std::move(g)}; }
    NestedAwaiter yield_value(ElementsOf<Generator<T>> e) noexcept { return NestedAwaiter{std::move(e.generator)}; }

    // Generators never wait: co_await is refused at compile time.
    template <class U>
    std::suspend_never await_transform(U&&) = delete;
};

}  // namespace detail

template <class T>
class [[nodiscard]] Generator : public std::ranges::view_base {
public:
    using promise_type = detail::GeneratorPromise<T>;
    using handle_type = std::coroutine_handle<promise_type>;
    using value_type = typename promise_type::value_type;
    using reference = typename promise_type::reference;

    class iterator {
    public:
        using iterator_concept = std::input_iterator_tag;
        using value_type = Generator::value_type;
        using difference_type = std::ptrdiff_t;
        using reference = Generator::reference;

        iterator() noexcept = default;
        explicit iterator(handle_type h) noexcept : h_(h) {}
        iterator(iterator&& o) noexcept : h_(std::exchange(o.h_, {})) {}
        iterator& operator=(iterator&& o) noexcept {
            h_ = std::exchange(o.h_, {});
            return *this;
        }

        reference operator*() const noexcept { return static_cast<reference>(*h_.promise().value_); }
        iterator& operator++() {
            advance(h_);
            return *this;
        }
        void operator++(int) { ++*this; }
        friend bool operator==(const iterator& it, std::default_sentinel_t) noexcept {
            return !it.h_ || it.h_.done();
        }

    private:
        handle_type h_;  // the root
    };

    Generator() noexcept = default;
    Generator(Generator&& o) noexcept : h_(std::exchange(o.h_, {})) {}
    Generator& operator=(Generator&& o) noexcept {
        if (this != &o) {
            if (h_) h_.destroy();
            h_ = std::exchange(o.h_, {});
        }
        return *this;
    }
    ~Generator() {
        if (h_) h_.destroy();  // also destroys every nested generator it was in
    }

    // Runs the generator to its first element. Call once.
    iterator begin() {
        if (!h_) throw InvalidStateError("simul::Generator::begin: the generator is empty (moved from)");
        if (started_) throw InvalidStateError("simul::Generator::begin: a generator can be iterated only once");
        started_ = true;
        advance(h_);
        return iterator(h_);
    }
    std::default_sentinel_t end() const noexcept { return {}; }

private:
    friend promise_type;
    explicit Generator(handle_type h) noexcept : h_(h) {}

    // Resumes the innermost generator until it yields or the root finishes;
    // rethrows an exception that escaped the root.
    static void advance(handle_type root) {
        promise_type& p = root.promise();
        p.value_ = nullptr;
        p.leaf_.resume();
        if (root.done() && p.error_) std::rethrow_exception(std::exchange(p.error_, nullptr));
    }

    handle_type h_;
    bool started_ = false;
};

namespace detail {
template <class T>
Generator<T> GeneratorPromise<T>::get_return_object() noexcept {
    leaf_ = handle_type::from_promise(*this);
    return Generator<T>(handle_type::from_promise(*this));
}
}  // namespace detail

}  // namespace simul
