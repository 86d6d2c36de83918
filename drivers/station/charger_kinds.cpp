#include "drivers/station/charger_kinds.hpp"

#include "drivers/chargers/alfen/alfen_kind.hpp"
#include "drivers/chargers/mqtt_json/mqtt_json_kind.hpp"

namespace evhil::station {

const std::vector<chargers::ChargerKind>& charger_kinds() {
    static const std::vector<chargers::ChargerKind> kinds{
        alfen::charger_kind(),
        mqtt_json::charger_kind(),
    };
    return kinds;
}

const chargers::ChargerKind* find_charger_kind(const std::string& type) {
    for (const auto& kind : charger_kinds()) {
        if (kind.type == type) {
            return &kind;
        }
    }
    return nullptr;
}

std::vector<std::string> charger_type_names() {
    std::vector<std::string> names;
    for (const auto& kind : charger_kinds()) {
        names.push_back(kind.type);
    }
    return names;
}

}  // namespace evhil::station
