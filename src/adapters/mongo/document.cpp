// Document, Value, Array: conversion between the C++ values and libbson.
//
// A Document owns a heap bson_t (bson_new), so a move is a pointer swap and a
// copy is bson_copy. Reading decodes one field into a Value (a copy: nested
// documents are copied out of the parent's bytes), which keeps the types free
// of lifetimes tied to a reply buffer.
#include <simul/adapters/mongo/document.hpp>

#include <bson/bson.h>

#include <cstring>
#include <new>

namespace simul::mongo {

namespace {

Value decode(const bson_iter_t* it);

Document decode_document(const bson_iter_t* it) {
    const uint8_t* data = nullptr;
    uint32_t len = 0;
    if (BSON_ITER_HOLDS_DOCUMENT(it))
        bson_iter_document(it, &len, &data);
    else
        bson_iter_array(it, &len, &data);
    return Document::from_bytes(data, len);
}

Value decode(const bson_iter_t* it) {
    switch (bson_iter_type(it)) {
    case BSON_TYPE_NULL:
    case BSON_TYPE_UNDEFINED:
        return Value();
    case BSON_TYPE_BOOL:
        return Value(bson_iter_bool(it));
    case BSON_TYPE_INT32:
        return Value(std::int32_t(bson_iter_int32(it)));
    case BSON_TYPE_INT64:
        return Value(std::int64_t(bson_iter_int64(it)));
    case BSON_TYPE_DOUBLE:
        return Value(bson_iter_double(it));
    case BSON_TYPE_UTF8: {
        uint32_t len = 0;
        const char* s = bson_iter_utf8(it, &len);
        return Value(std::string(s, len));
    }
    case BSON_TYPE_OID: {
        ObjectId id;
        std::memcpy(id.bytes.data(), bson_iter_oid(it)->bytes, 12);
        return Value(id);
    }
    case BSON_TYPE_DATE_TIME:
        return Value(DateTime{bson_iter_date_time(it)});
    case BSON_TYPE_DOCUMENT:
        return Value(decode_document(it));
    case BSON_TYPE_ARRAY: {
        Document d = decode_document(it);
        Array a;
        bson_iter_t child;
        if (bson_iter_init(&child, d.bson()))
            while (bson_iter_next(&child)) a.push_back(decode(&child));
        return Value(std::move(a));
    }
    case BSON_TYPE_BINARY: {
        bson_subtype_t sub;
        uint32_t len = 0;
        const uint8_t* data = nullptr;
        bson_iter_binary(it, &sub, &len, &data);
        return Value(Binary{std::uint8_t(sub), std::string(reinterpret_cast<const char*>(data), len)});
    }
    default: {
        Value::Other o;
        if (!bson_append_iter(o.holder.bson(), "", 0, it))
            throw TypeError("simul::mongo: a BSON value could not be copied");
        return Value(std::move(o));
    }
    }
}

const char* type_names[] = {"null", "bool", "int32", "int64", "double", "string", "ObjectId", "DateTime",
                            "document", "array", "binary", "other BSON type"};

}  // namespace

// --- ObjectId ---------------------------------------------------------------

ObjectId ObjectId::generate() {
    bson_oid_t oid;
    bson_oid_init(&oid, nullptr);
    ObjectId id;
    std::memcpy(id.bytes.data(), oid.bytes, 12);
    return id;
}

ObjectId ObjectId::parse(std::string_view hex) {
    std::string s(hex);
    if (!bson_oid_is_valid(s.c_str(), s.size()))
        throw TypeError("simul::mongo::ObjectId::parse: \"" + s + "\" is not 24 hexadecimal digits");
    bson_oid_t oid;
    bson_oid_init_from_string(&oid, s.c_str());
    ObjectId id;
    std::memcpy(id.bytes.data(), oid.bytes, 12);
    return id;
}

std::string ObjectId::to_string() const {
    bson_oid_t oid;
    std::memcpy(oid.bytes, bytes.data(), 12);
    char buf[25];
    bson_oid_to_string(&oid, buf);
    return std::string(buf, 24);
}

std::chrono::system_clock::time_point ObjectId::time() const {
    std::uint32_t s = (std::uint32_t(bytes[0]) << 24) | (std::uint32_t(bytes[1]) << 16) | (std::uint32_t(bytes[2]) << 8) | bytes[3];
    return std::chrono::system_clock::time_point(std::chrono::seconds(s));
}

// --- Document ---------------------------------------------------------------

Document::Document() : b_(bson_new()) {}

Document::Document(std::initializer_list<Field> fields) : b_(bson_new()) {
    for (const Field& f : fields) append(f.key, f.value);
}

Document::Document(const Document& o) : b_(o.b_ ? bson_copy(o.b_) : bson_new()) {}

Document& Document::operator=(const Document& o) {
    if (this != &o) {
        bson_t* c = o.b_ ? bson_copy(o.b_) : bson_new();
        if (b_) bson_destroy(b_);
        b_ = c;
    }
    return *this;
}

Document::~Document() {
    if (b_) bson_destroy(b_);
}

Document Document::from_bytes(const std::uint8_t* data, std::size_t size) {
    bson_t view;
    if (size < 5 || !bson_init_static(&view, data, size))
        throw TypeError("simul::mongo::Document: " + std::to_string(size) +
                        " bytes are not a BSON document (bad length prefix or terminator)");
    size_t offset = 0;
    if (!bson_validate(&view, BSON_VALIDATE_NONE, &offset))
        throw TypeError("simul::mongo::Document: malformed BSON at byte " + std::to_string(offset) + " of " +
                        std::to_string(size));
    Document d;
    bson_destroy(d.b_);
    d.b_ = bson_new_from_data(data, size);
    if (!d.b_) throw std::bad_alloc();
    return d;
}

Document Document::parse_json(std::string_view json) {
    bson_error_t err;
    bson_t* b = bson_new_from_json(reinterpret_cast<const uint8_t*>(json.data()), ssize_t(json.size()), &err);
    if (!b) throw TypeError(std::string("simul::mongo::Document::parse_json: ") + err.message);
    Document d;
    bson_destroy(d.b_);
    d.b_ = b;
    return d;
}

Document& Document::append(std::string_view key, const Value& value) {
    if (!b_) b_ = bson_new();
    detail::append_value(b_, key, value);
    return *this;
}

Document& Document::extend(const Document& other) {
    if (!b_) b_ = bson_new();
    if (!bson_concat(b_, other.b_)) throw TypeError("simul::mongo::Document::extend: the document would exceed BSON's size limit");
    return *this;
}

bool Document::empty() const noexcept { return !b_ || bson_empty(b_); }

std::size_t Document::size() const noexcept { return b_ ? bson_count_keys(b_) : 0; }

bool Document::contains(std::string_view key) const {
    bson_iter_t it;
    return b_ && bson_iter_init_find_w_len(&it, b_, key.data(), int(key.size()));
}

std::optional<Value> Document::find(std::string_view key) const {
    bson_iter_t it;
    if (!b_ || !bson_iter_init_find_w_len(&it, b_, key.data(), int(key.size()))) return std::nullopt;
    return decode(&it);
}

Value Document::at(std::string_view key) const {
    auto v = find(key);
    if (!v) throw TypeError("simul::mongo::Document: no field \"" + std::string(key) + "\" in " + to_json());
    return std::move(*v);
}

Value Document::operator[](std::string_view key) const { return at(key); }

std::optional<Value> Document::at_path(std::string_view dotted) const {
    bson_iter_t it, found;
    std::string path(dotted);
    if (!b_ || !bson_iter_init(&it, b_) || !bson_iter_find_descendant(&it, path.c_str(), &found)) return std::nullopt;
    return decode(&found);
}

std::string_view Document::first_key() const noexcept {
    bson_iter_t it;
    if (!b_ || !bson_iter_init(&it, b_) || !bson_iter_next(&it)) return {};
    return std::string_view(bson_iter_key(&it), bson_iter_key_len(&it));
}

std::vector<std::string> Document::keys() const {
    std::vector<std::string> out;
    bson_iter_t it;
    if (b_ && bson_iter_init(&it, b_))
        while (bson_iter_next(&it)) out.emplace_back(bson_iter_key(&it), bson_iter_key_len(&it));
    return out;
}

std::vector<std::pair<std::string, Value>> Document::items() const {
    std::vector<std::pair<std::string, Value>> out;
    bson_iter_t it;
    if (b_ && bson_iter_init(&it, b_))
        while (bson_iter_next(&it)) out.emplace_back(std::string(bson_iter_key(&it), bson_iter_key_len(&it)), decode(&it));
    return out;
}

std::string Document::to_json() const {
    if (!b_) return "{ }";
    size_t len = 0;
    char* s = bson_as_relaxed_extended_json(b_, &len);
    if (!s) return "<invalid BSON>";
    std::string out(s, len);
    bson_free(s);
    return out;
}

std::string_view Document::bytes() const noexcept {
    if (!b_) return {};
    return std::string_view(reinterpret_cast<const char*>(bson_get_data(b_)), b_->len);
}

// --- Array ------------------------------------------------------------------

Array::Array(std::initializer_list<Value> values) : v_(values) {}
Array::Array(std::vector<Value> values) : v_(std::move(values)) {}
std::size_t Array::size() const noexcept { return v_.size(); }
const Value& Array::operator[](std::size_t i) const {
    if (i >= v_.size())
        throw TypeError("simul::mongo::Array: index " + std::to_string(i) + " past the end (size " + std::to_string(v_.size()) + ")");
    return v_[i];
}
void Array::push_back(Value v) { v_.push_back(std::move(v)); }
bool Array::operator==(const Array& o) const { return v_ == o.v_; }

// --- Value ------------------------------------------------------------------

const char* Value::type_name() const noexcept { return type_names[v_.index()]; }

void Value::mismatch(const char* wanted) const {
    throw TypeError(std::string("simul::mongo::Value: wanted ") + wanted + ", the value is " + type_name() + " " + to_json());
}

bool Value::as_bool() const {
    if (auto* b = std::get_if<bool>(&v_)) return *b;
    mismatch("bool");
}

std::int64_t Value::as_int64() const {
    switch (type()) {
    case Type::int32: return std::get<std::int32_t>(v_);
    case Type::int64: return std::get<std::int64_t>(v_);
    case Type::double_: {
        double d = std::get<double>(v_);
        if (d == double(std::int64_t(d)) && d >= -9.2e18 && d <= 9.2e18) return std::int64_t(d);
        break;
    }
    default: break;
    }
    mismatch("an integer (int32, int64 or a whole double)");
}

std::int32_t Value::as_int32() const {
    std::int64_t v = as_int64();
    if (v < INT32_MIN || v > INT32_MAX) mismatch("an int32");
    return std::int32_t(v);
}

double Value::as_double() const {
    switch (type()) {
    case Type::int32: return std::get<std::int32_t>(v_);
    case Type::int64: return double(std::get<std::int64_t>(v_));
    case Type::double_: return std::get<double>(v_);
    default: mismatch("a number");
    }
}

const std::string& Value::as_string() const& {
    if (auto* s = std::get_if<std::string>(&v_)) return *s;
    mismatch("string");
}
ObjectId Value::as_object_id() const {
    if (auto* s = std::get_if<ObjectId>(&v_)) return *s;
    mismatch("ObjectId");
}
DateTime Value::as_date_time() const {
    if (auto* s = std::get_if<DateTime>(&v_)) return *s;
    mismatch("DateTime");
}
const Document& Value::as_document() const& {
    if (auto* s = std::get_if<Document>(&v_)) return *s;
    mismatch("document");
}
const Array& Value::as_array() const& {
    if (auto* s = std::get_if<Array>(&v_)) return *s;
    mismatch("array");
}
const Binary& Value::as_binary() const& {
    if (auto* s = std::get_if<Binary>(&v_)) return *s;
    mismatch("binary");
}

std::string Value::to_json() const {
    // The one-field document {"v": value}, printed, with its wrapper cut off.
    Document d;
    detail::append_value(d.bson(), "v", *this);
    std::string s = d.to_json();
    auto colon = s.find(':');
    auto end = s.rfind('}');
    if (colon == std::string::npos || end == std::string::npos || end <= colon + 1) return s;
    std::string inner = s.substr(colon + 1, end - colon - 1);
    while (!inner.empty() && inner.front() == ' ') inner.erase(inner.begin());
    while (!inner.empty() && inner.back() == ' ') inner.pop_back();
    return inner;
}

namespace detail {

void append_value(bson_t* b, std::string_view key, const Value& value) {
    const char* k = key.data();
    const int kl = int(key.size());
    bool ok = true;
    switch (value.type()) {
    case Value::Type::null: ok = bson_append_null(b, k, kl); break;
    case Value::Type::boolean: ok = bson_append_bool(b, k, kl, value.as_bool()); break;
    case Value::Type::int32: ok = bson_append_int32(b, k, kl, value.as_int32()); break;
    case Value::Type::int64: ok = bson_append_int64(b, k, kl, value.as_int64()); break;
    case Value::Type::double_: ok = bson_append_double(b, k, kl, value.as_double()); break;
    case Value::Type::string: {
        const std::string& s = value.as_string();
        ok = bson_append_utf8(b, k, kl, s.data(), int(s.size()));
        break;
    }
    case Value::Type::object_id: {
        bson_oid_t oid;
        auto id = value.as_object_id();
        std::memcpy(oid.bytes, id.bytes.data(), 12);
        ok = bson_append_oid(b, k, kl, &oid);
        break;
    }
    case Value::Type::date_time: ok = bson_append_date_time(b, k, kl, value.as_date_time().ms); break;
    case Value::Type::document: ok = bson_append_document(b, k, kl, value.as_document().bson()); break;
    case Value::Type::array: {
        bson_t child;
        ok = bson_append_array_begin(b, k, kl, &child);
        if (!ok) break;
        std::size_t i = 0;
        char idx[24];
        for (const Value& v : value.as_array()) {
            const char* key_str = nullptr;
            size_t n = bson_uint32_to_string(uint32_t(i++), &key_str, idx, sizeof idx);
            append_value(&child, std::string_view(key_str, n), v);
        }
        ok = bson_append_array_end(b, &child);
        break;
    }
    case Value::Type::binary: {
        const Binary& bin = value.as_binary();
        ok = bson_append_binary(b, k, kl, bson_subtype_t(bin.subtype), reinterpret_cast<const uint8_t*>(bin.bytes.data()),
                                uint32_t(bin.bytes.size()));
        break;
    }
    case Value::Type::other: {
        // The holder is {"": value}: append that value under our key.
        bson_iter_t it;
        const Document& holder = value.if_other()->holder;
        ok = bson_iter_init(&it, holder.bson()) && bson_iter_next(&it) && bson_append_iter(b, k, kl, &it);
        break;
    }
    }
    if (!ok)
        throw TypeError("simul::mongo::Document: cannot append \"" + std::string(key) +
                        "\" (the document would pass BSON's 2 GiB limit, or the key holds a NUL byte)");
}

}  // namespace detail

}  // namespace simul::mongo
