#pragma once
// Scheduled charging (Venus /Mode 2). Three ways to say when, any of them together:
//  - weekly windows in the site's time zone (weekly_schedule.hpp): inside one it charges at the window's current
//    (else the user's);
//  - a price strategy (price_strategy.hpp): it also charges at the user's current in every slot the strategy finds
//    cheap, as victron-alfen-charger does ("inside the schedule or a Tibber-allowed slot");
//  - a plan (charge_planner.hpp): "N kWh or SOC X % by T" in the cheapest slots; with a plan the windows and the
//    strategy no longer decide, the planner does.
// When prices are missing (the API is down, tomorrow is not published and the planner runs out of priced time) the
// windows apply as the fallback, and the reason says so. Outside every reason to charge it waits and shows Waiting
// for start (6), as victron-alfen-charger does. Pure: the time and the prices are inputs.
//
// Covered by tests/unit/weekly_schedule_test.cpp, tests/unit/schedule_controller_test.cpp, scenarios/schedule/ and
// scenarios/prices/.

#include <optional>

#include "drivers/control/charge_planner.hpp"
#include "drivers/control/controller.hpp"
#include "drivers/control/price_strategy.hpp"
#include "drivers/control/weekly_schedule.hpp"

namespace evhil::control {

struct ScheduledSettings {
    WeeklySchedule schedule;  // its time zone is the site's; its windows may be empty
    std::optional<PriceStrategy> strategy;
    std::optional<PlanConfig> plan;
};
// `schedule: {timezone: ..., windows: [...], strategy: {...}, plan: {...}}`. Throws ConfigError, also when nothing
// says when to charge (no window, no strategy, no plan).
ScheduledSettings parse_scheduled_settings(const ConfigNode& node);

class ScheduleController final : public Controller {
public:
    explicit ScheduleController(ScheduledSettings settings) : settings_(std::move(settings)) {}
    Decision decide(const ControlInputs& inputs) override;
    void reset() override {
        plugged_at_.reset();
        charging_ = false;
    }
    const ScheduledSettings& settings() const { return settings_; }
    // The last plan made (empty without a plan), for the reports.
    const ChargePlan& plan() const { return plan_; }

private:
    Decision from_windows(const ControlInputs& inputs, const std::string& prefix) const;
    Decision from_plan(const ControlInputs& inputs);

    ScheduledSettings settings_;
    std::optional<TimePoint> plugged_at_;  // T is the first `by` after this
    ChargePlan plan_;
    bool charging_ = false;  // the plan's last decision was to charge
};

}  // namespace evhil::control
