// simul/adapters/pg/params.hpp: Params, the parameters $1, $2, ... of a statement.
//
// query(), execute() and the prepared forms take their parameters as C++
// values and convert them here, before the request is sent, into an owned
// list (so the values may die as soon as the call returns):
//
//   C++ value                              sent as
//   bool                                   boolean ('t'/'f')
//   int16_t / int32_t / int64_t (and the   int2 / int4 / int8, by size
//     other integers; unsigned must fit)
//   float / double                         float4 / float8 (NaN, ±Infinity too)
//   std::string, std::string_view,         text of unknown type: the server
//     const char*                          infers it (a number, a date, json)
//   pg::Bytes                              bytea, in binary
//   std::optional<T>, std::nullopt,        NULL when empty
//     nullptr
//
//     co_await conn.query("SELECT * FROM t WHERE id = $1 AND name = $2", 42, name);
//
// Anything else is a compile error naming the type. Params is also used
// directly to build a parameter list at run time (params.add(x)).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace simul::pg {

// Binary data: a bytea parameter, or get<Bytes>() of a bytea column.
struct Bytes {
    std::string data;
    bool operator==(const Bytes&) const = default;
};

// The type OIDs the adapter names (pg_type.oid).
namespace oid {
inline constexpr std::uint32_t kUnknown = 0, kBool = 16, kBytea = 17, kInt8 = 20, kInt2 = 21, kInt4 = 23,
                               kText = 25, kOid = 26, kFloat4 = 700, kFloat8 = 701, kVarchar = 1043,
                               kNumeric = 1700;
}

class Params {
public:
    Params() = default;
    template <class... A>
    explicit Params(const A&... args) {
        values_.reserve(sizeof...(A));
        (add(args), ...);
    }

    template <class T>
    Params& add(const T& v) {
        using U = std::remove_cvref_t<T>;
        if constexpr (std::is_same_v<U, std::nullptr_t> || std::is_same_v<U, std::nullopt_t>) {
            add_null();
        } else if constexpr (is_optional<U>::value) {
            if (v) add(*v); else add_null();
        } else if constexpr (std::is_same_v<U, bool>) {
            add_text(v ? "t" : "f", oid::kBool);
        } else if constexpr (std::is_integral_v<U> && !std::is_same_v<U, char>) {
            constexpr bool kSigned = std::is_signed_v<U>;
            constexpr std::uint32_t kType = (sizeof(U) < 2 || (sizeof(U) == 2 && kSigned))   ? oid::kInt2
                                            : (sizeof(U) < 4 || (sizeof(U) == 4 && kSigned)) ? oid::kInt4
                                                                                             : oid::kInt8;
            if constexpr (kSigned)
                add_integer(std::int64_t(v), kType);
            else
                add_unsigned(std::uint64_t(v), kType);
        } else if constexpr (std::is_floating_point_v<U>) {
            add_float(double(v), sizeof(U) == 4);
        } else if constexpr (std::is_same_v<U, Bytes>) {
            add_binary(v.data, oid::kBytea);
        } else if constexpr (std::is_convertible_v<const U&, std::string_view>) {
            add_text(std::string(std::string_view(v)), oid::kUnknown);
        } else {
            static_assert(sizeof(U) == 0, "simul::pg::Params: no conversion for this parameter type; pass a string, a number, "
                                          "bool, pg::Bytes or std::optional of one of them");
        }
        return *this;
    }

    void add_null(std::uint32_t type = oid::kUnknown);
    void add_text(std::string text, std::uint32_t type);
    void add_binary(std::string bytes, std::uint32_t type);

    std::size_t size() const noexcept { return values_.size(); }

    // The arrays libpq takes (valid until the Params changes).
    struct View {
        int n;
        const std::uint32_t* types;
        const char* const* values;
        const int* lengths;
        const int* formats;
    };
    View view() const;

private:
    template <class T>
    struct is_optional : std::false_type {};
    template <class T>
    struct is_optional<std::optional<T>> : std::true_type {};

    void add_integer(std::int64_t v, std::uint32_t type);
    void add_unsigned(std::uint64_t v, std::uint32_t type);  // throws pg::Error above int8's range
    void add_float(double v, bool single);

    struct Value {
        std::string bytes;
        std::uint32_t type;
        bool null;
        bool binary;
    };
    std::vector<Value> values_;
    mutable std::vector<std::uint32_t> types_;
    mutable std::vector<const char*> ptrs_;
    mutable std::vector<int> lengths_, formats_;
};

}  // namespace simul::pg
