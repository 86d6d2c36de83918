#pragma once
// How much power the site can give one charger from the sun, in watts, including what the charger draws now.
//
// Two ways, chosen by configuration:
//  - from the GX's system paths (victron-venus.md 3.1): all PV (DC, AC output and, unlike victron-alfen-charger, PV on
//    the grid side) minus the consumption without the charger itself (the GX counts the charger in consumption);
//  - from the grid and the home battery, as evcc does: the charger's power minus the import (plus the export).
// Both less the residual power (evcc's residualPower: what to keep exporting, or to leave for the house).
//
// The home battery (victron-venus.md 3.2; evcc's prioritySoc and bufferSoc):
//  - below the priority SOC the battery charges first: its charging power is not the charger's;
//  - above the priority SOC the charger comes first: with the grid method, power going into the battery counts as
//    available (with the system paths it already does);
//  - with the grid method, a battery discharging counts against the charger (the EV must not drain it) unless the
//    battery is above the buffer SOC, where the charger may draw from it.
// Below the minimum SOC surplus charging pauses: the controller treats the surplus as none (solar_controller.hpp).

#include <optional>

#include "drivers/control/controller.hpp"

namespace evhil::control {

enum class SurplusSource { system_paths, grid };

struct SurplusSettings {
    SurplusSource source = SurplusSource::system_paths;
    double residual_power_w = 0;
    double priority_soc = 0;           // %: the home battery charges first below it
    std::optional<double> buffer_soc;  // %: above it the charger may draw from the home battery
};

double available_power_w(const SiteReading& site, double charger_power_w, const SurplusSettings& settings);
// Whether the home battery is above the buffer SOC, where the charger may draw from it.
bool above_buffer_soc(const SiteReading& site, const SurplusSettings& settings);

}  // namespace evhil::control
