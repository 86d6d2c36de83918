// The Alfen station simulator: Mode 3, measurements and energy following the EV, and its settings.

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <memory>
#include <optional>
#include <set>
#include <variant>
#include <vector>

#include "drivers/core/config.hpp"
#include "drivers/transport/modbus/pdu.hpp"
#include "drivers/transport/modbus/register_codec.hpp"
#include "simulators/chargers/alfen/alfen_station.hpp"
#include "simulators/physics/ev.hpp"
#include "tests/unit/alfen_station_fixture.hpp"

namespace evhil::sim::alfen {
namespace {

using namespace station_test;

// ---- physics: Mode 3, measurements, energy ----

TEST_F(AlfenStationTest, Mode3FollowsTheEv) {
    EXPECT_EQ(read_string(socket1, 1201, 5), "A");
    ev.plug_in();
    ASSERT_EQ(set_current(16.0f), std::nullopt);
    EXPECT_EQ(read_string(socket1, 1201, 5), "B2");  // PWM offered, the car has not reacted yet
    run_for(5s);
    EXPECT_EQ(read_string(socket1, 1201, 5), "C2");
    EXPECT_EQ(station->mode3_state(), "C2");
    EXPECT_NEAR(read_float(socket1, 320), 16.0f, 1e-3);

    ASSERT_EQ(set_current(0.0f), std::nullopt);
    run_for(5s);
    EXPECT_EQ(read_string(socket1, 1201, 5), "B1");  // 0 A: no PWM, the car stopped
    EXPECT_NEAR(read_float(socket1, 344), 0.0f, 1e-3);

    station->set_error(true);
    EXPECT_EQ(read_string(socket1, 1201, 5), "F");
    EXPECT_EQ(read(socket1, 1200, 1)[0], 0);
    EXPECT_DOUBLE_EQ(station->applied_current_a(), 0.0);
    station->set_error(false);
    ev.unplug();
    EXPECT_EQ(read_string(socket1, 1201, 5), "A");
}

TEST_F(AlfenStationTest, MeasurementsAreConsistent) {
    ev.plug_in();
    ASSERT_EQ(set_current(10.0f), std::nullopt);
    run_for(10s);
    for (std::uint16_t address : {306, 308, 310}) {
        EXPECT_FLOAT_EQ(read_float(socket1, address), 230.0f);
    }
    EXPECT_NEAR(read_float(socket1, 312), 398.37f, 0.01f);
    for (std::uint16_t address : {320, 322, 324}) {
        EXPECT_NEAR(read_float(socket1, address), 10.0f, 1e-4);
    }
    EXPECT_NEAR(read_float(socket1, 318), 0.0f, 1e-3);  // balanced: no neutral current
    EXPECT_NEAR(read_float(socket1, 326), 30.0f, 1e-3);
    EXPECT_NEAR(read_float(socket1, 338), 2300.0f, 0.1f);
    EXPECT_NEAR(read_float(socket1, 344), 6900.0f, 0.5f);
    EXPECT_NEAR(station->power_w(), 6900.0, 0.5);
    EXPECT_FLOAT_EQ(read_float(socket1, 336), 50.0f);
    EXPECT_EQ(read(socket1, 300, 1)[0], 0x03);
    clock.advance_to(clock.now() + 400ms);
    EXPECT_EQ(modbus::decode_u64(read(socket1, 301, 4)), 400u);

    // One phase: only L1 carries current.
    ASSERT_EQ(exception_for(socket1, modbus::encode_write_single(1215, 1)), std::nullopt);
    run_for(2s);
    EXPECT_EQ(station->phases(), 1);
    EXPECT_NEAR(read_float(socket1, 320), 10.0f, 1e-4);
    EXPECT_FLOAT_EQ(read_float(socket1, 322), 0.0f);
    EXPECT_NEAR(read_float(socket1, 318), 10.0f, 1e-3);
    EXPECT_EQ(read(socket1, 1215, 1)[0], 1);
}

TEST_F(AlfenStationTest, EnergyIntegratesPowerAndOnlyIncreases) {
    ev.plug_in();
    ASSERT_EQ(set_current(16.0f), std::nullopt);
    double previous = 0;
    for (int half_minute = 0; half_minute < 120; ++half_minute) {
        ASSERT_EQ(set_current(16.0f), std::nullopt);  // the EMS keeps the setpoint alive
        run_for(30s);
        double energy = read_double(socket1, 374);
        ASSERT_GE(energy, previous);
        previous = energy;
    }
    EXPECT_NEAR(previous, 16.0 * 3 * 230.0, 11040.0 * 0.005);  // 1 h at 16 A on 3 x 230 V
    EXPECT_DOUBLE_EQ(previous, station->energy_delivered_wh());
    EXPECT_NEAR(read_double(socket1, 362), previous / 3, 1e-6);
    EXPECT_DOUBLE_EQ(read_double(socket1, 390), 0.0);
    EXPECT_NEAR(read_double(socket1, 406), previous, 1e-6);
}

TEST_F(AlfenStationTest, SinglePhaseStationReportsNoVoltageOnL2L3) {
    AlfenStationSettings settings;
    settings.phases = 1;
    make(settings);
    ev.plug_in();
    EXPECT_FLOAT_EQ(read_float(socket1, 306), 230.0f);
    EXPECT_FLOAT_EQ(read_float(socket1, 308), 0.0f);
    EXPECT_FLOAT_EQ(read_float(socket1, 310), 0.0f);
    EXPECT_EQ(read(socket1, 1215, 1)[0], 1);
    ASSERT_EQ(set_current(16.0f), std::nullopt);
    run_for(5s);
    EXPECT_EQ(ev.active_phases(), 1);
    EXPECT_NEAR(read_float(socket1, 344), 16.0f * 230.0f, 0.5f);
    EXPECT_EQ(station->phases(), 1);
}

TEST_F(AlfenStationTest, Reallin2021ProfileReadsNaNForTheMissingEnergies) {
    AlfenStationSettings settings;
    settings.reallin_2021 = true;
    make(settings);
    EXPECT_EQ(read(socket1, 362, 4), (Words{0x7FF8, 0, 0, 0}));
    EXPECT_TRUE(std::isnan(read_double(socket1, 394)));
    EXPECT_TRUE(std::isnan(read_double(socket1, 422)));
    EXPECT_FALSE(std::isnan(read_double(socket1, 374)));

    settings.float_nan_pattern = FloatNanPattern::all_ones;
    make(settings);
    EXPECT_EQ(read(socket1, 362, 4), (Words{0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF}));
    EXPECT_EQ(read(socket1, 1210, 2), (Words{0xFFFF, 0xFFFF}));
}

TEST_F(AlfenStationTest, WiringRotationMapsStationPhasesToBuildingPhases) {
    EXPECT_EQ(station->building_phase(1), 1);
    AlfenStationSettings settings;
    settings.wiring = Wiring::l2_l3_l1;
    make(settings);
    EXPECT_EQ(station->building_phase(1), 2);
    EXPECT_EQ(station->building_phase(2), 3);
    EXPECT_EQ(station->building_phase(3), 1);
}

TEST_F(AlfenStationTest, ConnectionRulesComeFromSettings) {
    auto rules = station->connection_rules();
    EXPECT_EQ(rules.max_connections, 2u);
    EXPECT_EQ(rules.idle_timeout, Duration(60s));
}

// ---- settings ----

TEST(AlfenSettings, ParsesYaml) {
    auto node = ConfigNode::load_string(
        "station_max_current: 16\n"
        "validity_time: 30s\n"
        "phases: 1\n"
        "low_setpoint_policy: clamp_to_6\n"
        "partial_write_exception: illegal_data_value\n"
        "unknown_unit_behaviour: ignore\n"
        "float_nan_pattern: all_ones\n"
        "idle_timeout: 300ms\n"
        "name: TEST\n",
        "station.yaml");
    auto settings = parse_alfen_station_settings(node);
    EXPECT_DOUBLE_EQ(settings.station_max_current_a, 16.0);
    EXPECT_EQ(settings.validity_time, Duration(30s));
    EXPECT_EQ(settings.phases, 1);
    EXPECT_EQ(settings.low_setpoint_policy, LowSetpointPolicy::clamp_to_6);
    EXPECT_EQ(settings.partial_write_exception, ExceptionCode::illegal_data_value);
    EXPECT_EQ(settings.unknown_unit_behaviour, UnknownUnitBehaviour::ignore);
    EXPECT_EQ(settings.float_nan_pattern, FloatNanPattern::all_ones);
    EXPECT_EQ(settings.idle_timeout, Duration(300ms));
    EXPECT_EQ(settings.name, "TEST");
    EXPECT_EQ(settings.safe_current_a, 6.0);  // untouched default
}

TEST(AlfenSettings, ReportsWhereTheProblemIs) {
    auto expect_error = [](const std::string& yaml, const std::string& fragment) {
        try {
            parse_alfen_station_settings(ConfigNode::load_string(yaml, "station.yaml"));
            ADD_FAILURE() << "no error for: " << yaml;
        } catch (const ConfigError& error) {
            EXPECT_NE(std::string(error.what()).find(fragment), std::string::npos) << error.what();
            EXPECT_EQ(error.file(), "station.yaml");
        }
    };
    expect_error("safe_current: 6\nbogus: 1\n", "station.yaml:2:1: unknown key 'bogus'");
    expect_error("phases: 2\n", "phases must be 1 or 3");
    expect_error("station_max_current: 100\n", "out of range");
    expect_error("partial_write_exception: oops\n", "not a Modbus exception");
    expect_error("serial: 0123456789012345678901234\n", "longer than");
}

}  // namespace
}  // namespace evhil::sim::alfen
