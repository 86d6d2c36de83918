#include "harness/scenario/scenario_actions.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>

#include "harness/scenario/faults.hpp"

namespace evhil::harness {
namespace {

using namespace std::chrono_literals;

const std::vector<std::string> action_names{
    "plug_in", "unplug", "set_current", "start",  "stop",           "set_pv",     "set_load",   "set_soc",
    "drive",   "fault",  "fault_off",   "gx_set", "mqtt_keepalive", "mqtt_write", "ha_restart", "ha_command"};

bool is_device_action(const std::string& what) {
    return what == "plug_in" || what == "unplug" || what == "set_soc" || what == "fault" || what == "fault_off" ||
           what == "drive";
}

// A device action names its device, or acts on the only one. With a gx: section a fault may name the GX, with a
// tariff: section the price API; any fault may name the run's MQTT broker.
std::string action_device(const ConfigNode& node, const std::vector<DeviceSpec>& devices, const SiteParts& site) {
    if (auto device = node.optional("device")) {
        auto id = device->as_string();
        if ((site.gx && id == gx_device) || (site.tariff && id == tariff_device) || id == mqtt_device) {
            return id;
        }
        bool known = std::any_of(devices.begin(), devices.end(), [&](const DeviceSpec& d) { return d.id == id; });
        if (!known) {
            device->fail(fmt::format("no device '{}' under devices:", id));
        }
        return id;
    }
    if (devices.size() != 1) {
        node.fail("this scenario has several devices: say which with 'device:'");
    }
    return devices.front().id;
}

// gx_set and mqtt_write: service, path and a value, a number unless it is quoted text.
void parse_gx_set(const ConfigNode& node, Action& action) {
    auto service = node.required("service");
    action.service = service.as_string();
    auto short_name = action.service.starts_with("com.victronenergy.") ? action.service.substr(18) : action.service;
    if (short_name.empty() || short_name.find('/') != std::string::npos) {
        service.fail("service: a Venus service such as evcharger.garage or com.victronenergy.system");
    }
    auto path = node.required("path");
    action.path = path.as_string();
    if (!action.path.starts_with('/') || action.path.size() < 2) {
        path.fail("path: a bus item path such as /SetCurrent");
    }
    auto value = node.required("value");
    action.text_value = value.as_string();
    action.value_is_text = value.is_quoted();
    if (!action.value_is_text) {
        char* end = nullptr;
        std::strtod(action.text_value.c_str(), &end);
        if (action.text_value.empty() || *end != '\0') {
            value.fail("value: a number, or text in quotes");
        }
    }
}

// ha_command: a configured charger, one of Home Assistant's command topics and its payload.
void parse_ha_command(const ConfigNode& node, const std::vector<DeviceSpec>& devices, Action& action) {
    auto charger = node.required("charger");
    action.charger = charger.as_string();
    if (std::none_of(devices.begin(), devices.end(), [&](const DeviceSpec& d) { return d.id == action.charger; })) {
        charger.fail(fmt::format("no device '{}' under devices:", action.charger));
    }
    action.command = node.required("command").as_enum({"charging", "current", "mode"});
    action.payload = node.required("payload").as_string();
}

}  // namespace

void repeat_action(const ConfigNode& node, Scenario& scenario) {
    auto every_node = node.optional("every");
    if (!every_node) {
        return;
    }
    const Action first = scenario.timeline.back();
    const Duration every = every_node->as_duration(1s, scenario.duration);
    const Duration until = node.get_duration("until", scenario.duration, first.at, scenario.duration);
    std::vector<int> days;
    if (auto on_days = node.optional("on_days")) {
        static const std::vector<std::string> names{"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
        for (const auto& day : on_days->as_list()) {
            auto name = day.as_enum({"sun", "mon", "tue", "wed", "thu", "fri", "sat"});
            days.push_back(static_cast<int>(std::find(names.begin(), names.end(), name) - names.begin()));
        }
    }
    auto on_a_day = [&](Duration at) {
        auto day = std::chrono::floor<std::chrono::days>(scenario.start + at);
        int weekday = static_cast<int>(std::chrono::weekday(day).c_encoding());
        return days.empty() || std::find(days.begin(), days.end(), weekday) != days.end();
    };
    std::vector<Action> copies;
    for (Duration at = first.at; at <= until; at += every) {
        if (on_a_day(at)) {
            Action copy = first;
            copy.at = at;
            copies.push_back(copy);
        }
    }
    if (copies.empty()) {
        node.required("on_days").fail("the action never falls on one of these days before until:");
    }
    scenario.timeline.pop_back();
    scenario.timeline.insert(scenario.timeline.end(), copies.begin(), copies.end());
}

Action parse_action(const ConfigNode& node, Duration duration, const std::vector<DeviceSpec>& devices,
                    const FaultCatalogue& catalogue, const SiteParts& site) {
    const bool has_gx = site.gx;
    node.expect_map();
    Action action;
    action.line = node.line();
    action.at = node.required("at").as_duration(0s, duration);
    auto what_node = node.required("do");
    action.what = what_node.as_string();
    if (std::find(action_names.begin(), action_names.end(), action.what) == action_names.end()) {
        std::string list;
        for (const auto& name : action_names) {
            list += (list.empty() ? "" : ", ") + name;
        }
        what_node.fail(fmt::format("unknown action '{}' (known: {})", action.what, list));
    }
    std::vector<std::string> allowed{"at", "do", "id", "every", "until", "on_days"};
    if (is_device_action(action.what)) {
        allowed.push_back("device");
        action.device = action_device(node, devices, site);
    }
    if (action.what == "set_current") {
        allowed.push_back("current");
        action.value = node.required("current").as_double(0, 80);
    } else if (action.what == "set_pv" || action.what == "set_load") {
        allowed.push_back("watts");
        auto watts = node.required("watts");
        if (watts.is_scalar() && watts.as_string() == "auto") {
            action.value_is_auto = true;
        } else {
            action.value = watts.as_double(0, 1e6);
        }
    } else if (action.what == "set_soc") {
        allowed.push_back("soc");
        action.value = node.required("soc").as_double(0, 100) / 100.0;
    } else if (action.what == "drive") {
        allowed.push_back("kwh");
        action.value = node.required("kwh").as_double(0, 300);
    } else if (action.what == "gx_set") {
        if (!has_gx) {
            node.fail("gx_set needs a gx: section (the GX that the GUI writes to)");
        }
        allowed.insert(allowed.end(), {"service", "path", "value"});
        parse_gx_set(node, action);
    } else if (action.what == "mqtt_keepalive" || action.what == "mqtt_write") {
        if (!site.gx_mqtt) {
            node.fail(action.what + " needs the GX's MQTT bridge: gx: {mqtt: {}}");
        }
        if (action.what == "mqtt_keepalive") {
            allowed.push_back("payload");
            action.payload = node.get_string("payload", "");
        } else {
            allowed.insert(allowed.end(), {"service", "path", "value"});
            parse_gx_set(node, action);
        }
    } else if (action.what == "ha_restart" || action.what == "ha_command") {
        if (!site.homeassistant) {
            node.fail(action.what + " needs Home Assistant discovery: a homeassistant: section");
        }
        if (action.what == "ha_command") {
            allowed.insert(allowed.end(), {"charger", "command", "payload"});
            parse_ha_command(node, devices, action);
        }
    } else if (action.what == "fault" || action.what == "fault_off") {
        allowed.insert(allowed.end(), {"fault", "for"});
        auto fault_node = node.required("fault");
        action.fault = fault_node.as_string();
        std::string type = action.device;
        if (action.device != gx_device && action.device != mqtt_device && action.device != tariff_device) {
            type = std::find_if(devices.begin(), devices.end(), [&](const DeviceSpec& d) {
                       return d.id == action.device;
                   })->type;
        }
        const auto* faults = catalogue(type);
        const auto* fault = faults != nullptr ? find_fault(*faults, action.fault) : nullptr;
        if (fault == nullptr) {
            fault_node.fail(fmt::format("no part of a device of type {} applies fault '{}' (its faults: {})", type,
                                        action.fault, faults != nullptr ? fault_names(*faults) : "none"));
        }
        action.fault_spec = std::make_shared<const FaultSpec>(*fault);
        if (auto length = node.optional("for")) {
            action.fault_for = length->as_duration(1ms, duration);
        }
        allowed.insert(allowed.end(), fault->params.begin(), fault->params.end());
        if (fault->parse) {
            fault->parse(node, action);
        }
    }
    node.allow_keys(allowed);
    action.id = node.get_string("id", fmt::format("{}@{}", action.what, format_duration(action.at)));
    return action;
}

}  // namespace evhil::harness
