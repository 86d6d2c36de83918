#include "drivers/control/charge_planner.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace evhil::control {
namespace {

// Delivered energy (kWh) still to go, and the SOC it starts from when known.
struct Need {
    double energy_kwh = 0;
    std::optional<double> from_soc;
    double capacity_kwh = 0;
};

std::optional<Need> remaining(const ChargeGoal& goal, const PlannerSettings& settings, const VehicleProgress& vehicle) {
    Need need;
    if (vehicle.soc && vehicle.capacity_kwh) {
        need.from_soc = vehicle.soc;
        need.capacity_kwh = *vehicle.capacity_kwh;
    }
    if (goal.soc) {
        if (!need.from_soc) {
            return std::nullopt;  // a SOC goal without the vehicle's SOC cannot be planned
        }
        need.energy_kwh = std::max(0.0, (*goal.soc - *need.from_soc) / 100 * need.capacity_kwh / settings.efficiency);
    } else {
        need.energy_kwh = std::max(0.0, goal.energy_kwh.value_or(0) - vehicle.session_energy_kwh);
    }
    return need;
}

// Charging time for the need at full power, slower above the taper SOC.
Duration charging_time(const Need& need, const PlannerSettings& settings, double full_power_w) {
    if (full_power_w <= 0) {
        return Duration::max();
    }
    if (!need.from_soc || need.capacity_kwh <= 0) {
        return from_seconds(need.energy_kwh * 3.6e6 / full_power_w);
    }
    // In steps of 0.1 % SOC: exact enough, and at most a thousand steps.
    constexpr double step = 0.1;
    double soc = *need.from_soc;
    double energy = need.energy_kwh;
    double seconds = 0;
    while (energy > 1e-9) {
        double fraction = 1.0;
        if (soc > settings.taper_from_soc && settings.taper_from_soc < 100) {
            const double progress = std::min(1.0, (soc - settings.taper_from_soc) / (100 - settings.taper_from_soc));
            fraction = 1.0 - (1.0 - settings.taper_end_fraction) * progress;
        }
        const double step_kwh = std::min(energy, step / 100 * need.capacity_kwh / settings.efficiency);
        seconds += step_kwh * 3.6e6 / (full_power_w * fraction);
        energy -= step_kwh;
        soc += step;
    }
    return from_seconds(seconds);
}

// Every stretch from now to the deadline, cut at the series' slot boundaries; unpriced where no price is known.
std::vector<PlannedSlot> candidates(const PriceSeries& prices, TimePoint now, TimePoint deadline) {
    std::vector<PlannedSlot> out;
    TimePoint t = now;
    while (t < deadline) {
        const PriceSlot* slot = prices.at(t);
        if (slot != nullptr) {
            out.push_back({t, std::min(slot->end, deadline), slot->price});
        } else {
            auto next = prices.next_boundary(t);
            out.push_back({t, next && *next > t ? std::min(*next, deadline) : deadline, std::nullopt});
        }
        t = out.back().end;
    }
    return out;
}

}  // namespace

PlanConfig parse_plan(const ConfigNode& node) {
    node.allow_keys({"energy", "soc", "by", "capacity", "taper_from_soc", "efficiency", "margin"});
    PlanConfig plan;
    if (node.has("energy") == node.has("soc")) {
        node.fail("a plan needs one goal: energy (kWh) or soc (%)");
    }
    if (node.has("energy")) {
        plan.goal.energy_kwh = node.required("energy").as_double(0.1, 500);
    } else {
        plan.goal.soc = node.required("soc").as_double(1, 100);
    }
    const auto by = node.required("by");
    const std::string text = by.as_string();
    int hours = 0;
    int minutes = 0;
    if (std::sscanf(text.c_str(), "%d:%d", &hours, &minutes) != 2 || hours < 0 || hours > 23 || minutes < 0 ||
        minutes > 59) {
        by.fail("'" + text + "' is not a time of day as HH:MM");
    }
    plan.goal.by_minute = hours * 60 + minutes;
    if (node.has("capacity")) {
        plan.capacity_kwh = node.required("capacity").as_double(1, 500);
    }
    plan.settings.taper_from_soc = node.get_double("taper_from_soc", plan.settings.taper_from_soc, 0, 100);
    plan.settings.efficiency = node.get_double("efficiency", plan.settings.efficiency, 0.5, 1);
    plan.settings.margin = node.get_double("margin", plan.settings.margin, 0, 1);
    return plan;
}

bool ChargePlan::charges_at(TimePoint t) const {
    return std::any_of(slots.begin(), slots.end(), [t](const PlannedSlot& s) { return s.start <= t && t < s.end; });
}

ChargePlan plan_charging(const ChargeGoal& goal, const PlannerSettings& settings, const VehicleProgress& vehicle,
                         double full_power_w, const PriceSeries& prices, TimePoint now, TimePoint deadline) {
    ChargePlan plan;
    auto need = remaining(goal, settings, vehicle);
    if (!need) {
        plan.late = true;
        plan.slots.push_back({now, deadline, std::nullopt});
        plan.why = "the goal is a SOC but the vehicle's SOC is unknown: charging at once";
        return plan;
    }
    if (need->energy_kwh <= 1e-3) {
        plan.goal_reached = true;
        plan.why = "goal reached";
        return plan;
    }
    const Duration bare = charging_time(*need, settings, full_power_w);
    plan.needed = bare == Duration::max() ? bare : from_seconds(to_seconds(bare) * (1 + settings.margin));
    if (deadline - now <= plan.needed) {
        plan.late = true;
        plan.slots.push_back({now, std::max(deadline, now + plan.needed), std::nullopt});
        plan.why = fmt::format("{:.1f} kWh need {:.0f} min, {:.0f} min left before the deadline: charging at once",
                               need->energy_kwh, to_seconds(plan.needed) / 60, to_seconds(deadline - now) / 60);
        return plan;
    }
    auto pool = candidates(prices, now, deadline);
    std::stable_sort(pool.begin(), pool.end(), [](const PlannedSlot& a, const PlannedSlot& b) {
        if (a.price.has_value() != b.price.has_value()) {
            return a.price.has_value();  // priced first
        }
        return a.price && *a.price != *b.price ? *a.price < *b.price : a.start < b.start;
    });
    Duration covered{};
    double energy_left = need->energy_kwh;
    for (auto slot : pool) {
        if (covered >= plan.needed) {
            break;
        }
        // The last slot is cut to what is still needed, at its end: charging then does not start early in a dear
        // slot, and planning again a minute later finds the same cut.
        const bool running = vehicle.charging && slot.start <= now && now < slot.end;
        if (!running) {
            slot.start = std::max(slot.start, slot.end - (plan.needed - covered));
        }
        plan.slots.push_back(slot);
        covered += slot.end - slot.start;
        const double kwh = std::min(energy_left, full_power_w * to_seconds(slot.end - slot.start) / 3.6e6);
        energy_left -= kwh;
        plan.estimated_cost += slot.price.value_or(0) * kwh;
    }
    std::sort(plan.slots.begin(), plan.slots.end(),
              [](const PlannedSlot& a, const PlannedSlot& b) { return a.start < b.start; });
    // The cost in the prices' currency: "EUR/kWh" × kWh.
    const std::string currency = prices.unit().substr(0, prices.unit().find('/'));
    plan.why = fmt::format("{:.1f} kWh in {} slots, about {:.4g} {}{}", need->energy_kwh, plan.slots.size(),
                           plan.estimated_cost, currency, plan.charges_at(now) ? ": charging now" : "");
    return plan;
}

}  // namespace evhil::control
