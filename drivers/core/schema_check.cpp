#include "drivers/core/schema_check.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace evhil {
namespace {

using Schema = nlohmann::ordered_json;

std::vector<std::string> types_of(const Schema& schema) {
    std::vector<std::string> types;
    if (auto it = schema.find("type"); it != schema.end()) {
        if (it->is_string()) {
            types.push_back(it->get<std::string>());
        } else {
            for (const auto& type : *it) {
                types.push_back(type.get<std::string>());
            }
        }
    }
    return types;
}

bool is_scalar_type(const std::string& type) {
    return type == "string" || type == "number" || type == "integer" || type == "boolean";
}

// The type the node is read as: the one its shape fits, else the first listed (whose accessor reports the mismatch
// as the loader would).
std::string pick_type(const ConfigNode& node, const std::vector<std::string>& types) {
    for (const auto& type : types) {
        if ((type == "object" && node.is_map()) || (type == "array" && node.is_sequence()) ||
            (type == "null" && node.is_null()) || (is_scalar_type(type) && node.is_scalar())) {
            return type;
        }
    }
    return types.front();
}

template <typename T>
T bound(const Schema& schema, const char* key, T fallback) {
    auto it = schema.find(key);
    return it == schema.end() ? fallback : it->get<T>();
}

Duration duration_bound(const Schema& schema, const char* key, Duration fallback) {
    auto it = schema.find(key);
    if (it == schema.end()) {
        return fallback;
    }
    // Whole nanoseconds, so that 0.01 is exactly the loader's 10ms (and prints as such).
    return Duration(static_cast<Duration::rep>(std::llround(it->get<double>() * 1e9)));
}

std::vector<std::string> enum_names(const Schema& values) {
    std::vector<std::string> names;
    for (const auto& value : values) {
        names.push_back(value.is_string() ? value.get<std::string>() : value.dump());
    }
    return names;
}

void check_node(const ConfigNode& node, const Schema& schema);

void check_object(const ConfigNode& node, const Schema& schema) {
    node.expect_map();
    static const Schema no_properties = Schema::object();
    auto found = schema.find("properties");
    const Schema& properties = found == schema.end() ? no_properties : *found;
    auto additional = schema.find("additionalProperties");
    if (additional != schema.end() && additional->is_boolean() && !additional->get<bool>()) {
        std::vector<std::string> allowed;
        for (const auto& [key, value] : properties.items()) {
            allowed.push_back(key);
        }
        node.allow_keys(allowed);
    }
    std::vector<std::string> required;
    if (auto it = schema.find("required"); it != schema.end()) {
        required = it->get<std::vector<std::string>>();
    }
    // In the schema's order, which is the loader's: a missing field is reported where the loader would ask for it.
    for (const auto& [key, property] : properties.items()) {
        if (node.has(key)) {
            check_node(node.required(key), property);
        } else if (std::find(required.begin(), required.end(), key) != required.end()) {
            node.required(key);  // throws "missing required field"
        }
    }
    for (const auto& key : required) {
        if (!properties.contains(key)) {
            node.required(key);
        }
    }
    if (additional != schema.end() && additional->is_object()) {
        for (const auto& key : node.keys()) {
            if (!properties.contains(key)) {
                check_node(node.required(key), *additional);
            }
        }
    }
}

void check_node(const ConfigNode& node, const Schema& schema) {
    if (!schema.is_object()) {
        return;  // the schema `true`: anything
    }
    if (schema.value("format", "") == "duration") {
        node.as_duration(duration_bound(schema, "minimum", Duration::zero()),
                         duration_bound(schema, "maximum", Duration::max()));
        return;
    }
    const auto types = types_of(schema);
    const std::string type = types.empty() ? "" : pick_type(node, types);
    if (auto choices = schema.find("enum"); choices != schema.end() && (type.empty() || is_scalar_type(type))) {
        node.as_enum(enum_names(*choices));
        return;
    }
    if (type == "object") {
        check_object(node, schema);
    } else if (type == "array") {
        auto entries = node.as_list();
        if (auto items = schema.find("items"); items != schema.end()) {
            for (const auto& entry : entries) {
                check_node(entry, *items);
            }
        }
    } else if (type == "string") {
        node.as_string();
    } else if (type == "number") {
        node.as_double(bound(schema, "minimum", std::numeric_limits<double>::lowest()),
                       bound(schema, "maximum", std::numeric_limits<double>::max()));
    } else if (type == "integer") {
        node.as_int(bound(schema, "minimum", std::numeric_limits<std::int64_t>::min()),
                    bound(schema, "maximum", std::numeric_limits<std::int64_t>::max()));
    } else if (type == "boolean") {
        node.as_bool();
    } else if (type == "null" && !node.is_null()) {
        node.fail("expected no value");
    }
}

}  // namespace

void check_against_schema(const ConfigNode& node, const nlohmann::ordered_json& schema) {
    check_node(node, schema);
}

}  // namespace evhil
