// The Alfen NG9xx simulator at the PDU level: register map coverage, encodings, exceptions, the setpoint
// countdown and fallback and limits, all on a virtual clock (Mode 3, measurements, energy and settings:
// alfen_station_physics_test.cpp).

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

// ---- the map itself ----

TEST(AlfenRegisterMap, CoversTheReferenceBlocksExactly) {
    std::set<std::uint16_t> station_registers;
    std::set<std::uint16_t> socket_registers;
    for (const auto& row : register_map()) {
        auto& set = row.scope == UnitScope::station ? station_registers : socket_registers;
        for (std::uint16_t i = 0; i < row.count; ++i) {
            EXPECT_TRUE(set.insert(row.address + i).second) << row.name << " overlaps";
        }
    }
    auto expect_block = [](const std::set<std::uint16_t>& set, std::uint16_t first, std::uint16_t last) {
        for (std::uint32_t address = first; address <= last; ++address) {
            EXPECT_TRUE(set.count(static_cast<std::uint16_t>(address))) << address << " is not mapped";
        }
    };
    expect_block(station_registers, 100, 178);
    expect_block(station_registers, 1100, 1105);
    expect_block(station_registers, 1400, 1431);
    expect_block(socket_registers, 300, 425);
    expect_block(socket_registers, 1200, 1215);
    EXPECT_EQ(station_registers.size(), 79u + 6u + 32u);
    EXPECT_EQ(socket_registers.size(), 126u + 16u);
}

TEST(AlfenRegisterMap, WritableSetIsTheDocumentedOne) {
    std::set<std::uint16_t> writable;
    for (const auto& row : register_map()) {
        if (row.access == Access::read_write) {
            writable.insert(row.address);
            EXPECT_NE(row.write_target, WriteTarget::none) << row.name;
        }
    }
    EXPECT_EQ(writable, (std::set<std::uint16_t>{1210, 1215, 1417, 1419, 1421}));
    ASSERT_NE(find_register(UnitScope::socket, 1211), nullptr);
    EXPECT_EQ(find_register(UnitScope::socket, 1211)->address, 1210);
    EXPECT_EQ(find_register(UnitScope::station, 1211), nullptr);
    EXPECT_EQ(find_register(UnitScope::socket, 179), nullptr);
    EXPECT_EQ(find_register(UnitScope::socket, 65535), nullptr);
}

// ---- reads ----

TEST_F(AlfenStationTest, EveryBlockReadsOnItsOwnUnitOnly) {
    EXPECT_EQ(read(station_unit, 100, 79).size(), 79u);  // Home Assistant's identification block
    EXPECT_EQ(read(station_unit, 1100, 6).size(), 6u);
    EXPECT_EQ(read(station_unit, 1400, 32).size(), 32u);
    EXPECT_EQ(read(socket1, 300, 125).size(), 125u);
    EXPECT_EQ(read(socket1, 425, 1).size(), 1u);
    EXPECT_EQ(read(socket1, 1200, 16).size(), 16u);
    EXPECT_EQ(read(station_unit, 1101, 1).size(), 1u);  // half of a FLOAT32 may be read

    for (auto [address, count] : {std::pair{100, 1}, {1100, 2}, {1400, 4}}) {
        EXPECT_EQ(exception_for(socket1, modbus::encode_read_holding(address, count)),
                  ExceptionCode::illegal_data_address);
    }
    for (auto [address, count] : {std::pair{300, 1}, {1200, 1}, {1210, 2}}) {
        EXPECT_EQ(exception_for(station_unit, modbus::encode_read_holding(address, count)),
                  ExceptionCode::illegal_data_address);
    }
}

TEST_F(AlfenStationTest, IdentificationStrings) {
    EXPECT_EQ(read_string(station_unit, 100, 17), "ALF_1000");
    EXPECT_EQ(read_string(station_unit, 117, 5), "Alfen NV");
    EXPECT_EQ(read_string(station_unit, 123, 17), station->settings().firmware_version);
    EXPECT_EQ(read_string(station_unit, 140, 17), "NG910");
    EXPECT_EQ(read_string(station_unit, 157, 11), "00000R000");
    // High byte first, NUL-padded: "AL" "F_" ...
    auto name = read(station_unit, 100, 17);
    EXPECT_EQ(name[0], 0x414C);
    EXPECT_EQ(name[4], 0x0000);
    EXPECT_EQ(read(station_unit, 122, 1)[0], 1);
    EXPECT_EQ(read(station_unit, 1105, 1)[0], 1);
    EXPECT_FLOAT_EQ(read_float(station_unit, 1100), 32.0f);
    EXPECT_GT(read_float(station_unit, 1102), 0.0f);
}

TEST_F(AlfenStationTest, DateTimeAndUptimeComeFromTheClock) {
    auto date = read(station_unit, 168, 6);
    EXPECT_EQ(date, (Words{2026, 6, 21, 8, 0, 0}));
    clock.advance_to(clock.now() + 90s + 250ms);
    EXPECT_EQ(read(station_unit, 171, 3), (Words{8, 1, 30}));
    EXPECT_EQ(modbus::decode_u64(read(station_unit, 174, 4)), 90250u);
    EXPECT_EQ(read(station_unit, 178, 1)[0], 0);

    AlfenStationSettings settings;
    settings.utc_offset_minutes = 120;
    make(settings);
    EXPECT_EQ(read(station_unit, 171, 1)[0], 10);
    EXPECT_EQ(read(station_unit, 178, 1)[0], 120);
}

// ---- writes and exceptions ----

TEST_F(AlfenStationTest, SetpointEncodesHighWordFirst) {
    EXPECT_EQ(set_current(16.0f), std::nullopt);
    EXPECT_EQ(read(socket1, 1210, 2), (Words{0x4180, 0x0000}));
    EXPECT_FLOAT_EQ(read_float(socket1, 1206), 16.0f);
    EXPECT_EQ(read(socket1, 1214, 1)[0], 1);
    EXPECT_EQ(station->writes_accepted(), 1u);
    EXPECT_DOUBLE_EQ(station->setpoint_a(), 16.0);
}

TEST_F(AlfenStationTest, UnsupportedFunctionsAreIllegalFunction) {
    modbus::Pdu read_input{modbus::function::read_input_registers, 0x04, 0xB1, 0x00, 0x05};
    EXPECT_EQ(exception_for(socket1, read_input), ExceptionCode::illegal_function);
    modbus::Pdu read_coils{0x01, 0x00, 0x00, 0x00, 0x01};
    EXPECT_EQ(exception_for(station_unit, read_coils), ExceptionCode::illegal_function);
}

TEST_F(AlfenStationTest, UnmappedRegistersAreIllegalDataAddress) {
    EXPECT_EQ(exception_for(station_unit, modbus::encode_read_holding(179, 1)), ExceptionCode::illegal_data_address);
    EXPECT_EQ(exception_for(station_unit, modbus::encode_read_holding(170, 10)), ExceptionCode::illegal_data_address);
    EXPECT_EQ(exception_for(socket1, modbus::encode_read_holding(1199, 2)), ExceptionCode::illegal_data_address);
    EXPECT_EQ(exception_for(socket1, modbus::encode_read_holding(1215, 2)), ExceptionCode::illegal_data_address);
    EXPECT_EQ(exception_for(socket1, modbus::encode_read_holding(65500, 50)), ExceptionCode::illegal_data_address);
}

TEST_F(AlfenStationTest, PartialFloatWritesGetTheConfiguredException) {
    EXPECT_EQ(exception_for(socket1, modbus::encode_write_single(1210, 0x4180)), ExceptionCode::illegal_data_address);
    Words low{0x0000};
    EXPECT_EQ(exception_for(socket1, modbus::encode_write_multiple(1211, low)), ExceptionCode::illegal_data_address);
    Words high{0x4180};
    EXPECT_EQ(exception_for(socket1, modbus::encode_write_multiple(1210, high)), ExceptionCode::illegal_data_address);
    Words scn_half{0x4100, 0x0000, 0x4100};
    EXPECT_EQ(exception_for(station_unit, modbus::encode_write_multiple(1417, scn_half)),
              ExceptionCode::illegal_data_address);
    EXPECT_EQ(station->writes_rejected(), 4u);
    EXPECT_TRUE(std::isnan(station->setpoint_a()));

    AlfenStationSettings settings;
    settings.partial_write_exception = ExceptionCode::illegal_data_value;
    make(settings);
    EXPECT_EQ(exception_for(socket1, modbus::encode_write_single(1210, 0x4180)), ExceptionCode::illegal_data_value);
}

TEST_F(AlfenStationTest, ReadOnlyWritesGetTheConfiguredException) {
    EXPECT_EQ(write_float(station_unit, 1100, 10.0f), ExceptionCode::illegal_data_address);
    EXPECT_EQ(write_float(socket1, 1206, 10.0f), ExceptionCode::illegal_data_address);
    EXPECT_EQ(exception_for(socket1, modbus::encode_write_single(1200, 1)), ExceptionCode::illegal_data_address);
    // A write covering the setpoint and the read-only safe current after it is rejected whole.
    Words covering{0x4180, 0x0000, 0x4180, 0x0000};
    EXPECT_EQ(exception_for(socket1, modbus::encode_write_multiple(1210, covering)),
              ExceptionCode::illegal_data_address);
    EXPECT_TRUE(std::isnan(station->setpoint_a()));

    AlfenStationSettings settings;
    settings.read_only_write_exception = ExceptionCode::illegal_function;
    make(settings);
    EXPECT_EQ(write_float(station_unit, 1100, 10.0f), ExceptionCode::illegal_function);
}

TEST_F(AlfenStationTest, OutOfRangeValuesAreIllegalDataValue) {
    EXPECT_EQ(exception_for(socket1, modbus::encode_write_single(1215, 2)), ExceptionCode::illegal_data_value);
    EXPECT_EQ(exception_for(socket1, modbus::encode_write_single(1215, 0)), ExceptionCode::illegal_data_value);
    EXPECT_EQ(set_current(-1.0f), ExceptionCode::illegal_data_value);
    EXPECT_EQ(set_current(80.5f), ExceptionCode::illegal_data_value);
    EXPECT_EQ(set_current(std::nanf("")), ExceptionCode::illegal_data_value);
    EXPECT_EQ(write_float(station_unit, 1417, -3.0f), ExceptionCode::illegal_data_value);
    EXPECT_EQ(set_current(80.0f), std::nullopt);
    EXPECT_EQ(set_current(0.0f), std::nullopt);
}

TEST_F(AlfenStationTest, UnknownUnitFollowsTheSetting) {
    EXPECT_EQ(exception_for(2, modbus::encode_read_holding(1201, 5)), ExceptionCode::gateway_target_failed);
    EXPECT_EQ(exception_for(0, modbus::encode_read_holding(100, 1)), ExceptionCode::gateway_target_failed);
    AlfenStationSettings settings;
    settings.unknown_unit_behaviour = UnknownUnitBehaviour::ignore;
    make(settings);
    EXPECT_FALSE(station->handle(7, modbus::encode_read_holding(1201, 5)).has_value());
}

TEST_F(AlfenStationTest, DualStationServesUnitTwo) {
    AlfenStationSettings settings;
    settings.sockets = 2;
    physics::Ev second{physics::EvSettings{}};
    station = std::make_unique<AlfenStation>(settings, clock, &ev, &second);
    EXPECT_EQ(read(station_unit, 1105, 1)[0], 2);
    EXPECT_EQ(write_float(2, 1210, 10.0f), std::nullopt);
    EXPECT_FLOAT_EQ(read_float(2, 1206), 10.0f);
    EXPECT_FLOAT_EQ(read_float(socket1, 1206), 6.0f);  // socket 1 still on the safe current
    EXPECT_THROW(AlfenStation(AlfenStationSettings{}, clock, &ev, &second), std::invalid_argument);
}

// ---- setpoint validity, fallback, reboot ----

TEST_F(AlfenStationTest, CountdownRunsFromTheLastWriteAndFallsBackToSafeCurrent) {
    ASSERT_EQ(set_current(16.0f), std::nullopt);
    EXPECT_EQ(read_u32(socket1, 1208), 60u);
    clock.advance_to(clock.now() + 10s);
    EXPECT_EQ(read_u32(socket1, 1208), 50u);  // the reference's example
    clock.advance_to(clock.now() + 49s + 500ms);
    EXPECT_EQ(read_u32(socket1, 1208), 1u);  // rounded up
    EXPECT_FLOAT_EQ(read_float(socket1, 1206), 16.0f);
    clock.advance_to(clock.now() + 500ms);  // exactly the validity time, no physics step in between
    EXPECT_EQ(read_u32(socket1, 1208), 0u);
    EXPECT_FLOAT_EQ(read_float(socket1, 1206), 6.0f);
    EXPECT_FLOAT_EQ(read_float(socket1, 1212), 6.0f);
    EXPECT_EQ(read(socket1, 1214, 1)[0], 0);
    EXPECT_TRUE(std::isnan(station->setpoint_a()));
    EXPECT_FLOAT_EQ(read_float(socket1, 1210), 16.0f);  // the register keeps the last value written

    // Every write, even of the same value, restarts the countdown.
    ASSERT_EQ(set_current(16.0f), std::nullopt);
    clock.advance_to(clock.now() + 30s);
    ASSERT_EQ(set_current(16.0f), std::nullopt);
    clock.advance_to(clock.now() + 45s);
    EXPECT_EQ(station->validity_remaining_s(), 15u);
    EXPECT_DOUBLE_EQ(station->applied_current_a(), 16.0);
}

TEST_F(AlfenStationTest, RebootLosesTheSetpointAndRestartsUptime) {
    int callbacks = 0;
    station->set_on_reboot([&callbacks] { ++callbacks; });
    ASSERT_EQ(set_current(20.0f), std::nullopt);
    ASSERT_EQ(write_float(station_unit, 1417, 10.0f), std::nullopt);
    clock.advance_to(clock.now() + 5s);
    station->reboot();
    EXPECT_EQ(callbacks, 1);
    EXPECT_EQ(station->reboots(), 1u);
    EXPECT_EQ(read_u32(socket1, 1208), 0u);
    EXPECT_TRUE(std::isnan(read_float(socket1, 1210)));
    EXPECT_EQ(read(socket1, 1210, 2), (Words{0x7FC0, 0x0000}));  // quiet NaN by default
    EXPECT_FLOAT_EQ(read_float(socket1, 1206), 6.0f);
    EXPECT_TRUE(std::isnan(read_float(station_unit, 1417)));
    EXPECT_EQ(read_u32(station_unit, 1423), 0u);
    EXPECT_EQ(modbus::decode_u64(read(station_unit, 174, 4)), 0u);
}

TEST_F(AlfenStationTest, AppliedCurrentIsTheLowestLimit) {
    AlfenStationSettings settings;
    settings.station_max_current_a = 20.0;
    settings.cable_max_current_a = 25.0;
    make(settings);
    ASSERT_EQ(set_current(30.0f), std::nullopt);
    EXPECT_FLOAT_EQ(read_float(socket1, 1206), 20.0f);
    EXPECT_EQ(read(socket1, 1214, 1)[0], 0);  // the station max decides, not the setpoint
    ASSERT_EQ(set_current(10.0f), std::nullopt);
    EXPECT_FLOAT_EQ(read_float(socket1, 1206), 10.0f);
    EXPECT_EQ(read(socket1, 1214, 1)[0], 1);

    // An SCN limit on L2 counts while the socket uses three phases, with its own countdown.
    ASSERT_EQ(write_float(station_unit, 1419, 8.0f), std::nullopt);
    EXPECT_FLOAT_EQ(read_float(socket1, 1206), 8.0f);
    EXPECT_EQ(read(socket1, 1214, 1)[0], 0);
    EXPECT_EQ(read_u32(station_unit, 1425), 60u);
    EXPECT_FLOAT_EQ(read_float(station_unit, 1413), 8.0f);
    EXPECT_FLOAT_EQ(read_float(station_unit, 1411), 20.0f);
    ASSERT_EQ(exception_for(socket1, modbus::encode_write_single(1215, 1)), std::nullopt);
    EXPECT_FLOAT_EQ(read_float(socket1, 1206), 10.0f);  // one phase: L2's limit no longer applies
    ASSERT_EQ(exception_for(socket1, modbus::encode_write_single(1215, 3)), std::nullopt);

    clock.advance_to(clock.now() + 30s);
    ASSERT_EQ(set_current(10.0f), std::nullopt);
    clock.advance_to(clock.now() + 30s);  // SCN limit expired, setpoint still valid
    EXPECT_FLOAT_EQ(read_float(socket1, 1206), 10.0f);
    EXPECT_EQ(read(socket1, 1214, 1)[0], 1);

    // With a low safe current, the fallback is the safe current even below the other limits.
    settings.safe_current_a = 0.0;
    make(settings);
    EXPECT_FLOAT_EQ(read_float(socket1, 1206), 0.0f);
}

TEST_F(AlfenStationTest, LowSetpointPolicy) {
    ASSERT_EQ(set_current(3.0f), std::nullopt);
    EXPECT_DOUBLE_EQ(station->applied_current_a(), 0.0);  // default: pause
    EXPECT_TRUE(station->setpoint_accounted());
    AlfenStationSettings settings;
    settings.low_setpoint_policy = LowSetpointPolicy::clamp_to_6;
    make(settings);
    ASSERT_EQ(set_current(3.0f), std::nullopt);
    EXPECT_DOUBLE_EQ(station->applied_current_a(), 6.0);
}

TEST_F(AlfenStationTest, WritingDisabledMakesMaxCurrentsReadOnly) {
    AlfenStationSettings settings;
    settings.allow_writing = false;
    settings.allow_1p3p = false;
    make(settings);
    EXPECT_EQ(set_current(10.0f), ExceptionCode::illegal_data_address);
    EXPECT_EQ(write_float(station_unit, 1417, 10.0f), ExceptionCode::illegal_data_address);
    EXPECT_EQ(read(station_unit, 1431, 1)[0], 0);
    // The phase write is acknowledged but not honoured without "Allow 1- and 3-phased charging".
    EXPECT_EQ(exception_for(socket1, modbus::encode_write_single(1215, 1)), std::nullopt);
    EXPECT_EQ(read(socket1, 1215, 1)[0], 3);
}

}  // namespace
}  // namespace evhil::sim::alfen
