#include "drivers/control/schedule_controller.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace evhil::control {
namespace {

Decision wait(std::string why) {
    return {
        .enabled = false, .current_a = 0, .phases = 0, .status = ShownStatus::waiting_for_start, .why = std::move(why)};
}

Decision charge(const ChargerView& charger, double amps, std::string why) {
    return {.enabled = true,
            .current_a = std::clamp(amps, charger.min_current_a, charger.max_current_a),
            .phases = 0,
            .status = ShownStatus::none,
            .why = std::move(why)};
}

bool prices_usable(const PriceInputs& prices) {
    return prices.import != nullptr && !prices.missing;
}

}  // namespace

ScheduledSettings parse_scheduled_settings(const ConfigNode& node) {
    node.allow_keys({"timezone", "windows", "strategy", "plan"});
    ScheduledSettings settings{WeeklySchedule::parse(node), std::nullopt, std::nullopt};
    if (auto strategy = node.optional("strategy")) {
        settings.strategy = parse_price_strategy(*strategy);
    }
    if (auto plan = node.optional("plan")) {
        settings.plan = parse_plan(*plan);
    }
    if (settings.schedule.windows().empty() && !settings.strategy && !settings.plan) {
        node.fail("a schedule needs windows, a price strategy or a plan");
    }
    return settings;
}

Decision ScheduleController::from_windows(const ControlInputs& inputs, const std::string& prefix) const {
    const auto* window = settings_.schedule.window_at(inputs.now);
    if (window == nullptr) {
        return wait(prefix + (settings_.schedule.windows().empty() ? "no window to fall back on"
                                                                   : "outside the schedule's windows"));
    }
    return charge(inputs.charger, window->current_a.value_or(inputs.charger.user_current_a),
                  prefix + fmt::format("in the window {:02}:{:02}-{:02}:{:02} ({})", window->from_minute / 60,
                                       window->from_minute % 60, window->to_minute / 60, window->to_minute % 60,
                                       settings_.schedule.timezone()));
}

Decision ScheduleController::from_plan(const ControlInputs& inputs) {
    const auto& charger = inputs.charger;
    if (!plugged_at_) {
        plugged_at_ = inputs.now;
    }
    const auto& plan = *settings_.plan;
    const TimePoint deadline = settings_.schedule.next_local_time(*plugged_at_, plan.goal.by_minute);
    VehicleProgress vehicle{charger.session_energy_kwh, charger.vehicle_soc,
                            charger.vehicle_capacity_kwh ? charger.vehicle_capacity_kwh : plan.capacity_kwh, charging_};
    const int phases = std::min(charger.phases, charger.vehicle_phases);
    const double amps = std::min(charger.max_current_a, charger.vehicle_max_current_a.value_or(charger.max_current_a));
    const double full_power_w = amps * phases * charger.voltage_v;
    static const PriceSeries no_prices;
    const bool priced = prices_usable(inputs.prices);
    plan_ = plan_charging(plan.goal, plan.settings, vehicle, full_power_w, priced ? *inputs.prices.import : no_prices,
                          inputs.now, deadline);
    charging_ = false;
    if (plan_.goal_reached) {
        return wait("plan: goal reached");
    }
    if (plan_.late || plan_.charges_at(inputs.now)) {
        const PlannedSlot* now_slot = nullptr;
        for (const auto& slot : plan_.slots) {
            now_slot = slot.start <= inputs.now && inputs.now < slot.end ? &slot : now_slot;
        }
        // A planned stretch with no price is time the planner could not price: the fallback windows decide it.
        if (!plan_.late && now_slot != nullptr && !now_slot->price) {
            return from_windows(inputs, "plan: no price known now, fallback: ");
        }
        charging_ = true;
        return charge(charger, charger.max_current_a, "plan: " + plan_.why);
    }
    return wait("plan: " + plan_.why);
}

Decision ScheduleController::decide(const ControlInputs& inputs) {
    const auto& charger = inputs.charger;
    if (!charger.plugged_in) {
        reset();
        return {.enabled = false, .current_a = 0, .phases = 0, .status = ShownStatus::none, .why = "no vehicle"};
    }
    if (!charger.user_enabled) {
        return wait("stopped by the user");
    }
    if (settings_.plan) {
        return from_plan(inputs);
    }
    if (!settings_.strategy) {
        return from_windows(inputs, "");
    }
    if (!prices_usable(inputs.prices)) {
        return from_windows(inputs, fmt::format("prices missing ({}), fallback: ", inputs.prices.missing_why));
    }
    auto verdict = judge_price(*settings_.strategy, *inputs.prices.import, inputs.now);
    if (!verdict) {
        return from_windows(inputs, "no price known now, fallback: ");
    }
    if (verdict->cheap) {
        return charge(charger, charger.user_current_a, verdict->why);
    }
    const auto* window = settings_.schedule.window_at(inputs.now);
    return window != nullptr ? from_windows(inputs, verdict->why + "; ") : wait(verdict->why);
}

}  // namespace evhil::control
