// simul/adapters/pg/result.hpp: Result and Row, typed access to what a query returned.
//
// A Result owns the server's answer to one statement (a PGresult) and is
// cheap to copy (shared). Rows are read by index and columns by index or by
// name; `get<T>` converts the column's text to T and checks that the column's
// type can be read as T:
//
//     pg::Result rows = co_await conn.query("SELECT id, name, email FROM users");
//     for (pg::Row row : rows) {
//         std::int64_t id = row.get<std::int64_t>("id");
//         std::string name = row.get<std::string>(1);
//         std::optional<std::string> email = row.get<std::optional<std::string>>("email");  // NULL -> nullopt
//     }
//     std::int64_t n = (co_await conn.query("SELECT count(*) FROM users")).scalar<std::int64_t>();
//
//   T                        reads columns of type
//   integers                 int2, int4, int8, oid (pg::ColumnError if the value does not fit T)
//   float, double            float4, float8, numeric, and the integer types
//   bool                     boolean
//   std::string              any type, as its text form (bytea as \x hex)
//   std::string_view         the same, pointing into the Result (valid while a copy of it lives)
//   pg::Bytes                bytea, decoded
//   std::optional<T>         as T, or nullopt for NULL
//
// A missing column, a type that does not match, or a NULL read into a T that
// is not std::optional throws pg::ColumnError, whose message names the
// column, its type and what to do. A Row keeps its Result alive.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include <simul/adapters/pg/error.hpp>
#include <simul/adapters/pg/params.hpp>

struct pg_result;  // libpq's PGresult

namespace simul::pg {

class Result;

class Row {
public:
    Row(std::shared_ptr<pg_result> r, int row) noexcept : r_(std::move(r)), row_(row) {}

    // Column `column` (0-based index, or name) converted to T; see the top of this file.
    template <class T>
    T get(int column) const;
    template <class T>
    T get(std::string_view column) const {
        return get<T>(column_index(column));
    }

    bool is_null(int column) const;
    bool is_null(std::string_view column) const { return is_null(column_index(column)); }
    // The column's value as the server sent it (text format); "" for NULL.
    std::string_view text(int column) const;
    // Number of columns.
    int size() const noexcept;
    int index() const noexcept { return row_; }
    // The index of the column named `name`, or pg::ColumnError.
    int column_index(std::string_view name) const;

private:
    [[noreturn]] void null_error(int column) const;
    std::int64_t read_integer(int column, std::int64_t min, std::int64_t max, const char* cpp_type) const;
    double read_double(int column, const char* cpp_type) const;
    bool read_bool(int column) const;
    Bytes read_bytes(int column) const;
    void check_column(int column) const;

    template <class T>
    struct is_optional : std::false_type {};
    template <class T>
    struct is_optional<std::optional<T>> : std::true_type {};

    std::shared_ptr<pg_result> r_;
    int row_;
};

class Result {
public:
    Result() = default;
    // Takes ownership of a PGresult (freed with PQclear).
    explicit Result(pg_result* r);

    std::size_t size() const noexcept;
    bool empty() const noexcept { return size() == 0; }
    Row operator[](std::size_t row) const noexcept { return Row(r_, int(row)); }
    // Like operator[], but a row past the end is pg::Error.
    Row at(std::size_t row) const;

    int columns() const noexcept;
    std::string column_name(int column) const;
    int column_index(std::string_view name) const;
    std::uint32_t column_type(int column) const;  // the type's OID

    // Rows changed by INSERT/UPDATE/DELETE/... (PQcmdTuples), 0 if none.
    std::int64_t affected_rows() const noexcept;
    // The command tag: "INSERT 0 1", "SELECT 3", "BEGIN".
    std::string command_status() const;

    // The first column of the first row; pg::Error if there is no row.
    template <class T>
    T scalar() const {
        return at(0).template get<T>(0);
    }

    class iterator {
    public:
        using iterator_category = std::random_access_iterator_tag;
        using value_type = Row;
        using difference_type = std::ptrdiff_t;
        using pointer = void;
        using reference = Row;
        iterator() = default;
        iterator(const Result* r, std::size_t i) noexcept : r_(r), i_(i) {}
        Row operator*() const noexcept { return (*r_)[i_]; }
        iterator& operator++() noexcept { ++i_; return *this; }
        iterator operator++(int) noexcept { auto t = *this; ++i_; return t; }
        bool operator==(const iterator& o) const noexcept { return i_ == o.i_; }
        difference_type operator-(const iterator& o) const noexcept { return difference_type(i_) - difference_type(o.i_); }

    private:
        const Result* r_ = nullptr;
        std::size_t i_ = 0;
    };
    iterator begin() const noexcept { return iterator(this, 0); }
    iterator end() const noexcept { return iterator(this, size()); }

    pg_result* native() const noexcept { return r_.get(); }

private:
    std::shared_ptr<pg_result> r_;
};

template <class T>
T Row::get(int column) const {
    using U = std::remove_cvref_t<T>;
    check_column(column);
    if constexpr (is_optional<U>::value) {
        if (is_null(column)) return std::nullopt;
        return U(get<typename U::value_type>(column));
    } else {
        if (is_null(column)) null_error(column);
        if constexpr (std::is_same_v<U, bool>) {
            return read_bool(column);
        } else if constexpr (std::is_integral_v<U>) {
            constexpr auto lo = std::int64_t(std::numeric_limits<U>::min());
            constexpr auto hi = std::uint64_t(std::numeric_limits<U>::max()) > std::uint64_t(std::numeric_limits<std::int64_t>::max())
                                    ? std::numeric_limits<std::int64_t>::max()
                                    : std::int64_t(std::numeric_limits<U>::max());
            return U(read_integer(column, lo, hi, sizeof(U) == 8 ? "a 64-bit integer" : sizeof(U) == 4 ? "a 32-bit integer" : "a small integer"));
        } else if constexpr (std::is_floating_point_v<U>) {
            return U(read_double(column, "a floating-point number"));
        } else if constexpr (std::is_same_v<U, std::string>) {
            return std::string(text(column));
        } else if constexpr (std::is_same_v<U, std::string_view>) {
            return text(column);
        } else if constexpr (std::is_same_v<U, Bytes>) {
            return read_bytes(column);
        } else {
            static_assert(sizeof(U) == 0, "simul::pg::Row::get<T>: T must be an integer, float, double, bool, std::string, "
                                          "std::string_view, pg::Bytes, or std::optional of one of them");
        }
    }
}

}  // namespace simul::pg
