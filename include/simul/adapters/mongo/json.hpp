// simul/adapters/mongo/json.hpp: Document <-> nlohmann::json.
//
// For programs that already speak nlohmann-json: a json object becomes a
// Document and back. Extended-JSON wrappers carry the BSON types JSON lacks:
// {"$oid": "24 hex"} is an ObjectId, {"$date": ms} (or {"$date":
// {"$numberLong": "ms"}}) a DateTime, {"$numberLong": "n"} an int64. Whole
// numbers that fit become int32, larger ones int64.
//
//     using nlohmann::json;
//     mongo::Document filter = mongo::from_json(json{{"age", {{"$gt", 30}}}, {"name", "ada"}});
//     mongo::Document same = mongo::from_json(R"({"age": {"$gt": 30}, "name": "ada"})"_json);
//     json j = *user;   // to_json through ADL
//
// Header-only (nlohmann-json is); include it only where you want it.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include <simul/adapters/mongo/document.hpp>

namespace simul::mongo {

inline Value value_from_json(const nlohmann::json& j);

inline Document from_json(const nlohmann::json& j) {
    if (!j.is_object()) throw TypeError("simul::mongo::from_json: a Document needs a JSON object, not " + std::string(j.type_name()));
    Document d;
    for (auto it = j.begin(); it != j.end(); ++it) d.append(it.key(), value_from_json(it.value()));
    return d;
}

inline Value value_from_json(const nlohmann::json& j) {
    using nlohmann::json;
    switch (j.type()) {
    case json::value_t::null: return Value();
    case json::value_t::boolean: return Value(j.get<bool>());
    case json::value_t::number_integer: return Value(j.get<std::int64_t>() >= INT32_MIN && j.get<std::int64_t>() <= INT32_MAX
                                                         ? Value(std::int32_t(j.get<std::int64_t>()))
                                                         : Value(j.get<std::int64_t>()));
    case json::value_t::number_unsigned: return Value(j.get<std::uint64_t>());
    case json::value_t::number_float: return Value(j.get<double>());
    case json::value_t::string: return Value(j.get<std::string>());
    case json::value_t::array: {
        Array a;
        for (const auto& e : j) a.push_back(value_from_json(e));
        return Value(std::move(a));
    }
    case json::value_t::object: {
        if (j.size() == 1) {
            auto it = j.begin();
            if (it.key() == "$oid" && it->is_string()) return Value(ObjectId::parse(it->get<std::string>()));
            if (it.key() == "$numberLong" && it->is_string()) return Value(std::int64_t(std::stoll(it->get<std::string>())));
            if (it.key() == "$date") {
                if (it->is_number()) return Value(DateTime{it->get<std::int64_t>()});
                if (it->is_object() && it->contains("$numberLong"))
                    return Value(DateTime{std::stoll(it->at("$numberLong").get<std::string>())});
            }
        }
        return Value(from_json(j));
    }
    default: throw TypeError("simul::mongo::from_json: JSON binary values have no BSON counterpart here");
    }
}

inline nlohmann::json to_json(const Value& v);

inline nlohmann::json to_json(const Document& d) {
    nlohmann::json j = nlohmann::json::object();
    for (auto& [k, v] : d.items()) j[k] = to_json(v);
    return j;
}

inline nlohmann::json to_json(const Value& v) {
    using T = Value::Type;
    switch (v.type()) {
    case T::null: return nullptr;
    case T::boolean: return v.as_bool();
    case T::int32: return v.as_int32();
    case T::int64: return v.as_int64();
    case T::double_: return v.as_double();
    case T::string: return v.as_string();
    case T::object_id: return nlohmann::json{{"$oid", v.as_object_id().to_string()}};
    case T::date_time: return nlohmann::json{{"$date", v.as_date_time().ms}};
    case T::document: return to_json(v.as_document());
    case T::array: {
        nlohmann::json a = nlohmann::json::array();
        for (const Value& e : v.as_array()) a.push_back(to_json(e));
        return a;
    }
    default: return nlohmann::json::parse(v.to_json());  // libbson's extended JSON for the rest
    }
}

// nlohmann's ADL hooks: `json j = document;` and `j.get<mongo::Document>()`.
inline void to_json(nlohmann::json& j, const Document& d) { j = to_json(d); }
inline void from_json(const nlohmann::json& j, Document& d) { d = from_json(j); }

}  // namespace simul::mongo
