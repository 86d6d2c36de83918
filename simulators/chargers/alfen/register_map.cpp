#include "simulators/chargers/alfen/register_map.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <chrono>
#include <cmath>
#include <limits>

#include "simulators/chargers/alfen/alfen_station.hpp"

namespace evhil::sim::alfen {
namespace {

using C = RegisterContext;
constexpr double nan = std::numeric_limits<double>::quiet_NaN();

RegisterValue number(double value) {
    return RegisterValue{value, {}};
}
RegisterValue text(std::string_view value) {
    return RegisterValue{0, value};
}

// ---- station (unit 200) ----

struct CivilTime {
    int year;
    unsigned month;
    unsigned day;
    long hour;
    long minute;
    long second;
};
// The station's local time: the clock at the configured UTC offset (178).
CivilTime civil_time(const C& c) {
    using namespace std::chrono;
    auto local = floor<seconds>(c.now + minutes(c.station.settings().utc_offset_minutes));
    auto day = floor<days>(local);
    year_month_day ymd{day};
    hh_mm_ss hms{local - day};
    return {int(ymd.year()),           unsigned(ymd.month()),       unsigned(ymd.day()),
            long(hms.hours().count()), long(hms.minutes().count()), long(hms.seconds().count())};
}

RegisterValue name(const C& c) {
    return text(c.station.settings().name);
}
RegisterValue manufacturer(const C& c) {
    return text(c.station.settings().manufacturer);
}
RegisterValue table_version(const C& c) {
    return number(c.station.settings().modbus_table_version);
}
RegisterValue firmware(const C& c) {
    return text(c.station.settings().firmware_version);
}
RegisterValue platform(const C& c) {
    return text(c.station.settings().platform_type);
}
RegisterValue serial(const C& c) {
    return text(c.station.settings().serial);
}
RegisterValue date_year(const C& c) {
    return number(civil_time(c).year);
}
RegisterValue date_month(const C& c) {
    return number(civil_time(c).month);
}
RegisterValue date_day(const C& c) {
    return number(civil_time(c).day);
}
RegisterValue time_hour(const C& c) {
    return number(double(civil_time(c).hour));
}
RegisterValue time_minute(const C& c) {
    return number(double(civil_time(c).minute));
}
RegisterValue time_second(const C& c) {
    return number(double(civil_time(c).second));
}
RegisterValue uptime_ms(const C& c) {
    return number(double(std::chrono::duration_cast<std::chrono::milliseconds>(c.station.uptime_at(c.now)).count()));
}
RegisterValue utc_offset(const C& c) {
    return number(c.station.settings().utc_offset_minutes);
}
RegisterValue station_max(const C& c) {
    return number(c.station.station_max_current_a());
}
RegisterValue board_temperature(const C& c) {
    return number(c.station.board_temperature_c());
}
RegisterValue ocpp_state(const C& c) {
    return number(c.station.settings().ocpp_state);
}
RegisterValue socket_count(const C& c) {
    return number(double(c.station.socket_count()));
}
RegisterValue scn_name(const C& c) {
    return text(c.station.settings().scn_name);
}
template <int Phase>
RegisterValue scn_consumption(const C& c) {
    return number(c.station.scn_consumption_a(Phase));
}
template <int Phase>
RegisterValue scn_actual_max(const C& c) {
    return number(c.station.scn_actual_max_a(Phase, c.now));
}
template <int Phase>
RegisterValue scn_limit(const C& c) {
    return number(c.station.scn_limit_register_a(Phase));
}
template <int Phase>
RegisterValue scn_remaining(const C& c) {
    return number(c.station.scn_remaining_at(Phase, c.now));
}
RegisterValue safe_current(const C& c) {
    return number(c.station.safe_current_a());
}
RegisterValue scn_enabled(const C& c) {
    return number(c.station.settings().allow_writing ? 1 : 0);
}

// ---- socket (units 1, 2): meter ----

bool reallin(const C& c) {
    return c.station.settings().reallin_2021;
}
double phase_current(const C& c, int phase) {
    return c.station.current_a(phase, c.socket);
}
double phase_power(const C& c, int phase) {
    return c.station.phase_power_w(phase, c.socket);
}
double phase_energy(const C& c, int phase) {
    return c.station.phase_energy_delivered_wh(phase, c.socket);
}
bool wired(const C& c, int phase) {
    return phase <= c.station.settings().phases;
}

// Initialised | Updated: the built-in meter is always read successfully.
RegisterValue meter_state(const C&) {
    return number(0x01 | 0x02);
}
RegisterValue meter_age_ms(const C& c) {
    auto age = c.now - c.station.last_measurement(c.socket);
    return number(
        double(std::max<std::int64_t>(0, std::chrono::duration_cast<std::chrono::milliseconds>(age).count())));
}
RegisterValue meter_type(const C&) {
    return number(0);
}  // RTU: the station's own meter on its internal bus
template <int Phase>
RegisterValue voltage_ln(const C& c) {
    return number(c.station.voltage_ln_v(Phase));
}
template <int Pair>
RegisterValue voltage_ll(const C& c) {
    return number(c.station.voltage_ll_v(Pair));
}
// The vector sum of three currents 120 degrees apart at equal power factors.
RegisterValue current_neutral(const C& c) {
    double i1 = phase_current(c, 1);
    double i2 = phase_current(c, 2);
    double i3 = phase_current(c, 3);
    return number(std::sqrt(std::max(0.0, i1 * i1 + i2 * i2 + i3 * i3 - i1 * i2 - i2 * i3 - i3 * i1)));
}
template <int Phase>
RegisterValue current(const C& c) {
    return number(phase_current(c, Phase));
}
RegisterValue current_sum(const C& c) {
    return number(phase_current(c, 1) + phase_current(c, 2) + phase_current(c, 3));
}
// The on-board charger is modelled as a resistive load (power factor 1) on the phases the station has.
template <int Phase>
RegisterValue power_factor(const C& c) {
    return number(wired(c, Phase) ? 1.0 : 0.0);
}
RegisterValue power_factor_sum(const C&) {
    return number(1.0);
}
RegisterValue frequency(const C& c) {
    return number(c.station.settings().frequency_hz);
}
template <int Phase>
RegisterValue real_power(const C& c) {
    return number(phase_power(c, Phase));
}
RegisterValue real_power_sum(const C& c) {
    return number(c.station.power_w(c.socket));
}
RegisterValue zero(const C&) {
    return number(0.0);
}
template <int Phase>
RegisterValue delivered_energy(const C& c) {
    return number(reallin(c) ? nan : phase_energy(c, Phase));
}
RegisterValue delivered_energy_sum(const C& c) {
    return number(c.station.energy_delivered_wh(c.socket));
}
// Nothing flows back from the car, so "consumed" energy stays 0.
RegisterValue consumed_energy_phase(const C& c) {
    return number(reallin(c) ? nan : 0.0);
}
template <int Phase>
RegisterValue apparent_energy(const C& c) {
    return number(reallin(c) ? nan : phase_energy(c, Phase));
}
RegisterValue apparent_energy_sum(const C& c) {
    return number(reallin(c) ? nan : c.station.energy_delivered_wh(c.socket));
}
RegisterValue reactive_energy(const C& c) {
    return number(reallin(c) ? nan : 0.0);
}

// ---- socket: status and transaction ----

RegisterValue availability(const C& c) {
    return number(c.station.available() ? 1 : 0);
}
RegisterValue mode3(const C& c) {
    return text(c.station.mode3_state_at(c.socket, c.now));
}
RegisterValue applied_current(const C& c) {
    return number(c.station.applied_current_at(c.socket, c.now));
}
RegisterValue validity_remaining(const C& c) {
    return number(c.station.validity_remaining_at(c.socket, c.now));
}
RegisterValue setpoint(const C& c) {
    return number(c.station.setpoint_register_a(c.socket));
}
RegisterValue setpoint_accounted(const C& c) {
    return number(c.station.setpoint_accounted_at(c.socket, c.now) ? 1 : 0);
}
RegisterValue phase_mode(const C& c) {
    return number(c.station.phase_mode(c.socket));
}

using T = RegisterType;
constexpr auto R = Access::read;
constexpr auto RW = Access::read_write;
constexpr auto on_station = UnitScope::station;
constexpr auto on_socket = UnitScope::socket;

// the Alfen Modbus slave document (docs/alfen.md), register tables, in address order per unit.
constexpr std::array rows{
    // 2.1 Product identification (unit 200)
    RegisterRow{100, 17, T::string, R, on_station, "name", &name},
    RegisterRow{117, 5, T::string, R, on_station, "manufacturer", &manufacturer},
    RegisterRow{122, 1, T::s16, R, on_station, "modbus_table_version", &table_version},
    RegisterRow{123, 17, T::string, R, on_station, "firmware_version", &firmware},
    RegisterRow{140, 17, T::string, R, on_station, "platform_type", &platform},
    RegisterRow{157, 11, T::string, R, on_station, "station_serial", &serial},
    RegisterRow{168, 1, T::s16, R, on_station, "date_year", &date_year},
    RegisterRow{169, 1, T::s16, R, on_station, "date_month", &date_month},
    RegisterRow{170, 1, T::s16, R, on_station, "date_day", &date_day},
    RegisterRow{171, 1, T::s16, R, on_station, "time_hour", &time_hour},
    RegisterRow{172, 1, T::s16, R, on_station, "time_minute", &time_minute},
    RegisterRow{173, 1, T::s16, R, on_station, "time_second", &time_second},
    RegisterRow{174, 4, T::u64, R, on_station, "uptime_ms", &uptime_ms},
    RegisterRow{178, 1, T::s16, R, on_station, "utc_offset_minutes", &utc_offset},
    // 2.2 Station status (unit 200)
    RegisterRow{1100, 2, T::f32, R, on_station, "station_active_max_current", &station_max},
    RegisterRow{1102, 2, T::f32, R, on_station, "board_temperature", &board_temperature},
    RegisterRow{1104, 1, T::u16, R, on_station, "ocpp_state", &ocpp_state},
    RegisterRow{1105, 1, T::u16, R, on_station, "number_of_sockets", &socket_count},
    // 2.3 SCN (unit 200)
    RegisterRow{1400, 4, T::string, R, on_station, "scn_name", &scn_name},
    RegisterRow{1404, 1, T::u16, R, on_station, "scn_sockets", &socket_count},
    RegisterRow{1405, 2, T::f32, R, on_station, "scn_total_consumption_l1", &scn_consumption<1>},
    RegisterRow{1407, 2, T::f32, R, on_station, "scn_total_consumption_l2", &scn_consumption<2>},
    RegisterRow{1409, 2, T::f32, R, on_station, "scn_total_consumption_l3", &scn_consumption<3>},
    RegisterRow{1411, 2, T::f32, R, on_station, "scn_actual_max_current_l1", &scn_actual_max<1>},
    RegisterRow{1413, 2, T::f32, R, on_station, "scn_actual_max_current_l2", &scn_actual_max<2>},
    RegisterRow{1415, 2, T::f32, R, on_station, "scn_actual_max_current_l3", &scn_actual_max<3>},
    RegisterRow{1417, 2, T::f32, RW, on_station, "scn_max_current_l1", &scn_limit<1>, WriteTarget::scn_limit_l1},
    RegisterRow{1419, 2, T::f32, RW, on_station, "scn_max_current_l2", &scn_limit<2>, WriteTarget::scn_limit_l2},
    RegisterRow{1421, 2, T::f32, RW, on_station, "scn_max_current_l3", &scn_limit<3>, WriteTarget::scn_limit_l3},
    RegisterRow{1423, 2, T::u32, R, on_station, "scn_remaining_valid_time_l1", &scn_remaining<1>},
    RegisterRow{1425, 2, T::u32, R, on_station, "scn_remaining_valid_time_l2", &scn_remaining<2>},
    RegisterRow{1427, 2, T::u32, R, on_station, "scn_remaining_valid_time_l3", &scn_remaining<3>},
    RegisterRow{1429, 2, T::f32, R, on_station, "scn_safe_current", &safe_current},
    RegisterRow{1431, 1, T::u16, R, on_station, "scn_modbus_max_current_enable", &scn_enabled},
    // 2.4 Socket measurements (units 1, 2)
    RegisterRow{300, 1, T::u16, R, on_socket, "meter_state", &meter_state},
    RegisterRow{301, 4, T::u64, R, on_socket, "meter_last_value_age_ms", &meter_age_ms},
    RegisterRow{305, 1, T::u16, R, on_socket, "meter_type", &meter_type},
    RegisterRow{306, 2, T::f32, R, on_socket, "voltage_l1_n", &voltage_ln<1>},
    RegisterRow{308, 2, T::f32, R, on_socket, "voltage_l2_n", &voltage_ln<2>},
    RegisterRow{310, 2, T::f32, R, on_socket, "voltage_l3_n", &voltage_ln<3>},
    RegisterRow{312, 2, T::f32, R, on_socket, "voltage_l1_l2", &voltage_ll<1>},
    RegisterRow{314, 2, T::f32, R, on_socket, "voltage_l2_l3", &voltage_ll<2>},
    RegisterRow{316, 2, T::f32, R, on_socket, "voltage_l3_l1", &voltage_ll<3>},
    RegisterRow{318, 2, T::f32, R, on_socket, "current_n", &current_neutral},
    RegisterRow{320, 2, T::f32, R, on_socket, "current_l1", &current<1>},
    RegisterRow{322, 2, T::f32, R, on_socket, "current_l2", &current<2>},
    RegisterRow{324, 2, T::f32, R, on_socket, "current_l3", &current<3>},
    RegisterRow{326, 2, T::f32, R, on_socket, "current_sum", &current_sum},
    RegisterRow{328, 2, T::f32, R, on_socket, "power_factor_l1", &power_factor<1>},
    RegisterRow{330, 2, T::f32, R, on_socket, "power_factor_l2", &power_factor<2>},
    RegisterRow{332, 2, T::f32, R, on_socket, "power_factor_l3", &power_factor<3>},
    RegisterRow{334, 2, T::f32, R, on_socket, "power_factor_sum", &power_factor_sum},
    RegisterRow{336, 2, T::f32, R, on_socket, "frequency", &frequency},
    RegisterRow{338, 2, T::f32, R, on_socket, "real_power_l1", &real_power<1>},
    RegisterRow{340, 2, T::f32, R, on_socket, "real_power_l2", &real_power<2>},
    RegisterRow{342, 2, T::f32, R, on_socket, "real_power_l3", &real_power<3>},
    RegisterRow{344, 2, T::f32, R, on_socket, "real_power_sum", &real_power_sum},
    RegisterRow{346, 2, T::f32, R, on_socket, "apparent_power_l1", &real_power<1>},
    RegisterRow{348, 2, T::f32, R, on_socket, "apparent_power_l2", &real_power<2>},
    RegisterRow{350, 2, T::f32, R, on_socket, "apparent_power_l3", &real_power<3>},
    RegisterRow{352, 2, T::f32, R, on_socket, "apparent_power_sum", &real_power_sum},
    RegisterRow{354, 2, T::f32, R, on_socket, "reactive_power_l1", &zero},
    RegisterRow{356, 2, T::f32, R, on_socket, "reactive_power_l2", &zero},
    RegisterRow{358, 2, T::f32, R, on_socket, "reactive_power_l3", &zero},
    RegisterRow{360, 2, T::f32, R, on_socket, "reactive_power_sum", &zero},
    RegisterRow{362, 4, T::f64, R, on_socket, "real_energy_delivered_l1", &delivered_energy<1>},
    RegisterRow{366, 4, T::f64, R, on_socket, "real_energy_delivered_l2", &delivered_energy<2>},
    RegisterRow{370, 4, T::f64, R, on_socket, "real_energy_delivered_l3", &delivered_energy<3>},
    RegisterRow{374, 4, T::f64, R, on_socket, "real_energy_delivered_sum", &delivered_energy_sum},
    RegisterRow{378, 4, T::f64, R, on_socket, "real_energy_consumed_l1", &consumed_energy_phase},
    RegisterRow{382, 4, T::f64, R, on_socket, "real_energy_consumed_l2", &consumed_energy_phase},
    RegisterRow{386, 4, T::f64, R, on_socket, "real_energy_consumed_l3", &consumed_energy_phase},
    RegisterRow{390, 4, T::f64, R, on_socket, "real_energy_consumed_sum", &zero},
    RegisterRow{394, 4, T::f64, R, on_socket, "apparent_energy_l1", &apparent_energy<1>},
    RegisterRow{398, 4, T::f64, R, on_socket, "apparent_energy_l2", &apparent_energy<2>},
    RegisterRow{402, 4, T::f64, R, on_socket, "apparent_energy_l3", &apparent_energy<3>},
    RegisterRow{406, 4, T::f64, R, on_socket, "apparent_energy_sum", &apparent_energy_sum},
    RegisterRow{410, 4, T::f64, R, on_socket, "reactive_energy_l1", &reactive_energy},
    RegisterRow{414, 4, T::f64, R, on_socket, "reactive_energy_l2", &reactive_energy},
    RegisterRow{418, 4, T::f64, R, on_socket, "reactive_energy_l3", &reactive_energy},
    RegisterRow{422, 4, T::f64, R, on_socket, "reactive_energy_sum", &reactive_energy},
    // 2.5 Socket status and transaction (units 1, 2)
    RegisterRow{1200, 1, T::u16, R, on_socket, "availability", &availability},
    RegisterRow{1201, 5, T::string, R, on_socket, "mode3_state", &mode3},
    RegisterRow{1206, 2, T::f32, R, on_socket, "actual_applied_max_current", &applied_current},
    RegisterRow{1208, 2, T::u32, R, on_socket, "max_current_valid_time", &validity_remaining},
    RegisterRow{1210, 2, T::f32, RW, on_socket, "modbus_slave_max_current", &setpoint, WriteTarget::setpoint},
    RegisterRow{1212, 2, T::f32, R, on_socket, "safe_current", &safe_current},
    RegisterRow{1214, 1, T::u16, R, on_socket, "setpoint_accounted_for", &setpoint_accounted},
    RegisterRow{1215, 1, T::u16, RW, on_socket, "charge_phases", &phase_mode, WriteTarget::phases},
};

// Address -> row, one table per unit scope. Built at compile time, which also rejects overlapping rows.
constexpr std::size_t index_size = 1432;  // one past the highest mapped address (1431)
constexpr auto station_index = build_register_index<index_size>(
    rows, [](const RegisterRow& row) { return row.scope == UnitScope::station; }, max_row_registers);
constexpr auto socket_index = build_register_index<index_size>(
    rows, [](const RegisterRow& row) { return row.scope == UnitScope::socket; }, max_row_registers);

}  // namespace

std::span<const RegisterRow> register_map() {
    return rows;
}

const RegisterRow* find_register(UnitScope scope, std::uint16_t address) {
    std::int16_t row = (scope == UnitScope::station ? station_index : socket_index).row_at(address);
    return row < 0 ? nullptr : &rows[static_cast<std::size_t>(row)];
}

void encode_register(const RegisterRow& row, const RegisterValue& value, FloatNanPattern nan_pattern,
                     std::span<std::uint16_t> out) {
    encode_register_value(row.type, row.count, value, nan_pattern, out);
}

}  // namespace evhil::sim::alfen
