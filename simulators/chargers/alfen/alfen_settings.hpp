#pragma once
// Settings of the simulated Alfen NG9xx station: what an installer sets in the ACE Service Installer, plus
// named choices for what the reference (docs/alfen.md) leaves UNCONFIRMED, so a scenario
// can run a driver against each plausible reading.
//
// YAML (every key optional, snake_case as the fields below, without their unit suffix _a/_v/_hz/_c):
//     station:
//       station_max_current: 16
//       validity_time: 30s
//       phases: 1
//       low_setpoint_policy: clamp_to_6
//       partial_write_exception: illegal_data_value

#include <chrono>
#include <cstdint>
#include <string>

#include "drivers/core/clock.hpp"
#include "drivers/core/config.hpp"
#include "drivers/transport/modbus/pdu.hpp"
#include "simulators/chargers/alfen/register_map.hpp"

namespace evhil::sim::alfen {

// A setpoint 0 < I < 6 A: the reference says neither the document nor any client defines the result
// (UNCONFIRMED). IEC 61851 cannot offer less than 6 A, so the station must either stop or round up.
enum class LowSetpointPolicy : std::uint8_t {
    pause,       // treat as 0 A: PWM off (default: the safe reading, nothing is drawn that was not asked for)
    clamp_to_6,  // offer 6 A
};

// A request to a unit the station does not have. Undocumented; a Modbus TCP gateway answers 0x0B.
enum class UnknownUnitBehaviour : std::uint8_t {
    gateway_target_failed,  // exception 0x0B
    ignore,                 // no answer at all; the master times out
};

// Phase labels are station-relative (reference 2.4). A station wired L2-L3-L1 reports the building's L2 in its
// own L1 registers; the registers do not change, the building phases the site model must load do.
enum class Wiring : std::uint8_t { l1_l2_l3, l2_l3_l1 };

struct AlfenStationSettings {
    // Identification, unit 200 (reference 2.1 examples).
    std::string name = "ALF_1000";
    std::string manufacturer = "Alfen NV";
    std::int16_t modbus_table_version = 1;
    // The reference's example "3.4.0-2990" predates Modbus TCP (needs >= 4.2.0), so a current release is the
    // default; 6.4.0 fixes the "budget resets to 0 A without a car" bug a simulator should not show by default.
    std::string firmware_version = "6.4.0-4210";
    std::string platform_type = "NG910";
    std::string serial = "00000R000";
    int utc_offset_minutes = 0;  // register 178; the date/time registers 168-173 show the clock at this offset

    // Limits (A). 1206 is the lowest of these, the setpoint (or the safe current) and the valid SCN limits.
    double station_max_current_a = 32.0;                // 1100
    double cable_max_current_a = 32.0;                  // the socket's cable/contactor rating, not a register
    double safe_current_a = 6.0;                        // 1212: applied when no valid setpoint is present
    Duration validity_time = std::chrono::seconds(60);  // 1208 and the SCN countdowns

    int phases = 3;             // wired phases: 1 or 3. A 1-phase station reports V_L2 = V_L3 = 0.
    bool allow_1p3p = true;     // "Allow 1- and 3-phased charging": 1215 writes are honoured only when set
    bool allow_reading = true;  // "Allow reading"; off: every read is answered with Illegal Function
    bool allow_writing = true;  // "Allow writing maximum currents"; off: 1210 and 1417-1422 behave read-only
    int sockets = 1;            // 1 (unit 1) or 2 (units 1 and 2)

    // Connection rules (reference 1: at most 2 masters, 60 s keep-alive).
    std::size_t max_masters = 2;
    Duration idle_timeout = std::chrono::seconds(60);

    // Supply and meter.
    double nominal_voltage_v = 230.0;
    double frequency_hz = 50.0;
    double board_temperature_c = 35.0;  // 1102 at no load; rises a little with the current drawn
    std::uint16_t ocpp_state = 0;       // 1104; meaning of values UNCONFIRMED, 0 read as "no back office"
    std::string scn_name;               // 1400-1403

    // UNCONFIRMED points, each a named setting.
    LowSetpointPolicy low_setpoint_policy = LowSetpointPolicy::pause;
    // Partial write of a FLOAT32/FLOAT64 and writes to read-only registers: "rejected with an exception", code
    // not given. Illegal Data Address is what most Modbus stacks answer for a write to an unwritable address.
    modbus::ExceptionCode partial_write_exception = modbus::ExceptionCode::illegal_data_address;
    modbus::ExceptionCode read_only_write_exception = modbus::ExceptionCode::illegal_data_address;
    UnknownUnitBehaviour unknown_unit_behaviour = UnknownUnitBehaviour::gateway_target_failed;
    FloatNanPattern float_nan_pattern = FloatNanPattern::quiet_nan;
    // Reallin meters made after 2021 export a subset: per-phase, apparent and reactive energies read NaN.
    bool reallin_2021 = false;
    Wiring wiring = Wiring::l1_l2_l3;
};

// Reads a YAML map of the fields above (snake_case keys); unknown keys and out-of-range values are
// ConfigErrors pointing at the offending line.
AlfenStationSettings parse_alfen_station_settings(const ConfigNode& node);

}  // namespace evhil::sim::alfen
