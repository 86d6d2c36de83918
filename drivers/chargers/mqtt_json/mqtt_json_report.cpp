#include "drivers/chargers/mqtt_json/mqtt_json_report.hpp"

#include <nlohmann/json.hpp>

#include <cmath>

namespace evhil::mqtt_json {
namespace {

enum class Kind { number, text };

struct KeyRule {
    const char* key;
    Kind kind;
    double min;
    double max;
    bool whole;  // an enum or a flag: an integer
};

// The keys of section 5.2 of the original, with what each may hold (units and enums of the evcharger service).
const std::vector<KeyRule>& rules() {
    static const std::vector<KeyRule> table{
        {"Ac.Power", Kind::number, -1e6, 1e6, false},
        {"Ac.L1.Power", Kind::number, -1e6, 1e6, false},
        {"Ac.L2.Power", Kind::number, -1e6, 1e6, false},
        {"Ac.L3.Power", Kind::number, -1e6, 1e6, false},
        {"Ac.Energy.Forward", Kind::number, 0, 1e9, false},  // kWh
        {"Current", Kind::number, -1000, 1000, false},
        {"MaxCurrent", Kind::number, 0, 1000, false},
        {"SetCurrent", Kind::number, 0, 1000, false},
        {"AutoStart", Kind::number, 0, 1, true},
        {"ChargingTime", Kind::number, 0, 1e9, false},  // s
        {"EnableDisplay", Kind::number, 0, 1, true},
        {"Mode", Kind::number, 0, 2, true},
        {"StartStop", Kind::number, 0, 1, true},
        {"Status", Kind::number, 0, 24, true},
        {"Model", Kind::text, 0, 0, false},
        {"Role", Kind::text, 0, 0, false},
    };
    return table;
}

const KeyRule* rule_for(const std::string& key) {
    for (const auto& rule : rules()) {
        if (key == rule.key) {
            return &rule;
        }
    }
    return nullptr;
}

std::string describe(const nlohmann::json& value) {
    std::string text = value.dump();
    return text.size() > 40 ? text.substr(0, 37) + "..." : text;
}

void take(const std::string& key, const nlohmann::json& value, ParsedMessage& out) {
    const KeyRule* rule = rule_for(key);
    if (rule == nullptr) {
        out.refused.push_back("unknown key '" + key + "'");
        return;
    }
    if (rule->kind == Kind::text) {
        if (value.is_string()) {
            out.values.texts[key] = value.get<std::string>();
        } else if (value.is_number()) {
            out.values.texts[key] = value.dump();  // a model number sent as a number
        } else {
            out.refused.push_back(key + ": expected a text, got " + describe(value));
        }
        return;
    }
    if (!value.is_number()) {
        out.refused.push_back(key + ": expected a number, got " + describe(value));
        return;
    }
    double number = value.get<double>();
    if (!std::isfinite(number) || number < rule->min || number > rule->max) {
        out.refused.push_back(key + ": " + describe(value) + " is outside " + describe(rule->min) + " to " +
                              describe(rule->max));
        return;
    }
    if (rule->whole && number != std::floor(number)) {
        out.refused.push_back(key + ": expected a whole number, got " + describe(value));
        return;
    }
    out.values.numbers[key] = number;
}

// Walks nested objects up to three levels, as the original joins keys into paths.
void walk(const nlohmann::json& object, const std::string& prefix, int depth, ParsedMessage& out) {
    for (const auto& [name, value] : object.items()) {
        std::string key = prefix.empty() ? name : prefix;
        if (!prefix.empty()) {
            key.append(".").append(name);
        }
        if (value.is_object()) {
            if (depth >= 3) {
                out.refused.push_back("'" + key + "' nests deeper than three levels");
            } else {
                walk(value, key, depth + 1, out);
            }
            continue;
        }
        take(key, value, out);
    }
}

}  // namespace

ParsedMessage parse_charger_message(const std::string& payload) {
    ParsedMessage out;
    if (payload.empty()) {
        return out;
    }
    nlohmann::json json = nlohmann::json::parse(payload, nullptr, false);
    if (json.is_discarded()) {
        out.refused.push_back("not JSON: " + (payload.size() > 40 ? payload.substr(0, 37) + "..." : payload));
        return out;
    }
    if (!json.is_object()) {
        out.refused.push_back("not a JSON object: " + describe(json));
        return out;
    }
    walk(json, "", 1, out);
    if (out.values.numbers.count("Ac.Power") == 0) {
        out.refused.push_back("no usable Ac.Power, the one key every message must carry: the message is ignored");
        out.values = {};
        return out;
    }
    out.accepted = true;
    return out;
}

void merge_into(ChargerReport& state, const ChargerReport& update) {
    for (const auto& [key, value] : update.numbers) {
        state.numbers[key] = value;
    }
    for (const auto& [key, value] : update.texts) {
        state.texts[key] = value;
    }
}

const std::vector<std::string>& known_keys() {
    static const std::vector<std::string> keys = [] {
        std::vector<std::string> out;
        for (const auto& rule : rules()) {
            out.emplace_back(rule.key);
        }
        return out;
    }();
    return keys;
}

}  // namespace evhil::mqtt_json
