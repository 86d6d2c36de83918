#include "drivers/venus/evcharger_settings.hpp"

#include <cctype>

namespace evhil::venus {

bool valid_bus_name_element(const std::string& text) {
    if (text.empty() || std::isdigit(static_cast<unsigned char>(text[0])) != 0) {
        return false;
    }
    for (char c : text) {
        if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '_') {
            return false;
        }
    }
    return true;
}

EvchargerSettings parse_evcharger_settings(const ConfigNode& charger, const std::string& charger_id,
                                           std::size_t index) {
    EvchargerSettings s;
    s.name = charger_id;
    s.device_instance = 40 + static_cast<int>(index);
    auto node = charger.is_map() ? charger.optional("venus") : std::nullopt;
    ConfigNode name_at = charger;
    if (node) {
        node->allow_keys({"name", "device_instance", "product_id", "position", "product_name"});
        if (auto name = node->optional("name")) {
            s.name = name->as_string();
            name_at = *name;
        }
        s.device_instance = static_cast<int>(node->get_int("device_instance", s.device_instance, 0, 999));
        s.product_id = static_cast<int>(node->get_int("product_id", s.product_id, 0, 0xFFFF));
        if (auto position = node->optional("position")) {
            s.position = position->as_enum({"ac_output", "ac_input"}) == "ac_output" ? AcPosition::ac_output
                                                                                     : AcPosition::ac_input;
        }
        s.product_name = node->get_string("product_name", s.product_name);
    }
    if (!valid_bus_name_element(s.name)) {
        throw ConfigError(name_at.file(), name_at.line(), name_at.column(),
                          "'" + s.name +
                              "' cannot be part of a D-Bus name (letters, digits and _ only, not starting with a "
                              "digit): set venus.name for charger " +
                              charger_id);
    }
    return s;
}

StationEvchargers parse_station_evchargers(const std::vector<station::ChargerConfig>& chargers) {
    StationEvchargers parsed;
    for (std::size_t i = 0; i < chargers.size(); ++i) {
        parsed.emplace_back(chargers[i].id, parse_evcharger_settings(chargers[i].node, chargers[i].id, i));
        const auto& mine = parsed.back().second;
        for (std::size_t j = 0; j < i; ++j) {
            const auto& [other_id, other] = parsed[j];
            if (other.name != mine.name && other.device_instance != mine.device_instance) {
                continue;
            }
            bool same_name = other.name == mine.name;
            ConfigNode at = chargers[i].node;
            if (auto block = chargers[i].node.optional("venus")) {
                if (auto key = block->optional(same_name ? "name" : "device_instance")) {
                    at = *key;
                }
            }
            throw ConfigError(at.file(), at.line(), at.column(),
                              "charger " + chargers[i].id + " has the same Venus " +
                                  (same_name ? "name" : "device instance") + " as " + other_id);
        }
    }
    return parsed;
}

}  // namespace evhil::venus
