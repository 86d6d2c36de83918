#include "drivers/web/config_api.hpp"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "drivers/core/atomic_file.hpp"
#include "drivers/core/config.hpp"
#include "drivers/core/log.hpp"

namespace evhil::web {

using nlohmann::json;

namespace {

auto logger() {
    return log::get("web");
}

const std::regex& integer_text() {
    static const std::regex pattern("-?(0|[1-9][0-9]*)");
    return pattern;
}

const std::regex& decimal_text() {
    static const std::regex pattern("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][-+]?[0-9]+)?");
    return pattern;
}

json scalar_to_json(const YAML::Node& node) {
    const auto& text = node.Scalar();
    if (node.Tag() == "!") {
        return text;  // quoted: a string whatever it looks like
    }
    if (text == "true" || text == "false") {
        return text == "true";
    }
    if (text.empty() || text == "~" || text == "null") {
        return nullptr;
    }
    if (std::regex_match(text, integer_text()) && text.size() < 18) {
        return std::stoll(text);
    }
    if (std::regex_match(text, decimal_text())) {
        return std::stod(text);
    }
    return text;
}

json node_to_json(const YAML::Node& node) {
    switch (node.Type()) {
        case YAML::NodeType::Map: {
            json out = json::object();
            for (const auto& entry : node) {
                out[entry.first.as<std::string>()] = node_to_json(entry.second);
            }
            return out;
        }
        case YAML::NodeType::Sequence: {
            json out = json::array();
            for (const auto& item : node) {
                out.push_back(node_to_json(item));
            }
            return out;
        }
        case YAML::NodeType::Scalar:
            return scalar_to_json(node);
        default:
            return nullptr;
    }
}

void emit(YAML::Emitter& out, const json& value) {
    if (value.is_object()) {
        out << YAML::BeginMap;
        for (const auto& [key, item] : value.items()) {
            out << YAML::Key << key << YAML::Value;
            emit(out, item);
        }
        out << YAML::EndMap;
    } else if (value.is_array()) {
        out << YAML::BeginSeq;
        for (const auto& item : value) {
            emit(out, item);
        }
        out << YAML::EndSeq;
    } else if (value.is_string()) {
        const auto& text = value.get_ref<const std::string&>();
        // Quoted where the plain form would read back as something else (a number, a boolean, null, a structure)
        // or not at all.
        bool ambiguous = true;
        try {
            const auto plain = YAML::Load(text);
            ambiguous = !plain.IsScalar() || scalar_to_json(plain) != json(text);
        } catch (const YAML::Exception&) {
        }
        if (ambiguous) {
            out << YAML::DoubleQuoted << text;
        } else {
            out << text;
        }
    } else if (value.is_null()) {
        out << YAML::Null;
    } else {
        out << value.dump();  // numbers and booleans as JSON writes them, which YAML reads the same
    }
}

json error_json(const ConfigError& error) {
    return {{"error", error.message()},
            {"line", error.line()},
            {"column", error.column()},
            {"path", error.key_path()},
            {"where", error.what()}};
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw std::runtime_error("cannot read " + path);
    }
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

Response json_reply(const Request& request, http::status status, const json& body) {
    return make_response(request, status, json_text(body), "application/json");
}

}  // namespace

json yaml_to_json(const std::string& yaml) {
    return node_to_json(YAML::Load(yaml));
}

std::string json_to_yaml(const json& value) {
    YAML::Emitter out;
    emit(out, value);
    return std::string(out.c_str()) + "\n";
}

bool is_secret_key(const std::string& key) {
    return key == "token" || key == "password" || key == "password_hash" || key == "token_hash";
}

json mask_secrets(json value) {
    if (value.is_object()) {
        for (auto& [key, item] : value.items()) {
            item = is_secret_key(key) && !item.is_null() ? json(masked_secret) : mask_secrets(item);
        }
    } else if (value.is_array()) {
        for (auto& item : value) {
            item = mask_secrets(item);
        }
    }
    return value;
}

json unmask_secrets(json edited, const json& current) {
    if (edited.is_object()) {
        for (auto& [key, item] : edited.items()) {
            const bool known = current.is_object() && current.contains(key);
            if (item == json(masked_secret)) {
                item = known ? current.at(key) : json(nullptr);
            } else if (known) {
                item = unmask_secrets(item, current.at(key));
            }
        }
    } else if (edited.is_array() && current.is_array()) {
        for (std::size_t i = 0; i < edited.size() && i < current.size(); ++i) {
            edited[i] = unmask_secrets(edited[i], current[i]);
        }
    }
    return edited;
}

Response ConfigApi::get(const Request& request) const {
    try {
        auto config = yaml_to_json(read_file(hooks_.path));
        return json_reply(request, http::status::ok, {{"file", hooks_.path}, {"config", mask_secrets(config)}});
    } catch (const std::exception& error) {
        return json_reply(request, http::status::internal_server_error, {{"error", error.what()}});
    }
}

Response ConfigApi::schema(const Request& request) const {
    return make_response(request, http::status::ok, json_text(hooks_.schema()), "application/json");
}

Response ConfigApi::put(const Request& request, const json& body) {
    if (!body.is_object() || !body.contains("config") || !body.at("config").is_object()) {
        return json_reply(request, http::status::bad_request,
                          {{"error", "expected {\"config\": {...}}: the whole configuration as an object"}});
    }
    json current;
    std::string old_text;
    try {
        old_text = read_file(hooks_.path);
        current = yaml_to_json(old_text);
    } catch (const std::exception& error) {
        return json_reply(request, http::status::internal_server_error, {{"error", error.what()}});
    }
    const auto edited = unmask_secrets(body.at("config"), current);
    const auto text = json_to_yaml(edited);
    try {
        hooks_.validate(text, "config");
    } catch (const ConfigError& error) {
        return json_reply(request, http::status::unprocessable_entity, error_json(error));
    }
    json changed = json::array();
    bool restart = false;
    for (const auto& [key, value] : edited.items()) {
        if (!current.contains(key) || current.at(key) != value) {
            changed.push_back(key);
            restart = restart || hooks_.live_sections.count(key) == 0;
        }
    }
    for (const auto& [key, value] : current.items()) {
        if (!edited.contains(key)) {
            changed.push_back(key);
            restart = restart || hooks_.live_sections.count(key) == 0;
        }
    }
    try {
        write_file_atomically(hooks_.path + ".bak", old_text);
        write_file_atomically(hooks_.path, text);
    } catch (const std::exception& error) {
        return json_reply(request, http::status::internal_server_error, {{"error", error.what()}});
    }
    logger()->info("configuration {} saved from the web UI; changed: {}", hooks_.path, json_text(changed));
    if (!restart && hooks_.apply_live) {
        hooks_.apply_live(text);
    }
    return json_reply(request, http::status::ok,
                      {{"saved", true},
                       {"changed", changed},
                       {"restart_required", restart},
                       {"message", changed.empty() ? "nothing changed"
                                   : restart       ? "saved; restart evchargerd to apply it"
                                                   : "saved and applied"}});
}

}  // namespace evhil::web
