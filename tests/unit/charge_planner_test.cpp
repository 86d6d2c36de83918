// The cost planner (drivers/control/charge_planner.hpp): cheapest slots, taper, unpriced time, too late.

#include <gtest/gtest.h>

#include "drivers/control/charge_planner.hpp"
#include "drivers/control/schedule_controller.hpp"

namespace evhil::control {
namespace {

using namespace std::chrono_literals;

const TimePoint midnight = TimePoint(std::chrono::sys_days(std::chrono::year(2026) / 6 / 21));

PriceSeries hourly_from(TimePoint start, const std::vector<double>& prices) {
    std::vector<PriceSlot> slots;
    for (std::size_t h = 0; h < prices.size(); ++h) {
        slots.push_back({start + std::chrono::hours(h), start + std::chrono::hours(h + 1), prices[h], std::nullopt});
    }
    return PriceSeries(slots, "p/kWh");
}

constexpr double eleven_kw = 16 * 3 * 230.0;  // 11.04 kW

TEST(ChargePlanner, PicksTheCheapestSlotsBeforeTheDeadline) {
    // 22 kWh at 11.04 kW: 2 h, 2.09 h with the 5 % margin: the two cheapest hours and the end of the next.
    auto prices = hourly_from(midnight, {30, 10, 25, 5, 40, 8, 50, 1});
    ChargeGoal goal{.energy_kwh = 22};
    auto plan = plan_charging(goal, {}, {}, eleven_kw, prices, midnight, midnight + 7h);  // the 1 p slot is after T
    ASSERT_EQ(plan.slots.size(), 3u);
    EXPECT_GT(plan.slots[0].start, midnight + 1h + 50min);  // 10, its last minutes
    EXPECT_EQ(plan.slots[0].end, midnight + 2h);
    EXPECT_EQ(plan.slots[1].start, midnight + 3h);  // 5
    EXPECT_EQ(plan.slots[2].start, midnight + 5h);  // 8
    EXPECT_FALSE(plan.late);
    EXPECT_FALSE(plan.charges_at(midnight));
    EXPECT_TRUE(plan.charges_at(midnight + 3h + 30min));
    // In price order: 11.04 kWh at 5, the remaining 10.96 at 8, none left for the margin at 10.
    EXPECT_NEAR(plan.estimated_cost, 11.04 * 5 + 10.96 * 8, 0.01);
}

TEST(ChargePlanner, TheTaperMakesASocGoalNeedMoreTime) {
    auto prices = hourly_from(midnight, std::vector<double>(12, 10));
    ChargeGoal to_80{.soc = 80};
    ChargeGoal to_100{.soc = 100};
    VehicleProgress vehicle{.soc = 60, .capacity_kwh = 60};
    auto low = plan_charging(to_80, {}, vehicle, eleven_kw, prices, midnight, midnight + 12h);
    auto high = plan_charging(to_100, {}, vehicle, eleven_kw, prices, midnight, midnight + 12h);
    // 12 kWh / 0.92 = 13.0 kWh at full power: 1.18 h, 1.24 h with the margin.
    EXPECT_NEAR(to_seconds(low.needed) / 3600, 13.04 / 11.04 * 1.05, 0.01);
    // The taper above 80 % makes the second 20 % take far longer than the first.
    EXPECT_GT(to_seconds(high.needed), 2.5 * to_seconds(low.needed));
}

TEST(ChargePlanner, ChargesAtOnceWhenTheDeadlineCanNoLongerBeMet) {
    auto prices = hourly_from(midnight, {30, 1, 1, 1});
    auto plan = plan_charging({.energy_kwh = 30}, {}, {}, eleven_kw, prices, midnight, midnight + 2h);
    EXPECT_TRUE(plan.late);
    EXPECT_TRUE(plan.charges_at(midnight));
    EXPECT_NE(plan.why.find("charging at once"), std::string::npos);
}

TEST(ChargePlanner, UnpricedTimeComesAfterEveryPricedSlot) {
    auto prices = hourly_from(midnight, {50, 60});  // nothing known after 02:00
    auto plan = plan_charging({.energy_kwh = 11}, {}, {}, eleven_kw, prices, midnight, midnight + 6h);
    ASSERT_EQ(plan.slots.size(), 2u);  // 1.05 h: both priced hours, the dearer one too, before any unknown time
    EXPECT_TRUE(plan.slots[0].price && plan.slots[1].price);
}

TEST(ChargePlanner, AReachedGoalStops) {
    auto prices = hourly_from(midnight, {10});
    auto plan =
        plan_charging({.energy_kwh = 10}, {}, {.session_energy_kwh = 10.5}, eleven_kw, prices, midnight, midnight + 6h);
    EXPECT_TRUE(plan.goal_reached);
    EXPECT_TRUE(plan.slots.empty());
}

TEST(ChargePlanner, ParsingNeedsExactlyOneGoalAndATimeOfDay) {
    EXPECT_THROW(parse_plan(ConfigNode::load_string("{by: '07:00'}", "t.yaml")), ConfigError);
    EXPECT_THROW(parse_plan(ConfigNode::load_string("{energy: 10, soc: 80, by: '07:00'}", "t.yaml")), ConfigError);
    EXPECT_THROW(parse_plan(ConfigNode::load_string("{energy: 10, by: '7 am'}", "t.yaml")), ConfigError);
    auto plan = parse_plan(ConfigNode::load_string("{soc: 80, by: '06:30', capacity: 75}", "t.yaml"));
    EXPECT_EQ(plan.goal.by_minute, 390);
    EXPECT_EQ(plan.capacity_kwh, 75);
}

TEST(ScheduledWithPlan, TheDeadlineIsTheNextLocalTimeAfterPlugIn) {
    WeeklySchedule schedule("Europe/Amsterdam", {});
    // 21 June, 20:00 UTC is 22:00 CEST: the next 07:00 CEST is 05:00 UTC the next day.
    EXPECT_EQ(schedule.next_local_time(midnight + 20h, 7 * 60), midnight + 29h);
    // 25 October 2026, autumn change: 07:00 CET is 06:00 UTC.
    const TimePoint october = TimePoint(std::chrono::sys_days(std::chrono::year(2026) / 10 / 24));
    EXPECT_EQ(schedule.next_local_time(october + 20h, 7 * 60), october + 30h);
}

TEST(ScheduledWithPlan, ChargesInThePlannedSlotsOnlyAtFullCurrent) {
    PlanConfig plan;
    plan.goal.energy_kwh = 11;
    plan.goal.by_minute = 7 * 60;
    ScheduleController controller({WeeklySchedule("UTC", {}), std::nullopt, plan});
    auto prices = hourly_from(midnight, {30, 20, 5, 40, 30, 30, 30, 30});
    ControlInputs in;
    in.charger.plugged_in = true;
    in.charger.user_enabled = true;
    in.charger.max_current_a = 16;
    in.prices.import = &prices;
    // Ten-minute steps; the vehicle draws 11.04 kW while enabled.
    int charging_steps = 0;
    for (int step = 0; step < 7 * 6; ++step) {
        in.now = midnight + std::chrono::minutes(10 * step);
        auto decision = controller.decide(in);
        if (decision.enabled) {
            ++charging_steps;
            EXPECT_DOUBLE_EQ(decision.current_a, 16);
            EXPECT_GE(in.now, midnight + 1h);  // never in the 30 p hour
            in.charger.session_energy_kwh += eleven_kw / 6 / 1000;
        }
    }
    EXPECT_NEAR(controller.plan().estimated_cost, 0, 1e-9);  // goal reached: nothing left to plan
    int charging_hours = (charging_steps + 5) / 6;
    EXPECT_EQ(charging_hours, 1);  // 11 kWh: the 5 p hour and a few minutes at the end of the 20 p hour
}

}  // namespace
}  // namespace evhil::control
