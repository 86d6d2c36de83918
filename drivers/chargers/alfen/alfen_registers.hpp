#pragma once
// The Alfen NG9xx registers the driver uses (docs/alfen.md has the facts and their sources). Raw 0-based PDU addresses.
// Reads are grouped into blocks so one poll costs three requests.

#include <cstdint>

namespace evhil::alfen {

struct RegisterBlock {
    std::uint16_t address;
    std::uint16_t count;
};

namespace reg {
// Unit 200, station.
inline constexpr RegisterBlock identification{100, 79};  // 100–178
inline constexpr std::uint16_t name = 100, manufacturer = 117, firmware = 123, platform = 140, serial = 157;
inline constexpr RegisterBlock station_status{1100, 6};  // 1100–1105
inline constexpr std::uint16_t station_max_current = 1100, board_temperature = 1102, socket_count = 1105;

// Units 1/2, socket.
inline constexpr RegisterBlock measurements{306, 40};  // 306–345: voltages, currents, power factor, power
inline constexpr std::uint16_t voltage_l1 = 306, current_l1 = 320, current_sum = 326, power_l1 = 338, power_sum = 344;
inline constexpr RegisterBlock energy{374, 4};           // 374–377: real energy delivered, sum (FLOAT64 Wh)
inline constexpr RegisterBlock socket_status{1200, 16};  // 1200–1215
inline constexpr std::uint16_t availability = 1200, mode3_state = 1201, applied_current = 1206, valid_time = 1208,
                               setpoint = 1210, safe_current = 1212, setpoint_accounted = 1214, phases = 1215;
}  // namespace reg

}  // namespace evhil::alfen
