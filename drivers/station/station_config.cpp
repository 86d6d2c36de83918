#include "drivers/station/station_config.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "drivers/station/charger_kinds.hpp"

namespace evhil::station {
namespace {

ChargerLimits parse_limits(const std::optional<ConfigNode>& node) {
    ChargerLimits limits;
    if (!node) {
        return limits;
    }
    node->allow_keys({"max_current", "cable_max_current", "min_current", "vehicle_start_grace"});
    limits.configured_max_current_a = node->get_double("max_current", unlimited, 0.0, 80.0);
    limits.cable_max_current_a = node->get_double("cable_max_current", unlimited, 0.0, 80.0);
    limits.min_current_a = node->get_double("min_current", limits.min_current_a, 6.0, 80.0);
    return limits;
}

ChargerConfig parse_charger(const std::string& id, const ConfigNode& node, const StationSchema& schema) {
    std::vector<std::string> allowed = station_device_keys();
    allowed.insert(allowed.end(), schema.extra_device_keys.begin(), schema.extra_device_keys.end());
    node.allow_keys(allowed);
    ChargerConfig charger;
    charger.id = id;
    charger.node = node;
    auto type = node.required("type");
    charger.type = type.as_string();
    const auto* kind = find_charger_kind(charger.type);
    if (kind == nullptr) {
        type.fail(
            fmt::format("unknown device type '{}'; known: {}", charger.type, fmt::join(charger_type_names(), ", ")));
    }
    charger.driver = node.optional("driver");
    charger.endpoint = schema.endpoint_required ? std::optional(node.required("endpoint")) : node.optional("endpoint");
    kind->check(charger.driver, charger.endpoint, {});
    charger.limits = parse_limits(node.optional("limits"));
    if (auto limits = node.optional("limits")) {
        using namespace std::chrono_literals;
        charger.vehicle_start_grace =
            limits->get_duration("vehicle_start_grace", charger.vehicle_start_grace, 0s, std::chrono::hours(1));
    }
    charger.limits.circuit = node.get_string("circuit", "");
    charger.phase_switching = node.get_bool("phase_switching", false);
    if (auto on_shutdown = node.optional("on_shutdown")) {
        charger.on_shutdown =
            on_shutdown->as_enum({"pause", "fallback"}) == "pause" ? ShutdownAction::pause : ShutdownAction::fallback;
    }
    return charger;
}

std::vector<CircuitConfig> parse_circuits(const ConfigNode& node) {
    std::vector<CircuitConfig> circuits;
    for (const auto& name : node.keys()) {
        auto entry = node.required(name);
        entry.allow_keys({"max_current", "parent"});
        CircuitConfig circuit{name, entry.required("max_current").as_double(0.0, 1000.0),
                              entry.get_string("parent", "")};
        circuits.push_back(circuit);
    }
    for (const auto& circuit : circuits) {
        if (!circuit.parent.empty() && !node.has(circuit.parent)) {
            node.required(circuit.name)
                .required("parent")
                .fail(fmt::format("circuit '{}' has an unknown parent '{}'", circuit.name, circuit.parent));
        }
    }
    try {
        SafetyLimiter check(circuits);  // a cycle is the one error left
    } catch (const std::invalid_argument& error) {
        node.fail(error.what());
    }
    return circuits;
}

}  // namespace

const std::vector<std::string>& station_device_keys() {
    static const std::vector<std::string> keys{"type",    "endpoint",    "driver", "limits",
                                               "circuit", "on_shutdown", "venus",  "phase_switching"};
    return keys;
}

StationConfig parse_station_config(const ConfigNode& root, const StationSchema& schema) {
    StationConfig config;
    if (auto circuits = root.optional("circuits")) {
        config.circuits = parse_circuits(*circuits);
    }
    auto devices = root.required("devices");
    devices.expect_map();
    for (const auto& id : devices.keys()) {
        auto charger = parse_charger(id, devices.required(id), schema);
        if (!charger.limits.circuit.empty() &&
            !(root.optional("circuits") && root.required("circuits").has(charger.limits.circuit))) {
            devices.required(id).required("circuit").fail(
                fmt::format("no circuit '{}' under circuits:", charger.limits.circuit));
        }
        config.chargers.push_back(std::move(charger));
    }
    if (config.chargers.empty()) {
        devices.fail("at least one charger is needed");
    }
    auto controller = root.required("controller");
    config.controller.node = controller;
    config.controller.type = controller.required("type").as_enum({"manual", "auto", "scheduled"});
    config.controller.manual = control::parse_manual_settings(controller);
    if (auto solar = controller.optional("solar")) {
        config.controller.solar = control::parse_solar_settings(*solar);
    } else if (config.controller.type == "auto") {
        controller.required("type").fail(
            "type: auto needs the Auto settings: a solar: block (solar: {} for the defaults)");
    }
    if (auto schedule = controller.optional("schedule")) {
        config.controller.schedule = control::parse_scheduled_settings(*schedule);
    } else if (config.controller.type == "scheduled") {
        controller.required("type").fail("type: scheduled needs its windows: a schedule: block");
    }
    for (auto& charger : config.chargers) {
        // The controller's max_current is the installation's limit for every charger.
        charger.limits.configured_max_current_a =
            std::min(charger.limits.configured_max_current_a, config.controller.manual.max_current_a);
        charger.limits.min_current_a = std::max(charger.limits.min_current_a, config.controller.manual.min_current_a);
    }
    return config;
}

}  // namespace evhil::station
