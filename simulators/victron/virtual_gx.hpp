#pragma once
// A virtual Victron GX: the services a GX publishes about the site, computed from the site model each update and
// published on any VenusBus (the in-process bus of the sim target, or a private dbus-daemon for `evhil sim gx`).
//
//   com.victronenergy.system        what dbus-systemcalc-py computes: battery SOC and power (positive = charging),
//                                   DC PV, PV on the AC output and on the grid side per phase, consumption per
//                                   phase on input and output (clamped at 0), grid per phase (positive = import),
//                                   the portal id as /Serial, the active SOC limit
//   com.victronenergy.settings      the ESS settings a surplus controller reads, writeable as on a GX
//   com.victronenergy.battery.*     the home battery
//   com.victronenergy.grid.*        the grid meter
//   com.victronenergy.pvinverter.*  when the PV is AC-coupled
//
// Closed loop: each update takes the EV chargers' real power (from the EV models in a scenario, or from their
// services on the bus standalone), lets the ESS move the battery to hold the grid at its setpoint, and publishes
// everything in one batch per service, so the charger's power shows in consumption, grid and battery within one
// update. EV chargers count where their /Position says: on the grid side (AC input) or behind the inverter (AC
// output), as the grid meter and the inverter would measure them; systemcalc itself reads no EV charger service.
//
// Run standalone with `evhil sim gx` (simulators/victron/standalone.cpp). Covered by tests/unit/virtual_gx_test.cpp.

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "drivers/venus/evcharger_settings.hpp"
#include "drivers/venus/venus_bus.hpp"
#include "simulators/physics/home_battery.hpp"

namespace evhil::sim::victron {

enum class PvPosition { dc, ac_output, ac_input };

struct GxSettings {
    std::string portal_id = "c0ffee000001";  // 12 lower-case hex digits, as a GX's VRM portal id
    PvPosition pv_position = PvPosition::dc;
    bool battery = true;
    physics::HomeBatterySettings battery_settings;
    double minimum_soc_percent = 10.0;  // /Settings/CGwacs/BatteryLife/MinimumSocLimit
    // /Settings/CGwacs/AcPowerSetPoint, W. The sign is UNCONFIRMED in Victron's sources; positive is taken as
    // import from the grid, as the GUI's "grid setpoint" reads.
    double grid_setpoint_w = 0.0;
};

// An EV charger's load as the site sees it.
struct EvLoad {
    double power_w = 0;
    int phases = 3;  // 1: on L1
    venus::AcPosition position = venus::AcPosition::ac_input;
};

struct GxInputs {
    double pv_w = 0;
    double house_w = 0;  // behind the inverter (AC output), balanced over three phases
    std::vector<EvLoad> ev_loads;
};

class VirtualGx {
public:
    explicit VirtualGx(GxSettings settings);

    // Publishes every service; `done` once all names are claimed (the first error otherwise).
    void publish(venus::VenusBus& bus, const venus::VenusBus::Done& done);
    // One update of `dt`: the battery moves, then every service is recomputed.
    void update(const GxInputs& inputs, Duration dt);

    venus::ItemTree& system() { return system_; }
    venus::ItemTree& settings() { return settings_tree_; }
    venus::ItemTree& battery() { return battery_tree_; }
    venus::ItemTree& grid() { return grid_; }
    venus::ItemTree& pvinverter() { return pvinverter_; }
    physics::HomeBattery& home_battery() { return home_battery_; }
    // The services as (bus name, tree), in the order they are published.
    std::vector<std::pair<std::string, venus::ItemTree*>> services();

    // What the ESS settings hold now (a client may have written them).
    double minimum_soc_percent() const;
    double grid_setpoint_w() const;
    double active_soc_limit_percent() const;
    // localsettings' AddSettings on the settings service (item_tree.hpp: SettingDefinition): new settings are
    // added with their default, existing ones keep their value, and a ClassAndVrmInstance gets the first free
    // instance of its class at or above the one asked for.
    std::vector<venus::SettingResult> add_settings(const std::vector<venus::SettingDefinition>& definitions);

private:
    void build();
    long free_instance(const std::string& device_class, long wanted) const;

    GxSettings settings_;
    physics::HomeBattery home_battery_;
    venus::ItemTree system_;
    venus::ItemTree settings_tree_;
    venus::ItemTree battery_tree_;
    venus::ItemTree grid_;
    venus::ItemTree pvinverter_;
};

}  // namespace evhil::sim::victron
