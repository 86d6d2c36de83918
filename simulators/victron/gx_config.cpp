#include "simulators/victron/gx_config.hpp"

#include <cctype>

namespace evhil::sim::victron {

const std::vector<std::string>& gx_config_keys() {
    static const std::vector<std::string> keys{"pv_position", "battery", "min_soc", "grid_setpoint", "portal_id"};
    return keys;
}

PvPosition parse_pv_position(const std::string& text) {
    if (text == "ac_output") {
        return PvPosition::ac_output;
    }
    return text == "ac_input" ? PvPosition::ac_input : PvPosition::dc;
}

void read_gx_config(const ConfigNode& node, GxSettings& gx) {
    if (auto position = node.optional("pv_position")) {
        gx.pv_position = parse_pv_position(position->as_enum({"dc", "ac_output", "ac_input"}));
    }
    if (auto battery = node.optional("battery")) {
        if (battery->is_scalar()) {
            if (battery->as_bool()) {
                battery->fail("battery: takes false (no home battery) or its settings");
            }
            gx.battery = false;
        } else {
            battery->allow_keys({"capacity", "soc", "max_charge", "max_discharge"});
            auto& b = gx.battery_settings;
            gx.battery = true;
            b.capacity_wh = battery->get_double("capacity", b.capacity_wh, 100, 1e7);
            b.soc = battery->get_double("soc", b.soc * 100.0, 0, 100) / 100.0;
            b.max_charge_w = battery->get_double("max_charge", b.max_charge_w, 0, 1e6);
            b.max_discharge_w = battery->get_double("max_discharge", b.max_discharge_w, 0, 1e6);
        }
    }
    gx.minimum_soc_percent = node.get_double("min_soc", gx.minimum_soc_percent, 0, 100);
    gx.grid_setpoint_w = node.get_double("grid_setpoint", gx.grid_setpoint_w, -1e5, 1e5);
    if (auto portal = node.optional("portal_id")) {
        auto id = portal->as_string();
        bool hex = id.size() == 12 && std::all_of(id.begin(), id.end(), [](unsigned char c) {
                       return std::isdigit(c) != 0 || (c >= 'a' && c <= 'f');
                   });
        if (!hex) {
            portal->fail("portal_id: 12 lower-case hex digits, as a GX's VRM portal id");
        }
        gx.portal_id = id;
    }
}

}  // namespace evhil::sim::victron
