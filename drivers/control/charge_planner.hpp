#pragma once
// The cost planner: "N kWh, or SOC X %, by time T" in the cheapest price slots, after evcc's planner.
//
// How long the charge takes does not depend on which slots it runs in, only on the vehicle: at the charger's full
// power (its phases, its current limits) until the taper SOC, then less and less to the end (the vehicle's own
// taper, as in simulators/physics/ev.hpp). So the planner computes that duration once, then takes slots from now to
// T cheapest first (earlier first among equal prices) until they add up to it. Time without a known price (tomorrow
// before it is published) is taken only after every priced slot. Planning again on every cycle follows new prices,
// a vehicle that charges slower or faster than planned, and a changed goal. When the time left before T is no more
// than the time the charge needs, it charges at once: T can no longer be met otherwise.
//
// Covered by tests/unit/charge_planner_test.cpp and scenarios/prices/planner-*.yaml.

#include <optional>
#include <string>
#include <vector>

#include "drivers/control/prices.hpp"
#include "drivers/core/clock.hpp"
#include "drivers/core/config.hpp"

namespace evhil::control {

struct ChargeGoal {
    std::optional<double> energy_kwh;  // delivered by the charger in this session
    std::optional<double> soc;         // %, needs the vehicle's SOC and capacity
    int by_minute = 7 * 60;            // T, minutes after local midnight, the next one after plug-in
};

struct PlannerSettings {
    double taper_from_soc = 80;         // % where the vehicle starts drawing less
    double taper_end_fraction = 0.125;  // of full power, at 100 % (2 A of 16)
    double efficiency = 0.92;           // battery energy per kWh delivered, to turn SOC into energy
    double margin = 0.05;               // extra time planned, for a vehicle slower than its model
};
// `plan: {energy: 20, by: "07:00"}` or `plan: {soc: 80, by: "07:00", capacity: 60}`. Throws ConfigError.
struct PlanConfig {
    ChargeGoal goal;
    PlannerSettings settings;
    std::optional<double> capacity_kwh;  // the vehicle's, when its SOC is known but not its size
};
PlanConfig parse_plan(const ConfigNode& node);

// What the vehicle has done so far.
struct VehicleProgress {
    double session_energy_kwh = 0;
    std::optional<double> soc;  // %
    std::optional<double> capacity_kwh;
    // Charging now under this plan: the stretch it charges in is kept whole rather than cut to the need. Cutting it
    // again on every cycle would stop the charge whenever the shrinking need moves the cut past now, and start it
    // again a cycle later: a contactor flapping every minute.
    bool charging = false;
};

struct PlannedSlot {
    TimePoint start{};
    TimePoint end{};
    std::optional<double> price;  // nullopt: no price known there
};

struct ChargePlan {
    bool goal_reached = false;
    bool late = false;               // T can no longer be met: charging at once
    Duration needed{};               // charging time still needed, margin included
    std::vector<PlannedSlot> slots;  // the chosen ones, in time order
    double estimated_cost = 0;       // over the priced part of the chosen slots, in the series' unit × kWh
    bool charges_at(TimePoint t) const;
    std::string why;
};

// `deadline` is T as a point in time; `full_power_w` the charger's power at its current limit on its phases.
ChargePlan plan_charging(const ChargeGoal& goal, const PlannerSettings& settings, const VehicleProgress& vehicle,
                         double full_power_w, const PriceSeries& prices, TimePoint now, TimePoint deadline);

}  // namespace evhil::control
