// The site meter on the GX's system and settings services: what it reads, and a GX that leaves and comes back.

#include <gtest/gtest.h>

#include "drivers/core/clock.hpp"
#include "drivers/core/executor.hpp"
#include "drivers/meters/victron_system/victron_system_meter.hpp"
#include "drivers/venus/in_process_bus.hpp"
#include "simulators/victron/virtual_gx.hpp"

namespace evhil::meters {
namespace {

using namespace std::chrono_literals;

struct GxOnABus {
    GxOnABus() {
        gx_bus.connect([](const std::optional<std::string>&) {});
        executor.run_for(1s);
    }
    void publish() {
        gx.publish(gx_bus, [](const std::optional<std::string>&) {});
        executor.run_for(1s);
    }
    VirtualClock clock{TimePoint{}};
    Executor executor{clock};
    // The trees before the buses that publish them: they go last.
    sim::victron::VirtualGx gx{{.pv_position = sim::victron::PvPosition::ac_input,
                                .battery_settings = {.capacity_wh = 10000, .soc = 0.6, .max_charge_w = 3000},
                                .minimum_soc_percent = 25}};
    venus::InProcessBusDaemon daemon{executor};
    venus::InProcessVenusBus gx_bus{daemon, "gx"};
    venus::InProcessVenusBus meter_bus{daemon, "meter"};
};

TEST(VictronSystemMeter, ReadsPvOnTheGridSideConsumptionGridAndTheHomeBattery) {
    GxOnABus site;
    VictronSystemMeter meter(site.executor, site.meter_bus, Rng(1));
    meter.start();
    site.executor.run_for(1s);
    EXPECT_FALSE(meter.reading().valid);  // no system service yet
    site.gx.update({.pv_w = 6000, .house_w = 900, .ev_loads = {{2000, 3, venus::AcPosition::ac_input}}}, 1s);
    site.publish();
    auto reading = meter.reading();
    ASSERT_TRUE(reading.valid);
    EXPECT_NEAR(reading.pv_w, 6000, 1e-6);  // PV inverters on the grid side count (victron-alfen-charger misses them)
    EXPECT_NEAR(reading.consumption_w, 2900, 1e-6);
    EXPECT_NEAR(reading.battery_power_w.value_or(-1), 3000, 1e-6);  // charging at its limit
    EXPECT_NEAR(reading.grid_w, 2900 + 3000 - 6000, 1e-6);
    EXPECT_NEAR(reading.battery_soc.value_or(-1), 60, 0.1);
    EXPECT_NEAR(reading.min_soc.value_or(-1), 25, 1e-6);
    // Changes follow from the services' signals.
    site.gx.update({.pv_w = 1000, .house_w = 900}, 1s);
    site.executor.run_for(1s);
    EXPECT_NEAR(meter.reading().pv_w, 1000, 1e-6);
    EXPECT_NEAR(meter.reading().consumption_w, 900, 1e-6);
}

TEST(VictronSystemMeter, AGxThatLeavesMakesTheReadingInvalidUntilItIsBack) {
    GxOnABus site;
    VictronSystemMeter meter(site.executor, site.meter_bus, Rng(1));
    meter.start();
    site.gx.update({.pv_w = 3000, .house_w = 500}, 1s);
    site.publish();
    ASSERT_TRUE(meter.reading().valid);
    for (const auto& [name, tree] : site.gx.services()) {
        site.gx_bus.withdraw(name);
    }
    site.executor.run_for(1s);
    EXPECT_FALSE(meter.reading().valid);
    site.publish();
    EXPECT_TRUE(meter.reading().valid);
    EXPECT_NEAR(meter.reading().pv_w, 3000, 1e-6);
}

}  // namespace
}  // namespace evhil::meters
