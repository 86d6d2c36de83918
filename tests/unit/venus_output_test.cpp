// The station's Venus output on the in-process bus beside a virtual GX: it claims each charger's VRM instance from
// the GX's settings service before it registers, and stands by its configured instances where no settings service
// answers.

#include <gtest/gtest.h>

#include "drivers/venus/in_process_bus.hpp"
#include "drivers/venus/venus_output.hpp"
#include "harness/run/testbed.hpp"
#include "simulators/victron/virtual_gx.hpp"

namespace evhil::venus {
namespace {

using namespace std::chrono_literals;

class VenusOutputTest : public ::testing::Test {
protected:
    double instance_of(const std::string& name) {
        double value = -1;
        const auto* tree = daemon_.tree("com.victronenergy.evcharger." + name);
        EXPECT_NE(tree, nullptr) << name;
        if (tree != nullptr) {
            as_number(tree->value("/DeviceInstance"), value);
        }
        return value;
    }
    void publish_gx() {
        gx_bus_.connect([](auto) {});
        gx_.publish(gx_bus_, [](auto) {});
        bed_.executor.run_for(1ms);
    }

    harness::Scenario scenario_ =
        harness::load_scenario(EVHIL_SOURCE_DIR "/scenarios/station/two-alfen-one-circuit.yaml");
    harness::RunOptions options_;
    harness::Testbed bed_{scenario_, options_, 1};
    sim::victron::VirtualGx gx_{sim::victron::GxSettings{}};
    InProcessBusDaemon daemon_{bed_.executor};
    InProcessVenusBus gx_bus_{daemon_, "gx"};
    InProcessVenusBus station_bus_{daemon_, "evchargerd"};
    VenusOutput output_{bed_.executor, station_bus_,
                        *bed_.station, parse_station_evchargers(scenario_.station.chargers),
                        "test",        Rng(1)};
};

TEST_F(VenusOutputTest, ClaimsTheFirstFreeVrmInstancesFromTheSettingsService) {
    publish_gx();
    // Another EV charger the GX has seen before holds instance 40.
    gx_.add_settings({{"/Settings/Devices/evc_HQ1/ClassAndVrmInstance", std::string("evcharger:40"), {}, {}}});
    output_.start();
    bed_.executor.run_for(1s);
    ASSERT_TRUE(output_.published());
    EXPECT_EQ(instance_of("garage"), 41);   // configured 40: taken
    EXPECT_EQ(instance_of("carport"), 42);  // configured 41: taken by garage now
    EXPECT_EQ(std::get<std::string>(gx_.settings().value("/Settings/Devices/evchargerd_garage/ClassAndVrmInstance")),
              "evcharger:41");
    // After a drop it claims again and keeps what it was given.
    daemon_.drop(station_bus_);
    bed_.executor.run_for(5s);
    ASSERT_TRUE(output_.published());
    EXPECT_EQ(instance_of("garage"), 41);
    EXPECT_EQ(instance_of("carport"), 42);
}

TEST_F(VenusOutputTest, WithoutASettingsServiceTheConfiguredInstancesStand) {
    output_.start();
    bed_.executor.run_for(1s);
    ASSERT_TRUE(output_.published());
    EXPECT_EQ(instance_of("garage"), 40);
    EXPECT_EQ(instance_of("carport"), 41);
}

}  // namespace
}  // namespace evhil::venus
