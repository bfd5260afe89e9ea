// Params: C++ values to the text (or binary) form libpq sends.
#include <simul/adapters/pg/params.hpp>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include <simul/adapters/pg/error.hpp>

namespace simul::pg {

void Params::add_null(std::uint32_t type) { values_.push_back(Value{{}, type, true, false}); }

void Params::add_text(std::string text, std::uint32_t type) { values_.push_back(Value{std::move(text), type, false, false}); }

void Params::add_binary(std::string bytes, std::uint32_t type) { values_.push_back(Value{std::move(bytes), type, false, true}); }

void Params::add_integer(std::int64_t v, std::uint32_t type) {
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    (void)ec;
    add_text(std::string(buf, end), type);
}

void Params::add_unsigned(std::uint64_t v, std::uint32_t type) {
    if (v > std::uint64_t(std::numeric_limits<std::int64_t>::max()))
        throw Error("simul::pg: the parameter " + std::to_string(v) + " (parameter $" + std::to_string(values_.size() + 1) +
                    ") does not fit PostgreSQL's largest integer type int8; pass it as a string for a numeric column");
    add_integer(std::int64_t(v), type);
}

void Params::add_float(double v, bool single) {
    const std::uint32_t type = single ? oid::kFloat4 : oid::kFloat8;
    if (std::isnan(v)) return add_text("NaN", type);
    if (std::isinf(v)) return add_text(v > 0 ? "Infinity" : "-Infinity", type);
    char buf[32];
    // Shortest text that reads back to the same value.
    auto [end, ec] = single ? std::to_chars(buf, buf + sizeof buf, float(v)) : std::to_chars(buf, buf + sizeof buf, v);
    (void)ec;
    add_text(std::string(buf, end), type);
}

Params::View Params::view() const {
    const std::size_t n = values_.size();
    types_.resize(n);
    ptrs_.resize(n);
    lengths_.resize(n);
    formats_.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        const Value& v = values_[i];
        types_[i] = v.type;
        ptrs_[i] = v.null ? nullptr : v.bytes.c_str();
        lengths_[i] = int(v.bytes.size());
        formats_[i] = v.binary ? 1 : 0;
    }
    return View{int(n), types_.data(), ptrs_.data(), lengths_.data(), formats_.data()};
}

}  // namespace simul::pg
