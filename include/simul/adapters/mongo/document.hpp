// simul/adapters/mongo/document.hpp: Document, Value, Array, ObjectId, DateTime: BSON in C++.
//
// A mongo::Document (alias mongo::doc) is an ordered BSON document, stored
// as the bytes libbson builds. It is written the way the JSON it stands for
// reads, with initializer lists; nested documents and arrays nest the same
// way:
//
//     using namespace simul;
//     mongo::doc filter{{"age", mongo::doc{{"$gt", 30}}}, {"name", "ada"}};
//     mongo::doc user{{"name", "ada"}, {"tags", mongo::array{"math", 1815}},
//                     {"born", mongo::DateTime::from_ms(-4'952'908'800'000)}};
//     std::string name = user["name"].as_string();
//     co_await users.insert_one(mongo::doc("name", "ada", "age", 36));  // braceless: for co_await (g++ 12)
//     std::int64_t n = reply["n"].as_int64();   // int32, int64 or a whole double
//
// A Value is one BSON value: null, bool, int32, int64, double, string,
// ObjectId, DateTime, Document, Array, binary; other BSON types (decimal128,
// regex, timestamp...) are kept as they are (Type::other) so that they
// round-trip unchanged. C++ `int` becomes int32, `long`/`long long` int64.
// Reading a value as the wrong type throws mongo::TypeError, which names the
// key's actual type.
//
// Conversion from and to JSON: to_json() gives MongoDB's relaxed extended
// JSON, Document::parse_json() reads extended JSON (libbson's parser); the
// nlohmann::json conversions are in mongo/json.hpp.
#pragma once

#include <array>
#include <chrono>
#include <compare>
#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <simul/core/error.hpp>

struct _bson_t;  // libbson's bson_t; users of this header need not include bson.h

namespace simul::mongo {

// A value was read as a type it does not have, or a key is missing.
class TypeError : public simul::Error {
public:
    using simul::Error::Error;
};

// MongoDB's 12-byte object id: 4 bytes of seconds, 5 random, 3 of a counter.
struct ObjectId {
    std::array<std::uint8_t, 12> bytes{};

    static ObjectId generate();                 // a fresh one (libbson's generator)
    static ObjectId parse(std::string_view hex);  // 24 hex digits; TypeError otherwise
    std::string to_string() const;              // 24 lowercase hex digits
    std::chrono::system_clock::time_point time() const;
    auto operator<=>(const ObjectId&) const = default;
};

// BSON's UTC datetime: milliseconds since the Unix epoch.
struct DateTime {
    std::int64_t ms = 0;

    static DateTime from_ms(std::int64_t ms) { return DateTime{ms}; }
    static DateTime from(std::chrono::system_clock::time_point t) {
        return DateTime{std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count()};
    }
    static DateTime now() { return from(std::chrono::system_clock::now()); }
    std::chrono::system_clock::time_point time_point() const {
        return std::chrono::system_clock::time_point(std::chrono::milliseconds(ms));
    }
    auto operator<=>(const DateTime&) const = default;
};

// BSON binary data with its subtype (0: generic, 4: UUID...).
struct Binary {
    std::uint8_t subtype = 0;
    std::string bytes;
    bool operator==(const Binary&) const = default;
};

class Value;
struct Field;

class Document {
public:
    Document();  // {}
    Document(std::initializer_list<Field> fields);
    // The same as alternating keys and values, without braces:
    // mongo::doc("age", mongo::doc("$gt", 30), "name", "ada"). g++ 12 rejects
    // an initializer list inside a co_await expression ("array used as
    // initializer"); this form compiles there:
    //     co_await users.insert_one(mongo::doc("name", "ada"));
    template <class... Rest>
        requires(sizeof...(Rest) % 2 == 0)
    Document(std::string_view key, const Value& value, const Rest&... rest);
    Document(const Document& o);
    Document(Document&& o) noexcept : b_(std::exchange(o.b_, nullptr)) {}
    Document& operator=(const Document& o);
    Document& operator=(Document&& o) noexcept {
        std::swap(b_, o.b_);
        return *this;
    }
    ~Document();

    // Copies and validates BSON bytes; TypeError if they are not a valid document.
    static Document from_bytes(const std::uint8_t* data, std::size_t size);
    static Document from_bytes(std::string_view bytes) {
        return from_bytes(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    }
    // Extended JSON (canonical or relaxed, e.g. {"_id": {"$oid": "..."}}); TypeError if malformed.
    static Document parse_json(std::string_view json);

    Document& append(std::string_view key, const Value& value);
    // Appends every field of `other`.
    Document& extend(const Document& other);

    bool empty() const noexcept;
    std::size_t size() const noexcept;  // number of fields
    bool contains(std::string_view key) const;
    std::optional<Value> find(std::string_view key) const;
    // The value of `key`; TypeError if absent. Dotted paths ("a.b.0") descend
    // into documents and arrays with at_path().
    Value at(std::string_view key) const;
    Value operator[](std::string_view key) const;
    std::optional<Value> at_path(std::string_view dotted) const;
    std::vector<std::string> keys() const;
    std::string_view first_key() const noexcept;  // "" if empty (a command's name)
    std::vector<std::pair<std::string, Value>> items() const;

    std::string to_json() const;  // relaxed extended JSON
    std::string_view bytes() const noexcept;
    const _bson_t* bson() const noexcept { return b_; }
    _bson_t* bson() noexcept { return b_; }

    friend bool operator==(const Document& a, const Document& b) noexcept { return a.bytes() == b.bytes(); }

private:
    _bson_t* b_;
};
using doc = Document;

class Array {
public:
    Array() = default;
    Array(std::initializer_list<Value> values);
    explicit Array(std::vector<Value> values);
    // mongo::array(1, "two", 3.0): the braceless form, for co_await expressions (g++ 12).
    template <class... T>
        // Not-a-copy first: the constraints stop at the first one unmet, and
        // asking about Value for a lone Array (std::variant does, while Value
        // is still incomplete) is an error for clang.
        requires(sizeof...(T) > 0 && !(sizeof...(T) == 1 && (std::is_same_v<std::remove_cvref_t<T>, Array> || ...)) &&
                 (std::is_constructible_v<Value, const T&> && ...))
    explicit Array(const T&... values);

    std::size_t size() const noexcept;
    bool empty() const noexcept { return size() == 0; }
    const Value& operator[](std::size_t i) const;
    const std::vector<Value>& values() const noexcept { return v_; }
    std::vector<Value>& values() noexcept { return v_; }
    void push_back(Value v);
    auto begin() const noexcept { return v_.begin(); }
    auto end() const noexcept { return v_.end(); }
    bool operator==(const Array&) const;

private:
    std::vector<Value> v_;
};
using array = Array;

class Value {
public:
    enum class Type { null, boolean, int32, int64, double_, string, object_id, date_time, document, array, binary, other };
    // A BSON type this class does not model: the one-field document {"": value}.
    struct Other {
        Document holder;
        bool operator==(const Other&) const = default;
    };

    Value() noexcept : v_(std::monostate{}) {}
    Value(std::nullptr_t) noexcept : v_(std::monostate{}) {}
    template <class T>
        requires std::same_as<T, bool>
    Value(T b) noexcept : v_(b) {}
    template <std::integral T>
        requires(!std::same_as<T, bool> && !std::same_as<T, char>)
    Value(T i) : v_(from_integer(i)) {}
    Value(double d) noexcept : v_(d) {}
    Value(float d) noexcept : v_(double(d)) {}
    Value(const char* s) : v_(std::string(s)) {}
    Value(std::string s) noexcept : v_(std::move(s)) {}
    Value(std::string_view s) : v_(std::string(s)) {}
    Value(ObjectId id) noexcept : v_(id) {}
    Value(DateTime t) noexcept : v_(t) {}
    Value(std::chrono::system_clock::time_point t) : v_(DateTime::from(t)) {}
    Value(Binary b) noexcept : v_(std::move(b)) {}
    Value(Document d) noexcept : v_(std::move(d)) {}
    Value(Array a) noexcept : v_(std::move(a)) {}
    Value(Other o) noexcept : v_(std::move(o)) {}

    Type type() const noexcept { return Type(v_.index()); }
    const char* type_name() const noexcept;
    bool is_null() const noexcept { return type() == Type::null; }
    bool is_number() const noexcept { return type() == Type::int32 || type() == Type::int64 || type() == Type::double_; }

    bool as_bool() const;
    std::int32_t as_int32() const;   // int32, or an int64/whole double that fits
    std::int64_t as_int64() const;   // int32, int64, or a whole double
    double as_double() const;        // any number
    const std::string& as_string() const&;
    ObjectId as_object_id() const;
    DateTime as_date_time() const;
    const Document& as_document() const&;
    const Array& as_array() const&;
    const Binary& as_binary() const&;
    // On a temporary Value (doc["k"] returns one) these return by value, so
    // `for (auto& x : reply["cursor"].as_document()["firstBatch"].as_array())`
    // never iterates a destroyed array.
    std::string as_string() && { return std::string(std::move(as_string_ref())); }
    Document as_document() && { return Document(std::move(as_document_ref())); }
    Array as_array() && { return Array(std::move(as_array_ref())); }
    Binary as_binary() && { return Binary(std::move(as_binary_ref())); }
    const Other* if_other() const noexcept { return std::get_if<Other>(&v_); }

    // as<T>(): the same conversions by type: as<std::string>(), as<std::int64_t>()...
    template <class T>
    T as() const;

    std::string to_json() const;
    friend bool operator==(const Value& a, const Value& b) { return a.v_ == b.v_; }

private:
    template <class T>
    static std::variant<std::monostate, bool, std::int32_t, std::int64_t, double, std::string, ObjectId, DateTime,
                        Document, Array, Binary, Other>
    from_integer(T i) {
        if constexpr (std::is_signed_v<T> && sizeof(T) <= 4) {
            return std::int32_t(i);
        } else if constexpr (std::is_signed_v<T>) {
            return std::int64_t(i);
        } else if constexpr (sizeof(T) < 4) {
            return std::int32_t(i);
        } else {
            if (std::uint64_t(i) > std::uint64_t(INT64_MAX))
                throw TypeError("simul::mongo::Value: " + std::to_string(i) + " does not fit in BSON's int64");
            if (std::uint64_t(i) <= std::uint64_t(INT32_MAX)) return std::int32_t(i);
            return std::int64_t(i);
        }
    }
    [[noreturn]] void mismatch(const char* wanted) const;
    std::string& as_string_ref() { return const_cast<std::string&>(std::as_const(*this).as_string()); }
    Document& as_document_ref() { return const_cast<Document&>(std::as_const(*this).as_document()); }
    Array& as_array_ref() { return const_cast<Array&>(std::as_const(*this).as_array()); }
    Binary& as_binary_ref() { return const_cast<Binary&>(std::as_const(*this).as_binary()); }

    std::variant<std::monostate, bool, std::int32_t, std::int64_t, double, std::string, ObjectId, DateTime, Document,
                 Array, Binary, Other>
        v_;
};

// One "key": value of a Document's initializer list.
struct Field {
    std::string_view key;
    Value value;
};

template <class... T>
    requires(sizeof...(T) > 0 && !(sizeof...(T) == 1 && (std::is_same_v<std::remove_cvref_t<T>, Array> || ...)) &&
             (std::is_constructible_v<Value, const T&> && ...))
Array::Array(const T&... values) {
    v_.reserve(sizeof...(T));
    (v_.push_back(Value(values)), ...);
}

template <class... Rest>
    requires(sizeof...(Rest) % 2 == 0)
Document::Document(std::string_view key, const Value& value, const Rest&... rest) : Document() {
    append(key, value);
    if constexpr (sizeof...(Rest) > 0) {
        // Pairs two at a time, each key a string and each value anything a Value takes.
        auto pairs = [this](auto&& self, std::string_view k, const Value& v, const auto&... more) -> void {
            append(k, v);
            if constexpr (sizeof...(more) > 0) self(self, more...);
        };
        pairs(pairs, rest...);
    }
}

template <class T>
T Value::as() const {
    if constexpr (std::same_as<T, bool>) return as_bool();
    else if constexpr (std::same_as<T, std::int32_t>) return as_int32();
    else if constexpr (std::integral<T>) return T(as_int64());
    else if constexpr (std::floating_point<T>) return T(as_double());
    else if constexpr (std::same_as<T, std::string>) return as_string();
    else if constexpr (std::same_as<T, ObjectId>) return as_object_id();
    else if constexpr (std::same_as<T, DateTime>) return as_date_time();
    else if constexpr (std::same_as<T, Document>) return as_document();
    else if constexpr (std::same_as<T, Array>) return as_array();
    else if constexpr (std::same_as<T, Binary>) return as_binary();
    else static_assert(sizeof(T) == 0, "simul::mongo::Value::as<T>: no conversion to this type");
}

namespace detail {
// Appends `value` under `key` to a libbson document (used by the wire code too).
void append_value(_bson_t* b, std::string_view key, const Value& value);
}  // namespace detail

}  // namespace simul::mongo
