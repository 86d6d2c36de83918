#include "simulators/victron/virtual_gx.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include <fmt/format.h>

namespace evhil::sim::victron {
namespace {

using venus::BusValue;
using venus::Invalid;
using venus::ItemSpec;
using venus::ItemTree;
using venus::SettingDefinition;
using venus::SettingResult;
using venus::ValueKind;

constexpr std::array<const char*, 3> phase_names{"L1", "L2", "L3"};
using PerPhase = std::array<double, 3>;

PerPhase balanced(double watts) {
    return {watts / 3, watts / 3, watts / 3};
}

PerPhase on_phases(double watts, int phases) {
    return phases == 1 ? PerPhase{watts, 0, 0} : balanced(watts);
}

PerPhase plus(PerPhase a, const PerPhase& b) {
    for (std::size_t i = 0; i < 3; ++i) {
        a[i] += b[i];
    }
    return a;
}

double sum(const PerPhase& p) {
    return p[0] + p[1] + p[2];
}

// velib's add_mandatory_paths, for a simulated device.
void add_mandatory(ItemTree& tree, const std::string& product, int instance) {
    tree.add("/Mgmt/ProcessName", {.value = std::string("evhil sim gx")});
    tree.add("/Mgmt/ProcessVersion", {.value = std::string("0.1.0")});
    tree.add("/Mgmt/Connection", {.value = std::string("simulated")});
    tree.add("/DeviceInstance", {.value = std::int64_t{instance}});
    tree.add("/ProductId", {.value = std::int64_t{0}});
    tree.add("/ProductName", {.value = product});
    tree.add("/FirmwareVersion", {.value = std::string("simulated")});
    tree.add("/HardwareVersion", {.value = venus::Invalid{}});
    tree.add("/Connected", {.value = std::int64_t{1}});
}

void add_watts(ItemTree& tree, const std::string& path) {
    tree.add(path, {.value = 0.0, .text = [](const std::string&, const BusValue& v) {
                        double w = 0;
                        return venus::as_number(v, w) ? fmt::format("{:.0f} W", w) : venus::python_str(v);
                    }});
}

void add_per_phase(ItemTree& tree, const std::string& prefix) {
    for (const char* phase : phase_names) {
        add_watts(tree, prefix + "/" + phase + "/Power");
    }
}

void set_per_phase(ItemTree& tree, const std::string& prefix, const PerPhase& watts) {
    // The paths are made once per prefix: this runs on every physics step (a simulated year: a million).
    thread_local std::map<std::string, std::array<std::string, 3>> paths;  // runs side by side on threads
    auto found = paths.find(prefix);
    if (found == paths.end()) {
        std::array<std::string, 3> made;
        for (std::size_t i = 0; i < 3; ++i) {
            made[i] = prefix + "/" + phase_names[i] + "/Power";
        }
        found = paths.emplace(prefix, std::move(made)).first;
    }
    for (std::size_t i = 0; i < 3; ++i) {
        tree.set(found->second[i], BusValue{watts[i]});
    }
}

ItemSpec writeable_number(double value, double min, double max) {
    ItemSpec spec;
    spec.value = value;
    spec.writeable = true;
    spec.kind = ValueKind::number;
    spec.on_write = [min, max](const std::string&, const BusValue& v) {
        double x = 0;
        return venus::as_number(v, x) && x >= min && x <= max;
    };
    return spec;
}

double number_at(const ItemTree& tree, const std::string& path, double fallback) {
    double x = 0;
    return venus::as_number(tree.value(path), x) ? x : fallback;
}

}  // namespace

VirtualGx::VirtualGx(GxSettings settings) : settings_(std::move(settings)), home_battery_(settings_.battery_settings) {
    build();
}

void VirtualGx::build() {
    settings_tree_.set_settings_manager(
        [this](const std::vector<SettingDefinition>& definitions) { return add_settings(definitions); });
    // com.victronenergy.system
    system_.add("/Serial", {.value = settings_.portal_id});
    system_.add("/DeviceInstance", {.value = std::int64_t{0}});
    system_.add("/Dc/Battery/Soc", {.value = venus::Invalid{}});
    add_watts(system_, "/Dc/Battery/Power");
    add_watts(system_, "/Dc/Pv/Power");
    for (const char* group : {"/Ac/PvOnGrid", "/Ac/PvOnOutput", "/Ac/Consumption", "/Ac/ConsumptionOnInput",
                              "/Ac/ConsumptionOnOutput", "/Ac/Grid"}) {
        add_per_phase(system_, group);
    }
    system_.add("/Ac/Grid/NumberOfPhases", {.value = std::int64_t{3}});
    system_.add("/Ac/Consumption/NumberOfPhases", {.value = std::int64_t{3}});
    system_.add("/Control/ActiveSocLimit", {.value = settings_.minimum_soc_percent});

    // com.victronenergy.settings: the ESS paths (docs/venus.md, section on the system and settings values).
    settings_tree_.add("/Settings/CGwacs/BatteryLife/MinimumSocLimit",
                       writeable_number(settings_.minimum_soc_percent, 0, 100));
    settings_tree_.add("/Settings/CGwacs/BatteryLife/SocLimit",
                       writeable_number(settings_.minimum_soc_percent, 0, 100));
    settings_tree_.add("/Settings/CGwacs/BatteryLife/State", {.value = std::int64_t{0}});
    settings_tree_.add("/Settings/CGwacs/Hub4Mode", {.value = std::int64_t{1}, .writeable = true});
    settings_tree_.add("/Settings/CGwacs/AcPowerSetPoint", writeable_number(settings_.grid_setpoint_w, -32000, 32000));

    add_mandatory(battery_tree_, "Virtual home battery", 512);
    battery_tree_.add("/Soc", {.value = venus::Invalid{}});
    add_watts(battery_tree_, "/Dc/0/Power");
    battery_tree_.add("/Dc/0/Voltage", {.value = home_battery_.voltage_v()});
    battery_tree_.add("/Dc/0/Current", {.value = 0.0});

    add_mandatory(grid_, "Virtual grid meter", 30);
    add_watts(grid_, "/Ac/Power");
    add_per_phase(grid_, "/Ac");

    add_mandatory(pvinverter_, "Virtual PV inverter", 20);
    add_watts(pvinverter_, "/Ac/Power");
    add_per_phase(pvinverter_, "/Ac");
    // A PV inverter's /Position: 0 AC input, 1 AC output.
    pvinverter_.add("/Position", {.value = std::int64_t{settings_.pv_position == PvPosition::ac_output ? 1 : 0}});
}

namespace {

// localsettings' AddSettingError codes.
constexpr int no_error = 0;
constexpr int unknown_type = -3;
constexpr int invalid_path = -4;
constexpr int type_differs = -5;
constexpr int invalid_default = -6;
constexpr int default_out_of_range = -7;
constexpr int is_group = -8;
constexpr int not_in_settings = -9;

const std::string instance_leaf = "/ClassAndVrmInstance";

// "evcharger:40" -> ("evcharger", 40)
std::optional<std::pair<std::string, long>> class_and_instance(const BusValue& value) {
    const auto* text = std::get_if<std::string>(&value);
    auto colon = text == nullptr ? std::string::npos : text->find(':');
    if (colon == std::string::npos || text->find(':', colon + 1) != std::string::npos) {
        return std::nullopt;
    }
    char* end = nullptr;
    long instance = std::strtol(text->c_str() + colon + 1, &end, 10);
    if (end == text->c_str() + colon + 1 || *end != '\0') {
        return std::nullopt;
    }
    return std::pair(text->substr(0, colon), instance);
}

int kind_of(const BusValue& value) {
    return static_cast<int>(value.index());  // int64, double or string; bool counts as an integer below
}

}  // namespace

std::vector<SettingResult> VirtualGx::add_settings(const std::vector<SettingDefinition>& definitions) {
    std::vector<SettingResult> results;
    for (const auto& definition : definitions) {
        SettingResult& result = results.emplace_back(SettingResult{definition.path, no_error, Invalid{}});
        BusValue value = definition.default_value;
        if (const auto* flag = std::get_if<bool>(&value)) {
            value = std::int64_t{*flag ? 1 : 0};
        }
        if (definition.path.empty() || definition.path.front() != '/') {
            result.error = invalid_path;
            continue;
        }
        if (!is_valid(value)) {
            result.error = unknown_type;
            continue;
        }
        if (!definition.path.starts_with("/Settings/")) {
            result.error = not_in_settings;
            continue;
        }
        if (settings_tree_.has_node(definition.path)) {
            result.error = is_group;
            continue;
        }
        bool instance_claim =
            definition.path.ends_with(instance_leaf) && definition.path.starts_with("/Settings/Devices/");
        auto claim = instance_claim ? class_and_instance(value) : std::nullopt;
        if (instance_claim && !claim) {
            result.error = invalid_default;
            continue;
        }
        double number = 0;
        if (as_number(value, number) && !std::holds_alternative<std::string>(value)) {
            bool below = definition.min && number < *definition.min;
            bool above = definition.max && number > *definition.max;
            bool unbounded = definition.min.value_or(0) == 0 && definition.max.value_or(0) == 0;
            if (!unbounded && (below || above)) {
                result.error = default_out_of_range;
                continue;
            }
        }
        if (settings_tree_.has_leaf(definition.path)) {
            const auto& current = settings_tree_.value(definition.path);
            if (is_valid(current) && kind_of(current) != kind_of(value)) {
                result.error = type_differs;
                continue;
            }
            result.value = current;  // an existing setting keeps its value
            continue;
        }
        if (claim) {
            value = std::string(claim->first + ":" + std::to_string(free_instance(claim->first, claim->second)));
        }
        settings_tree_.add(definition.path, {.value = value, .description = {}, .writeable = true});
        result.value = value;
    }
    return results;
}

// The first instance of `device_class` at or above `wanted` that no ClassAndVrmInstance setting holds.
long VirtualGx::free_instance(const std::string& device_class, long wanted) const {
    std::set<long> taken;
    for (const auto& path : settings_tree_.leaves()) {
        if (path.starts_with("/Settings/Devices/") && path.ends_with(instance_leaf)) {
            if (auto held = class_and_instance(settings_tree_.value(path)); held && held->first == device_class) {
                taken.insert(held->second);
            }
        }
    }
    while (taken.count(wanted) != 0) {
        ++wanted;
    }
    return wanted;
}

double VirtualGx::minimum_soc_percent() const {
    return number_at(settings_tree_, "/Settings/CGwacs/BatteryLife/MinimumSocLimit", settings_.minimum_soc_percent);
}

// BatteryLife's dynamic limit never goes below the user's minimum; this model keeps it at the minimum unless a
// client writes it higher.
double VirtualGx::active_soc_limit_percent() const {
    return std::max(minimum_soc_percent(),
                    number_at(settings_tree_, "/Settings/CGwacs/BatteryLife/SocLimit", minimum_soc_percent()));
}

double VirtualGx::grid_setpoint_w() const {
    return number_at(settings_tree_, "/Settings/CGwacs/AcPowerSetPoint", settings_.grid_setpoint_w);
}

std::vector<std::pair<std::string, ItemTree*>> VirtualGx::services() {
    std::vector<std::pair<std::string, ItemTree*>> out{{"com.victronenergy.settings", &settings_tree_},
                                                       {"com.victronenergy.system", &system_},
                                                       {"com.victronenergy.grid.cgwacs_ttyUSB0_mb1", &grid_}};
    if (settings_.battery) {
        out.emplace_back("com.victronenergy.battery.ttyO1", &battery_tree_);
    }
    if (settings_.pv_position != PvPosition::dc) {
        out.emplace_back("com.victronenergy.pvinverter.virtual", &pvinverter_);
    }
    return out;
}

void VirtualGx::publish(venus::VenusBus& bus, const venus::VenusBus::Done& done) {
    auto list = services();
    auto pending = std::make_shared<std::size_t>(list.size());
    auto failure = std::make_shared<std::optional<std::string>>();
    for (auto& [name, tree] : list) {
        bus.publish(name, *tree, [pending, failure, done](const std::optional<std::string>& error) {
            if (error && !*failure) {
                *failure = error;
            }
            if (--*pending == 0) {
                done(*failure);
            }
        });
    }
}

void VirtualGx::update(const GxInputs& inputs, Duration dt) {
    // Where each power flows, per phase.
    PerPhase pv_on_grid{};
    PerPhase pv_on_output{};
    double dc_pv = 0;
    switch (settings_.pv_position) {
        case PvPosition::dc:
            dc_pv = inputs.pv_w;
            break;
        case PvPosition::ac_output:
            pv_on_output = balanced(inputs.pv_w);
            break;
        case PvPosition::ac_input:
            pv_on_grid = balanced(inputs.pv_w);
            break;
    }
    PerPhase on_input{};
    PerPhase on_output = balanced(inputs.house_w);
    for (const auto& ev : inputs.ev_loads) {
        auto load = on_phases(ev.power_w, ev.phases);
        if (ev.position == venus::AcPosition::ac_input) {
            on_input = plus(on_input, load);
        } else {
            on_output = plus(on_output, load);
        }
    }
    // The ESS holds the grid at its setpoint with the battery.
    double loads = sum(on_input) + sum(on_output);
    double battery_w = 0;
    if (settings_.battery) {
        battery_w =
            home_battery_.ess_power_w(inputs.pv_w - loads, grid_setpoint_w(), active_soc_limit_percent() / 100.0);
        home_battery_.step(battery_w, dt);
    }
    PerPhase grid{};
    for (std::size_t i = 0; i < 3; ++i) {
        grid[i] = on_input[i] + on_output[i] - pv_on_grid[i] - pv_on_output[i] - dc_pv / 3 + battery_w / 3;
    }
    PerPhase consumption{};
    for (std::size_t i = 0; i < 3; ++i) {
        on_input[i] = std::max(0.0, on_input[i]);
        on_output[i] = std::max(0.0, on_output[i]);
        consumption[i] = on_input[i] + on_output[i];
    }
    const double soc_percent = home_battery_.soc() * 100.0;
    {
        auto batch = system_.batch();
        system_.set("/Dc/Battery/Soc", settings_.battery ? BusValue{soc_percent} : BusValue{venus::Invalid{}});
        system_.set("/Dc/Battery/Power", settings_.battery ? BusValue{battery_w} : BusValue{venus::Invalid{}});
        system_.set("/Dc/Pv/Power", BusValue{dc_pv});
        set_per_phase(system_, "/Ac/PvOnGrid", pv_on_grid);
        set_per_phase(system_, "/Ac/PvOnOutput", pv_on_output);
        set_per_phase(system_, "/Ac/ConsumptionOnInput", on_input);
        set_per_phase(system_, "/Ac/ConsumptionOnOutput", on_output);
        set_per_phase(system_, "/Ac/Consumption", consumption);
        set_per_phase(system_, "/Ac/Grid", grid);
        system_.set("/Control/ActiveSocLimit", BusValue{active_soc_limit_percent()});
    }
    {
        auto batch = battery_tree_.batch();
        battery_tree_.set("/Soc", BusValue{soc_percent});
        battery_tree_.set("/Dc/0/Power", BusValue{battery_w});
        battery_tree_.set("/Dc/0/Current", BusValue{battery_w / home_battery_.voltage_v()});
    }
    {
        auto batch = grid_.batch();
        grid_.set("/Ac/Power", BusValue{sum(grid)});
        set_per_phase(grid_, "/Ac", grid);
    }
    {
        auto batch = pvinverter_.batch();
        auto pv = plus(pv_on_grid, pv_on_output);
        pvinverter_.set("/Ac/Power", BusValue{sum(pv)});
        set_per_phase(pvinverter_, "/Ac", pv);
    }
}

}  // namespace evhil::sim::victron
