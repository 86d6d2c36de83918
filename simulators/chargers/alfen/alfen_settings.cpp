#include "simulators/chargers/alfen/alfen_settings.hpp"

#include <fmt/format.h>

namespace evhil::sim::alfen {
namespace {

constexpr double max_current_limit_a = 80.0;  // the IEC 61851 PWM range ends at 80 A

// A string that must fit its registers (two characters each), read with the same key as the field.
void read_string(const ConfigNode& node, const char* key, std::size_t registers, std::string& field) {
    if (auto value = node.optional(key)) {
        std::string text = value->as_string();
        if (text.size() > registers * 2) {
            value->fail(fmt::format("'{}' is longer than the {} characters of its {} registers", text, registers * 2,
                                    registers));
        }
        field = std::move(text);
    }
}

modbus::ExceptionCode read_exception(const ConfigNode& node, const char* key, modbus::ExceptionCode fallback) {
    auto value = node.optional(key);
    if (!value) {
        return fallback;
    }
    auto code = modbus::parse_exception_code(value->as_string());
    if (!code) {
        value->fail(fmt::format("'{}' is not a Modbus exception (a name such as illegal_data_address, or 1-127)",
                                value->as_string()));
    }
    return *code;
}

}  // namespace

AlfenStationSettings parse_alfen_station_settings(const ConfigNode& node) {
    AlfenStationSettings s;
    if (node.is_null()) {
        return s;
    }
    node.allow_keys({"name",
                     "manufacturer",
                     "modbus_table_version",
                     "firmware_version",
                     "platform_type",
                     "serial",
                     "utc_offset_minutes",
                     "station_max_current",
                     "cable_max_current",
                     "safe_current",
                     "validity_time",
                     "phases",
                     "allow_1p3p",
                     "allow_reading",
                     "allow_writing",
                     "sockets",
                     "max_masters",
                     "idle_timeout",
                     "nominal_voltage",
                     "frequency",
                     "board_temperature",
                     "ocpp_state",
                     "scn_name",
                     "low_setpoint_policy",
                     "partial_write_exception",
                     "read_only_write_exception",
                     "unknown_unit_behaviour",
                     "float_nan_pattern",
                     "reallin_2021",
                     "wiring"});

    read_string(node, "name", 17, s.name);
    read_string(node, "manufacturer", 5, s.manufacturer);
    read_string(node, "firmware_version", 17, s.firmware_version);
    read_string(node, "platform_type", 17, s.platform_type);
    read_string(node, "serial", 11, s.serial);
    read_string(node, "scn_name", 4, s.scn_name);
    s.modbus_table_version = static_cast<std::int16_t>(node.get_int("modbus_table_version", 1, 0, 32767));
    s.utc_offset_minutes = static_cast<int>(node.get_int("utc_offset_minutes", 0, -720, 840));

    s.station_max_current_a = node.get_double("station_max_current", s.station_max_current_a, 0.0, max_current_limit_a);
    s.cable_max_current_a = node.get_double("cable_max_current", s.cable_max_current_a, 0.0, max_current_limit_a);
    s.safe_current_a = node.get_double("safe_current", s.safe_current_a, 0.0, max_current_limit_a);
    s.validity_time =
        node.get_duration("validity_time", s.validity_time, std::chrono::seconds(1), std::chrono::hours(24));

    if (auto phases = node.optional("phases")) {
        s.phases = static_cast<int>(phases->as_int(1, 3));
        if (s.phases == 2) {
            phases->fail("phases must be 1 or 3");
        }
    }
    s.allow_1p3p = node.get_bool("allow_1p3p", s.allow_1p3p);
    s.allow_reading = node.get_bool("allow_reading", s.allow_reading);
    s.allow_writing = node.get_bool("allow_writing", s.allow_writing);
    s.sockets = static_cast<int>(node.get_int("sockets", s.sockets, 1, 2));
    s.max_masters = static_cast<std::size_t>(node.get_int("max_masters", 2, 0, 64));  // 0 = unlimited
    s.idle_timeout =
        node.get_duration("idle_timeout", s.idle_timeout, Duration{0}, std::chrono::hours(24));  // 0 = never

    s.nominal_voltage_v = node.get_double("nominal_voltage", s.nominal_voltage_v, 100.0, 400.0);
    s.frequency_hz = node.get_double("frequency", s.frequency_hz, 45.0, 65.0);
    s.board_temperature_c = node.get_double("board_temperature", s.board_temperature_c, -40.0, 120.0);
    s.ocpp_state = static_cast<std::uint16_t>(node.get_int("ocpp_state", s.ocpp_state, 0, 65535));

    if (auto policy = node.optional("low_setpoint_policy")) {
        s.low_setpoint_policy = policy->as_enum({"pause", "clamp_to_6"}) == "pause" ? LowSetpointPolicy::pause
                                                                                    : LowSetpointPolicy::clamp_to_6;
    }
    s.partial_write_exception = read_exception(node, "partial_write_exception", s.partial_write_exception);
    s.read_only_write_exception = read_exception(node, "read_only_write_exception", s.read_only_write_exception);
    if (auto behaviour = node.optional("unknown_unit_behaviour")) {
        s.unknown_unit_behaviour = behaviour->as_enum({"gateway_target_failed", "ignore"}) == "ignore"
                                       ? UnknownUnitBehaviour::ignore
                                       : UnknownUnitBehaviour::gateway_target_failed;
    }
    if (auto pattern = node.optional("float_nan_pattern")) {
        s.float_nan_pattern = pattern->as_enum({"quiet_nan", "all_ones"}) == "all_ones" ? FloatNanPattern::all_ones
                                                                                        : FloatNanPattern::quiet_nan;
    }
    s.reallin_2021 = node.get_bool("reallin_2021", s.reallin_2021);
    if (auto wiring = node.optional("wiring")) {
        s.wiring = wiring->as_enum({"l1_l2_l3", "l2_l3_l1"}) == "l2_l3_l1" ? Wiring::l2_l3_l1 : Wiring::l1_l2_l3;
    }
    return s;
}

}  // namespace evhil::sim::alfen
