// Result and Row: reading PGresult text values as C++ types, with type checks.
#include <simul/adapters/pg/result.hpp>

#include <libpq-fe.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <string>

namespace simul::pg {

namespace {

std::string type_name(Oid t) {
    switch (t) {
        case oid::kBool: return "boolean";
        case oid::kBytea: return "bytea";
        case oid::kInt8: return "bigint";
        case oid::kInt2: return "smallint";
        case oid::kInt4: return "integer";
        case oid::kText: return "text";
        case oid::kOid: return "oid";
        case oid::kFloat4: return "real";
        case oid::kFloat8: return "double precision";
        case oid::kVarchar: return "varchar";
        case oid::kNumeric: return "numeric";
        case 18: return "\"char\"";
        case 19: return "name";
        case 114: return "json";
        case 3802: return "jsonb";
        case 1042: return "char(n)";
        case 1082: return "date";
        case 1114: return "timestamp";
        case 1184: return "timestamptz";
        case 2950: return "uuid";
        case 705: return "unknown";
        default: return "the type with OID " + std::to_string(t);
    }
}

bool is_integer_type(Oid t) { return t == oid::kInt2 || t == oid::kInt4 || t == oid::kInt8 || t == oid::kOid; }

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

// ---- Row ---------------------------------------------------------------------

int Row::size() const noexcept { return r_ ? PQnfields(r_.get()) : 0; }

void Row::check_column(int column) const {
    if (!r_) throw ColumnError("simul::pg: this row belongs to an empty Result");
    if (row_ < 0 || row_ >= PQntuples(r_.get()))
        throw ColumnError("simul::pg: row " + std::to_string(row_) + " is out of range (the result has " +
                          std::to_string(PQntuples(r_.get())) + " rows)");
    if (column < 0 || column >= PQnfields(r_.get()))
        throw ColumnError("simul::pg: column index " + std::to_string(column) + " is out of range (the result has " +
                          std::to_string(PQnfields(r_.get())) + " columns, numbered from 0)");
}

int Row::column_index(std::string_view name) const {
    if (!r_) throw ColumnError("simul::pg: no column \"" + std::string(name) + "\": the Result is empty");
    const int n = PQnfields(r_.get());
    for (int i = 0; i < n; ++i)
        if (name == PQfname(r_.get(), i)) return i;
    std::string cols;
    for (int i = 0; i < n; ++i) cols += (i ? ", " : "") + std::string(PQfname(r_.get(), i));
    throw ColumnError("simul::pg: the result has no column named \"" + std::string(name) + "\" (its columns: " +
                      (cols.empty() ? "none" : cols) + ")");
}

bool Row::is_null(int column) const {
    check_column(column);
    return PQgetisnull(r_.get(), row_, column) != 0;
}

std::string_view Row::text(int column) const {
    check_column(column);
    return std::string_view(PQgetvalue(r_.get(), row_, column), std::size_t(PQgetlength(r_.get(), row_, column)));
}

void Row::null_error(int column) const {
    throw ColumnError("simul::pg: column \"" + std::string(PQfname(r_.get(), column)) + "\" is NULL in row " +
                      std::to_string(row_) + "; read it as std::optional<T> to accept NULL");
}

std::int64_t Row::read_integer(int column, std::int64_t min, std::int64_t max, const char* cpp_type) const {
    const Oid t = PQftype(r_.get(), column);
    const std::string_view s = text(column);
    if (!is_integer_type(t))
        throw ColumnError("simul::pg: column \"" + std::string(PQfname(r_.get(), column)) + "\" is " + type_name(t) +
                          ", which cannot be read as " + cpp_type +
                          "; read it as std::string, or cast it in SQL (e.g. col::int8)");
    std::int64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size() || v < min || v > max)
        throw ColumnError("simul::pg: the value " + std::string(s) + " of column \"" + std::string(PQfname(r_.get(), column)) +
                          "\" does not fit " + cpp_type + "; read it into a wider integer");
    return v;
}

double Row::read_double(int column, const char* cpp_type) const {
    const Oid t = PQftype(r_.get(), column);
    if (!(t == oid::kFloat4 || t == oid::kFloat8 || t == oid::kNumeric || is_integer_type(t)))
        throw ColumnError("simul::pg: column \"" + std::string(PQfname(r_.get(), column)) + "\" is " + type_name(t) +
                          ", which cannot be read as " + cpp_type + "; read it as std::string, or cast it in SQL");
    const std::string s(text(column));
    if (s == "NaN") return std::numeric_limits<double>::quiet_NaN();
    if (s == "Infinity") return std::numeric_limits<double>::infinity();
    if (s == "-Infinity") return -std::numeric_limits<double>::infinity();
    errno = 0;
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);  // the server's text uses '.', and the C locale is simul's
    if (end != s.c_str() + s.size())
        throw ColumnError("simul::pg: the value " + s + " of column \"" + std::string(PQfname(r_.get(), column)) +
                          "\" is not a number");
    return v;
}

bool Row::read_bool(int column) const {
    const Oid t = PQftype(r_.get(), column);
    if (t != oid::kBool)
        throw ColumnError("simul::pg: column \"" + std::string(PQfname(r_.get(), column)) + "\" is " + type_name(t) +
                          ", which cannot be read as bool; read it as std::string, or cast it in SQL (col::bool)");
    return text(column) == "t";
}

Bytes Row::read_bytes(int column) const {
    const Oid t = PQftype(r_.get(), column);
    if (t != oid::kBytea)
        throw ColumnError("simul::pg: column \"" + std::string(PQfname(r_.get(), column)) + "\" is " + type_name(t) +
                          ", which cannot be read as pg::Bytes; only bytea can (or cast it: col::bytea)");
    const std::string_view s = text(column);
    // The server's bytea_output is 'hex' by default: \x followed by two digits a byte.
    if (s.size() < 2 || s[0] != '\\' || s[1] != 'x' || s.size() % 2 != 0)
        throw ColumnError("simul::pg: column \"" + std::string(PQfname(r_.get(), column)) +
                          "\" is not in bytea's hex format; set bytea_output = 'hex' on the server or session");
    Bytes out;
    out.data.resize((s.size() - 2) / 2);
    for (std::size_t i = 0; i < out.data.size(); ++i) {
        const int hi = hex_digit(s[2 + 2 * i]), lo = hex_digit(s[3 + 2 * i]);
        if (hi < 0 || lo < 0) throw ColumnError("simul::pg: a bytea value with a bad hex digit");
        out.data[i] = char(hi * 16 + lo);
    }
    return out;
}

// ---- Result ------------------------------------------------------------------

Result::Result(pg_result* r) : r_(r, [](pg_result* p) { PQclear(p); }) {}

std::size_t Result::size() const noexcept { return r_ ? std::size_t(PQntuples(r_.get())) : 0; }

int Result::columns() const noexcept { return r_ ? PQnfields(r_.get()) : 0; }

Row Result::at(std::size_t row) const {
    if (row >= size())
        throw Error("simul::pg: row " + std::to_string(row) + " asked of a result with " + std::to_string(size()) + " rows");
    return Row(r_, int(row));
}

std::string Result::column_name(int column) const {
    if (column < 0 || column >= columns())
        throw ColumnError("simul::pg: column index " + std::to_string(column) + " is out of range (the result has " +
                          std::to_string(columns()) + " columns)");
    return PQfname(r_.get(), column);
}

int Result::column_index(std::string_view name) const { return Row(r_, 0).column_index(name); }

std::uint32_t Result::column_type(int column) const {
    if (column < 0 || column >= columns()) throw ColumnError("simul::pg: column index " + std::to_string(column) + " is out of range");
    return PQftype(r_.get(), column);
}

std::int64_t Result::affected_rows() const noexcept {
    if (!r_) return 0;
    const char* s = PQcmdTuples(r_.get());
    std::int64_t v = 0;
    std::from_chars(s, s + std::char_traits<char>::length(s), v);
    return v;
}

std::string Result::command_status() const { return r_ ? PQcmdStatus(r_.get()) : ""; }

}  // namespace simul::pg
