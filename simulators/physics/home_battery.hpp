#pragma once
// A home battery behind a Victron inverter/charger running ESS: each step it charges or discharges to hold the
// grid at the ESS grid setpoint, within its power limits, never below the ESS minimum SOC (BatteryLife's active
// limit) when discharging and never above full when charging. Losses are a round-trip efficiency applied on
// charging. Pure: no I/O, no clock.
//
//   battery power (positive = charging) = clamp(PV - house - EV + setpoint)   so that   grid = setpoint
//
// Covered by tests/unit/home_battery_test.cpp.

#include "drivers/core/clock.hpp"

namespace evhil::physics {

struct HomeBatterySettings {
    double capacity_wh = 10000;
    double soc = 0.5;  // 0..1 at start
    double max_charge_w = 3000;
    double max_discharge_w = 3000;
    double efficiency = 0.92;  // round trip, applied when charging
    double nominal_voltage_v = 51.2;
};

class HomeBattery {
public:
    explicit HomeBattery(HomeBatterySettings settings) : settings_(settings), soc_(settings.soc) {}

    // The power the ESS would put into (positive) or take from (negative) the battery for `net_surplus_w`
    // (PV minus the loads, W) at grid setpoint `setpoint_w` (positive = import), with discharge floor `min_soc`.
    double ess_power_w(double net_surplus_w, double setpoint_w, double min_soc) const;
    // Moves `power_w` (positive charging) for `dt`; the SOC stays within [0, 1].
    void step(double power_w, Duration dt);

    double soc() const { return soc_; }
    void set_soc(double soc);
    double power_w() const { return power_w_; }
    double voltage_v() const { return settings_.nominal_voltage_v; }
    const HomeBatterySettings& settings() const { return settings_; }

private:
    HomeBatterySettings settings_;
    double soc_;
    double power_w_ = 0;
};

}  // namespace evhil::physics
