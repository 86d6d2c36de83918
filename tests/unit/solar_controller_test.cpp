// Solar surplus charging: every rule of drivers/control/solar_controller.hpp and surplus.hpp on an injected time.

#include <gtest/gtest.h>

#include "drivers/control/solar_controller.hpp"
#include "drivers/control/surplus.hpp"

namespace evhil::control {
namespace {

using namespace std::chrono_literals;

SiteReading sunny(double pv_w, double house_w, double ev_w) {
    SiteReading site;
    site.valid = true;
    site.pv_w = pv_w;
    site.consumption_w = house_w + ev_w;
    site.grid_w = house_w + ev_w - pv_w;
    return site;
}

// A day on a one-second clock: `surplus_w` is what the site can give the charger (its own draw included); the EV
// draws what it was given. A step is one second; what the controller first sees at step 1 has held 60 s at step 61.
struct Day {
    explicit Day(SolarSettings settings) : controller(settings) {
        charger.plugged_in = true;
        charger.user_enabled = true;
        charger.max_current_a = 16;
    }
    Decision step(double surplus_w, Duration dt = 1s) {
        now += dt;
        ControlInputs in{.now = now, .site = sunny(surplus_w + 500, 500, charger.power_w), .charger = charger};
        in.site.battery_soc = soc;
        in.site.min_soc = min_soc;
        in.prices = prices;
        last = controller.decide(in);
        charger.phases = last.phases;
        charger.power_w = last.enabled ? last.current_a * std::min(last.phases, charger.vehicle_phases) * 230 : 0;
        return last;
    }
    // Runs `seconds` steps at the same surplus; returns the first step at which enabled changed, or -1.
    int run(double surplus_w, int seconds) {
        bool before = last.enabled;
        int changed = -1;
        for (int i = 1; i <= seconds; ++i) {
            if (step(surplus_w).enabled != before && changed < 0) {
                changed = i;
            }
        }
        return changed;
    }
    SolarController controller;
    ChargerView charger;
    TimePoint now{};
    Decision last;
    std::optional<double> soc;
    std::optional<double> min_soc;
    PriceInputs prices;
};

TEST(Surplus, SystemPathsCountAllPvAndLeaveOutTheChargersOwnPower) {
    SiteReading site = sunny(6000, 1500, 2000);  // PV from every source is in pv_w, the EV in consumption
    EXPECT_DOUBLE_EQ(available_power_w(site, 2000, {}), 4500);
    SurplusSettings residual{.residual_power_w = 300};
    EXPECT_DOUBLE_EQ(available_power_w(site, 2000, residual), 4200);
}

TEST(Surplus, GridMethodAsEvcc) {
    SiteReading site;
    site.valid = true;
    site.grid_w = -1500;  // exporting
    SurplusSettings grid{.source = SurplusSource::grid};
    EXPECT_DOUBLE_EQ(available_power_w(site, 2000, grid), 3500);
    site.battery_power_w = 1000;  // charging: the charger's, with no priority SOC
    site.battery_soc = 60;
    EXPECT_DOUBLE_EQ(available_power_w(site, 2000, grid), 4500);
    grid.priority_soc = 80;  // below it the battery charges first
    EXPECT_DOUBLE_EQ(available_power_w(site, 2000, grid), 3500);
    site.battery_power_w = -800;  // discharging into the EV: not surplus...
    EXPECT_DOUBLE_EQ(available_power_w(site, 2000, grid), 2700);
    grid.buffer_soc = 50;  // ...unless the battery is above its buffer SOC
    EXPECT_DOUBLE_EQ(available_power_w(site, 2000, grid), 3500);
}

TEST(Surplus, PrioritySocKeepsTheBatteryChargeOutOfTheSystemPathsSurplus) {
    SiteReading site = sunny(6000, 500, 0);
    site.battery_power_w = 3000;
    site.battery_soc = 40;
    EXPECT_DOUBLE_EQ(available_power_w(site, 0, {}), 5500);
    EXPECT_DOUBLE_EQ(available_power_w(site, 0, {.priority_soc = 50}), 2500);
}

TEST(SolarController, StartsOnlyAfterTheSurplusHeldForTheEnableDelay) {
    Day day(SolarSettings{});
    EXPECT_EQ(day.run(5000, 120), 61);
    EXPECT_TRUE(day.last.enabled);
    EXPECT_NEAR(day.last.current_a, 5000.0 / 690, 0.01);
    EXPECT_EQ(day.last.phases, 3);
}

TEST(SolarController, ShowsWaitingForSunBelowTheMinimumPower) {
    Day day(SolarSettings{});
    EXPECT_EQ(day.run(4000, 300), -1);  // 6 A on three phases is 4140 W
    EXPECT_EQ(day.last.status, ShownStatus::waiting_for_sun);
}

TEST(SolarController, APassingCloudShorterThanTheDisableDelayDoesNotStopIt) {
    Day day(SolarSettings{});
    day.run(6000, 400);
    ASSERT_TRUE(day.last.enabled);
    EXPECT_EQ(day.run(1000, 170), -1);
    EXPECT_DOUBLE_EQ(day.last.current_a, 6);  // the minimum is held meanwhile
    EXPECT_EQ(day.run(6000, 60), -1);
    EXPECT_GT(day.last.current_a, 6);
}

TEST(SolarController, StopsWhenTheSurplusStaysMissingForTheDisableDelay) {
    Day day(SolarSettings{});
    day.run(6000, 400);
    EXPECT_EQ(day.run(1000, 400), 181);
    EXPECT_EQ(day.last.status, ShownStatus::waiting_for_sun);
}

TEST(SolarController, ChargesAtLeastTheMinimumChargeDuration) {
    SolarSettings settings;
    settings.min_charge_duration = 10min;
    Day day(settings);
    day.run(6000, 61);
    ASSERT_TRUE(day.last.enabled);
    EXPECT_EQ(day.run(1000, 900), 600);  // 10 min after the start, not 3 min after the cloud
}

TEST(SolarController, LowSocIsShownAndNotHiddenBehindWaitingForSun) {
    Day day(SolarSettings{});
    day.soc = 8;
    day.min_soc = 20;
    EXPECT_EQ(day.run(8000, 300), -1);
    EXPECT_EQ(day.last.status, ShownStatus::low_soc);
    day.soc = 25;
    EXPECT_EQ(day.run(8000, 300), 61);
}

TEST(SolarController, LowSocFallsBackToTheDefaultMinimum) {
    Day day(SolarSettings{});
    day.soc = 9;  // no minimum from the GX: 10 %
    day.run(8000, 120);
    EXPECT_FALSE(day.last.enabled);
    EXPECT_EQ(day.last.status, ShownStatus::low_soc);
}

TEST(SolarController, UserStopShowsWaitingForStart) {
    Day day(SolarSettings{});
    day.charger.user_enabled = false;
    day.run(8000, 120);
    EXPECT_FALSE(day.last.enabled);
    EXPECT_EQ(day.last.status, ShownStatus::waiting_for_start);
}

TEST(SolarController, SwitchesToOnePhaseAfterTheDelayAndBack) {
    SolarSettings settings;
    settings.phase_switch_delay = 2min;
    Day day(settings);
    day.charger.can_switch_phases = true;
    day.run(6000, 61);
    ASSERT_TRUE(day.last.enabled);
    EXPECT_EQ(day.last.phases, 3);
    for (int i = 0; i < 120; ++i) {
        day.step(2500);
    }
    EXPECT_EQ(day.last.phases, 3);  // 2500 W carries one phase, not three: after the delay only
    day.step(2500);
    EXPECT_EQ(day.last.phases, 1);
    EXPECT_NEAR(day.last.current_a, 2500.0 / 230, 0.01);
    EXPECT_TRUE(day.last.enabled);
    for (int i = 0; i < 121; ++i) {
        day.step(7000);
    }
    EXPECT_EQ(day.last.phases, 3);
    EXPECT_EQ(day.controller.phase_switches(), 2);
}

TEST(SolarController, PhaseSwitchesAreCappedPerSession) {
    SolarSettings settings;
    settings.phase_switch_delay = 10s;
    settings.max_phase_switches = 3;
    Day day(settings);
    day.charger.can_switch_phases = true;
    day.run(6000, 61);
    for (int round = 0; round < 5; ++round) {
        day.run(2500, 20);
        day.run(7000, 20);
    }
    EXPECT_EQ(day.controller.phase_switches(), 3);
}

TEST(SolarController, StartsOnOnePhaseWhenThatIsAllTheSunCarries) {
    Day day(SolarSettings{});
    day.charger.can_switch_phases = true;
    EXPECT_EQ(day.run(2000, 120), 61);
    EXPECT_EQ(day.last.phases, 1);
}

TEST(SolarController, ASinglePhaseVehicleNeedsOnlyOnePhasesMinimum) {
    Day day(SolarSettings{});
    day.charger.vehicle_phases = 1;
    EXPECT_EQ(day.run(2000, 120), 61);
    EXPECT_NEAR(day.last.current_a, 2000.0 / 230, 0.01);
}

TEST(SolarController, MinPlusSolarChargesTheMinimumWithoutSun) {
    SolarSettings settings;
    settings.min_plus_solar = true;
    Day day(settings);
    day.step(0);
    EXPECT_TRUE(day.last.enabled);
    EXPECT_DOUBLE_EQ(day.last.current_a, 6);
    day.step(6900);
    EXPECT_NEAR(day.last.current_a, 10, 0.01);
}

TEST(SolarController, AboveTheBufferSocTheHomeBatteryCarriesIt) {
    SolarSettings settings;
    settings.surplus.buffer_soc = 60;
    Day day(settings);
    day.soc = 80;
    day.run(6000, 61);
    ASSERT_TRUE(day.last.enabled);
    EXPECT_EQ(day.run(0, 600), -1);
    EXPECT_DOUBLE_EQ(day.last.current_a, 6);
    day.soc = 50;
    EXPECT_EQ(day.run(0, 600), 181);
}

TEST(SolarController, UnpluggingStartsANewSession) {
    SolarSettings settings;
    settings.phase_switch_delay = 10s;
    Day day(settings);
    day.charger.can_switch_phases = true;
    day.run(6000, 61);
    day.run(2500, 20);
    EXPECT_EQ(day.controller.phase_switches(), 1);
    day.charger.plugged_in = false;
    day.step(6000);
    EXPECT_EQ(day.controller.phase_switches(), 0);
    EXPECT_FALSE(day.last.enabled);
}

// One price all day from the epoch the Day starts at, in EUR/kWh.
PriceSeries flat_price(double price) {
    return PriceSeries({{TimePoint{}, TimePoint{} + std::chrono::hours(24), price, std::nullopt}}, "EUR/kWh");
}

TEST(SolarController, BelowTheSmartCostLimitItChargesFromTheGridAtFullCurrent) {
    SolarSettings settings;
    settings.smart_cost_limit = 0.10;
    Day day(settings);
    auto cheap = flat_price(0.08);
    day.prices.import = &cheap;
    day.step(0);  // no sun at all
    EXPECT_TRUE(day.last.enabled);
    EXPECT_DOUBLE_EQ(day.last.current_a, 16);
    EXPECT_NE(day.last.why.find("at most the 0.1 limit"), std::string::npos) << day.last.why;
    auto dear = flat_price(0.30);
    day.prices.import = &dear;
    day.run(0, 600);  // dearer than the limit: back to the sun's rules, so it stops after the disable delay
    EXPECT_FALSE(day.last.enabled);
    EXPECT_EQ(day.last.status, ShownStatus::waiting_for_sun);
    day.prices.import = &cheap;
    day.prices.missing = true;  // a price that is not known for now is not cheap
    day.step(0);
    EXPECT_FALSE(day.last.enabled);
}

TEST(SolarController, AtOrAboveTheFeedInPriorityLimitTheSurplusIsExported) {
    SolarSettings settings;
    settings.feed_in_priority_limit = 0.10;
    Day day(settings);
    day.prices.feed_in_price = 0.12;
    EXPECT_EQ(day.run(6000, 120), -1);  // plenty of sun, but exporting pays more
    EXPECT_EQ(day.last.status, ShownStatus::waiting_for_sun);
    EXPECT_NE(day.last.why.find("exporting"), std::string::npos) << day.last.why;
    day.prices.feed_in_price = 0.05;
    EXPECT_EQ(day.run(6000, 120), 61);  // below the limit the sun's rules apply again
}

}  // namespace
}  // namespace evhil::control
