// The virtual GX and its home battery: the ESS balance, the EV charger counted where it is wired, and the services'
// paths with systemcalc's signs.

#include <gtest/gtest.h>

#include "drivers/core/clock.hpp"
#include "drivers/core/executor.hpp"
#include "drivers/venus/in_process_bus.hpp"
#include "simulators/physics/home_battery.hpp"
#include "simulators/victron/virtual_gx.hpp"

namespace evhil::sim::victron {
namespace {

using namespace std::chrono_literals;

double number(const venus::ItemTree& tree, const std::string& path) {
    double x = -12345;
    EXPECT_TRUE(venus::as_number(tree.value(path), x)) << path;
    return x;
}

TEST(HomeBattery, HoldsTheGridAtTheSetpointWithinItsLimitsAndSoc) {
    physics::HomeBattery battery({.capacity_wh = 10000, .soc = 0.5, .max_charge_w = 3000, .max_discharge_w = 2000});
    EXPECT_DOUBLE_EQ(battery.ess_power_w(1500, 0, 0.1), 1500);    // surplus into the battery
    EXPECT_DOUBLE_EQ(battery.ess_power_w(5000, 0, 0.1), 3000);    // at most its charge limit
    EXPECT_DOUBLE_EQ(battery.ess_power_w(-5000, 0, 0.1), -2000);  // at most its discharge limit
    EXPECT_DOUBLE_EQ(battery.ess_power_w(-500, 100, 0.1), -400);  // a 100 W import setpoint
    battery.set_soc(0.1);
    EXPECT_DOUBLE_EQ(battery.ess_power_w(-500, 0, 0.1), 0);  // at its minimum SOC it stops discharging
    EXPECT_DOUBLE_EQ(battery.ess_power_w(500, 0, 0.1), 500);
    battery.set_soc(1.0);
    EXPECT_DOUBLE_EQ(battery.ess_power_w(500, 0, 0.1), 0);  // full
    physics::HomeBattery charging({.capacity_wh = 1000, .soc = 0.5, .efficiency = 1.0});
    charging.step(1000, 30min);
    EXPECT_NEAR(charging.soc(), 1.0, 1e-9);
    charging.step(-500, 1h);
    EXPECT_NEAR(charging.soc(), 0.5, 1e-9);
}

TEST(VirtualGx, AnEvOnTheGridSideIsConsumptionAndTheBatteryCoversWhatItCan) {
    VirtualGx gx(
        {.battery_settings = {.capacity_wh = 10000, .soc = 0.5, .max_charge_w = 3000, .max_discharge_w = 3000}});
    // 3 kW of DC PV, 600 W of house load, an EV drawing 6.9 kW on three phases on the grid side.
    gx.update({.pv_w = 3000, .house_w = 600, .ev_loads = {{6900, 3, venus::AcPosition::ac_input}}}, 1s);
    auto& system = gx.system();
    EXPECT_DOUBLE_EQ(number(system, "/Dc/Pv/Power"), 3000);
    EXPECT_DOUBLE_EQ(number(system, "/Dc/Battery/Power"), -3000);  // discharging at its limit
    EXPECT_NEAR(number(system, "/Ac/ConsumptionOnInput/L1/Power"), 2300, 1e-9);
    EXPECT_NEAR(number(system, "/Ac/ConsumptionOnOutput/L1/Power"), 200, 1e-9);
    EXPECT_NEAR(number(system, "/Ac/Consumption/L2/Power"), 2500, 1e-9);
    // grid = loads 7500 - PV 3000 + battery (-3000) = 1500 W import, 500 W a phase
    EXPECT_NEAR(number(system, "/Ac/Grid/L3/Power"), 500, 1e-9);
    EXPECT_NEAR(number(gx.grid(), "/Ac/Power"), 1500, 1e-9);
    EXPECT_LT(number(system, "/Dc/Battery/Soc"), 50.0);
    EXPECT_EQ(std::get<std::string>(system.value("/Serial")), "c0ffee000001");
    // Without the EV the same site exports nothing and charges the battery with the surplus.
    gx.update({.pv_w = 3000, .house_w = 600}, 1s);
    EXPECT_DOUBLE_EQ(number(system, "/Dc/Battery/Power"), 2400);
    EXPECT_NEAR(number(gx.grid(), "/Ac/Power"), 0, 1e-9);
}

TEST(VirtualGx, AOnePhaseEvBehindTheInverterLoadsL1OfTheOutput) {
    VirtualGx gx({.battery = false});
    gx.update({.pv_w = 0, .house_w = 0, .ev_loads = {{3680, 1, venus::AcPosition::ac_output}}}, 1s);
    EXPECT_NEAR(number(gx.system(), "/Ac/ConsumptionOnOutput/L1/Power"), 3680, 1e-9);
    EXPECT_NEAR(number(gx.system(), "/Ac/ConsumptionOnOutput/L2/Power"), 0, 1e-9);
    EXPECT_NEAR(number(gx.system(), "/Ac/Grid/L1/Power"), 3680, 1e-9);
    EXPECT_FALSE(venus::is_valid(gx.system().value("/Dc/Battery/Soc")));
}

TEST(VirtualGx, TheEssSettingsAreWriteableAndTheBatteryFollowsThem) {
    VirtualGx gx({.battery_settings = {.soc = 0.3}, .minimum_soc_percent = 10});
    EXPECT_EQ(gx.settings().set_value("/Settings/CGwacs/BatteryLife/MinimumSocLimit", venus::BusValue{40.0}),
              venus::SetValueResult::accepted);
    EXPECT_EQ(gx.settings().set_value("/Settings/CGwacs/BatteryLife/MinimumSocLimit", venus::BusValue{140.0}),
              venus::SetValueResult::refused);
    gx.update({.pv_w = 0, .house_w = 1000}, 1s);
    // Below its new 40 % minimum the battery gives nothing: the house comes from the grid.
    EXPECT_DOUBLE_EQ(number(gx.system(), "/Dc/Battery/Power"), 0);
    EXPECT_NEAR(number(gx.grid(), "/Ac/Power"), 1000, 1e-9);
    EXPECT_EQ(gx.settings().set_value("/Settings/CGwacs/AcPowerSetPoint", venus::BusValue{std::int64_t{-500}}),
              venus::SetValueResult::accepted);
    EXPECT_DOUBLE_EQ(gx.grid_setpoint_w(), -500);
}

TEST(VirtualGx, PublishesEveryServiceOnTheBus) {
    VirtualClock clock(TimePoint{});
    Executor executor(clock);
    VirtualGx gx({.pv_position = PvPosition::ac_input});  // first: its trees outlive their publication
    venus::InProcessBusDaemon daemon(executor);
    venus::InProcessVenusBus bus(daemon, "gx");
    std::optional<std::string> error = "not called";
    bus.connect([&](auto) { gx.publish(bus, [&](std::optional<std::string> e) { error = e; }); });
    executor.run_for(1s);
    EXPECT_FALSE(error) << *error;
    EXPECT_EQ(daemon.names(),
              (std::vector<std::string>{"com.victronenergy.battery.ttyO1", "com.victronenergy.grid.cgwacs_ttyUSB0_mb1",
                                        "com.victronenergy.pvinverter.virtual", "com.victronenergy.settings",
                                        "com.victronenergy.system"}));
}

}  // namespace
}  // namespace evhil::sim::victron

namespace evhil::sim::victron {
namespace {

venus::SettingDefinition instance_claim(const std::string& device, const std::string& claim) {
    return {"/Settings/Devices/" + device + "/ClassAndVrmInstance", std::string(claim), std::nullopt, std::nullopt};
}

TEST(VirtualGxSettings, AddSettingsGivesEachDeviceTheFirstFreeInstanceOfItsClassAndKeepsItsValue) {
    VirtualGx gx(GxSettings{});
    auto first = gx.add_settings({instance_claim("evc_A", "evcharger:40"), instance_claim("bat_A", "battery:40")});
    ASSERT_EQ(first.size(), 2U);
    EXPECT_EQ(first[0].error, 0);
    EXPECT_EQ(std::get<std::string>(first[0].value), "evcharger:40");
    EXPECT_EQ(std::get<std::string>(first[1].value), "battery:40");  // another class: its own numbering
    // A second charger asking for 40 gets 41; asking again later, each keeps what it was given.
    auto second = gx.add_settings({instance_claim("evc_B", "evcharger:40")});
    EXPECT_EQ(std::get<std::string>(second[0].value), "evcharger:41");
    auto again = gx.add_settings({instance_claim("evc_A", "evcharger:45"), instance_claim("evc_B", "evcharger:40")});
    EXPECT_EQ(std::get<std::string>(again[0].value), "evcharger:40");
    EXPECT_EQ(std::get<std::string>(again[1].value), "evcharger:41");
    EXPECT_EQ(std::get<std::string>(gx.settings().value("/Settings/Devices/evc_B/ClassAndVrmInstance")),
              "evcharger:41");
}

TEST(VirtualGxSettings, AddSettingsRefusesWhatLocalsettingsRefuses) {
    VirtualGx gx(GxSettings{});
    auto results = gx.add_settings({
        {"/Other/Thing", std::int64_t{1}, std::nullopt, std::nullopt},                 // not under /Settings
        {"/Settings/Devices/x/ClassAndVrmInstance", std::string("nocolon"), {}, {}},   // not class:instance
        {"/Settings/CGwacs", std::int64_t{1}, std::nullopt, std::nullopt},             // a group
        {"/Settings/CGwacs/BatteryLife/MinimumSocLimit", std::string("ten"), {}, {}},  // another type
        {"/Settings/Test/Level", std::int64_t{200}, 0.0, 100.0},                       // default out of range
        {"/Settings/Test/Empty", venus::Invalid{}, std::nullopt, std::nullopt},        // no type
        {"/Settings/Test/Level", std::int64_t{50}, 0.0, 100.0},                        // fine
    });
    ASSERT_EQ(results.size(), 7U);
    EXPECT_EQ(results[0].error, -9);
    EXPECT_EQ(results[1].error, -6);
    EXPECT_EQ(results[2].error, -8);
    EXPECT_EQ(results[3].error, -5);
    EXPECT_EQ(results[4].error, -7);
    EXPECT_EQ(results[5].error, -3);
    EXPECT_EQ(results[6].error, 0);
    EXPECT_EQ(std::get<std::int64_t>(gx.settings().value("/Settings/Test/Level")), 50);
}

}  // namespace
}  // namespace evhil::sim::victron
